"""A site's button boxes read into the spool: which readers a site has, real bytes through a pty pair and a
FIFO, a device that cannot be opened retried with back-off while the capture goes on."""

from __future__ import annotations

import json
import logging
import os
import threading
import time

import pytest

from hardware.capture_devices import DeviceReader, capture_plan, run_reader
from hardware.keyboard import EV_KEY, EV_SYN, KEY_DOWN, KEY_UP, input_event_bytes
from hardware.registry import read_registry
from hardware.serial_box import checksum, press_line
from hardware.spool import Spool, event_of_line
from tests.hardware.registry_sample import SAMPLE_YAML, require_desk_extra

CAMERAS = "cameras:\n  cam-3: {desk: desk-3, source: 0}\n  cam-9: {desk: desk-9, source: /videos/x.mp4}\n"
WITH_CAMERAS = SAMPLE_YAML.replace("desks:\n", "desks:\n  desk-9: {site: spb-2}\n") + CAMERAS


def _registry(text: str = WITH_CAMERAS, **ports: str):
    if "panel-5" in ports:
        text = text.replace("    port: /dev/ttyUSB0\n", "")
    for device, port in ports.items():  # give a device of the sample its port or event file
        text = text.replace(f"  {device}:\n", f"  {device}:\n    {'path' if device == 'box-3' else 'port'}: {port}\n")
    return read_registry(text, "devices.yaml")


def _spooled(spool_dir):
    return [event_of_line(line) for path in sorted(spool_dir.glob("*.jsonl"))
            for line in path.read_bytes().splitlines()]


def test_a_sites_plan_has_its_cameras_and_one_reader_per_device_or_port():
    plan = capture_plan(_registry(), "msk-1")
    assert [c.camera_id for c in plan.cameras] == ["cam-3"]
    assert [(r.kind, r.name, [d.device_id for d in r.devices]) for r in plan.readers] == [
        ("hid", "hid-4 (16c0:27db)", ["hid-4"]), ("serial", "/dev/ttyUSB0", ["panel-5"])]
    assert plan.notes == ("box-3: no path in devices.yaml:7; not read", "box-6: no port in devices.yaml:27; not read",
                          "tab-7: an http device; it posts to `cxmon devices serve`")
    hub = capture_plan(_registry(**{"box-6": "/dev/ttyUSB0", "box-3": "/dev/input/event7"}), "msk-1")
    assert [(r.name, [d.device_id for d in r.devices]) for r in hub.readers] == [
        ("/dev/input/event7", ["box-3"]), ("hid-4 (16c0:27db)", ["hid-4"]),
        ("/dev/ttyUSB0", ["box-6", "panel-5"])]  # two boxes on one hub port: one reader
    assert [c.camera_id for c in capture_plan(_registry(), "spb-2").cameras] == ["cam-9"]
    with pytest.raises(ValueError) as error:
        capture_plan(_registry(), "ekb-1")
    assert str(error.value) == ("site 'ekb-1': no cameras and no keyboard, hid or serial devices in devices.yaml; "
                                "expected a camera under `cameras:` or a device under `devices:` whose desk is at "
                                "this site")


def test_serial_presses_from_a_pty_reach_the_spool_and_bad_lines_the_rejects_file(tmp_path):
    require_desk_extra("serial")
    controller, device_side = os.openpty()
    port = os.ttyname(device_side)
    registry = _registry(**{"box-6": port, "panel-5": port})
    [reader] = [r for r in capture_plan(registry, "msk-1").readers if r.kind == "serial"]
    bad = b"BTN,box-6,G,3*00"
    lines = (press_line("box-6", "G", 1) + press_line("box-6", "B", 2) + bad + b"\r\n"
             + press_line("box-6", "B", 2) + press_line("panel-5", "5", 9))  # 2 sent twice: a resend
    # once the reader has the port open (opening it drops what waits in it, as on a real port)
    threading.Timer(0.5, lambda: [os.write(controller, lines[i:i + 5]) for i in range(0, len(lines), 5)]).start()
    try:
        report = run_reader(reader, registry, Spool(tmp_path / "spool"), tmp_path / "rejected.jsonl",
                            stop=threading.Event(), until_s=time.monotonic() + 1.5, state_dir=tmp_path / "state")
    finally:
        os.close(controller)
        os.close(device_side)
    events = _spooled(tmp_path / "spool")
    assert [(e.event_id, e.value, e.desk_id) for e in events] == [
        ("box-6:1", "good", "desk-3"), ("box-6:2", "bad", "desk-3"), ("box-6:2", "bad", "desk-3"),
        ("panel-5:9", "5", "desk-4")]
    assert (report.presses, report.rejected, report.open_failures) == (4, 1, 0)
    [line] = (tmp_path / "rejected.jsonl").read_text().splitlines()
    rejection = json.loads(line)
    assert (rejection["device_id"], rejection["raw"]) == (None, bad.decode())
    assert rejection["reason"] == f"{port}: checksum '00'; computed {checksum('BTN,box-6,G,3')} for 'BTN,box-6,G,3'"
    state = json.loads(next((tmp_path / "state").iterdir()).read_text())
    assert state == {"box-6": [2, ""], "panel-5": [9, ""]}  # the numbers kept for the next start


def test_a_keyboard_box_read_from_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "event7"
    os.mkfifo(fifo)
    registry = _registry(**{"box-3": str(fifo)})
    [reader] = [r for r in capture_plan(registry, "msk-1").readers if r.kind == "keyboard"]
    writer = os.open(fifo, os.O_RDWR)  # the FIFO stays open for writing: no end of file, a read would block
    os.write(writer, input_event_bytes(1_796_000_000, 250_000, EV_KEY, 3, KEY_DOWN)  # KEY_2
             + input_event_bytes(1_796_000_000, 250_000, EV_SYN, 0, 0)
             + input_event_bytes(1_796_000_000, 400_000, EV_KEY, 3, KEY_UP)
             + input_event_bytes(1_796_000_001, 0, EV_KEY, 30, KEY_DOWN))  # KEY_A: not one of its buttons
    started = time.monotonic()
    try:
        report = run_reader(reader, registry, Spool(tmp_path / "spool"), tmp_path / "rejected.jsonl",
                            stop=threading.Event(), until_s=started + 1.0, state_dir=tmp_path / "state")
    finally:
        os.close(writer)
    assert time.monotonic() - started < 2.5  # stopped on time although nobody pressed again
    [press] = _spooled(tmp_path / "spool")
    assert (press.device_id, press.value, press.at.isoformat()) == ("box-3", "neutral",
                                                                    "2026-11-30T00:53:20.250000+00:00")
    assert (report.presses, report.rejected) == (1, 1)
    assert "key 30 (KEY_A) is not one of its buttons" in (tmp_path / "rejected.jsonl").read_text()


def test_a_device_that_cannot_be_opened_is_retried_with_back_off_until_stopped(tmp_path, caplog):
    registry = _registry(**{"box-3": str(tmp_path / "no-such-event-file")})
    reader = DeviceReader("keyboard", str(tmp_path / "no-such-event-file"), (registry.device("box-3"),))
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="hardware.capture_devices"):
        report = run_reader(reader, registry, Spool(tmp_path / "spool"), tmp_path / "rejected.jsonl", stop=stop,
                            state_dir=tmp_path / "state", backoff_first_s=0.1, backoff_max_s=0.4)
    assert time.monotonic() - started < 1.5  # the stop ends the back-off wait at once
    waits = [m.split("trying again in ")[1].split(" s")[0] for m in caplog.messages]
    assert waits[:4] == ["0.1", "0.2", "0.4", "0.4"] and report.open_failures == len(waits)
    assert "No such file or directory" in caplog.messages[0] and report.presses == 0
    assert not (tmp_path / "rejected.jsonl").exists()  # nothing was read: no rejection
