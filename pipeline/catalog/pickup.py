"""The pickup ledger (migration 0014): every file the pickup flow has seen in a drop folder or an S3 prefix.

One row per version of a file: ``source`` is the file's path or ``s3://bucket/key`` as
:func:`~pipeline.store.intake.name_text` writes it, ``version`` counts from 1 and a new version starts when
a file already taken (or failed) shows another size, time or etag. ``state`` is ``waiting`` (seen, maybe
still being written: ``unchanged_since`` is when its size and time were last seen to change),
``taking`` (claimed by ``owner`` at ``claimed_at``: being ingested), ``taken`` (``contact_ids``) or
``failed`` (``error``).

A mixin of :class:`pipeline.catalog.Catalog`. Claiming is one conditional UPDATE (waiting -> taking, or a
``taking`` claim older than ``stale_before`` whose taker died), so of two pickups at once exactly one
gets a file; when, how and what to take is :mod:`pipeline.pickup`'s business.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from pipeline.catalog.schema import contacts, errors, metadata
from pipeline.catalog.sql import batches, dialect_insert, utc as _utc

PICK_STATES = ("waiting", "taking", "taken", "failed")

picked_files = sa.Table(
    "picked_files",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger),  # a folder's file: st_mtime_ns; an S3 object: its last_modified
    sa.Column("etag", sa.String(128)),  # an S3 object's; None for a folder's file
    sa.Column("state", sa.String(16), nullable=False, index=True),  # waiting | taking | taken | failed
    sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("unchanged_since", sa.DateTime(timezone=True), nullable=False),
    sa.Column("owner", sa.String(128)),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("taken_at", sa.DateTime(timezone=True)),
    sa.Column("contact_ids", sa.JSON),
    sa.Column("error", sa.Text),
)


@dataclass(frozen=True, slots=True)
class PickedFile:
    """One row of the ledger (see the module's docstring)."""

    source: str
    version: int
    size_bytes: int
    mtime_ns: int | None
    etag: str | None
    state: str
    first_seen_at: datetime
    unchanged_since: datetime
    owner: str | None = None
    claimed_at: datetime | None = None
    taken_at: datetime | None = None
    contact_ids: tuple[str, ...] = ()
    error: str | None = None


def _picked(row: sa.Row) -> PickedFile:
    values = dict(row._mapping)
    for name in ("first_seen_at", "unchanged_since", "claimed_at", "taken_at"):
        values[name] = _utc(values[name])
    ids = values["contact_ids"]
    values["contact_ids"] = tuple(json.loads(ids) if isinstance(ids, str) else ids or ())
    return PickedFile(**values)


class PickupRecords:
    engine: sa.Engine

    def picked_latest(self, sources: Sequence[str]) -> dict[str, PickedFile]:
        """The newest version of each of ``sources`` the ledger holds, by source."""
        found: dict[str, PickedFile] = {}
        with self.engine.connect() as conn:
            for batch in batches(sources):
                rows = conn.execute(picked_files.select().where(picked_files.c.source.in_(batch))
                                    .order_by(picked_files.c.source, picked_files.c.version))
                found.update((row.source, _picked(row)) for row in rows)
        return found

    def picked_files(self, *, state: str | None = None, limit: int | None = None) -> list[PickedFile]:
        """Ledger rows, newest seen first; only those in ``state`` when given."""
        query = picked_files.select().order_by(picked_files.c.first_seen_at.desc(), picked_files.c.source)
        if state is not None:
            query = query.where(picked_files.c.state == state)
        with self.engine.connect() as conn:
            return [_picked(row) for row in conn.execute(query.limit(limit))]

    def add_picked(self, source: str, version: int, *, size_bytes: int, mtime_ns: int | None, etag: str | None,
                   at: datetime) -> bool:
        """Record a version of ``source`` seen for the first time, waiting; False when a pickup running at the
        same time recorded it first."""
        insert = dialect_insert(self.engine)
        with self.engine.begin() as conn:
            done = conn.execute(insert(picked_files).values(
                source=source, version=version, size_bytes=size_bytes, mtime_ns=mtime_ns, etag=etag,
                state="waiting", first_seen_at=at, unchanged_since=at).on_conflict_do_nothing())
        return done.rowcount == 1

    def note_picked_change(self, source: str, version: int, *, size_bytes: int, mtime_ns: int | None,
                           etag: str | None, at: datetime) -> None:
        """A waiting file grew or was touched: its new size and time, unchanged since ``at``."""
        with self.engine.begin() as conn:
            conn.execute(picked_files.update().where(
                picked_files.c.source == source, picked_files.c.version == version,
                picked_files.c.state == "waiting").values(
                size_bytes=size_bytes, mtime_ns=mtime_ns, etag=etag, unchanged_since=at))

    def claim_picked(self, source: str, version: int, *, size_bytes: int, mtime_ns: int | None, etag: str | None,
                     owner: str, at: datetime, stale_before: datetime) -> bool:
        """Claim a waiting file, as it was seen (size, time, etag), for ``owner``; True only for the one
        claimer that changed the row. A claim older than ``stale_before`` is a dead taker's and is taken over."""
        c = picked_files.c
        with self.engine.begin() as conn:
            done = conn.execute(picked_files.update().where(
                c.source == source, c.version == version, c.size_bytes == size_bytes,
                c.mtime_ns.is_(None) if mtime_ns is None else c.mtime_ns == mtime_ns,
                c.etag.is_(None) if etag is None else c.etag == etag,
                (c.state == "waiting") | ((c.state == "taking") & (c.claimed_at < stale_before)),
            ).values(state="taking", owner=owner, claimed_at=at))
        return done.rowcount == 1

    def release_picked(self, source: str, version: int, *, owner: str) -> None:
        """Give a claim back (the store could not be reached): the file waits for the next pass."""
        with self.engine.begin() as conn:
            conn.execute(picked_files.update().where(
                picked_files.c.source == source, picked_files.c.version == version,
                picked_files.c.state == "taking", picked_files.c.owner == owner).values(
                state="waiting", owner=None, claimed_at=None))

    def finish_picked(self, source: str, version: int, *, owner: str, at: datetime,
                      contact_ids: Sequence[str] = (), error: str | None = None) -> bool:
        """Mark a claimed file taken (``contact_ids``) or failed (``error``); False when ``owner`` no longer
        holds the claim."""
        with self.engine.begin() as conn:
            done = conn.execute(picked_files.update().where(
                picked_files.c.source == source, picked_files.c.version == version,
                picked_files.c.state == "taking", picked_files.c.owner == owner).values(
                state="failed" if error is not None else "taken", taken_at=at, contact_ids=list(contact_ids),
                error=error))
        return done.rowcount == 1

    def rename_source(self, old: str, new: str) -> None:
        """Contacts and error records ingested from ``old`` (a download's temporary path) say ``new`` instead
        (where the file really came from, ``s3://bucket/key``)."""
        with self.engine.begin() as conn:
            conn.execute(contacts.update().where(contacts.c.source == old).values(source=new))
            conn.execute(errors.update().where(errors.c.source == old).values(source=new))
