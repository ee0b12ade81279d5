"""The simulator: made-up presses sent as each device would, read back by its adapter unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hardware.registry import UnknownDevice
from hardware.simulator import Press, run_simulated, simulate, stream_bytes
from pipeline.records import DeviceEvent
from tests.hardware.registry_sample import sample_registry

T = datetime(2026, 12, 3, 17, 0, 0, 123_456, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "presses"), [
    ("keyboard", [("box-3", "good"), ("box-3", "bad"), ("box-3", "neutral")]),
    ("hid", [("hid-4", "neutral"), ("hid-4", "neutral"), ("hid-4", "bad")]),
    ("serial", [("panel-5", "5"), ("box-6", "good"), ("panel-5", "1"), ("box-6", "bad")]),
])
def test_the_adapter_reads_back_exactly_the_presses_simulated(kind, presses):
    made = [Press(device, value, T + timedelta(seconds=7 * n)) for n, (device, value) in enumerate(presses)]
    events = run_simulated(kind, made, sample_registry())
    assert all(isinstance(e, DeviceEvent) for e in events)
    assert [(e.device_id, e.value, e.at, e.kind) for e in events] == [(p.device_id, p.value, p.at, "press") for p in made]
    assert len({e.event_id for e in events}) == len(made)


def test_the_bytes_each_device_sends():
    registry = sample_registry()
    keyboard = simulate("keyboard", [Press("box-3", "good", T)], registry)
    assert list(keyboard) == ["box-3"] and len(stream_bytes(keyboard["box-3"])) == 6 * 24
    hid = simulate("hid", [Press("hid-4", "bad", T)], registry)["hid-4"]
    assert [(c.at - T, c.data.hex()) for c in hid] == [(timedelta(0), "010080"), (timedelta(seconds=0.08), "010000")]
    serial = simulate("serial", [Press("box-6", "neutral", T + timedelta(seconds=1)), Press("box-6", "good", T),
                                 Press("panel-5", "3", T, seq=40)], registry)
    assert {k: stream_bytes(v) for k, v in serial.items()} == {
        "box-6": b"BTN,box-6,G,1*6C\r\nBTN,box-6,N,2*66\r\n", "panel-5": b"BTN,panel-5,3,40*2D\r\n"}
    assert [e.event_id for e in run_simulated("serial", [Press("panel-5", "3", T, seq=40)], registry)] == ["panel-5:40"]


def test_what_cannot_be_simulated_says_why():
    registry = sample_registry()
    with pytest.raises(ValueError, match=r"cannot simulate 'http' devices; expected one of keyboard, hid, serial"):
        simulate("http", [Press("tab-7", "good", T)], registry)
    with pytest.raises(ValueError, match="box-3 is a keyboard device; expected a serial one"):
        simulate("serial", [Press("box-3", "good", T)], registry)
    with pytest.raises(ValueError, match="box-3: no button gives '5'; its buttons give bad, good, neutral"):
        simulate("keyboard", [Press("box-3", "5", T)], registry)
    with pytest.raises(UnknownDevice):
        simulate("serial", [Press("nobody", "good", T)], registry)
    with pytest.raises(ValueError, match="expected an aware time"):
        Press("box-3", "good", datetime(2026, 12, 3))
