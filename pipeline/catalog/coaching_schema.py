"""The coaching library's tables (migration 0013): clipped moments of contacts and playlists of them.

A clip is a stretch of one contact (``start_s`` to ``end_s``, seconds from the contact's start) with
what kind of example it is (``wow``: worth copying, ``error``: to avoid, ``example``: neutral) and the
reviewer's comment. A playlist gathers clips in order for a team (``team`` None: for everyone).
"""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.catalog.schema import metadata

CLIP_KINDS = ("wow", "error", "example")

clips = sa.Table(
    "coaching_clips",
    metadata,
    sa.Column("clip_id", sa.String(64), primary_key=True),
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), nullable=False, index=True),
    sa.Column("start_s", sa.Float, nullable=False),
    sa.Column("end_s", sa.Float, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # wow | error | example
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),  # the user id
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

playlists = sa.Table(
    "coaching_playlists",
    metadata,
    sa.Column("playlist_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("team", sa.String(128), index=True),  # None: every team
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

playlist_items = sa.Table(
    "coaching_playlist_items",
    metadata,
    sa.Column("playlist_id", sa.String(64), sa.ForeignKey("coaching_playlists.playlist_id"), primary_key=True),
    sa.Column("clip_id", sa.String(64), sa.ForeignKey("coaching_clips.clip_id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_coaching_playlist_items_clip_id", "clip_id"),
)
