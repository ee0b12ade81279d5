"""The device registry: lookups on the README's example, and every problem of a bad file at its line."""

from __future__ import annotations

import pytest

from hardware.registry import KEY_CODES, HidButton, RegistryError, UnknownDevice, load_registry, read_registry
from tests.hardware.registry_sample import SAMPLE_YAML, sample_registry


def test_devices_sit_at_desks_of_sites_with_their_buttons():
    registry = sample_registry()
    assert len(registry) == 5
    box = registry.device("box-3")
    assert (box.kind, box.desk_id, box.site_id, box.operator_id) == ("keyboard", "desk-3", "msk-1", "op-17")
    assert [box.value_for(code) for code in (2, "3", 4, 5)] == ["good", "neutral", "bad", None]
    assert box.code_for("bad") == str(KEY_CODES["KEY_3"]) == "4"
    assert box.source == "devices.yaml:6" and box.clock_skew_s == 120.0
    hid = registry.device("hid-4")
    assert hid.operator_id is None and (hid.report_id, hid.vendor_id, hid.product_id) == (1, 0x16C0, 0x27DB)
    assert hid.hid_buttons == (HidButton(1, 0x01), HidButton(1, 0x02), HidButton(2, 0x80))
    assert [hid.value_for(n) for n in range(3)] == ["good", "neutral", "bad"]
    panel = registry.device("panel-5")
    assert panel.value_for("5") == "5" and panel.value_for(1) == "1" and panel.checksum_required
    assert panel.path == "/dev/ttyUSB0" and panel.baudrate == 9600
    assert registry.device("box-6").value_for("G") == "good" and not registry.device("box-6").checksum_required
    tab = registry.device("tab-7")
    assert (tab.token, tab.secret, tab.clock_skew_s) == ("tok-0123456789abcdef", "sec-0123456789abcdef", 30.0)
    assert "tok-" not in repr(tab) and "sec-" not in repr(tab)


def test_an_unknown_device_is_its_own_error():
    registry = sample_registry()
    with pytest.raises(UnknownDevice, match=r"unknown device 'box-99'; expected one of the 5 devices in devices.yaml"):
        registry.device("box-99")
    with pytest.raises(UnknownDevice):
        registry.device(None)  # type: ignore[arg-type]


def test_every_problem_is_reported_at_its_line(tmp_path):
    path = tmp_path / "devices.yaml"
    path.write_text("""\
desks:
  desk-1: {site: s1}
  desk-2: {site: [a]}
devices:
  a:
    kind: usb
    desk: desk-1
  b:
    kind: keyboard
    desk: desk-9
    buttons: {KEY_1: great, KEY_Q: good, 1000: bad, 2: bad}
  c:
    kind: serial
    desk: desk-1
    token: x
    buttons: {1: good}
  d:
    kind: hid
    desk: desk-1
    buttons:
      - {byte: 1, mask: 0x100, value: good}
      - {byte: 1}
  e:
    kind: http
    desk: desk-1
  f g: {kind: serial}
""")
    with pytest.raises(RegistryError) as raised:
        load_registry(path)
    assert [p.replace(str(path), "F") for p in raised.value.problems] == [
        "F:3: desk desk-2: site a list; expected 1-64 letters, digits or _.:-",
        "F:6: device a: kind str 'usb'; expected one of keyboard, hid, serial, http",
        "F:10: device b: desk str 'desk-9' is not under desks; expected one of desk-1",
        "F:11: device b: button KEY_1: rating str 'great'; expected good, neutral, bad or 1-5",
        "F:11: device b: key int 1000; expected a key code (1-767) or a name such as KEY_1, KEY_A, KEY_F1, KEY_KP1",
        "F:11: device b: button 2 is mapped twice",
        "F:15: device c: token is for http devices; this one is serial",
        "F:21: device d: button 1 mask int 256; expected a whole number 1-255",
        "F:22: device d: button 2 is keys byte; expected {byte, mask, value}",
        "F:24: device e: token is missing; expected the device's bearer token",
        "F:26: device id str 'f g'; expected 1-64 letters, digits or _.:-",
    ]


@pytest.mark.parametrize(("text", "problem"), [
    ("devices: [", "r.yaml:1: not valid YAML: expected the node content, but found '<stream end>'"),
    ("- a\n", "r.yaml:1: expected a mapping with `devices:` (and `desks:`)"),
    ("desks: {d: {site: s}}\ndevices: {}\n", "r.yaml:2: devices is empty; expected a mapping of device id -> device"),
    ("desks: {d: {site: s}}\ndevices:\n  a: {kind: serial, desk: d, buttons: {1: good}}\n  a: {kind: serial}\n",
     "r.yaml:4: duplicate key 'a' (first at line 3)"),
    ("desks: {d: {site: s}}\nclock_skew_s: -1\ndevices:\n  a: {kind: serial, desk: d, buttons: {1: good}}\n",
     "r.yaml:2: clock_skew_s int -1; expected seconds, 0-86400"),
    ("desks: {d: {site: s}}\ndevices:\n  a: {kind: serial, desk: d, buttons: {'1,2': good}}\n",
     "r.yaml:3: device a: button code str '1,2'; expected a word or number without commas"),
    ("desks: {d: {site: s}}\ndevices:\n  a: {kind: serial, desk: d, buttons: {1: good}, checksum: yes}\n",
     "r.yaml:3: device a: checksum bool True; expected required or optional"),
])
def test_a_bad_file_names_the_line_and_the_problem(text, problem):
    with pytest.raises(RegistryError) as raised:
        read_registry(text, "r.yaml")
    assert raised.value.problems[0] == problem


def test_a_missing_or_unreadable_file_is_a_registry_error(tmp_path):
    with pytest.raises(RegistryError, match=r"nope.yaml: no such file; expected a YAML device registry"):
        load_registry(tmp_path / "nope.yaml")
    (tmp_path / "latin.yaml").write_bytes(b"devices: {\xe9: 1}\n")
    with pytest.raises(RegistryError, match=r"latin.yaml: cannot be read"):
        load_registry(tmp_path / "latin.yaml")


def test_the_sample_reads_the_same_from_a_file(tmp_path):
    path = tmp_path / "devices.yaml"
    path.write_text(SAMPLE_YAML)
    assert [d.device_id for d in load_registry(path)] == ["box-3", "hid-4", "panel-5", "box-6", "tab-7"]


def test_cameras_sit_at_registered_desks_and_a_bad_entry_names_its_line():
    registry = read_registry(
        "desks:\n  desk-3: {site: msk-1, operator: op-17}\n  desk-4: {site: spb-2}\n"
        "cameras:\n  cam-3: {desk: desk-3, source: 0}\n  cam-4: {desk: desk-4, source: 'rtsp://10.0.0.5/s1'}\n",
        "site.yaml")
    assert len(registry) == 0  # cameras only: no button device
    assert [(c.camera_id, c.desk_id, c.site_id, c.operator_id, c.source) for c in registry.cameras_at("msk-1")] == [
        ("cam-3", "desk-3", "msk-1", "op-17", 0)]
    assert [c.camera_id for c in registry.cameras_at()] == ["cam-3", "cam-4"]
    with pytest.raises(RegistryError) as bad:
        read_registry("desks:\n  desk-3: {site: msk-1}\ncameras:\n  cam-1: {desk: desk-9, source: 0}\n"
                      "  cam-2: {desk: desk-3, source: true}\n  cam-3: {desk: desk-3, source: 0, fps: 5}\n", "site.yaml")
    assert bad.value.problems == [
        "site.yaml:4: camera 'cam-1': desk str 'desk-9' is not under desks; expected one of desk-3",
        "site.yaml:5: camera 'cam-2': source is bool True; expected a camera index (0, 1, ...), a video file or an "
        "rtsp:// or http:// URL",
        "site.yaml:6: camera 'cam-3': unknown key 'fps'; expected desk, source",
    ]
