"""The catalog's tables as the newest migration leaves them.

Migrations in ``migrations/versions`` build this schema step by step; a test checks that the
two agree. Change both together, and never drop a table or column that holds data.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("contact_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("object_key", sa.Text, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("team", sa.String(128)),
    sa.Column("channel_map", sa.JSON, nullable=False),
    sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8)),
)

telephony_events = sa.Table(
    "telephony_events",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("t_s", sa.Float, nullable=False),
    sa.Column("agent_id", sa.String(128)),
    sa.Column("exit", sa.String(128)),
    sa.Column("extra", sa.JSON),  # what the export wrote beyond the contract, kept as written (0008)
)

errors = sa.Table(
    "errors",
    metadata,
    sa.Column("error_id", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("stage", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("quarantine_key", sa.Text),
    sa.Column("contact_id", sa.String(64)),
)

feature_sets = sa.Table(
    "feature_sets",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("values", sa.JSON, nullable=False),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
)

stage_runs = sa.Table(
    "stage_runs",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("stage", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # ok | failed
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("error_id", sa.String(64)),
    # consecutive runs that met an outage (status "outage"); the last allowed one is recorded "failed"
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
)

contact_leases = sa.Table(
    "contact_leases",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("owner", sa.String(128), nullable=False),  # the process run holding the contact
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

transcripts = sa.Table(
    "transcripts",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("model", sa.String(256), nullable=False),
    sa.Column("turns", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Surveys reach few customers: what was sent, what came back, and who may be asked at all.
# No foreign keys to contacts: a survey export may arrive before the calls and chats it is about.
survey_invitations = sa.Table(
    "survey_invitations",
    metadata,
    sa.Column("invitation_id", sa.String(128), primary_key=True),
    sa.Column("customer_id", sa.String(128), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("contact_id", sa.String(64), index=True),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("team", sa.String(128)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

survey_answers = sa.Table(
    "survey_answers",
    metadata,
    sa.Column("answer_id", sa.String(64), primary_key=True),
    sa.Column("invitation_id", sa.String(128), index=True),
    sa.Column("customer_id", sa.String(128), nullable=False, index=True),
    sa.Column("contact_id", sa.String(64), index=True),
    sa.Column("operator_id", sa.String(128), index=True),
    sa.Column("team", sa.String(128)),
    sa.Column("channel", sa.String(64)),
    sa.Column("kind", sa.String(16), nullable=False),  # csat | nps | ces | discourage (widened in 0018)
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reason", sa.String(128)),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

consent_changes = sa.Table(  # append-only: the latest change of a customer is their consent
    "consent_changes",
    metadata,
    sa.Column("change_id", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.String(128), nullable=False, index=True),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("contact_id", sa.String(64)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

scores = sa.Table(  # one value per contact, score name and source (model, survey, reviewer, rule)
    "scores",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
)

# QA: one row per checklist item answered for a contact (automatically, or by a reviewer), the
# append-only history of what reviewers and operators did with it, and who reviews what.
checklist_results = sa.Table(
    "checklist_results",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("checklist_id", sa.String(128), primary_key=True),
    sa.Column("item_id", sa.String(128), primary_key=True),
    sa.Column("checklist_version", sa.String(64), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("not_applicable", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # rule | reviewer | model
    sa.Column("state", sa.String(16), nullable=False),  # auto | pending | reviewed | acknowledged | disputed | resolved
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("reviewer", sa.String(128)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

review_events = sa.Table(
    "review_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), nullable=False, index=True),
    sa.Column("checklist_id", sa.String(128), nullable=False),
    sa.Column("item_id", sa.String(128)),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # reviewer | operator | system
    sa.Column("action", sa.String(16), nullable=False),  # confirm | override | comment | acknowledge | dispute | resolve
    sa.Column("value", sa.Float),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
)

review_assignments = sa.Table(
    "review_assignments",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("reviewer", sa.String(128), primary_key=True),
    sa.Column("checklist_id", sa.String(128), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),  # risk: low CSI, alarm, negative; or random
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True)),
)

# Alarms raised by rules, with where they were delivered; flags on customers (e.g. do-not-sell).
alarms = sa.Table(
    "alarms",
    metadata,
    sa.Column("alarm_id", sa.String(64), primary_key=True),
    sa.Column("rule", sa.String(128), nullable=False, index=True),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("contact_id", sa.String(64), index=True),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("dedup_key", sa.String(256), nullable=False, index=True),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("deliveries", sa.JSON, nullable=False),
)

customer_flags = sa.Table(
    "customer_flags",
    metadata,
    sa.Column("customer_id", sa.String(128), primary_key=True),
    sa.Column("flag", sa.String(64), primary_key=True),
    sa.Column("until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("contact_id", sa.String(64)),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)

# Desk device events (0009): a press is one row, however often its spool or file is read.
device_events = sa.Table(
    "device_events",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("device_id", sa.String(128), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("value", sa.String(128)),
    sa.Column("object_key", sa.Text),
    sa.Column("contact_id", sa.String(64)),
    sa.Column("desk_id", sa.String(128), index=True),
    sa.Column("site_id", sa.String(128)),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("raw", sa.Text),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
