"""Desk contacts built by hand in the shared format: ``desk`` feature sets and visit documents."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from features.desk import EMOTIONS
from pipeline.records import Contact, FeatureSet
from pipeline.store.objects import content_key, put_bytes

DAY_1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY_2 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
NEGATIVE = ("angry", "disgust", "sad", "fear")
SCALE = {"1": "bad", "2": "bad", "3": "neutral", "4": "good", "5": "good", "good": "good", "neutral": "neutral",
         "bad": "bad"}


def desk_values(*, desk_id: str | None = "D1", site_id: str | None = "S1", dwell_s: float = 120.0,
                wait_s: float | None = None, shares: dict | None = None, end: str | None = "neutral",
                angry_run_s: float = 0.0, button: str | None = None) -> dict:
    """The ``desk`` feature set's values, as the brief lists them."""
    shares = {"neutral": 1.0} if shares is None else shares
    rating = SCALE.get(button) if button is not None else None
    dissatisfied = int(rating == "bad") if rating is not None else int(end in ("angry", "disgust", "sad"))
    return {
        "desk_id": desk_id, "site_id": site_id, "arrive_s": 10.0, "leave_s": 10.0 + dwell_s, "dwell_s": dwell_s,
        "wait_s": wait_s, "end_emotion": end, "age_band": None, "gender": None,
        **{f"emotion_{e}_share": float(shares.get(e, 0.0)) for e in EMOTIONS},
        "negative_share": float(sum(shares.get(e, 0.0) for e in NEGATIVE)), "angry_run_s": angry_run_s,
        "button_value": button, "rating": rating, "rated": int(button is not None), "silent": int(button is None),
        "dissatisfied": dissatisfied,
    }


def add_desk_visit(store, contact_id: str, values: dict | None, *, started_at: datetime | None = DAY_1,
                   operator: str | None = "op-1") -> Contact:
    """A desk contact in the catalog with its ``desk`` feature set (None: not processed yet)."""
    contact = Contact(contact_id=contact_id, channel="desk", source=f"desk.mp4#visit-{contact_id}",
                      object_key=f"desk/{contact_id}", started_at=started_at, operator_id=operator, language=None)
    store.catalog.add_contact(contact)
    if values is not None:
        store.catalog.put_feature_set(FeatureSet(contact_id, "desk", values))
    return contact


def visit_document(n: int, *, arrive_s: float, leave_s: float, series: list, button: dict | None = None,
                   desk_id: str = "D1", site_id: str = "S1", operator_id: str | None = "op-1",
                   wait_s: float | None = None) -> dict:
    """A visit document as the brief writes it; shares and the end emotion are read off ``series``."""
    tops = [e for _, e in series]
    return {"version": 1, "source": "desk-1.mp4", "desk_id": desk_id, "site_id": site_id, "operator_id": operator_id,
            "video_started_at": DAY_1.isoformat(), "arrive_s": arrive_s, "leave_s": leave_s,
            "dwell_s": leave_s - arrive_s, "wait_s": wait_s,
            "emotion_shares": {e: tops.count(e) / len(tops) for e in EMOTIONS if e in tops},
            "end_emotion": tops[-1] if tops else None, "emotion_series": series, "age_band": None, "gender": None,
            "track_ids": [n], "button": button}


def store_visit_document(store, document: dict, n: int) -> Contact:
    """The document stored once by content under ``desk/`` and its desk contact, as the brief describes."""
    data = json.dumps(document, sort_keys=True).encode()
    key = content_key("desk", hashlib.sha256(data).hexdigest())
    put_bytes(store.objects, key, data, content_type="application/json")
    contact_id = hashlib.sha256(f"video-sha\n{round(document['arrive_s'], 1)}".encode()).hexdigest()[:16]
    contact = Contact(contact_id=contact_id, channel="desk", source=f"desk-1.mp4#visit-{n}", object_key=key,
                      started_at=DAY_1 + timedelta(seconds=document["arrive_s"]), operator_id=document["operator_id"],
                      language=None)
    store.catalog.add_contact(contact)
    return contact
