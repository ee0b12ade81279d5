"""Serial boxes and panels: the BTN line protocol through the parser, a pty pair and pyserial's loop://."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from hardware.registry import MalformedPayload, UnknownDevice
from hardware.serial_box import MAX_LINE_BYTES, SerialParser, checksum, open_port, press_line, read_port
from pipeline.records import DeviceEvent
from tests.hardware.registry_sample import require_desk_extra, sample_registry

T = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
GOOD = b"BTN,panel-5,4,17*" + checksum("BTN,panel-5,4,17").encode() + b"\r\n"


def _parser():
    return SerialParser(sample_registry(), port="/dev/ttyUSB0")


def test_a_line_is_a_press_numbered_by_the_device():
    assert GOOD == b"BTN,panel-5,4,17*28\r\n" == press_line("panel-5", "4", 17)
    [press] = _parser().feed(GOOD, T)
    assert press == DeviceEvent(device_id="panel-5", kind="press", at=T, value="4", event_id="panel-5:17",
                                desk_id="desk-4", site_id="msk-1", raw="BTN,panel-5,4,17*28")
    [g, b] = _parser().feed(b"BTN,box-6,G,1\n$BTN,box-6,B,0002*" + checksum("BTN,box-6,B,0002").encode() + b"\n", T)
    assert (g.value, g.event_id, g.operator_id, b.value, b.event_id) == ("good", "box-6:1", "op-17", "bad", "box-6:2")


def test_lines_split_across_reads_wait_for_their_end():
    parser = _parser()
    stream = GOOD + press_line("box-6", "N", 3) + b"\r\n"  # an empty line is nothing
    pieces = [e for i in range(len(stream)) for e in parser.feed(stream[i:i + 1], T)]
    assert [(e.device_id, e.value) for e in pieces] == [("panel-5", "4"), ("box-6", "neutral")]
    assert parser.close(T) == []
    parser.feed(b"BTN,box-6,G", T)
    [cut] = parser.close(T)
    assert cut.message == "/dev/ttyUSB0: a line without its end at the end of the stream" and cut.raw == "BTN,box-6,G"


@pytest.mark.parametrize(("line", "kind", "message", "raw"), [
    (b"BTN,panel-5,4,17*13", MalformedPayload,
     "/dev/ttyUSB0: checksum '13'; computed 28 for 'BTN,panel-5,4,17'", "BTN,panel-5,4,17*13"),
    (b"BTN,panel-5,4,17", MalformedPayload,
     "/dev/ttyUSB0: panel-5: no checksum; its registry entry says checksum: required", "BTN,panel-5,4,17"),
    (b"BTN,box-6,X,1", MalformedPayload,
     "/dev/ttyUSB0: box-6: button 'X' is not one of its buttons (G, N, B)", "BTN,box-6,X,1"),
    (b"BTN,box-3,2,1", MalformedPayload,
     "/dev/ttyUSB0: box-3 is registered as a keyboard device; expected a serial one", "BTN,box-3,2,1"),
    (b"BTN,box-99,1,1", UnknownDevice,
     "/dev/ttyUSB0: unknown device 'box-99'; expected one of the 5 devices in devices.yaml", "BTN,box-99,1,1"),
    (b"HELLO", MalformedPayload,
     "/dev/ttyUSB0: cannot read 'HELLO'; expected BTN,<device>,<code>,<seq>*<checksum>", "HELLO"),
    (b"BTN,box-6,G,-1", MalformedPayload,
     "/dev/ttyUSB0: cannot read 'BTN,box-6,G,-1'; expected BTN,<device>,<code>,<seq>*<checksum>", "BTN,box-6,G,-1"),
    (b"BTN,box-6,\xd0\x93,1", MalformedPayload, "/dev/ttyUSB0: a line that is not ASCII text", "42544e2c626f782d362cd0932c31"),
    (b"BTN,box-6,G,1\x00\x07", MalformedPayload, "/dev/ttyUSB0: a line with control characters", "42544e2c626f782d362c472c310007"),
])
def test_a_bad_line_is_an_error_with_the_line_kept_and_the_next_line_still_parses(line, kind, message, raw):
    found = _parser().feed(line + b"\r\n" + GOOD, T)
    assert [type(e) for e in found] == [kind, DeviceEvent]
    assert (found[0].message, found[0].raw, found[0].at) == (message, raw, T)


def test_a_megabyte_garbage_line_is_one_error_held_within_the_bound():
    parser = _parser()
    garbage = bytes(range(11, 256)) * 4280  # ~1 MB without a newline
    found, held = [], 0
    for start in range(0, len(garbage), 4096):
        found += parser.feed(garbage[start:start + 4096], T)
        held = max(held, len(parser._buffer))
    found += parser.feed(b"\r\n" + GOOD, T)
    assert held <= MAX_LINE_BYTES  # never more than one line's worth held, however long the garbage
    assert [type(e) for e in found] == [MalformedPayload, DeviceEvent]
    assert found[0].raw == garbage[:MAX_LINE_BYTES].hex()
    assert found[0].message == (f"/dev/ttyUSB0: a line longer than {MAX_LINE_BYTES} bytes; kept its first "
                                f"{MAX_LINE_BYTES}, dropped the rest up to its end")
    long_line = b"X" * 1000 + b"\n" + GOOD  # a long line read in one piece: the same error, then the press
    found = _parser().feed(long_line, T)
    assert [type(e) for e in found] == [MalformedPayload, DeviceEvent] and found[0].raw == "X" * MAX_LINE_BYTES


def test_a_pty_pair_carries_lines_written_in_pieces():
    require_desk_extra("serial")
    import serial

    controller, device_side = os.openpty()
    port = serial.Serial(os.ttyname(device_side), baudrate=9600, timeout=0.05)
    try:
        stream = GOOD + b"BTN,box-6,G,1*00\r\n" + press_line("box-6", "B", 2)
        for start in range(0, len(stream), 7):
            os.write(controller, stream[start:start + 7])
        found = list(read_port(port, sample_registry(), name="pty", idle_timeout_s=0.3))
    finally:
        port.close()
        os.close(controller)
        os.close(device_side)
    assert [(type(e).__name__, e.device_id, getattr(e, "value", None)) for e in found] == [
        ("DeviceEvent", "panel-5", "4"), ("MalformedPayload", None, None), ("DeviceEvent", "box-6", "bad")]
    assert found[1].raw == "BTN,box-6,G,1*00" and found[2].event_id == "box-6:2"
    assert all(e.at.tzinfo is UTC for e in found)


def test_pyserial_loop_url():
    require_desk_extra("serial")
    port = open_port("loop://", timeout_s=0.05)
    try:
        port.write(press_line("box-6", "N", 41) + b"\xff\xfe\r\n" + press_line("panel-5", "1", 9))
        found = list(read_port(port, sample_registry(), name="loop", idle_timeout_s=0.2))
    finally:
        port.close()
    assert [getattr(e, "event_id", None) or e.message for e in found] == [
        "box-6:41", "loop: a line that is not ASCII text", "panel-5:9"]


def test_a_box_that_restarts_its_numbers_loses_no_press_even_across_an_adapter_restart(tmp_path):
    from datetime import timedelta

    state = tmp_path / "serial-state.json"
    parser = SerialParser(sample_registry(), port="/dev/ttyUSB0", state_path=state)
    first = [e.event_id for e in parser.feed(press_line("box-6", "G", 41) + press_line("box-6", "G", 42)
                                              + press_line("box-6", "G", 42), T)]  # 42 sent twice: one press
    assert first == ["box-6:41", "box-6:42", "box-6:42"]
    # power cut: the box and the adapter restart; the box counts from 1 again
    after = T + timedelta(minutes=5)
    parser = SerialParser(sample_registry(), port="/dev/ttyUSB0", state_path=state)
    second = [e.event_id for e in parser.feed(press_line("box-6", "B", 1) + press_line("box-6", "N", 2), after)]
    assert second == ["box-6:r20261203T170500.000000Z:1", "box-6:r20261203T170500.000000Z:2"]
    assert len(set(first) | set(second)) == 4  # four presses, four ids: none taken for a stored one
    parser = SerialParser(sample_registry(), port="/dev/ttyUSB0", state_path=state)  # a restart of the adapter only
    [resent] = parser.feed(press_line("box-6", "N", 2), after + timedelta(seconds=9))
    assert resent.event_id == "box-6:r20261203T170500.000000Z:2"  # the box resending its last press: the same id


def test_a_boot_counter_in_the_line_names_the_run():
    body = "BTN,box-6,G,1,7"
    [press] = _parser().feed(f"{body}*{checksum(body)}\r\n".encode(), T)
    assert press.event_id == "box-6:b7:1" and press.value == "good"
