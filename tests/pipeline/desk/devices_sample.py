"""Desk visits made by hand in the brief's visit-document format, for the desk device tests."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from pipeline.records import Contact, DeviceEvent
from pipeline.store import Store
from pipeline.store.objects import content_key, put_bytes


def add_visit(store: Store, *, video: str, arrived_at: datetime, arrive_s: float, leave_s: float,
              desk_id: str | None = "desk-1", site_id: str | None = "site-A", operator_id: str | None = "op-1",
              series: list[tuple[float, str]] = ()) -> str:
    """Store a visit document under ``desk/`` and its desk contact; the contact id."""
    document = {"version": 1, "source": video, "desk_id": desk_id, "site_id": site_id, "operator_id": operator_id,
                "video_started_at": (arrived_at - timedelta(seconds=arrive_s)).isoformat(), "arrive_s": arrive_s,
                "leave_s": leave_s, "dwell_s": leave_s - arrive_s, "wait_s": None, "emotion_shares": {},
                "end_emotion": series[-1][1] if series else None, "emotion_series": [list(p) for p in series],
                "age_band": None, "gender": None, "track_ids": [1], "button": None}
    data = json.dumps(document, sort_keys=True).encode()
    key = content_key("desk", hashlib.sha256(data).hexdigest())
    put_bytes(store.objects, key, data, content_type="application/json")
    contact_id = hashlib.sha256(f"{video}\n{round(arrive_s, 1)}".encode()).hexdigest()[:16]
    store.catalog.add_contact(Contact(contact_id=contact_id, channel="desk", source=f"{video}#visit-1",
                                      object_key=key, started_at=arrived_at, operator_id=operator_id))
    return contact_id


def event(kind: str, at: datetime, value: str | None = None, *, device_id: str = "kiosk-1",
          desk_id: str | None = "desk-1", site_id: str | None = "site-A", operator_id: str | None = None,
          event_id: str = "", **raw) -> DeviceEvent:
    """A device event as the HTTP endpoint makes it: ``raw`` is the posted JSON object."""
    posted = {"kind": kind, "ts": at.isoformat(), "value": value, **raw}
    return DeviceEvent(device_id=device_id, kind=kind, at=at, value=value, event_id=event_id, desk_id=desk_id,
                       site_id=site_id, operator_id=operator_id,
                       raw=json.dumps(posted, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
