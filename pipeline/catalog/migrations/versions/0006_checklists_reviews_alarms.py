"""QA checklists, their review history and assignments; alarms and customer flags.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_results",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("checklist_id", sa.String(128), primary_key=True),
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("checklist_version", sa.String(64), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("not_applicable", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(128)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "review_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), nullable=False, index=True),
        sa.Column("checklist_id", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(128)),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "review_assignments",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("reviewer", sa.String(128), primary_key=True),
        sa.Column("checklist_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "alarms",
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
    op.create_table(
        "customer_flags",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("flag", sa.String(64), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
