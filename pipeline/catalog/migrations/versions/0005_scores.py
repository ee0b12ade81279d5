"""Scores: numbers given to a contact (predicted CSI, later checklist totals) with their reasons.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scores",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
