"""Desk complaints and suggestions (feedback button) and sales (seller activity), each stored once.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("desk_id", sa.String(128)),
        sa.Column("site_id", sa.String(128)),
        sa.Column("operator_id", sa.String(128)),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("emotion", sa.String(16)),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("contact_details", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("alarm_id", sa.String(64)),
        sa.Column("answer", sa.Text),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_complaints_at", "complaints", ["at"])
    op.create_index("ix_complaints_status", "complaints", ["status"])
    op.create_table(
        "sales",
        sa.Column("sale_id", sa.String(128), primary_key=True),
        sa.Column("seller_id", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("desk_id", sa.String(128)),
        sa.Column("site_id", sa.String(128)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sales_seller_id", "sales", ["seller_id"])
    op.create_index("ix_sales_at", "sales", ["at"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
