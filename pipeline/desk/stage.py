"""The ``desk`` stage: a visit document's numbers as the FeatureSet ``desk``.

The press that rates the visit is the document's ``button`` (a button log came with the video), else
the last ``press`` among the catalog's device events of the same desk from the visit's wall-clock
arrival to ``button_window_s`` after its end (README "Desk videos"). A visit without a desk id or a
start time has no press to look for.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from features.desk import EMOTIONS, linked_presses, visit_values
from pipeline.desk.visits import DOCUMENT_VERSION
from pipeline.records import Contact, FeatureSet
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.objects import get_bytes

_EPSILON = timedelta(microseconds=1)  # device_events' ``until`` is exclusive; a press at the window's end counts


def visit_document(store: Store, contact: Contact) -> dict[str, Any]:
    """The visit document of a desk contact; ValueError when it is not one this version reads."""
    try:
        document = json.loads(get_bytes(store.objects, contact.object_key))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{contact.object_key}: not a JSON visit document ({error})") from None
    if not isinstance(document, dict) or document.get("version") != DOCUMENT_VERSION:
        got = document.get("version") if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"{contact.object_key}: visit document version {got!r}; expected {DOCUMENT_VERSION}")
    return document


def catalog_press(store: Store, document: dict[str, Any], settings: Settings, *,
                  contact_id: str | None = None) -> str | None:
    """The value of the catalog press that rates this visit, by the button log's rule
    (:func:`features.desk.linked_presses`) applied to every visit of the desk around it: a press
    during the visit, else the nearest after its end within ``button_window_s`` that no later visit
    took first; each press rates one visit."""
    from pipeline.desk.visit_index import desk_visits

    desk_id, started = document.get("desk_id"), document.get("video_started_at")
    if not desk_id or not started:
        return None
    window = timedelta(seconds=settings.button_window_s)
    arrived = datetime.fromisoformat(started) + timedelta(seconds=float(document["arrive_s"]))
    left = arrived + timedelta(seconds=float(document["leave_s"]) - float(document["arrive_s"]))
    presses = [p for p in store.catalog.device_events(since=arrived, until=left + window + _EPSILON, desk_id=desk_id,
                                                      kind="press") if p.value is not None]
    if not presses:
        return None
    others = [(v.arrived_at, v.contact_id, v.left_at) for v in desk_visits(store, arrived - window,
                                                                            left + window + _EPSILON)
              if v.desk_id == desk_id and v.contact_id != contact_id]
    # one order for every visit of the desk, whichever is being rated: ties fall the same way each time
    spans = sorted([(arrived, contact_id or "", left), *others])
    mine = spans.index((arrived, contact_id or "", left))
    linked = linked_presses([((a - arrived).total_seconds(), (b - arrived).total_seconds()) for a, _, b in spans],
                            [(p.at - arrived).total_seconds() for p in presses], window_s=settings.button_window_s)
    return None if linked[mine] is None else presses[linked[mine]].value


def desk_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    """The FeatureSet ``desk`` of one desk contact (values listed in README "Desk videos")."""
    document = visit_document(store, contact)
    button = document.get("button")
    value = button.get("value") if isinstance(button, dict) else catalog_press(store, document, settings,
                                                                                  contact_id=contact.contact_id)
    series = [(float(t), str(e)) for t, e in document.get("emotion_series") or []]
    computed = visit_values(arrive_s=float(document["arrive_s"]), leave_s=float(document["leave_s"]),
                            emotion_shares=dict(document.get("emotion_shares") or {}),
                            end_emotion=document.get("end_emotion"), emotion_series=series,
                            button_value=None if value is None else str(value))
    values: dict[str, Any] = {
        "desk_id": document.get("desk_id"), "site_id": document.get("site_id"),
        "arrive_s": computed["arrive_s"], "leave_s": computed["leave_s"], "dwell_s": computed["dwell_s"],
        "wait_s": document.get("wait_s"), "end_emotion": document.get("end_emotion"),
        "age_band": document.get("age_band"), "gender": document.get("gender"),
        **{f"emotion_{e}_share": computed[f"emotion_{e}_share"] for e in EMOTIONS},
        **{name: computed[name] for name in ("negative_share", "angry_run_s", "button_value", "rating", "rated",
                                             "silent", "dissatisfied")},
    }
    return FeatureSet(contact_id=contact.contact_id, name="desk", values=values)
