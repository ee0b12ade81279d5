"""HID button boxes: presses from recorded report bytes, by edge detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hardware.hid import HidParser
from hardware.registry import MalformedPayload
from tests.hardware.registry_sample import require_desk_extra, sample_registry

T = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
# Reports as hidapi's read() returns them from a 3-button box with report id 1: byte 1 bits 0-1,
# byte 2 bit 7. Idle, good down, good held, neutral down too, all up, battery report (id 2), bad.
RECORDED = ["010000", "010100", "010100", "010300", "010000", "02ff64", "010080", "010000"]


def _parser():
    return HidParser(sample_registry().device("hid-4"))


def test_a_press_is_a_bit_going_up_and_held_buttons_are_one_press():
    parser = _parser()
    events = [e for n, report in enumerate(RECORDED)
              for e in parser.feed(bytes.fromhex(report), T + timedelta(seconds=n))]
    assert [(e.value, e.at - T, e.raw, e.desk_id, e.site_id, e.operator_id) for e in events] == [
        ("good", timedelta(seconds=1), "010100", "desk-4", "msk-1", None),
        ("neutral", timedelta(seconds=3), "010300", "desk-4", "msk-1", None),
        ("bad", timedelta(seconds=6), "010080", "desk-4", "msk-1", None),
    ]
    assert len({e.event_id for e in events}) == 3


def test_hidapi_lists_of_ints_are_reports_too():
    parser = _parser()
    assert parser.feed([1, 0, 0], T) == []
    [press] = parser.feed([1, 2, 0], T)
    assert press.value == "neutral" and press.raw == "010200"


def test_malformed_reports_are_errors_and_the_next_report_still_parses():
    parser = _parser()
    short, = parser.feed(b"\x01\x01", T)
    assert isinstance(short, MalformedPayload) and short.raw == "0101"
    assert short.message == "hid-4: report of 2 bytes; expected at least 3"
    empty, = parser.feed(b"", T)
    assert empty.message == "hid-4: empty report; expected report id 1"
    huge, = parser.feed(b"\x01" * 5000, T)
    assert huge.message == "hid-4: report of 5000 bytes; expected at most 1024" and len(huge.raw) == 2048
    not_bytes, = parser.feed([1, 300, 0], T)
    assert not_bytes.message.startswith("hid-4: a report that is not bytes") and not_bytes.raw == "[1, 300, 0]"
    [press] = parser.feed(b"\x01\x01\x00", T)
    assert press.value == "good"


def test_a_device_without_hid_buttons_has_no_hid_parser():
    with pytest.raises(ValueError, match="box-3 is a keyboard device without HID buttons; expected a hid one"):
        HidParser(sample_registry().device("box-3"))


def test_the_idle_and_pressed_reports_the_simulator_sends():
    parser = _parser()
    assert parser.idle_report().hex() == "010000"
    assert [parser.report_with(n).hex() for n in range(3)] == ["010100", "010200", "010080"]


class _FakeHid:
    """hidapi's ``hid`` module with one device that returns the recorded reports, then times out."""

    def __init__(self) -> None:
        self.opened, self.closed, self.reads = None, False, [bytes.fromhex(r) for r in RECORDED]

    def device(self):
        return self

    def open(self, vendor_id, product_id):
        self.opened = (vendor_id, product_id)

    def read(self, max_length, timeout_ms):
        assert (max_length, timeout_ms) == (1024, 500)
        return list(self.reads.pop(0)) if self.reads else []

    def close(self):
        self.closed = True


def test_the_reader_opens_the_registered_device_and_reads_its_reports(monkeypatch):
    from hardware.hid import read_hid_device

    fake = _FakeHid()
    monkeypatch.setitem(__import__("sys").modules, "hid", fake)
    events = list(read_hid_device(sample_registry().device("hid-4"), stop=lambda: not fake.reads))
    assert fake.opened == (0x16C0, 0x27DB) and fake.closed
    assert [e.value for e in events] == ["good", "neutral", "bad"]


def test_the_real_hidapi_says_when_the_box_is_not_plugged_in():
    require_desk_extra("hid")
    from hardware.hid import read_hid_device

    with pytest.raises(OSError):  # this machine has no USB devices
        next(read_hid_device(sample_registry().device("hid-4")))
