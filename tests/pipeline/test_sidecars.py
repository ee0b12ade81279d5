"""Events and meta sidecars: the documented formats parse; each kind of mistake is named."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.records import TelephonyEvent
from pipeline.sidecars import SidecarError, parse_events, parse_meta


def _write(tmp_path, name, value) -> object:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


README_EVENTS = {"events": [
    {"type": "ivr_start", "t_s": 0.0}, {"type": "ivr_end", "t_s": 12.4, "exit": "operator"},
    {"type": "queue_start", "t_s": 12.4}, {"type": "agent_answer", "t_s": 31.0, "agent_id": "op-17"},
    {"type": "hold_start", "t_s": 95.2}, {"type": "hold_end", "t_s": 131.8},
    {"type": "transfer", "t_s": 150.0}, {"type": "hangup", "t_s": 184.6},
]}


def test_events_example_from_the_readme_parses(tmp_path):
    events = parse_events(_write(tmp_path, "call.events.json", README_EVENTS), duration_s=185.0)
    assert events[1] == TelephonyEvent("ivr_end", 12.4, exit="operator")
    assert events[3] == TelephonyEvent("agent_answer", 31.0, agent_id="op-17")
    assert [e.type for e in events][-1] == "hangup"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"events": [{"type": "hangup", "t_s": 3},]}', r"call\.events\.json: malformed JSON at line 1 column"),
        ([1, 2], r"expected an object with an \"events\" list"),
        ({"events": [{"type": "hangup", "t_s": 99.0}]}, r"event 0 \(hangup\) at 99 s is after the end of the recording \(60\.00 s\)"),
        ({"events": [{"type": "hangup", "t_s": -2}]}, r"event 0 \(hangup\) at -2 s is before the recording starts"),
        ({"events": [{"type": "hold_start", "t_s": 20}, {"type": "hold_end", "t_s": 10}]},
         r"events out of order: event 1 \(hold_end at 10 s\) comes after event 0 \(hold_start at 20 s\)"),
        ({"events": [{"t_s": 1}]}, r"event 0: type=None; expected a string such as 'hold_start'"),
        ({"events": [{"type": 3, "t_s": 1}]}, r"event 0: type=3; expected a string such as 'hold_start'"),
        ({"events": [{"type": "coffee_break"}]}, r"event 0 \(other\): t_s=None; expected seconds"),
        ({"events": [{"type": "coffee_break", "t_s": 99}]}, r"event 0 \(other\) at 99 s is after the end"),
        ({"events": [{"type": "hangup", "t_s": "late"}]}, r"t_s='late'; expected seconds"),
        ({"events": [{"type": "hold_end", "t_s": 5}]}, r"event 0: hold_end without a hold_start before it"),
        ({"events": [{"type": "hold_start", "t_s": 1}, {"type": "hold_start", "t_s": 5}]}, r"hold_start while the previous one is still open"),
        ({"events": [{"type": "hold_start", "t_s": 1}, {"type": "pause", "t_s": 2}, {"type": "hold_start", "t_s": 3}]},
         r"event 2: hold_start while the previous one is still open"),
        ('{"events": [{"type": "hangup", "t_s": 1, "score": NaN}]}',
         r"event 0 \(hangup\): a field beyond the contract holds NaN or Infinity; expected JSON values"),
        ({"events": [{"type": "hangup", "t_s": 1, "note": "x" * 5000}]},
         r"event 0 \(hangup\): fields beyond the contract take 5012 characters as JSON; expected at most 4096"),
    ],
)
def test_bad_events_files_are_named_with_the_problem(tmp_path, content, expected):
    path = _write(tmp_path, "call.events.json", content)
    with pytest.raises(SidecarError, match=expected) as caught:
        parse_events(path, duration_s=60.0)
    assert str(caught.value).startswith("call.events.json: ")


def test_events_a_little_past_the_end_are_rounding_not_errors(tmp_path):
    events = parse_events(_write(tmp_path, "c.events.json", {"events": [{"type": "hangup", "t_s": 60.3}]}), duration_s=60.0)
    assert events == [TelephonyEvent("hangup", 60.3)]


def test_meta_parses_with_an_aware_start_time(tmp_path):
    meta = parse_meta(_write(tmp_path, "c.meta.json", {
        "operator_id": "op-17", "customer_id": "cust-1", "team": "cards",
        "started_at": "2026-11-20T10:15:00+03:00", "channel_map": {"left": "customer", "right": "agent"},
        "language": "en",
    }), channels=2)
    assert meta.language == "en"
    assert meta.started_at == datetime(2026, 11, 20, 10, 15, tzinfo=timezone(timedelta(hours=3)))
    assert meta.channel_map == {"left": "customer", "right": "agent"}


@pytest.mark.parametrize(
    ("content", "channels", "expected"),
    [
        ({"started_at": "2026-11-20T10:15:00"}, 2, r"started_at: .*timezone"),
        ({"operater_id": "x"}, 2, r"operater_id: Extra inputs are not permitted"),
        ({"channel_map": {"left": "robot"}}, 2, r"channel_map\.left: Input should be"),
        ({"language": "de"}, 2, r"language: Input should be 'ru' or 'en'"),
        ({"channel_map": {"left": "agent"}}, 1, r"channel_map names \['left'\]; a 1-channel recording has \['mono'\]"),
        ("not json", 2, r"malformed JSON"),
        (b"\xff\xfe\x00bad", 2, r"not UTF-8 text"),
    ],
)
def test_bad_meta_files_are_named_with_the_problem(tmp_path, content, channels, expected):
    path = tmp_path / "c.meta.json"
    path.write_bytes(content if isinstance(content, bytes) else (content if isinstance(content, str) else json.dumps(content)).encode())
    with pytest.raises(SidecarError, match=expected) as caught:
        parse_meta(path, channels=channels)
    assert str(caught.value).startswith("c.meta.json: ")


# bounded input (issue 11): limits checked before the parser or the catalog can fail ------------------

def test_deeply_nested_meta_is_refused_with_the_line_and_the_limit(tmp_path):
    path = _write(tmp_path, "call.meta.json", '{"team":\n' + "[" * 10000 + "]" * 10000 + "}")
    with pytest.raises(SidecarError) as caught:
        parse_meta(path, channels=2)
    assert str(caught.value) == "call.meta.json: line 2: nested 10001 deep; expected at most 64"


def test_deeply_nested_events_are_refused_before_recursion(tmp_path):
    path = _write(tmp_path, "call.events.json", '{"events": [' + '{"a": ' * 5000 + "1" + "}" * 5000 + "]}")
    with pytest.raises(SidecarError, match=r"^call\.events\.json: line 1: nested 5002 deep; expected at most 64$"):
        parse_events(path, duration_s=60.0)


def test_an_events_sidecar_with_more_events_than_the_limit_is_refused(tmp_path):
    from pipeline.sidecars import MAX_EVENTS

    events = {"events": [{"type": "transfer", "t_s": 1.0}] * (MAX_EVENTS + 1)}
    with pytest.raises(SidecarError) as caught:
        parse_events(_write(tmp_path, "call.events.json", events), duration_s=60.0)
    assert str(caught.value) == "call.events.json: 10001 events; expected at most 10000"
    exactly = {"events": [{"type": "transfer", "t_s": 1.0}] * MAX_EVENTS}
    assert len(parse_events(_write(tmp_path, "ok.events.json", exactly), duration_s=60.0)) == MAX_EVENTS


def test_a_sidecar_larger_than_the_limit_is_refused_unread(tmp_path):
    from pipeline.sidecars import MAX_SIDECAR_BYTES

    path = tmp_path / "call.meta.json"
    path.write_bytes(b'{"team": "' + b"x" * MAX_SIDECAR_BYTES + b'"}')
    with pytest.raises(SidecarError) as caught:
        parse_meta(path, channels=2)
    assert str(caught.value) == "call.meta.json: more than 4194304 bytes; expected at most 4194304"


@pytest.mark.parametrize(("meta", "expected"), [
    ({"operator_id": "o" * 129}, "call.meta.json: operator_id is 129 characters long; expected at most 128"),
    ({"customer_id": "+7 916 000\x0000"}, "call.meta.json: customer_id holds control character U+0000 at "
                                          "character 11; expected printable text"),
    ({"team": "sales\n"}, "call.meta.json: team holds control character U+000A at character 6; "
                          "expected printable text"),
])
def test_meta_fields_that_the_catalog_cannot_hold_are_named_without_their_value(tmp_path, meta, expected):
    with pytest.raises(SidecarError) as caught:
        parse_meta(_write(tmp_path, "call.meta.json", meta), channels=2)
    assert str(caught.value) == expected
    assert "916" not in str(caught.value)
    assert parse_meta(_write(tmp_path, "ok.meta.json", {"operator_id": "o" * 128}), channels=2).operator_id == "o" * 128


def test_event_fields_longer_than_their_column_are_refused(tmp_path):
    events = {"events": [{"type": "agent_answer", "t_s": 1.0, "agent_id": 10 ** 200}]}
    with pytest.raises(SidecarError) as caught:
        parse_events(_write(tmp_path, "call.events.json", events), duration_s=60.0)
    assert str(caught.value) == ("call.events.json: event 0 (agent_answer): agent_id is 201 characters long; "
                                 "expected at most 128")


def test_unknown_fields_and_types_are_kept_as_written_with_a_note_not_an_error(tmp_path):
    from pipeline.sidecars import event_notes

    content = {"events": [
        {"type": "agent_answer", "t_s": 1, "agent_id": "op-1", "queue": {"name": "cards", "wait_s": 12}},
        {"type": "recording_paused", "t_s": 2.5, "reason": "card number"},
        {"type": "hold_start", "t_s": 3}, {"type": "hold_end", "t_s": 4},
        {"type": "hangup", "t_s": 9, "by": "customer"},
    ]}
    events = parse_events(_write(tmp_path, "call.events.json", content), duration_s=10.0)
    assert events == [
        TelephonyEvent("agent_answer", 1.0, agent_id="op-1", extra={"queue": {"name": "cards", "wait_s": 12}}),
        TelephonyEvent("other", 2.5, extra={"type": "recording_paused", "reason": "card number"}),
        TelephonyEvent("hold_start", 3.0), TelephonyEvent("hold_end", 4.0),
        TelephonyEvent("hangup", 9.0, extra={"by": "customer"}),
    ]
    assert event_notes(events) == [
        "event 0 (agent_answer): unknown fields ['queue'] kept, not used",
        "event 1: unknown type 'recording_paused' kept as other, with unknown fields ['reason']",
        "event 4 (hangup): unknown fields ['by'] kept, not used",
    ]
    assert event_notes(events[2:4]) == []


def test_notes_tell_a_personal_key_or_type_by_its_kind_never_quote_it(tmp_path):
    from pipeline.sidecars import event_notes

    content = {"events": [{"type": "ivan.petrov@example.ru", "t_s": 1},
                          {"type": "hangup", "t_s": 2, "4111 1111 1111 1111": "+7 916 123-45-67"}]}
    events = parse_events(_write(tmp_path, "call.events.json", content), duration_s=10.0)
    assert events[1].extra == {"4111 1111 1111 1111": "+7 916 123-45-67"}  # kept as written
    assert event_notes(events) == ["event 0: unknown type a string of 22 characters kept as other",
                                   "event 1 (hangup): unknown fields [a string of 19 characters] kept, not used"]


def test_an_other_event_keeps_its_own_type():
    with pytest.raises(ValueError, match=r"extra\['type'\]"):
        TelephonyEvent("other", 1.0)


def test_ingest_keeps_the_recording_events_and_extras_with_notes_and_no_error(store, tmp_path):
    from pipeline.calls.ingest import RecordingInput, ingest_recording
    from pipeline.cli.contacts_view import contact_document, format_contact
    from pipeline.store.intake import IngestReport
    from tests.conftest import stereo_call

    audio = stereo_call(tmp_path / "call.wav", seconds=3.0)
    events = _write(tmp_path, "call.events.json", {"events": [
        {"type": "hold_start", "t_s": 0.5, "by": "agent"}, {"type": "hold_end", "t_s": 1.0},
        {"type": "survey_offer", "t_s": 2.0, "phone": "+7 916 123-45-67"}, {"type": "hangup", "t_s": 2.9, "by": "customer"}]})
    report = IngestReport()
    ingest_recording(store, RecordingInput(audio, events=events), report)
    assert report.errors == [] and store.catalog.errors() == []
    assert report.notes == [
        "call.events.json: event 0 (hold_start): unknown fields ['by'] kept, not used",
        "call.events.json: event 2: unknown type 'survey_offer' kept as other, with unknown fields ['phone']",
        "call.events.json: event 3 (hangup): unknown fields ['by'] kept, not used",
    ]
    [contact_id] = report.new
    stored = store.catalog.events(contact_id)
    assert [e.type for e in stored] == ["hold_start", "hold_end", "other", "hangup"]
    assert stored[2].extra == {"type": "survey_offer", "phone": "+7 916 123-45-67"} and stored[1].extra == {}
    document = contact_document(store, store.catalog.get_contact(contact_id))
    assert document["notes"] == [note.removeprefix("call.events.json: ") for note in report.notes]
    assert document["events"][2]["extra"] == {"type": "survey_offer", "phone": "[PHONE]"}
    shown = format_contact(document)
    assert "2.00 s  other  (kept, not used: type=\"survey_offer\" phone=\"[PHONE]\")" in shown
    assert "  note: event 3 (hangup): unknown fields ['by'] kept, not used" in shown
    assert "916" not in shown
