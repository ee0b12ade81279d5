"""Apply the retention settings: ``record_retention_days`` erases contacts that started longer ago, whole
(as ``cxmon erase`` does, by contact), and ``recording_retention_days`` deletes the recordings (a call's
audio, a chat's document) of contacts ingested longer ago, the contact and its records staying, marked
(:func:`pipeline.catalog.erasure.recording_deletions`) so the web app tells why there is nothing to play.

A desk visit's object is its visit document (numbers, no image: its images have their own
``desk_image_retention_days``), so only record retention removes it. A contact with no start time is
aged by when it was ingested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.erasure import (RETENTION_RECORDS_ACTION, delete_rows, erasure_plan, mark_recordings_deleted,
                                      recording_deletions)
from pipeline.catalog.schema import contacts
from pipeline.catalog.sql import batches
from pipeline.retention.erase import (ErasureReport, Progress, no_progress, delete_objects, erase_contacts,
                                      existing_keys, finish_pending, objects_of)
from pipeline.settings import Settings
from pipeline.store import Store

RECORDING_CHANNELS = ("call", "chat")
BATCH_CONTACTS = 200
"""Contacts erased in one catalog transaction by record retention."""


@dataclass(slots=True)
class RetentionReport:
    now: datetime
    dry_run: bool
    recording_cutoff: datetime | None = None
    record_cutoff: datetime | None = None
    recordings: int = 0
    """Contacts whose recording was deleted (or would be, in a dry run)."""
    recording_objects: list[str] = field(default_factory=list)
    records: ErasureReport = field(default_factory=ErasureReport)
    """The contacts erased whole, their rows by table and objects (would be, in a dry run)."""
    objects_failed: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.objects_failed and not self.records.objects_failed and self.problem is None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["records"] = self.records.as_dict()
        return {**values, "ok": self.ok}


def cutoff(now: datetime, days: float | None) -> datetime | None:
    """``now`` less ``days`` (None: keep forever).

    >>> cutoff(datetime(2026, 12, 4, tzinfo=UTC), 30).isoformat()
    '2026-11-04T00:00:00+00:00'
    """
    return None if days is None else now - timedelta(days=days)


def expired_contacts(engine: sa.Engine, before: datetime) -> list[str]:
    """Contacts that started (else were ingested) before ``before``."""
    started = sa.func.coalesce(contacts.c.started_at, contacts.c.ingested_at)
    with engine.connect() as conn:
        return list(conn.execute(sa.select(contacts.c.contact_id).where(started < before)
                                 .order_by(contacts.c.contact_id)).scalars())


def expired_recordings(engine: sa.Engine, before: datetime) -> list[tuple[str, str]]:
    """``(contact_id, object_key)`` of the calls and chats ingested before ``before`` whose recording is
    not yet marked deleted, and whose object no contact ingested later shares."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(contacts.c.contact_id, contacts.c.object_key).where(
            contacts.c.ingested_at < before, contacts.c.channel.in_(RECORDING_CHANNELS))
            .order_by(contacts.c.contact_id)).all()
        keys = {r.object_key for r in rows}
        shared = set()
        for chunk in batches(keys):
            shared.update(conn.execute(sa.select(contacts.c.object_key).where(
                contacts.c.object_key.in_(chunk), contacts.c.ingested_at >= before)).scalars())
    marked = recording_deletions(engine, [r.contact_id for r in rows])
    return [(r.contact_id, r.object_key) for r in rows if r.contact_id not in marked and r.object_key not in shared]


def _dry_erasure(store: Store, contact_ids: Sequence[str]) -> ErasureReport:
    """What erasing ``contact_ids`` would do: the rows counted in a transaction rolled back, the objects looked up."""
    report = ErasureReport(contacts=0)
    for start in range(0, len(contact_ids), BATCH_CONTACTS):
        plan = erasure_plan(store.catalog.engine, contact_ids[start:start + BATCH_CONTACTS])
        with store.catalog.engine.connect() as conn:
            transaction = conn.begin()
            try:
                counts = delete_rows(conn, plan.contact_ids)
            finally:
                transaction.rollback()
        report.merge(ErasureReport(contacts=len(plan.contact_ids), rows=counts,
                                   objects_deleted=objects_of(store, plan)))
    return report


def apply_retention(store: Store, settings: Settings, *, now: datetime | None = None, dry_run: bool = False,
                    progress: Progress = no_progress) -> RetentionReport:
    """Apply ``record_retention_days`` then ``recording_retention_days`` as of ``now`` (aware; default: now).
    With ``dry_run`` nothing changes and the report says what would. Stops at an object store outage: the
    report says what is left (``ok`` false), and the next run finishes it."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now={now.isoformat()}: no time zone; expected an aware time")
    now = now.astimezone(UTC)
    report = RetentionReport(now=now, dry_run=dry_run, record_cutoff=cutoff(now, settings.record_retention_days),
                             recording_cutoff=cutoff(now, settings.recording_retention_days))
    engine = store.catalog.engine
    if not dry_run:
        report.records = finish_pending(store, progress)
        if report.records.problem:
            report.problem = report.records.problem
            return report
    expired: list[str] = []
    if report.record_cutoff is not None:
        expired = expired_contacts(engine, report.record_cutoff)
        if dry_run:
            report.records.merge(_dry_erasure(store, expired))
        else:
            extra = {"record_retention_days": settings.record_retention_days,
                     "before": report.record_cutoff.isoformat()}
            for start in progress(range(0, len(expired), BATCH_CONTACTS), "contacts"):
                done = erase_contacts(store, expired[start:start + BATCH_CONTACTS], action=RETENTION_RECORDS_ACTION,
                                      extra=extra)
                report.records.merge(done)
                if done.problem:
                    report.problem = done.problem
                    return report
    if report.recording_cutoff is not None:
        _delete_recordings(store, report, dry_run=dry_run, progress=progress, erased=set(expired) if dry_run else set())
    return report


def _delete_recordings(store: Store, report: RetentionReport, *, dry_run: bool, progress: Progress,
                       erased: set[str]) -> None:
    """Delete the recordings retention no longer keeps (``erased``: contacts a dry run counted as erased)."""
    expired = [(cid, key) for cid, key in expired_recordings(store.catalog.engine, report.recording_cutoff)
               if cid not in erased]
    for start in progress(range(0, len(expired), BATCH_CONTACTS), "recordings"):
        chunk = expired[start:start + BATCH_CONTACTS]
        keys = existing_keys(store.objects, {key for _, key in chunk})
        if dry_run:
            report.recordings += len(chunk)
            report.recording_objects += keys
            continue
        deleted, left, problem = delete_objects(store.objects, keys)
        gone = set(deleted) | ({key for _, key in chunk} - set(keys))  # deleted now, or missing already
        done = [cid for cid, key in chunk if key in gone]
        mark_recordings_deleted(store.catalog.engine, done)
        report.recordings += len(done)
        report.recording_objects += deleted
        if problem:
            report.objects_failed += left
            report.problem = problem
            return


__all__ = ["RetentionReport", "apply_retention", "cutoff", "expired_contacts", "expired_recordings"]
