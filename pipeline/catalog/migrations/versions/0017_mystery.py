"""Mystery shopper evaluations (mystery_evaluations), kept apart from checklist_results and scores.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mystery_evaluations",
        sa.Column("evaluation_id", sa.String(64), primary_key=True),
        sa.Column("shopper_id", sa.String(128), nullable=False),
        sa.Column("operator_id", sa.String(128), nullable=False),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("team", sa.String(128)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checklist_id", sa.String(128), nullable=False),
        sa.Column("checklist_version", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(128)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("shopper_id", "operator_id", "at"):
        op.create_index(f"ix_mystery_evaluations_{column}", "mystery_evaluations", [column])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
