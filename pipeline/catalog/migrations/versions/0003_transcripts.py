"""Transcripts (a contact's turns with their words, as one JSON document) and contact language.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("language", sa.String(8)))
    op.create_table(
        "transcripts",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("turns", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
