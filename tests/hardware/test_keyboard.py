"""Keyboard button boxes: presses from constructed ``struct input_event`` streams, as /dev/input yields them."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import pytest

from hardware.keyboard import (EV_KEY, EV_MSC, EV_SYN, KEY_DOWN, KEY_REPEAT, KEY_UP, KeyboardParser,
                               input_event_bytes, read_input_device)
from hardware.registry import MalformedPayload
from pipeline.records import DeviceEvent
from tests.hardware.registry_sample import sample_registry

T0 = 1_764_780_000  # 2025-12-03 16:40:00 UTC


def _press(sec: int, usec: int, code: int) -> bytes:
    """What the kernel writes for one key: scan code, down, sync, repeat, sync, up, sync."""
    return b"".join(input_event_bytes(*e) for e in [
        (sec, usec, EV_MSC, 4, 0x70000 + code), (sec, usec, EV_KEY, code, KEY_DOWN), (sec, usec, EV_SYN, 0, 0),
        (sec, usec + 500, EV_KEY, code, KEY_REPEAT), (sec, usec + 500, EV_SYN, 0, 0),
        (sec + 1, 0, EV_KEY, code, KEY_UP), (sec + 1, 0, EV_SYN, 0, 0)])


STREAM = _press(T0, 250_000, 2) + _press(T0 + 5, 999_999, 4)


def _box():
    return sample_registry().device("box-3")


def test_each_key_down_is_one_press_with_the_event_time():
    events = KeyboardParser(_box()).feed(STREAM)
    assert len(STREAM) == 14 * 24
    assert [(e.device_id, e.kind, e.at, e.value, e.desk_id, e.site_id, e.operator_id) for e in events] == [
        ("box-3", "press", datetime(2025, 12, 3, 16, 40, 0, 250_000, tzinfo=UTC), "good", "desk-3", "msk-1", "op-17"),
        ("box-3", "press", datetime(2025, 12, 3, 16, 40, 5, 999_999, tzinfo=UTC), "bad", "desk-3", "msk-1", "op-17"),
    ]
    assert events[0].raw == STREAM[24:48].hex() == input_event_bytes(T0, 250_000, EV_KEY, 2, 1).hex()
    assert events[0].event_id.startswith("d-") and events[0].event_id != events[1].event_id
    assert KeyboardParser(_box()).feed(STREAM) == events  # the same bytes read twice: the same ids


def test_events_split_anywhere_parse_the_same():
    parser = KeyboardParser(_box())
    one_by_one = [e for i in range(len(STREAM)) for e in parser.feed(STREAM[i:i + 1])]
    assert one_by_one == KeyboardParser(_box()).feed(STREAM) and parser.close() == []


def test_a_truncated_event_at_the_end_is_an_error_with_its_bytes():
    parser = KeyboardParser(_box())
    assert [e.value for e in parser.feed(STREAM + STREAM[24:34])] == ["good", "bad"]
    [error] = parser.close()
    assert isinstance(error, MalformedPayload) and error.raw == STREAM[24:34].hex()
    assert error.message == "box-3: 10 bytes at the end of the stream; expected whole input events of 24 bytes"


def test_an_unmapped_key_or_a_bad_time_is_an_error_and_the_next_press_still_parses():
    parser = KeyboardParser(_box())
    bad_key = input_event_bytes(T0, 0, EV_KEY, 30, KEY_DOWN)
    bad_time = input_event_bytes(T0, 1_000_000, EV_KEY, 2, KEY_DOWN)
    far = input_event_bytes(10**15, 0, EV_KEY, 2, KEY_DOWN)
    found = parser.feed(bad_key + bad_time + far + input_event_bytes(T0, 7, EV_KEY, 3, KEY_DOWN))
    assert [type(e).__name__ for e in found] == ["MalformedPayload"] * 3 + ["DeviceEvent"]
    assert found[0].message == "box-3: key 30 (KEY_A) is not one of its buttons; expected key 2, 3, 4"
    assert found[0].raw == bad_key.hex() and found[0].device_id == "box-3"
    assert found[1].message == "box-3: event time 1764780000s 1000000us; expected seconds >= 0 and microseconds 0-999999"
    assert found[2].message == "box-3: event time 1000000000000000s is past the year 9999"
    assert found[3].value == "neutral" and found[3].at == datetime(2025, 12, 3, 16, 40, 0, 7, tzinfo=UTC)


def test_hostile_bytes_give_errors_not_tracebacks():
    junk = bytes(range(256)) * 4096 + b"\xff" * 7  # 1 MiB of everything, not a multiple of 24
    parser = KeyboardParser(_box())
    found = parser.feed(junk) + parser.close()
    assert all(isinstance(e, (DeviceEvent, MalformedPayload)) for e in found)
    assert isinstance(found[-1], MalformedPayload) and found[-1].raw == junk[-(len(junk) % 24):].hex()


def test_a_32_bit_kernel_stream():
    event = input_event_bytes(T0, 5, EV_KEY, 4, KEY_DOWN, event_format="<iiHHi")
    [press] = KeyboardParser(_box(), event_format="<iiHHi").feed(event)
    assert len(event) == 16 and press.value == "bad" and press.at == datetime(2025, 12, 3, 16, 40, 0, 5, tzinfo=UTC)


def test_reading_an_event_file_and_a_pipe(tmp_path):
    recorded = tmp_path / "event3"
    recorded.write_bytes(STREAM)
    assert [e.value for e in read_input_device(str(recorded), _box(), grab=False)] == ["good", "bad"]
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=lambda: [os.write(write_fd, STREAM[i:i + 40]) for i in range(0, len(STREAM), 40)]
                              + [os.close(write_fd)])
    writer.start()
    try:
        events = list(read_input_device(f"/dev/fd/{read_fd}", _box(), grab=False))
    finally:
        writer.join()
        os.close(read_fd)
    assert [(e.value, e.at.second) for e in events] == [("good", 0), ("bad", 5)]


def test_grabbing_something_that_is_not_an_input_device_fails_loudly(tmp_path):
    recorded = tmp_path / "event3"
    recorded.write_bytes(STREAM)
    with pytest.raises(OSError):
        list(read_input_device(str(recorded), _box(), grab=True))
