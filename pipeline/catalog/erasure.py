"""Erasing a customer's or a contact's rows from every catalog table (152-FZ art. 21, GDPR art. 17), and the
marks retention leaves on contacts whose recording it deleted.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2). The module
functions take the engine, so :mod:`pipeline.retention` works with any catalog.

What is erased is found from the schema, not from a list kept by hand, so a table added later is
erased too: every table of :data:`~pipeline.catalog.schema.metadata` with a ``contact_id`` column loses
the rows of the erased contacts, every table with a ``customer_id`` column the rows of the customer,
and a table whose foreign key points at a row being deleted (a playlist's item pointing at a clip of
an erased contact) loses the rows that point there, first. Kept on purpose:

- ``audit_log``: who did what stays (the users' own record); the erasure's own entry names the
  customer by :func:`customer_digest` only, never by the id.
- ``consent_changes`` rows that withdraw consent (``granted`` false), with their ``contact_id``
  cleared: the proof of a STOP, which the law requires to keep (152-FZ art. 21 part 5 lets an
  operator keep what a law requires; GDPR art. 17(3)(b),(e)) and which must outlive the erasure, or
  the next survey export would ask that customer again. Consents given are deleted.
- text that names the customer in rows that are not theirs (an alarm about another contact whose
  message quotes the id) is rewritten with :data:`ERASED` in place of the id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.schema import alarms, consent_changes, contacts, errors, metadata
from pipeline.catalog.sql import batches, utc as _utc

ERASED = "[erased]"
KEPT_TABLES = frozenset({"audit_log"})
"""Tables whose rows name contacts and are kept whole (see the module text)."""
ERASE_ACTION = "erasure"
RETENTION_RECORDS_ACTION = "retention.records"
RECORDING_DELETED_ACTION = "retention.recording_deleted"
SYSTEM_USER = "system:cxmon"


def customer_digest(customer_id: str) -> str:
    """What the audit log holds instead of an erased customer's id: its SHA-256 (hex), so that
    "was customer X erased?" is answered by hashing X, and the log itself names nobody.

    >>> customer_digest("79161234567")[:12]
    'dd6e9d3d4b15'
    """
    return hashlib.sha256(f"cxmon-erasure\n{customer_id}".encode()).hexdigest()


@dataclass(slots=True)
class ErasurePlan:
    """What erasing some contacts (and maybe a customer) would touch: the contacts, and the objects
    that hold their bytes (found before the rows that name them go)."""

    customer_id: str | None
    contact_ids: list[str]
    object_keys: list[str] = field(default_factory=list)
    """Objects only these contacts use: their recordings and documents, quarantined files, device rejects."""
    desk_contacts: list[dict[str, Any]] = field(default_factory=list)
    """``{"contact_id", "object_key", "source"}`` of the desk visits among them (their images are found by time)."""
    chat_contacts: list[dict[str, Any]] = field(default_factory=list)
    """``{"contact_id", "source"}`` of the chats among them (their raw export is found by content key)."""


def _tables_with(column: str) -> list[sa.Table]:
    return [t for t in metadata.sorted_tables if column in t.c and t.name not in KEPT_TABLES]


def customer_contact_ids(engine: sa.Engine, customer_id: str) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(contacts.c.contact_id).where(contacts.c.customer_id == customer_id))
                      .scalars())


def erasure_plan(engine: sa.Engine, contact_ids: Iterable[str], customer_id: str | None = None) -> ErasurePlan:
    """The contacts ``contact_ids`` (those that exist) and the object keys only they use."""
    ids = sorted(set(contact_ids))
    plan = ErasurePlan(customer_id=customer_id, contact_ids=[])
    keys: set[str] = set()
    from pipeline.catalog.schema import device_events

    with engine.connect() as conn:
        for chunk in batches(ids):
            for row in conn.execute(sa.select(contacts.c.contact_id, contacts.c.channel, contacts.c.object_key,
                                              contacts.c.source).where(contacts.c.contact_id.in_(chunk))):
                plan.contact_ids.append(row.contact_id)
                keys.add(row.object_key)
                if row.channel == "desk":
                    plan.desk_contacts.append({"contact_id": row.contact_id, "object_key": row.object_key,
                                               "source": row.source})
                elif row.channel == "chat":
                    plan.chat_contacts.append({"contact_id": row.contact_id, "source": row.source})
            keys.update(k for k in conn.execute(sa.select(errors.c.quarantine_key).where(
                errors.c.contact_id.in_(chunk), errors.c.quarantine_key.is_not(None))).scalars())
            keys.update(k for k in conn.execute(sa.select(device_events.c.object_key).where(
                device_events.c.contact_id.in_(chunk), device_events.c.object_key.is_not(None))).scalars())
        erased = set(plan.contact_ids)
        # a content-addressed object another contact (or a kept row) still uses stays
        shared: set[str] = set()
        for chunk in batches(keys):
            for table, key_column in ((contacts, contacts.c.object_key), (errors, errors.c.quarantine_key),
                                      (device_events, device_events.c.object_key)):
                for key, owner in conn.execute(sa.select(key_column, table.c.contact_id)
                                               .where(key_column.in_(chunk))):
                    if owner not in erased:
                        shared.add(key)
    plan.contact_ids.sort()
    plan.object_keys = sorted(k for k in keys - shared if k)
    return plan


def _delete_in(conn: sa.Connection, table: sa.Table, column: sa.Column, values: Sequence[str]) -> int:
    deleted = 0
    for chunk in batches(values):
        deleted += conn.execute(table.delete().where(column.in_(chunk))).rowcount or 0
    return deleted


def _scrub(value: Any, needle: str) -> Any:
    if isinstance(value, str):
        return value.replace(needle, ERASED)
    if isinstance(value, list):
        return [_scrub(v, needle) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, needle): _scrub(v, needle) for k, v in value.items()}
    return value


def delete_rows(conn: sa.Connection, contact_ids: Sequence[str], customer_id: str | None = None) -> dict[str, int]:
    """Delete, inside the caller's transaction, every row of ``contact_ids`` (and of ``customer_id`` when
    given) from every table (see the module text); the rows deleted or rewritten, by table."""
    counts: dict[str, int] = {}

    def add(name: str, n: int) -> None:
        if n:
            counts[name] = counts.get(name, 0) + n

    by_contact = {t.name for t in _tables_with("contact_id")}
    by_customer = {t.name for t in _tables_with("customer_id")} if customer_id is not None else set()
    erased_tables = by_contact | by_customer
    for table in reversed(metadata.sorted_tables):  # dependants first: foreign keys hold at every step
        if table.name in KEPT_TABLES:
            continue
        # rows pointing (not by contact_id) at rows that go: a playlist's item of an erased contact's clip
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name in erased_tables and fk.column.name not in ("contact_id", "customer_id") \
                    and fk.parent.name not in ("contact_id", "customer_id"):
                for chunk in batches(contact_ids):
                    if target.name in by_contact:
                        inner = sa.select(fk.column).where(target.c.contact_id.in_(chunk))
                        add(table.name, conn.execute(table.delete().where(fk.parent.in_(inner))).rowcount or 0)
                if customer_id is not None and target.name in by_customer:
                    inner = sa.select(fk.column).where(target.c.customer_id == customer_id)
                    add(table.name, conn.execute(table.delete().where(fk.parent.in_(inner))).rowcount or 0)
        if table is consent_changes:  # STOPs stay (the proof), without the contact; consents given go
            where_customer = consent_changes.c.customer_id == customer_id if customer_id is not None else sa.false()
            for chunk in batches(contact_ids) or [[]]:
                mine = where_customer | consent_changes.c.contact_id.in_(chunk)
                add(table.name, conn.execute(consent_changes.delete().where(
                    mine, consent_changes.c.granted.is_(True))).rowcount or 0)
                conn.execute(consent_changes.update().where(mine, consent_changes.c.granted.is_(False))
                             .values(contact_id=None))
            continue
        if table.name in by_contact:
            add(table.name, _delete_in(conn, table, table.c.contact_id, contact_ids))
        if table.name in by_customer:
            add(table.name, conn.execute(table.delete().where(table.c.customer_id == customer_id)).rowcount or 0)
    if customer_id:  # alarms of others that quote the id: the text loses it, the alarm stays
        escaped = customer_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = "%" + escaped + "%"
        texts = (alarms.c.message, alarms.c.dedup_key, alarms.c.details, alarms.c.deliveries)
        quoted = sa.or_(*(sa.cast(c, sa.Text).like(pattern, escape="\\") for c in texts))
        for row in conn.execute(sa.select(alarms.c.alarm_id, *texts).where(quoted)).all():
            conn.execute(alarms.update().where(alarms.c.alarm_id == row.alarm_id).values(
                {c.name: _scrub(getattr(row, c.name), customer_id) for c in texts}))
            add("alarms (text rewritten)", 1)
    return counts


def audit_row(conn: sa.Connection, action: str, detail: dict[str, Any], *, user_id: str = SYSTEM_USER) -> str:
    """Add an audit entry (inside the caller's transaction); its id."""
    from pipeline.catalog.users import audit_log

    audit_id = uuid.uuid4().hex
    conn.execute(audit_log.insert().values(audit_id=audit_id, at=datetime.now(UTC), user_id=user_id,
                                           action=action, contact_id=None, detail=detail))
    return audit_id


def pending_objects(engine: sa.Engine) -> dict[str, list[str]]:
    """``{audit_id: [object keys]}``: objects an erasure or retention run could not delete yet."""
    from pipeline.catalog.users import audit_log

    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(audit_log.c.audit_id, audit_log.c.detail).where(
                audit_log.c.action.in_([ERASE_ACTION, RETENTION_RECORDS_ACTION]))):
            detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail or "{}")
            if detail.get("objects_pending"):
                found[row.audit_id] = list(detail["objects_pending"])
    return found


def set_pending_objects(engine: sa.Engine, audit_id: str, keys: Sequence[str], deleted: int) -> None:
    """Record, on an erasure's audit entry, the objects still to delete and how many more were."""
    from pipeline.catalog.users import audit_log

    with engine.begin() as conn:
        row = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.audit_id == audit_id)).first()
        if row is None:
            return
        detail = dict(row.detail or {})
        detail["objects_pending"] = sorted(keys)
        detail["objects_deleted"] = int(detail.get("objects_deleted", 0)) + deleted
        conn.execute(audit_log.update().where(audit_log.c.audit_id == audit_id).values(detail=detail))


def erase_rows(engine: sa.Engine, plan: ErasurePlan, *, action: str, objects: Sequence[str],
               user_id: str = SYSTEM_USER, extra: dict[str, Any] | None = None) -> tuple[dict[str, int], str | None]:
    """Delete the plan's rows in one transaction with its audit entry (the objects to delete listed as
    pending, so that a later run finishes what an outage stopped); the counts by table and the audit id
    (None, and nothing written, when there was nothing to delete)."""
    with engine.begin() as conn:
        counts = delete_rows(conn, plan.contact_ids, plan.customer_id)
        if not counts and not objects:
            return counts, None
        detail = {**(extra or {}), "rows": counts, "contacts": len(plan.contact_ids),
                  "objects_pending": sorted(objects), "objects_deleted": 0}
        if plan.customer_id is not None:
            detail["customer_sha256"] = customer_digest(plan.customer_id)
        return counts, audit_row(conn, action, detail, user_id=user_id)


def recording_deletions(engine: sa.Engine, contact_ids: Iterable[str] | None = None) -> dict[str, datetime]:
    """``{contact_id: when}`` for the contacts whose recording retention deleted (all, or of ``contact_ids``)."""
    from pipeline.catalog.users import audit_log

    query = sa.select(audit_log.c.contact_id, audit_log.c.at).where(audit_log.c.action == RECORDING_DELETED_ACTION)
    found: dict[str, datetime] = {}
    with engine.connect() as conn:
        if contact_ids is None:
            rows = list(conn.execute(query))
        else:
            rows = [r for chunk in batches(contact_ids)
                    for r in conn.execute(query.where(audit_log.c.contact_id.in_(chunk)))]
    for row in rows:
        found[row.contact_id] = _utc(row.at)
    return found


def mark_recordings_deleted(engine: sa.Engine, contact_ids: Sequence[str], *, user_id: str = SYSTEM_USER) -> None:
    """Mark the contacts' recordings as deleted by retention (the contact stays; the web app says why its
    recording is gone)."""
    from pipeline.catalog.users import audit_log

    if not contact_ids:
        return
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(audit_log.insert(), [
            {"audit_id": uuid.uuid4().hex, "at": now, "user_id": user_id, "action": RECORDING_DELETED_ACTION,
             "contact_id": cid, "detail": {"reason": "recording_retention_days"}} for cid in contact_ids])


class ErasureRecords:
    """The :class:`~pipeline.catalog.Catalog` face of this module."""

    engine: sa.Engine

    def customer_contact_ids(self, customer_id: str) -> list[str]:
        return customer_contact_ids(self.engine, customer_id)

    def recording_deletions(self, contact_ids: Iterable[str] | None = None) -> dict[str, datetime]:
        """``{contact_id: when}``: contacts whose recording retention deleted (the web app: "recording
        deleted by retention")."""
        return recording_deletions(self.engine, contact_ids)
