"""Customer value from the CRM (customer_values), and room for the WoMI answer kind "discourage".

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_values",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("revenue", sa.Float, nullable=False),
        sa.Column("tenure_months", sa.Float),
        sa.Column("products", sa.Integer),
        sa.Column("clv", sa.Float),
        sa.Column("segment", sa.String(128)),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_values_segment", "customer_values", ["segment"])
    # "discourage" (10 characters) is a survey answer kind now: widen the column (no data changes)
    with op.batch_alter_table("survey_answers") as batch:
        batch.alter_column("kind", existing_type=sa.String(8), type_=sa.String(16), existing_nullable=False)


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
