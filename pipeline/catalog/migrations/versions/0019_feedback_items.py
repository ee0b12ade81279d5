"""Sorted free-text feedback (feedback_items): category, subcategory and polarity per text, no text copied.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_items",
        sa.Column("item_id", sa.String(200), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("operator_id", sa.String(128)),
        sa.Column("team", sa.String(128)),
        sa.Column("kind", sa.String(16)),
        sa.Column("score", sa.Integer),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("subcategory", sa.String(64)),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("polarity", sa.String(16), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_items_source", "feedback_items", ["source"])
    op.create_index("ix_feedback_items_at", "feedback_items", ["at"])
    op.create_index("ix_feedback_items_category", "feedback_items", ["category"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
