"""Contacts, their telephony events, and error records.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
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
    )
    op.create_table(
        "telephony_events",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("t_s", sa.Float, nullable=False),
        sa.Column("agent_id", sa.String(128)),
        sa.Column("exit", sa.String(128)),
    )
    op.create_table(
        "errors",
        sa.Column("error_id", sa.String(64), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quarantine_key", sa.Text),
        sa.Column("contact_id", sa.String(64)),
    )


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
