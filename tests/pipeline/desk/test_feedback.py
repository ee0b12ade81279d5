"""The feedback button: complaints and suggestions from real device events in a real catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.alarms.sinks import LogSink, Sinks
from pipeline.desk.feedback import complaint_of
from pipeline.desk.link import link_device_events
from pipeline.desk.visit_index import Visit
from pipeline.records import DeviceEvent
from pipeline.settings import Settings
from tests.pipeline.desk.devices_sample import add_visit, event

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SERIES = [(100.0, "neutral"), (101.0, "neutral"), (102.0, "angry"), (103.0, "angry"), (104.0, "sad")]


class RecordingSink:
    name = "log"

    def __init__(self) -> None:
        self.sent = []

    def send(self, alarm):
        self.sent.append(alarm)
        return {"sink": "log", "ok": True, "attempts": 1, "status": None, "error": None,
                "at": alarm.raised_at.isoformat()}


def test_emotion_at_is_the_latest_read_frame_at_or_before_the_press():
    visit = Visit("c1", arrived_at=T0, left_at=T0 + timedelta(seconds=5), arrive_s=100.0,
                  emotion_series=tuple(SERIES))
    assert visit.emotion_at(T0 - timedelta(seconds=0.5)) is None
    assert visit.emotion_at(T0 + timedelta(seconds=0.99)) == "neutral"
    assert visit.emotion_at(T0 + timedelta(seconds=2)) == "angry"
    assert visit.emotion_at(T0 + timedelta(seconds=4.5)) == "sad"


def test_complaint_is_stamped_stored_alarmed_once_and_closed_with_an_answer(store):
    contact_id = add_visit(store, video="desk1.mp4", arrived_at=T0, arrive_s=100.0, leave_s=105.0, series=SERIES)
    add_visit(store, video="desk2.mp4", arrived_at=T0, arrive_s=10.0, leave_s=20.0, desk_id="desk-2",
              series=[(10.0, "happy")])
    store.catalog.add_device_events([
        event("feedback", T0 + timedelta(seconds=2.5), "complaint", event_id="fb-1",
              comment="Ждал 40 минут, перезвоните +7 912 345-67-89",
              contact={"name": "Анна", "email": "anna@example.ru"}),
        event("feedback", T0 + timedelta(seconds=4), "suggestion", event_id="fb-2",
              comment="Поставьте кулер"),
        event("feedback", T0 + timedelta(minutes=10), "complaint", event_id="fb-3"),  # nobody at the desk then
    ])
    sink = RecordingSink()
    report = link_device_events(store, Settings(), sinks=Sinks({"log": sink}))

    assert report.complaints == ["fb-1", "fb-3"] and report.suggestions == ["fb-2"] and report.errors == []
    first, late = store.catalog.complaints(status="open")
    assert (first.contact_id, first.emotion, first.desk_id, first.site_id, first.operator_id) == \
        (contact_id, "angry", "desk-1", "site-A", "op-1")
    assert first.comment == "Ждал 40 минут, перезвоните [PHONE]"  # pii_redaction is on by default
    assert first.contact_details == "email: [EMAIL]; name: Анна"  # the endpoint stores the JSON keys sorted
    assert (late.contact_id, late.emotion) == (None, None)
    [suggestion] = store.catalog.complaints(kind="suggestion")
    assert (suggestion.status, suggestion.emotion, suggestion.alarm_id) == ("noted", "sad", None)

    # one alarm per complaint, delivered to the sinks of the `complaint` rule, none for the suggestion
    assert [a.details["complaint_id"] for a in sink.sent] == ["fb-1", "fb-3"]
    alarm = store.catalog.alarms(rule="desk_complaint", contact_id=contact_id)[0]
    assert alarm.alarm_id == first.alarm_id and alarm.severity == "warning" and alarm.deliveries[0]["ok"]
    assert "emotion angry" in alarm.message and "[PHONE]" in alarm.message

    again = link_device_events(store, Settings(), sinks=Sinks({"log": sink}))
    assert (again.complaints, again.suggestions, again.alarms) == ([], [], [])
    assert len(sink.sent) == 2 and len(store.catalog.alarms(rule="desk_complaint")) == 2

    answered_at = T0 + timedelta(hours=1)
    closed = store.catalog.close_complaint("fb-1", "Извинились", at=answered_at)
    assert (closed.status, closed.answer, closed.closed_at) == ("closed", "Извинились", answered_at)
    assert [c.complaint_id for c in store.catalog.complaints(status="open")] == ["fb-3"]
    with pytest.raises(ValueError, match="closed already"):
        store.catalog.close_complaint("fb-1", "again", at=T0 + timedelta(hours=2))
    with pytest.raises(ValueError, match="a suggestion"):
        store.catalog.close_complaint("fb-2", "thanks", at=T0 + timedelta(hours=2))


def test_comment_kept_as_written_when_redaction_is_off_and_a_box_without_json_gives_none():
    complaint = complaint_of(event("feedback", T0, "complaint", comment="+7 912 345-67-89"), None,
                             Settings(pii_redaction=False))
    assert complaint.comment == "+7 912 345-67-89" and complaint.contact_details == ""
    from_a_key_box = DeviceEvent(device_id="box-1", kind="feedback", at=T0, value="complaint", raw="1e00")
    plain = complaint_of(from_a_key_box, None, Settings())
    assert (plain.comment, plain.contact_details, plain.status) == ("", "", "open")
    with pytest.raises(ValueError, match="comment is 2001 characters long; expected at most 2000"):
        complaint_of(event("feedback", T0, "complaint", comment="x" * 2001), None, Settings())


def test_hostile_feedback_events_become_error_records_and_the_rest_goes_in(store):
    store.catalog.add_device_events([
        event("feedback", T0, None, event_id="no-value"),
        event("feedback", T0, "praise", event_id="bad-value"),
        event("feedback", T0, "complaint", event_id="bad-comment", comment=["not", "text"]),
        event("fax", T0, "1", event_id="odd-kind"),
        event("feedback", T0 + timedelta(seconds=1), "complaint", event_id="good"),
    ])
    report = link_device_events(store, Settings(), sinks=Sinks({"log": LogSink()}))
    assert report.complaints == ["good"]
    messages = sorted(e.message for e in store.catalog.errors())
    assert messages == [
        "device event bad-comment (feedback) from kiosk-1: comment is a JSON list; expected text",
        "device event bad-value (feedback) from kiosk-1: value 'praise'; expected complaint or suggestion",
        "device event no-value (feedback) from kiosk-1: value None; expected complaint or suggestion",
        "device event odd-kind (fax) from kiosk-1: kind 'fax' is no desk device's; expected one of press, "
        "feedback, panel_answer, seller_start, sale",
    ]
    link_device_events(store, Settings(), sinks=Sinks({"log": LogSink()}))
    assert len(store.catalog.errors()) == 4  # the same event failing the same way is one error record
