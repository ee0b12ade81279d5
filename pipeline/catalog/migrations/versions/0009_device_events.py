"""Desk device events (button presses, panel answers), each stored once by its event id.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.String(128)),
        sa.Column("object_key", sa.Text),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("desk_id", sa.String(128)),
        sa.Column("site_id", sa.String(128)),
        sa.Column("operator_id", sa.String(128)),
        sa.Column("raw", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("device_id", "at", "desk_id"):
        op.create_index(f"ix_device_events_{column}", "device_events", [column])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
