"""Employee survey answers (employee_answers): anonymous, by team and month, no employee id.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employee_answers",
        sa.Column("answer_id", sa.String(32), primary_key=True),
        sa.Column("wave", sa.String(200), nullable=False),
        sa.Column("team", sa.String(128), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("enps", sa.Integer),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_employee_answers_wave", "employee_answers", ["wave"])
    op.create_index("ix_employee_answers_team", "employee_answers", ["team"])
    op.create_index("ix_employee_answers_month", "employee_answers", ["month"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
