"""The coaching library: clipped moments of contacts (coaching_clips), playlists of them for a team or
for everyone (coaching_playlists) and their order (coaching_playlist_items).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coaching_clips",
        sa.Column("clip_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_coaching_clips_contact_id", "coaching_clips", ["contact_id"])
    op.create_table(
        "coaching_playlists",
        sa.Column("playlist_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team", sa.String(128)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_coaching_playlists_team", "coaching_playlists", ["team"])
    op.create_table(
        "coaching_playlist_items",
        sa.Column("playlist_id", sa.String(64), sa.ForeignKey("coaching_playlists.playlist_id"), primary_key=True),
        sa.Column("clip_id", sa.String(64), sa.ForeignKey("coaching_clips.clip_id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_coaching_playlist_items_clip_id", "coaching_playlist_items", ["clip_id"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
