"""The desk stage on visit documents made by hand: every value exact, presses from the document or the catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from features.desk import EMOTIONS
from pipeline.desk.stage import desk_stage
from pipeline.desk.visits import store_visits
from pipeline.records import DeviceEvent
from pipeline.settings import Settings
from pipeline.stages import STAGES, stages_by_channel
from pipeline.store.objects import put_bytes
from tests.pipeline.desk.test_visits import local_store  # noqa: F401 (a fixture)

MSK = timezone(timedelta(hours=3))
START = datetime(2026, 12, 3, 9, 0, tzinfo=MSK)


def document(**changes) -> dict:
    base = {"version": 1, "source": "desk-1.mp4", "desk_id": "desk-1", "site_id": "branch-9", "operator_id": "op-7",
            "video_started_at": START.isoformat(), "arrive_s": 10.0, "leave_s": 70.0, "dwell_s": 60.0,
            "wait_s": None, "emotion_shares": {"angry": 0.5, "neutral": 0.25, "sad": 0.25}, "end_emotion": "angry",
            "emotion_series": [[10.0, "neutral"], [10.2, "angry"], [10.4, "angry"], [10.6, "angry"], [10.8, "sad"]],
            "age_band": None, "gender": None, "track_ids": [1], "button": None}
    return {**base, **changes}


def _stage(store, doc, settings=None):
    [contact_id] = store_visits(store, [doc], Settings(), origin="e" * 64)
    return desk_stage(store, store.catalog.get_contact(contact_id), settings or Settings())


def _press(seconds: float, value: str, desk_id: str = "desk-1", kind: str = "press") -> DeviceEvent:
    return DeviceEvent(device_id="box-3", kind=kind, at=START + timedelta(seconds=seconds), value=value,
                       desk_id=desk_id, raw=f"{seconds} {value} {desk_id} {kind}")


def test_the_stage_is_registered_for_desk_contacts():
    names = [s.name for s in STAGES]
    assert names.index("desk") == names.index("chat") + 1
    assert stages_by_channel()["desk"] == ["desk", "csi", "checklist", "alarms"]


def test_every_value_of_an_unrated_visit(local_store):  # noqa: F811
    features = _stage(local_store, document())
    assert features.name == "desk"
    assert dict(features.values) == {
        "desk_id": "desk-1", "site_id": "branch-9", "arrive_s": 10.0, "leave_s": 70.0, "dwell_s": 60.0,
        "wait_s": None, "end_emotion": "angry", "age_band": None, "gender": None,
        **{f"emotion_{e}_share": {"angry": 0.5, "neutral": 0.25, "sad": 0.25}.get(e, 0.0) for e in EMOTIONS},
        "negative_share": 0.75, "angry_run_s": 0.4, "button_value": None, "rating": None, "rated": 0, "silent": 1,
        "dissatisfied": 1,
    }
    assert list(features.values)[:9] == ["desk_id", "site_id", "arrive_s", "leave_s", "dwell_s", "wait_s",
                                         "end_emotion", "age_band", "gender"]


def test_the_documents_button_rates_the_visit(local_store):  # noqa: F811
    local_store.catalog.add_device_events([_press(75.0, "1")])  # the document's press wins over the catalog's
    button = {"device_id": "box-3", "value": "4", "t_s": 72.0, "at": (START + timedelta(seconds=72)).isoformat()}
    values = _stage(local_store, document(button=button)).values
    assert (values["button_value"], values["rating"], values["rated"], values["silent"], values["dissatisfied"]) == (
        "4", "good", 1, 0, 0)


@pytest.mark.parametrize("events, expected", [
    ([_press(75.0, "1")], ("1", "bad", 1)),                              # after the visit, within 60 s
    ([_press(30.0, "good")], ("good", "good", 0)),                       # during it
    ([_press(130.0, "neutral")], ("neutral", "neutral", 0)),             # at the window's very end
    ([_press(130.5, "bad")], (None, None, 1)),                           # past it
    ([_press(5.0, "bad")], (None, None, 1)),                             # before the visit
    ([_press(75.0, "bad", desk_id="desk-2")], (None, None, 1)),          # another desk's box
    ([_press(75.0, "complaint", kind="feedback")], (None, None, 1)),     # not a rating press
    ([_press(20.0, "bad"), _press(80.0, "5")], ("5", "good", 0)),        # the last press counts
])
def test_presses_from_the_catalog(local_store, events, expected):  # noqa: F811
    local_store.catalog.add_device_events(events)
    values = _stage(local_store, document()).values
    assert (values["button_value"], values["rating"], values["dissatisfied"]) == expected


def test_no_catalog_press_without_a_desk_or_a_start(local_store):  # noqa: F811
    local_store.catalog.add_device_events([_press(75.0, "1")])
    assert _stage(local_store, document(desk_id=None)).values["button_value"] is None
    assert _stage(local_store, document(video_started_at=None, arrive_s=11.0)).values["button_value"] is None
    shorter = Settings(button_window_s=2.0)
    assert _stage(local_store, document(arrive_s=12.0), shorter).values["button_value"] is None


def test_a_document_this_version_cannot_read(local_store):  # noqa: F811
    from pipeline.records import Contact

    put_bytes(local_store.objects, "desk/x1", b'{"version": 2}')
    put_bytes(local_store.objects, "desk/x2", b"\xff\xd8\xff not json")
    for key, message in (("desk/x1", "desk/x1: visit document version 2; expected 1"),
                         ("desk/x2", "desk/x2: not a JSON visit document")):
        contact = Contact(contact_id=key[-2:], channel="desk", source="v.mp4#visit-1", object_key=key,
                          ingested_at=datetime.now(UTC))
        with pytest.raises(ValueError, match=message):
            desk_stage(local_store, contact, Settings())


def test_a_catalog_press_rates_one_visit_of_two_close_together_as_a_button_log_would(local_store):  # noqa: F811
    # A leaves at 70 s, B is at the desk 80-100 s; the press at 105 s is B's, not also A's (within A's window)
    local_store.catalog.add_device_events([_press(105.0, "bad"), _press(75.0, "good")])
    a_id, b_id = store_visits(local_store, [document(), document(arrive_s=80.0, leave_s=100.0, track_ids=[2])],
                              Settings(), origin="f" * 64)
    a = desk_stage(local_store, local_store.catalog.get_contact(a_id), Settings()).values
    b = desk_stage(local_store, local_store.catalog.get_contact(b_id), Settings()).values
    assert (a["button_value"], b["button_value"]) == ("good", "bad")
    local_store.catalog.add_device_events([_press(85.0, "5")])  # pressed while B stands there: B's, and the last
    a = desk_stage(local_store, local_store.catalog.get_contact(a_id), Settings()).values
    b = desk_stage(local_store, local_store.catalog.get_contact(b_id), Settings()).values
    assert (a["button_value"], b["button_value"]) == ("good", "bad")


def test_two_visits_leaving_at_once_share_no_press(local_store):  # noqa: F811
    local_store.catalog.add_device_events([_press(75.0, "bad")])
    ids = store_visits(local_store, [document(), document(arrive_s=20.0, track_ids=[2])], Settings(), origin="a" * 64)
    rated = [desk_stage(local_store, local_store.catalog.get_contact(i), Settings()).values["button_value"]
             for i in ids]
    assert (rated.count("bad"), rated.count(None)) == (1, 1)  # one of them, the same one whichever runs first
