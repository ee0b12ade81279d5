"""Telephony events keep what the export wrote beyond the contract (unknown fields, an unknown type).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telephony_events") as batch:
        batch.add_column(sa.Column("extra", sa.JSON))


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
