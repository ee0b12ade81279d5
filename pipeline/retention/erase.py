"""Erase a customer, or some contacts, from the store: the catalog rows in one transaction, then the objects.

Objects erased with a contact: its recording or document (``object_key``, unless another contact
shares the content-addressed object), its quarantined files (sidecars, bad lines), device rejects
linked to it, the unredacted transcript kept with ``keep_unredacted`` (``unredacted/<id>.json``), a
chat's raw export (kept when redaction is off or ``keep_unredacted`` is on; found by the content key
its contact id is made from) and a desk visit's face crops and frames (``desk-images/``, found by the
camera and the visit's time). Every key is checked before the catalog changes: an object store that
cannot be reached then stops the erasure with nothing done.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from pipeline.store import RAW_PREFIX, Store
from pipeline.store.objects import ObjectNotFound, ObjectStore, get_bytes
from pipeline.store.outages import is_outage

log = logging.getLogger(__name__)

Progress = Callable[[Iterable[str], str], Iterable[str]]


def no_progress(items: Iterable[str], _what: str) -> Iterable[str]:
    return items


@dataclass(slots=True)
class ErasureReport:
    """What one erasure (or retention) run did."""

    customer_sha256: str | None = None
    contacts: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    objects_deleted: list[str] = field(default_factory=list)
    objects_failed: list[str] = field(default_factory=list)
    """Objects still to delete (the object store was out): listed on the audit entry, the next run deletes them."""
    audit_id: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.objects_failed and self.problem is None

    def merge(self, other: ErasureReport) -> None:
        self.contacts += other.contacts
        for table, n in other.rows.items():
            self.rows[table] = self.rows.get(table, 0) + n
        self.objects_deleted += other.objects_deleted
        self.objects_failed += other.objects_failed
        self.problem = self.problem or other.problem

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


class ObjectsUnreachable(RuntimeError):
    """The object store could not be reached before anything was deleted: nothing was done."""


def _parse_time(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def desk_image_keys(objects: ObjectStore, desk_contacts: Sequence[dict[str, Any]]) -> list[str]:
    """Keys of the face crops and frames (:mod:`pipeline.desk.images`) taken by a visit's camera while the
    visit lasted: the image's ``source`` is the visit document's, its ``taken-at`` between arrival and leaving."""
    from pipeline.desk.images import PREFIX

    found: list[str] = []
    for visit in desk_contacts:
        try:
            document = json.loads(get_bytes(objects, visit["object_key"]))
        except (ObjectNotFound, ValueError):
            continue  # its document gone (retention) or unreadable: nothing to place its images by
        started = _parse_time(document.get("video_started_at"))
        if started is None or not isinstance(document.get("arrive_s"), (int, float)):
            continue
        begin = started + timedelta(seconds=document["arrive_s"])
        end = started + timedelta(seconds=document.get("leave_s") or document["arrive_s"])
        day, last = (begin - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
        while day <= last:  # an image's folder is its local date: a day either side covers any time zone
            for key in objects.list(f"{PREFIX}/{day.isoformat()}/"):
                try:
                    meta = objects.stat(key).metadata
                except ObjectNotFound:
                    continue
                taken = _parse_time(meta.get("taken-at"))
                if meta.get("source") == document.get("source") and taken is not None and begin <= taken <= end:
                    found.append(key)
            day += timedelta(days=1)
    return found


def chat_export_keys(objects: ObjectStore, chat_contacts: Sequence[dict[str, Any]]) -> list[str]:
    """Keys of the raw chat exports (``raw/``) the chats came from: a chat's contact id is made from its
    export's sha256 and its chat id (the part of its source after ``#``, else the file's stem)."""
    from pipeline.chats.ingest import chat_contact_id

    if not chat_contacts:
        return []
    wanted: dict[str, set[str]] = {}
    for chat in chat_contacts:
        path, _, chat_id = chat["source"].partition("#")
        stem = PurePath(path).stem
        wanted.setdefault(chat["contact_id"], set()).update(c for c in (chat_id, stem) if c)
    found = []
    for key in objects.list(RAW_PREFIX + "/"):
        sha = key.rsplit("/", 1)[-1]
        if len(sha) == 64 and any(chat_contact_id(sha, c) == cid for cid, ids in wanted.items() for c in ids):
            found.append(key)
    return found


def existing_keys(objects: ObjectStore, keys: Iterable[str]) -> list[str]:
    """The ``keys`` that name an object now (an unsafe key names none)."""
    found = []
    for key in sorted(set(keys)):
        try:
            if objects.exists(key):
                found.append(key)
        except ValueError:
            log.warning("%r: not an object key; skipped", key)
    return found


def objects_of(store: Store, plan) -> list[str]:
    """Every object key the erasure of ``plan``'s contacts deletes (those that exist now)."""
    keys = set(plan.object_keys)
    keys.update(f"unredacted/{cid}.json" for cid in plan.contact_ids)
    keys.update(desk_image_keys(store.objects, plan.desk_contacts))
    keys.update(chat_export_keys(store.objects, plan.chat_contacts))
    return existing_keys(store.objects, keys)


def delete_objects(objects: ObjectStore, keys: Sequence[str], progress: Progress = no_progress
                   ) -> tuple[list[str], list[str], str | None]:
    """Delete ``keys``; ``(deleted, not deleted, problem)``: the first outage stops it, the rest left."""
    deleted: list[str] = []
    for key in progress(keys, "objects"):
        try:
            objects.delete(key)
        except Exception as error:
            if not is_outage(error):
                raise
            problem = f"the object store could not be reached ({type(error).__name__}); run again to finish"
            return deleted, [k for k in keys if k not in set(deleted)], problem
        deleted.append(key)
    return deleted, [], None


def finish_pending(store: Store, progress: Progress = no_progress) -> ErasureReport:
    """Delete the objects earlier erasures and retention runs left (an outage stopped them)."""
    from pipeline.catalog.erasure import pending_objects, set_pending_objects

    report = ErasureReport()
    for audit_id, keys in pending_objects(store.catalog.engine).items():
        deleted, left, problem = delete_objects(store.objects, keys, progress)
        set_pending_objects(store.catalog.engine, audit_id, left, len(deleted))
        report.objects_deleted += deleted
        report.objects_failed += left
        if problem:
            report.problem = problem
            break
    return report


def erase_contacts(store: Store, contact_ids: Iterable[str], *, customer_id: str | None = None,
                   action: str, user_id: str | None = None, extra: dict[str, Any] | None = None,
                   progress: Progress = no_progress) -> ErasureReport:
    """Erase the contacts (and, with ``customer_id``, every row of that customer): the catalog rows in one
    transaction with an audit entry, then the objects. Raises :class:`ObjectsUnreachable` (nothing done)
    when the objects cannot be looked at first."""
    from pipeline.catalog.erasure import SYSTEM_USER, customer_digest, erase_rows, erasure_plan, set_pending_objects

    engine = store.catalog.engine
    plan = erasure_plan(engine, contact_ids, customer_id)
    try:
        keys = objects_of(store, plan)
    except Exception as error:
        if not is_outage(error):
            raise
        raise ObjectsUnreachable(f"the object store could not be reached ({type(error).__name__}); nothing was "
                                 "erased, try again when it is back") from None
    rows, audit_id = erase_rows(engine, plan, action=action, objects=keys, user_id=user_id or SYSTEM_USER,
                                extra=extra)
    report = ErasureReport(customer_sha256=customer_digest(customer_id) if customer_id is not None else None,
                           contacts=len(plan.contact_ids), rows=rows, audit_id=audit_id)
    if audit_id is None:
        return report
    report.objects_deleted, report.objects_failed, report.problem = delete_objects(store.objects, keys, progress)
    set_pending_objects(engine, audit_id, report.objects_failed, len(report.objects_deleted))
    return report


def erase_customer(store: Store, customer_id: str, *, user_id: str | None = None,
                   progress: Progress = no_progress) -> ErasureReport:
    """Erase everything the store holds of ``customer_id`` (see the module text); running it again
    deletes what an object store outage left, and is otherwise a no-op."""
    from pipeline.catalog.erasure import ERASE_ACTION, customer_contact_ids

    if not isinstance(customer_id, str) or not customer_id.strip():
        raise ValueError("an empty customer id; expected the customer_id the contacts were ingested with")
    report = finish_pending(store, progress)
    if report.problem:
        return report
    erased = erase_contacts(store, customer_contact_ids(store.catalog.engine, customer_id), customer_id=customer_id,
                            action=ERASE_ACTION, user_id=user_id, progress=progress)
    erased.merge(report)
    return erased
