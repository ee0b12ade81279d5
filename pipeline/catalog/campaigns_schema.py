"""Survey campaign tables (migration 0016): CRM lifecycle events, customers' addresses and zones,
each campaign invitation with its state, and the follow-up tasks that reasons open.

``campaign_invitations`` holds one row per (campaign, customer, trigger key): a sent invitation with its
state (sent, delivered, answered, ignored, opted_out) or a trigger skipped for good (state "skipped",
``skip_reason`` consent / cap / no_address / late), so a run never reconsiders what it already decided.
Sent ones are also written to ``survey_invitations`` (their answers to ``survey_answers``) so the
survey report counts them.
"""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.catalog.schema import metadata

crm_events = sa.Table(
    "crm_events",
    metadata,
    sa.Column("event_id", sa.String(32), primary_key=True),  # hash of customer, event, at: a file read twice is one
    sa.Column("customer_id", sa.String(128), nullable=False, index=True),
    sa.Column("event", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

campaign_customers = sa.Table(
    "campaign_customers",
    metadata,
    sa.Column("customer_id", sa.String(128), primary_key=True),
    sa.Column("email", sa.String(320)),
    sa.Column("chat_id", sa.String(200)),
    sa.Column("tz", sa.String(64)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

campaign_invitations = sa.Table(
    "campaign_invitations",
    metadata,
    sa.Column("invitation_id", sa.String(32), primary_key=True),
    sa.Column("campaign", sa.String(64), nullable=False, index=True),
    sa.Column("customer_id", sa.String(128), nullable=False, index=True),
    sa.Column("trigger_key", sa.String(200), nullable=False),
    sa.Column("contact_id", sa.String(64)),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("skip_reason", sa.String(16)),
    sa.Column("sink", sa.String(16)),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("reminded_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("campaign", "customer_id", "trigger_key", name="uq_campaign_invitations_trigger"),
)

campaign_tasks = sa.Table(
    "campaign_tasks",
    metadata,
    sa.Column("task_id", sa.String(32), primary_key=True),  # one per invitation and reason
    sa.Column("invitation_id", sa.String(32), nullable=False, index=True),
    sa.Column("customer_id", sa.String(128), nullable=False),
    sa.Column("campaign", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
)
