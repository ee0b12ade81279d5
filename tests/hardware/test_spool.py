"""The spool: every press appended is stored once, through torn writes, killed flushers and a catalog down."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hardware.spool import Spool, event_line, event_of_line
from pipeline.catalog import Catalog
from pipeline.records import DeviceEvent
from tests.pipeline.test_faults import servers  # noqa: F401 - a PostgreSQL of this module's own, to kill

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def presses(count: int, *, start: int = 0, device: str = "box-1") -> list[DeviceEvent]:
    return [DeviceEvent(device_id=device, kind="press", at=T0 + timedelta(milliseconds=i), value="good",
                        desk_id="desk-1", raw=f"k{i}") for i in range(start, start + count)]


@pytest.fixture
def catalog(catalog_url):  # SQLite, and PostgreSQL when CXMON_TEST_POSTGRES_URL names a server
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def test_a_line_round_trips_every_field():
    event = DeviceEvent(device_id="hub", kind="panel_answer", at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
                        value="5", object_key="o", contact_id="c", event_id="e", desk_id="d", site_id="s",
                        operator_id="op", raw="ff00\u0436\udcff")
    line = event_line(event)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert event_of_line(line.rstrip(b"\n")) == event
    with pytest.raises(ValueError, match="expected an object with the fields"):
        event_of_line(b'{"device_id": "x"}')
    with pytest.raises(ValueError, match="^device_id is 129 characters long; expected at most 128$"):
        event_line(DeviceEvent(device_id="x" * 129, kind="press", at=T0))


def test_append_is_on_disk_before_it_returns(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    spool = Spool(tmp_path / "spool")
    assert spool.append(presses(3)) == 3
    assert len(synced) == 2  # the segment's bytes, then the directory holding the new segment
    assert spool.append(presses(2, start=3)) == 2
    assert len(synced) == 3  # same segment: its bytes only
    [segment] = spool.segments()
    assert [event_of_line(line) for line in segment.read_bytes().splitlines()] == presses(5)
    assert spool.append([]) == 0 and spool.pending() == segment.stat().st_size
    with pytest.raises(ValueError, match="device_id is 200 characters long"):
        spool.append([*presses(1, start=5), DeviceEvent(device_id="x" * 200, kind="press", at=T0)])
    assert spool.pending() == segment.stat().st_size and len(synced) == 3  # nothing of that batch written


def test_flush_stores_everything_once_rotates_and_deletes_stored_segments(tmp_path, catalog):
    spool = Spool(tmp_path / "spool", segment_bytes=5000)
    for start in range(0, 1000, 50):
        spool.append(presses(50, start=start))
    assert len(spool.segments()) > 10
    report = spool.flush(catalog, batch=64)
    assert (report.read, report.stored, report.duplicates, report.outage, report.notes) == (1000, 1000, 0, None, [])
    assert catalog.device_event_count() == 1000 and spool.pending() == 0
    assert len(spool.segments()) == 1  # the last one stays open for appends
    spool.append(presses(10, start=1000))
    again = spool.flush(catalog)
    assert (again.read, again.stored) == (10, 10) and catalog.device_event_count() == 1010
    assert spool.flush(catalog).read == 0


def test_a_torn_last_line_is_skipped_with_a_note_kept_and_never_appended_to(tmp_path, catalog):
    spool = Spool(tmp_path / "spool")
    spool.append(presses(5))
    [segment] = spool.segments()
    torn = event_line(presses(1, start=5)[0])[:40]
    with open(segment, "ab") as fh:  # a crash cut this write short
        fh.write(torn)
    spool.append(presses(3, start=6))  # after the crash: a new segment, the torn line left alone
    assert len(spool.segments()) == 2
    report = spool.flush(catalog)
    assert (report.read, report.stored) == (8, 8)
    [note] = report.notes
    before = len(b"".join(map(event_line, presses(5))))
    assert note == (f"{segment.name}: byte {before}: a torn last line (40 bytes); skipped, its bytes kept in "
                    f"{segment.name}.skipped")
    assert (segment.parent / f"{segment.name}.skipped").read_bytes() == torn + b"\n"
    assert not segment.exists() and [e.raw for e in catalog.device_events()] == [f"k{i}" for i in (0, 1, 2, 3, 4,
                                                                                                   6, 7, 8)]


def test_a_line_that_is_no_event_is_skipped_and_the_rest_stored(tmp_path, catalog):
    spool = Spool(tmp_path / "spool")
    spool.append(presses(2))
    [segment] = spool.segments()
    with open(segment, "ab") as fh:
        fh.write(b"\xff\xfe garbage\n")
    spool.append(presses(2, start=2))
    report = spool.flush(catalog)
    assert (report.read, report.stored) == (4, 4)
    [note] = report.notes
    assert note.startswith(f"{segment.name}: byte {len(b''.join(map(event_line, presses(2))))}: not a JSON line")


class _Killed(Exception):
    pass


def test_a_flusher_that_dies_after_a_commit_loses_nothing_and_stores_nothing_twice(tmp_path, catalog):
    spool = Spool(tmp_path / "spool", segment_bytes=20_000)
    spool.append(presses(1000))
    real_add = catalog.add_device_events
    calls = []

    def dies_after_third(events):
        calls.append(len(events))
        stored = real_add(events)
        if len(calls) == 3:
            raise _Killed  # committed, but the cursor never moved past this batch
        return stored

    catalog.add_device_events = dies_after_third
    with pytest.raises(_Killed):
        spool.flush(catalog, batch=100)
    assert catalog.device_event_count() == 300
    del catalog.add_device_events
    report = spool.flush(catalog, batch=100)
    assert (report.read, report.stored, report.duplicates) == (800, 700, 100)
    assert catalog.device_event_count() == 1000 and spool.pending() == 0


_FLUSHER = """
import sys, time
from hardware.spool import Spool
from pipeline.catalog import Catalog
catalog = Catalog(sys.argv[2])
add = catalog.add_device_events
def slow(events):
    stored = add(events)
    print("committed", stored, flush=True)
    time.sleep(0.5)  # committed, the cursor not yet moved: the kill lands here
    return stored
catalog.add_device_events = slow
Spool(sys.argv[1]).flush(catalog, batch=100)
"""


def test_a_flusher_process_killed_mid_flush_then_run_again_stores_each_press_once(tmp_path, catalog):
    spool = Spool(tmp_path / "spool", segment_bytes=50_000)
    spool.append(presses(2000))
    url = catalog.engine.url.render_as_string(hide_password=False)
    process = subprocess.Popen([sys.executable, "-c", _FLUSHER, str(spool.directory), url], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):
            assert process.stdout.readline().startswith("committed 100")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert catalog.device_event_count() == 300
    report = spool.flush(catalog, batch=100)
    assert (report.read, report.stored, report.duplicates) == (1800, 1700, 100)
    assert catalog.device_event_count() == 2000 and spool.pending() == 0
    assert sorted(e.raw for e in catalog.device_events()) == sorted(f"k{i}" for i in range(2000))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_catalog_down_stops_the_flush_and_the_next_one_stores_the_rest(tmp_path, catalog):
    spool = Spool(tmp_path / "spool")
    spool.append(presses(250))
    down = Catalog(f"postgresql+psycopg://cxmon:secret@127.0.0.1:{_closed_port()}/cxmon", upgrade=False)
    report = spool.flush(down, batch=100)
    assert (report.read, report.stored) == (0, 0)
    assert report.outage.startswith("the catalog could not be reached (OperationalError); 100 events wait in")
    assert "secret" not in report.outage and spool.pending() > 0
    real_add, calls = catalog.add_device_events, []

    def down_after_first(events):  # the server goes away between two batches
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionRefusedError(111, "Connection refused")
        return real_add(events)

    catalog.add_device_events = down_after_first
    report = spool.flush(catalog, batch=100)
    assert (report.read, report.stored, report.outage is not None) == (100, 100, True)
    del catalog.add_device_events
    report = spool.flush(catalog, batch=100)
    assert (report.read, report.stored, report.outage) == (150, 150, None)
    assert catalog.device_event_count() == 250 and spool.pending() == 0


def test_appenders_in_threads_and_two_flushers_never_double_or_lose(tmp_path, catalog):
    spool = Spool(tmp_path / "spool", segment_bytes=8000)
    threads = [threading.Thread(target=lambda d=d: [spool.append(presses(10, start=k * 10, device=f"box-{d}"))
                                                    for k in range(30)]) for d in range(4)]
    flushers = [threading.Thread(target=lambda: [spool.flush(catalog, batch=37) for _ in range(5)]) for _ in range(2)]
    for t in threads + flushers:
        t.start()
    for t in threads + flushers:
        t.join()
    spool.flush(catalog)
    assert catalog.device_event_count() == 1200 and spool.pending() == 0
    cursor = json.loads((spool.directory / "cursor.json").read_text())
    assert set(cursor) == {"segment", "offset"}


def test_a_second_flush_that_will_not_wait_returns_at_once(tmp_path, catalog):
    spool = Spool(tmp_path / "spool")
    spool.append(presses(3))
    with spool._locked("flush.lock"):
        report = spool.flush(catalog, wait=False)
    assert (report.read, report.outage) == (0, "another flush is running")
    assert spool.flush(catalog, wait=False).stored == 3


def test_postgresql_killed_mid_flush_then_revived_loses_nothing_and_doubles_nothing(servers, tmp_path):  # noqa: F811
    catalog = Catalog(servers.database("cxmon_spool_faults"))
    try:
        spool = Spool(tmp_path / "spool", segment_bytes=30_000)
        spool.append(presses(1000))
        real_add, calls = catalog.add_device_events, []

        def killed_before_third(events):
            calls.append(len(events))
            if len(calls) == 3:
                servers.do("kill9", "postgres")
            return real_add(events)

        catalog.add_device_events = killed_before_third
        report = spool.flush(catalog, batch=100)
        assert (report.read, report.stored) == (200, 200)
        assert report.outage.startswith("the catalog could not be reached (OperationalError); 100 events wait in")
        servers.do("revive", "postgres")
        del catalog.add_device_events
        report = spool.flush(catalog, batch=100)
        assert (report.read, report.stored, report.outage) == (800, 800, None)
        assert catalog.device_event_count() == 1000 and spool.pending() == 0
    finally:
        catalog.close()
