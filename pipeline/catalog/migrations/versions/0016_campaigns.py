"""Survey campaigns: crm_events, campaign_customers, campaign_invitations, campaign_tasks.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_events",
        sa.Column("event_id", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("customer_id", "event", "at"):
        op.create_index(f"ix_crm_events_{column}", "crm_events", [column])
    op.create_table(
        "campaign_customers",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("email", sa.String(320)),
        sa.Column("chat_id", sa.String(200)),
        sa.Column("tz", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign_invitations",
        sa.Column("invitation_id", sa.String(32), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("trigger_key", sa.String(200), nullable=False),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("skip_reason", sa.String(16)),
        sa.Column("sink", sa.String(16)),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("campaign", "customer_id", "trigger_key", name="uq_campaign_invitations_trigger"),
    )
    for column in ("campaign", "customer_id", "state"):
        op.create_index(f"ix_campaign_invitations_{column}", "campaign_invitations", [column])
    op.create_table(
        "campaign_tasks",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("invitation_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_campaign_tasks_invitation_id", "campaign_tasks", ["invitation_id"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
