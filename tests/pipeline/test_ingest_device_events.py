"""Device files (``NAME.device-events.jsonl``) through ingest: good lines stored once, bad lines named by line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from pipeline.devices.files import DEVICE_FILES, parse_device_file
from pipeline.cli import main
from pipeline.ingest import ingest_paths
from pipeline.ingest.registry import kind_of
from pipeline.jsonlines import MAX_LINE_CHARS
from pipeline.records import DeviceEvent
from pipeline.store.objects import get_bytes

GOOD = [
    '{"device_id": "box-3", "ts": "2026-12-03T09:15:02+03:00", "value": "good"}',
    '{"device_id": "box-3", "ts": "2026-12-03T06:16:10Z", "value": "bad", "desk_id": "desk-2", "operator_id": "op-7"}',
    '{"device_id": "panel-1", "ts": "2026-12-03T10:00:00+03:00", "kind": "panel_answer", "value": 4, '
    '"event_id": "p1-000017", "site_id": "branch-9"}',
]
BAD = {
    4: '{"device_id": "box-3", "t_s": 12.5, "value": "good"}',
    5: '{"device_id": "box-3", "ts": "2026-12-03T09:15:02", "value": "good"}',
    6: '{"ts": "2026-12-03T09:15:02+03:00", "value": "good"}',
    7: "not json",
    8: "[" * 100 + "]" * 100,
    9: '{"device_id": "box-3", "ts": "2026-12-03T09:15:02+03:00", "value": true}',
}


def _file(folder: Path, name: str = "hub-2026-12-03.device-events.jsonl", lines: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(GOOD + list(BAD.values()) if lines is None else lines) + "\n")
    return path


def test_the_suffix_is_its_own_kind_not_a_chat():
    assert kind_of(Path("Hub.Device-Events.JSONL")) == (DEVICE_FILES, ".device-events.jsonl")
    assert kind_of(Path("chat.jsonl"))[0].name == "chats"


def test_each_line_becomes_the_event_it_says():
    events, problems = parse_device_file("hub.device-events.jsonl", "\n".join(GOOD).encode())
    assert problems == []
    msk = timezone(timedelta(hours=3))
    assert events[0] == DeviceEvent(device_id="box-3", kind="press", at=datetime(2026, 12, 3, 9, 15, 2, tzinfo=msk),
                                    value="good", raw=GOOD[0])
    assert (events[1].desk_id, events[1].operator_id, events[1].value) == ("desk-2", "op-7", "bad")
    assert (events[2].kind, events[2].value, events[2].event_id, events[2].site_id) == (
        "panel_answer", "4", "p1-000017", "branch-9")
    assert events[0].event_id.startswith("d-") and len({e.event_id for e in events}) == 3


def test_bad_lines_are_error_records_by_line_and_the_good_ones_stored_once(store, tmp_path):
    path = _file(tmp_path / "in")
    report = ingest_paths(store, [tmp_path / "in"])
    assert report.added == {"device_events": 3} and report.new == []
    messages = [e.message for e in report.errors]
    assert messages == [
        f"{path.name}: line 4: t_s (seconds from a video's start) and no ts; expected ts, an ISO 8601 time with its "
        "zone (a t_s log goes with its video: cxmon analyze VIDEO --buttons FILE)",
        f"{path.name}: line 5: ts '2026-12-03T09:15:02' has no zone; expected an ISO 8601 time with its zone "
        "(+03:00, Z)",
        f"{path.name}: line 6: no device_id; expected the id of the device that sent the event",
        f"{path.name}: line 7: not JSON (Expecting value at column 1); expected one JSON object per line",
        f"{path.name}: line 8: nested 100 deep; expected at most 64",
        f"{path.name}: line 9: value is a JSON bool; expected text or a number",
    ]
    assert all(e.quarantine_key and store.objects.exists(e.quarantine_key) for e in report.errors)
    stored = store.catalog.device_events()
    assert [(e.device_id, e.value, e.at) for e in stored] == [
        ("box-3", "good", datetime(2026, 12, 3, 6, 15, 2, tzinfo=UTC)),
        ("box-3", "bad", datetime(2026, 12, 3, 6, 16, 10, tzinfo=UTC)),
        ("panel-1", "4", datetime(2026, 12, 3, 7, 0, tzinfo=UTC))]
    again = ingest_paths(store, [tmp_path / "in"])
    assert again.added == {"device_events": 0} and len(store.catalog.device_events()) == 3
    assert len(store.catalog.errors()) == 6  # the same bad lines are the same errors


def test_hostile_files_give_error_records_never_a_traceback(store, tmp_path):
    folder = tmp_path / "in"
    _file(folder, "huge.device-events.jsonl", [GOOD[0], '{"device_id": "' + "x" * MAX_LINE_CHARS + '"}', GOOD[1]])
    _file(folder, "long-id.device-events.jsonl", ['{"device_id": "' + "y" * 200 + '", "ts": "2026-12-03T09:15:02Z"}'])
    (folder / "utf16.device-events.jsonl").write_bytes("\n".join(GOOD).encode("utf-16"))
    (folder / "empty.device-events.jsonl").write_bytes(b"")
    (folder / "cp1251.device-events.jsonl").write_bytes(
        '{"device_id": "касса-1", "ts": "2026-12-03T09:15:02+03:00", "value": "good"}\n'.encode("cp1251"))
    report = ingest_paths(store, [folder])
    assert sorted(e.message for e in report.errors) == sorted([
        "empty.device-events.jsonl: empty file; expected one device event (JSON object) per line",
        f"huge.device-events.jsonl: line 2: {MAX_LINE_CHARS + 17} characters; expected at most {MAX_LINE_CHARS}",
        "long-id.device-events.jsonl: line 1: device_id is 200 characters long; expected at most 128",
        "utf16.device-events.jsonl: UTF-16 text; expected UTF-8 or cp1251 (save the export as UTF-8)",
    ])
    assert report.added == {"device_events": 3}
    assert {e.device_id for e in store.catalog.device_events()} == {"box-3", "касса-1"}


def test_cxmon_ingest_json_summary(home, tmp_path):
    _file(tmp_path / "in")
    runner = CliRunner()
    first = runner.invoke(main, ["ingest", str(tmp_path / "in"), "--json"])
    assert first.exit_code == 1  # the bad lines
    document = json.loads(first.stdout)
    assert document["added"] == {"device_events": 3} and len(document["errors"]) == 6
    second = json.loads(runner.invoke(main, ["ingest", str(tmp_path / "in"), "--json"]).stdout)
    assert second["added"] == {"device_events": 0}
    text = runner.invoke(main, ["ingest", str(tmp_path / "in")]).stdout
    assert text.startswith("0 new contacts, 0 already in the store, 6 problems\n") and "added" not in text
    assert "  ! hub-2026-12-03.device-events.jsonl: line 4: t_s (seconds from a video's start)" in text


def test_personal_data_in_a_line_is_tagged_in_raw_and_a_long_line_refused(store, tmp_path):
    feedback = ('{"device_id": "kiosk-1", "ts": "2026-12-03T09:15:02+03:00", "kind": "feedback", '
                '"comment": "call me back on +7 916 123-45-67"}')
    long = '{"device_id": "box-3", "ts": "2026-12-03T09:15:02+03:00", "pad": "' + "x" * 5000 + '"}'
    _file(tmp_path / "in", lines=[feedback, long])
    report = ingest_paths(store, [tmp_path / "in"])
    [event] = store.catalog.device_events()
    assert event.kind == "feedback" and "[PHONE]" in event.raw and "123-45-67" not in event.raw
    assert [e.message for e in report.errors] == [
        "hub-2026-12-03.device-events.jsonl: line 2: 5068 characters; expected at most 4096 for one device event; "
        "kept with personal data tagged (1 item)"]
    kept = get_bytes(store.objects, report.errors[0].quarantine_key)
    assert b"[PHONE]" in kept and b"123-45-67" not in kept and b"x" * 5000 in kept
