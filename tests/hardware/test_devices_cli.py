"""``cxmon devices flush``: the spool into the configured catalog, each press once, clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

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
    assert json.loads(first.output) == {"read": 7, "stored": 7, "duplicates": 0, "waiting_bytes": 0, "notes": [],
                                        "outage": None}
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
