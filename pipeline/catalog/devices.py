"""Desk device events (table device_events): button presses and panel answers, each stored once.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
An event is keyed by its ``event_id`` (the device's own id, else one derived from what the event
is): adding the same event again -- a spool flushed again after a crash, a device file ingested
twice -- is ``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike, and the row
first stored is kept as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog.schema import device_events
from pipeline.catalog.sql import BATCH, dialect_insert, utc as _utc
from pipeline.records import DeviceEvent

_FIELDS = ("event_id", "device_id", "kind", "value", "object_key", "contact_id", "desk_id", "site_id",
           "operator_id", "raw")


class DeviceRecords:
    engine: sa.Engine

    def add_device_events(self, events: Iterable[DeviceEvent]) -> int:
        """Insert the events whose ``event_id`` is new, all in one transaction; how many were new.

        An event already stored is left as it was (the first one stored wins), so a batch that is
        added again after a crash adds only what the crash kept out."""
        now = datetime.now(UTC)
        rows: dict[str, dict] = {}
        for e in events:
            if e.event_id not in rows:
                rows[e.event_id] = {**{name: getattr(e, name) for name in _FIELDS}, "at": _utc(e.at),
                                    "recorded_at": now}
        if not rows:
            return 0
        key = device_events.c.event_id
        statement = dialect_insert(self.engine)(device_events).on_conflict_do_nothing(index_elements=[key])
        listed = list(rows.values())
        added = 0
        with self.engine.begin() as conn:
            for start in range(0, len(listed), BATCH):
                added += len(conn.execute(statement.returning(key), listed[start:start + BATCH]).all())
        return added

    def device_events(
        self, *, since: datetime | None = None, until: datetime | None = None, device_id: str | None = None,
        desk_id: str | None = None, site_id: str | None = None, kind: str | None = None,
    ) -> list[DeviceEvent]:
        """Events that happened in ``[since, until)``, oldest first (ties by event id), optionally of one
        device, desk, site or kind."""
        t = device_events
        query = t.select().order_by(t.c.at, t.c.event_id)
        if since is not None:
            query = query.where(t.c.at >= _utc(since))
        if until is not None:
            query = query.where(t.c.at < _utc(until))
        for column, wanted in ((t.c.device_id, device_id), (t.c.desk_id, desk_id), (t.c.site_id, site_id),
                               (t.c.kind, kind)):
            if wanted is not None:
                query = query.where(column == wanted)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [DeviceEvent(at=_utc(r.at), **{name: getattr(r, name) for name in _FIELDS}) for r in rows]

    def device_event_count(self) -> int:
        """How many device events the catalog holds."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(device_events)).scalar_one()

    def device_summary(self) -> list[dict[str, Any]]:
        """Each device heard from: ``device_id``, ``desk_id`` (the latest named), ``events`` per kind and
        ``last_at`` (aware UTC), by device id."""
        d = device_events
        query = (sa.select(d.c.device_id, d.c.kind, sa.func.count().label("events"), sa.func.max(d.c.at).label("last_at"),
                           sa.func.max(d.c.desk_id).label("desk_id"))
                 .group_by(d.c.device_id, d.c.kind).order_by(d.c.device_id, d.c.kind))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            device = found.setdefault(row.device_id, {"device_id": row.device_id, "desk_id": row.desk_id,
                                                      "events": {}, "last_at": None})
            device["events"][row.kind] = row.events
            last = _utc(row.last_at)
            device["last_at"] = max(filter(None, [device["last_at"], last]), default=None)
        return list(found.values())
