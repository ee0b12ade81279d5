"""``cxmon devices flush``: the spool into the configured catalog, each press once, clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from hardware.spool import Spool
from pipeline.catalog import Catalog
from pipeline.cli import main
from pipeline.records import DeviceEvent
from pipeline.settings import Settings

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _presses(count: int) -> list[DeviceEvent]:
    return [DeviceEvent(device_id="panel-1", kind="press", at=T0 + timedelta(seconds=i), value="bad" if i % 3 else "good",
                        desk_id="desk-3") for i in range(count)]


def test_flush_stores_the_spool_once_and_says_what_it_did(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CXMON_HOME", str(home))
    Spool(home / "device-spool").append(_presses(7))
    runner = CliRunner()

    first = runner.invoke(main, ["devices", "flush", "--batch", "3", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"read": 7, "stored": 7, "duplicates": 0, "waiting_bytes": 0,
                                        "rejections_recorded": 0, "notes": [], "outage": None}
    Spool(home / "device-spool").append(_presses(9))  # the first 7 again, then 2 new
    second = runner.invoke(main, ["devices", "flush"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == "2 events stored, 7 already there; the spool is empty"

    catalog = Catalog(Settings().catalog_url_value())
    try:
        stored = catalog.device_events()
    finally:
        catalog.close()
    assert [(e.at, e.value, e.desk_id) for e in stored] == [(p.at, p.value, p.desk_id) for p in _presses(9)]


def test_flush_without_a_spool_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CXMON_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(main, ["devices", "flush"])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: no spool at {tmp_path / 'home' / 'device-spool'}: nothing was posted "
                                      "to `cxmon devices serve` yet")


def test_simulate_drives_each_adapter_into_the_spool_and_flush_stores_the_presses(tmp_path, monkeypatch):
    from tests.hardware.registry_sample import SAMPLE_YAML

    home = tmp_path / "home"
    monkeypatch.setenv("CXMON_HOME", str(home))
    registry = tmp_path / "devices.yaml"
    registry.write_text(SAMPLE_YAML)
    runner = CliRunner()
    pressed = {"box-3": "good,bad,neutral", "hid-4": "bad,good", "panel-5": "5,1,3,4"}
    for device, values in pressed.items():
        result = runner.invoke(main, ["devices", "simulate", "--registry", str(registry), "--device", device,
                                      "--values", values, "--every-s", "0.5", "--json"])
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [(e["device_id"], e["value"]) for e in lines] == [(device, v) for v in values.split(",")]
    flushed = runner.invoke(main, ["devices", "flush", "--json"])
    assert json.loads(flushed.stdout)["stored"] == 9
    catalog = Catalog(Settings().catalog_url_value())
    try:
        stored = catalog.device_events()
    finally:
        catalog.close()
    by_device = {d: [e.value for e in sorted(stored, key=lambda e: e.at) if e.device_id == d] for d in pressed}
    assert by_device == {d: v.split(",") for d, v in pressed.items()}
    assert {e.desk_id for e in stored if e.device_id == "box-3"} == {"desk-3"}
    assert {e.site_id for e in stored} == {"msk-1"}


@pytest.mark.parametrize("args, message", [
    (["--device", "nope", "--values", "good"], "--device: "),
    (["--device", "box-3", "--values", "excellent"], "box-3: no button gives 'excellent'"),
    (["--device", "tab-7", "--values", "good"], "cannot simulate 'http' devices"),
])
def test_simulate_bad_input_is_a_usage_error(tmp_path, monkeypatch, args, message):
    from tests.hardware.registry_sample import SAMPLE_YAML

    monkeypatch.setenv("CXMON_HOME", str(tmp_path / "home"))
    registry = tmp_path / "devices.yaml"
    registry.write_text(SAMPLE_YAML)
    result = CliRunner().invoke(main, ["devices", "simulate", "--registry", str(registry), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_flush_records_each_rejected_request_once_with_its_raw_payload_kept(tmp_path, monkeypatch):
    from hardware.http_endpoint import JsonlRejectLog
    from pipeline.store import open_store

    home = tmp_path / "home"
    monkeypatch.setenv("CXMON_HOME", str(home))
    home.mkdir()
    log = JsonlRejectLog(home / "device-rejected.jsonl")
    log("unknown device 'box-9'", b'{"device_id": "box-9", "value": "good"}', None)
    log("body is not JSON: Expecting value at line 1 column 1", b"\xff\x00garbage", "panel-1")
    with open(home / "device-rejected.jsonl", "ab") as out:
        out.write(b'{"at": "2026-12-03T09:00:00+00:00", "reason": "torn')  # a line still being written
    runner = CliRunner()
    first = runner.invoke(main, ["devices", "flush", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["rejections_recorded"] == 2
    again = runner.invoke(main, ["devices", "flush", "--json"])
    assert json.loads(again.stdout)["rejections_recorded"] == 0
    store = open_store(Settings())
    errors = sorted(store.catalog.errors(), key=lambda e: e.message)
    assert [(e.stage, e.source, e.message) for e in errors] == [
        ("devices", "device panel-1", "rejected by cxmon devices serve: body is not JSON: Expecting value at line 1 "
                                      "column 1"),
        ("devices", "device (unknown: no valid token)", "rejected by cxmon devices serve: unknown device 'box-9'"),
    ]
    with store.objects.open(errors[0].quarantine_key) as fh:
        assert fh.read() == b"\xff\x00garbage"
    with store.objects.open(errors[1].quarantine_key) as fh:
        assert fh.read() == b'{"device_id": "box-9", "value": "good"}'
    with open(home / "device-rejected.jsonl", "ab") as out:
        out.write(b' line"}\n')  # the torn line completed: now it is stored
    third = runner.invoke(main, ["devices", "flush", "--json"])
    assert json.loads(third.stdout)["rejections_recorded"] == 1


def test_flush_tags_personal_data_in_a_payload_unless_the_originals_may_be_kept(tmp_path, monkeypatch):
    raw = '{"device_id": "kiosk-1", "kind": "feedback", "value": "complaint", "comment": "call me +7 916 123-45-67"}'
    for keep, expected in ((False, "call me [PHONE]"), (True, "call me +7 916 123-45-67")):
        home = tmp_path / f"home-{keep}"
        monkeypatch.setenv("CXMON_HOME", str(home))
        monkeypatch.setenv("CXMON_KEEP_UNREDACTED", str(keep).lower())
        Spool(home / "device-spool").append([DeviceEvent(device_id="kiosk-1", kind="feedback", at=T0,
                                                         value="complaint", event_id="k-1", raw=raw)])
        assert CliRunner().invoke(main, ["devices", "flush"]).exit_code == 0
        catalog = Catalog(Settings().catalog_url_value())
        try:
            [stored] = catalog.device_events()
        finally:
            catalog.close()
        assert stored.event_id == "k-1" and expected in stored.raw and ("916" in stored.raw) == keep
