"""Button logs that come with a desk video: both time forms, ratings, registry names, and bad lines named."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hardware.registry import RegistryError
from pipeline.desk.buttons import ButtonPress, press_times_s, read_button_log
from pipeline.settings import Settings

MSK = timezone(timedelta(hours=3))
REGISTRY = """\
desks:
  desk-1: {site: branch-9}
devices:
  box-3:
    kind: keyboard
    desk: desk-1
    buttons: {KEY_1: good, KEY_2: neutral, KEY_3: bad}
"""


def _log(tmp_path: Path, *lines: str, name: str = "desk.buttons.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_both_time_forms_and_every_value_form(tmp_path):
    path = _log(tmp_path,
                '{"device_id": "box-3", "t_s": 12.5, "value": "good"}',
                "",
                '{"device_id": "box-3", "ts": "2026-12-03T09:15:02+03:00", "value": 4}',
                '{"device_id": "box-3", "t_s": 0, "ts": "2026-12-03T09:00:00Z", "value": "KEY_3"}',
                '{"device_id": "panel-1", "t_s": 3}')
    assert read_button_log(path) == [
        ButtonPress("box-3", "good", t_s=12.5, line=1),
        ButtonPress("box-3", "4", at=datetime(2026, 12, 3, 9, 15, 2, tzinfo=MSK), line=3),
        ButtonPress("box-3", "KEY_3", t_s=0.0, at=datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc), line=4),
        ButtonPress("panel-1", None, t_s=3.0, line=5),
    ]


def test_registry_button_names_become_ratings(tmp_path):
    registry = tmp_path / "devices.yaml"
    registry.write_text(REGISTRY)
    path = _log(tmp_path,
                '{"device_id": "box-3", "t_s": 1, "value": "KEY_3"}',
                '{"device_id": "box-3", "t_s": 2, "value": "KEY_9"}',     # no such button: kept as given
                '{"device_id": "box-3", "t_s": 3, "value": "5"}',         # already a rating
                '{"device_id": "box-77", "t_s": 4, "value": "KEY_1"}')    # not in the registry: kept
    values = [p.value for p in read_button_log(path, settings=Settings(device_registry=registry))]
    assert values == ["bad", "KEY_9", "5", "KEY_1"]
    assert [p.value for p in read_button_log(path)] == ["KEY_3", "KEY_9", "5", "KEY_1"]  # no registry set
    broken = tmp_path / "broken.yaml"
    broken.write_text("devices: [")
    with pytest.raises(RegistryError):
        read_button_log(path, settings=Settings(device_registry=broken))


@pytest.mark.parametrize("line, message", [
    ('{"device_id": "b", "t_s": -1, "value": "good"}', "line 2: t_s is not a number of seconds >= 0"),
    ('{"device_id": "b", "t_s": "12", "value": "good"}', "line 2: t_s is not a number"),
    ('{"device_id": "b", "t_s": true, "value": "good"}', "line 2: t_s is not a number"),
    ('{"device_id": "b", "t_s": NaN, "value": "good"}', "line 2: t_s is not a number"),
    ('{"device_id": "b", "value": "good"}', "line 2: no t_s and no ts; expected t_s"),
    ('{"t_s": 1, "value": "good"}', "line 2: no device_id"),
    ('{"device_id": "b", "ts": "2026-12-03T09:15:02", "value": "good"}',
     "line 2: ts '2026-12-03T09:15:02' has no zone"),
    ('{"device_id": "b", "ts": "yesterday", "value": "good"}', "line 2: ts 'yesterday' is not an ISO 8601 time"),
    ('{"device_id": "b", "t_s": 1, "value": {"a": 1}}', "line 2: value is a JSON dict; expected text or a number"),
    ('{"device_id": 7, "t_s": 1, "value": "good"}', "line 2: device_id is a JSON int; expected text"),
    ("not json", "line 2: not JSON"),
    ('["b", 1, "good"]', "line 2: a JSON list; expected an object"),
    ("[" * 100 + "]" * 100, "line 2: "),
])
def test_a_bad_line_is_named_by_file_and_line(tmp_path, line, message):
    path = _log(tmp_path, '{"device_id": "b", "t_s": 1, "value": "good"}', line,
                '{"device_id": "b", "t_s": 2, "value": "good"}')
    with pytest.raises(ValueError) as raised:
        read_button_log(path)
    assert str(raised.value).startswith(f"desk.buttons.jsonl: {message}")


def test_a_file_that_is_no_button_log(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="^empty.jsonl: empty file; expected one button press"):
        read_button_log(empty)
    chat = _log(tmp_path, '{"chat_id": "c1", "ts": "2026-12-03T09:00:00+03:00", "role": "agent", "text": "hi"}',
                name="chat.jsonl")
    with pytest.raises(ValueError, match="^chat.jsonl: line 1: no device_id"):
        read_button_log(chat)
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes('{"device_id": "b", "t_s": 1}'.encode("utf-16"))
    with pytest.raises(ValueError, match="^utf16.jsonl: "):
        read_button_log(utf16)


def test_press_times_on_the_video(tmp_path):
    start = datetime(2026, 12, 3, 9, 0, tzinfo=MSK)
    presses = [ButtonPress("b", "good", t_s=12.5, line=1),
               ButtonPress("b", "bad", at=start + timedelta(seconds=30), line=2)]
    assert press_times_s(presses, start) == [12.5, 30.0]
    with pytest.raises(ValueError, match="v.mp4: line 2: a ts press, and the video's start time is unknown"):
        press_times_s(presses, None, name="v.mp4")
