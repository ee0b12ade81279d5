"""The pickup ledger (picked_files): each version of each file the pickup flow saw in a drop folder or an
S3 prefix, waiting, being taken, taken (its contacts) or failed (why).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "picked_files",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger),
        sa.Column("etag", sa.String(128)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unchanged_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("contact_ids", sa.JSON),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_picked_files_state", "picked_files", ["state"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
