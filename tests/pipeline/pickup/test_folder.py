"""Pickup from a drop folder: a file is taken once it has stopped growing, with its sidecars, exactly once,
also when two pickups run at once; a file that cannot be ingested is marked failed with why."""

from __future__ import annotations

import hashlib
import json
import threading
import time

import pytest

from pipeline.pickup import pickup_pass
from pipeline.pickup.folder import FolderSource
from tests.conftest import stereo_call
from tests.pipeline.pickup.helpers import SETTLE_S, Clock, ingest, open_store


@pytest.fixture
def store(catalog_url, tmp_path):
    store = open_store(catalog_url, tmp_path / "objects")
    yield store
    store.catalog.close()


@pytest.fixture
def drop(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def one_pass(store, drop, clock, **kwargs):
    return pickup_pass(store, FolderSource(drop), ingest=ingest, settle_s=SETTLE_S, now=clock, **kwargs)


def test_a_growing_file_is_not_taken_until_it_stops_growing(store, drop, tmp_path):
    whole = stereo_call(tmp_path / "whole.wav", seconds=2.0).read_bytes()
    chunks = [whole[at:at + 4000] for at in range(0, len(whole), 4000)]
    go, written = threading.Event(), threading.Event()

    def recorder() -> None:  # the call recorder, writing the call as it goes
        with (drop / "call.wav").open("wb") as file:
            for chunk in chunks:
                go.wait()
                go.clear()
                file.write(chunk)
                file.flush()
                written.set()

    writer = threading.Thread(target=recorder)
    writer.start()
    clock = Clock()
    seen_growing = 0
    for _ in chunks:
        go.set()
        assert written.wait(10)
        written.clear()
        report = one_pass(store, drop, clock)
        assert report.taken == [] and report.waiting == [str(drop / "call.wav")]
        seen_growing += 1
        clock.advance()  # longer than settle_s between passes: only the growing holds it back
    writer.join(10)
    assert seen_growing == len(chunks) > 3

    clock.advance()
    report = one_pass(store, drop, clock)
    contact_id = hashlib.sha256(whole).hexdigest()[:16]
    assert report.taken == [(str(drop / "call.wav"), (contact_id,))]
    assert [c.contact_id for c in store.catalog.contacts()] == [contact_id]  # the whole call, not a part
    [row] = store.catalog.picked_files()
    assert (row.state, row.size_bytes, row.contact_ids) == ("taken", len(whole), (contact_id,))


def test_a_settled_call_is_taken_once_with_its_late_sidecar(store, drop):
    clock = Clock()
    stereo_call(drop / "a.wav")
    assert one_pass(store, drop, clock).waiting == [str(drop / "a.wav")]  # first seen: it waits
    clock.advance()
    (drop / "a.meta.json").write_text(json.dumps({"operator_id": "op-7", "team": "north"}))
    report = one_pass(store, drop, clock)  # the recording has settled, its sidecar is new: the group waits
    assert report.taken == [] and sorted(report.waiting) == [str(drop / "a.meta.json"), str(drop / "a.wav")]

    clock.advance(SETTLE_S / 2)
    assert one_pass(store, drop, clock).taken == []  # the sidecar has not settled yet
    clock.advance(SETTLE_S / 2)
    report = one_pass(store, drop, clock)
    [contact] = store.catalog.contacts()
    assert sorted(report.taken) == [(str(drop / "a.meta.json"), (contact.contact_id,)),
                                    (str(drop / "a.wav"), (contact.contact_id,))]
    assert (contact.operator_id, contact.team, contact.source) == ("op-7", "north", str(drop / "a.wav"))
    assert {row.state for row in store.catalog.picked_files()} == {"taken"}

    clock.advance(3600)
    again = one_pass(store, drop, clock)
    assert (again.seen, again.taken, again.waiting, again.failed) == (2, [], [], [])
    assert len(store.catalog.contacts()) == 1 and (drop / "a.wav").exists()  # nothing taken twice, nothing moved


def test_two_pickups_at_once_take_each_file_once(catalog_url, drop, tmp_path):
    names = [f"call{n}.wav" for n in range(6)]
    for n, name in enumerate(names):
        stereo_call(drop / name, seconds=1.0 + n / 10)
    stores = [open_store(catalog_url, tmp_path / "objects") for _ in range(2)]  # two engines: two pickups
    ingested: list[str] = []
    lock = threading.Lock()

    def slow_ingest(store, paths):
        with lock:
            ingested.extend(path.name for path in paths)
        time.sleep(0.05)  # long enough for the other pickup to try the same file
        return ingest(store, paths)

    def both(clock):
        barrier, reports = threading.Barrier(2), [None, None]

        def run(index):
            barrier.wait()
            reports[index] = pickup_pass(stores[index], FolderSource(drop), ingest=slow_ingest, settle_s=SETTLE_S,
                                         now=clock, owner=f"pickup-{index}")

        threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return reports

    clock = Clock()
    first = both(clock)  # both see every file for the first time at once
    assert all(report.taken == [] for report in first)
    clock.advance()
    second = both(clock)
    taken = [[source for source, _ in report.taken] for report in second]
    assert sorted(taken[0] + taken[1]) == sorted(str(drop / name) for name in names)
    assert sorted(ingested) == sorted(names)  # each file ingested once, by one of them
    rows = stores[0].catalog.picked_files()
    assert len(rows) == len(names) and {row.state for row in rows} == {"taken"}
    assert {row.owner for row in rows} <= {"pickup-0", "pickup-1"}
    assert len(stores[0].catalog.contacts()) == len(names)
    for store in stores:
        store.catalog.close()


def test_a_corrupt_file_fails_with_the_reason_and_the_rest_is_taken(store, drop):
    clock = Clock()
    (drop / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot really a recording")
    stereo_call(drop / "good.wav")
    (drop / "sub").mkdir()
    stereo_call(drop / "sub" / "deeper.wav", seconds=1.0)
    (drop / ".partial.wav").write_bytes(b"still being copied")  # hidden: someone's work in progress
    one_pass(store, drop, clock)
    clock.advance()
    report = one_pass(store, drop, clock)
    assert sorted(source for source, _ in report.taken) == [str(drop / "good.wav"), str(drop / "sub" / "deeper.wav")]
    [(source, why)] = report.failed
    assert source == str(drop / "broken.wav") and "broken.wav" in why
    [row] = store.catalog.picked_files(state="failed")
    assert row.source == source and row.error == why
    [error] = store.catalog.errors()
    assert error.source == source and error.quarantine_key  # its bytes kept in quarantine
    clock.advance()
    assert one_pass(store, drop, clock).failed == []  # failed is done with: not tried again and again


def test_a_file_changed_after_it_was_taken_is_a_new_version(store, drop):
    clock = Clock()
    stereo_call(drop / "a.wav", seconds=1.0)
    one_pass(store, drop, clock)
    clock.advance()
    [(_, (first_id,))] = one_pass(store, drop, clock).taken
    stereo_call(drop / "a.wav", seconds=2.0)  # the recorder wrote it again, other bytes
    clock.advance()
    assert one_pass(store, drop, clock).waiting == [str(drop / "a.wav")]
    clock.advance()
    [(_, (second_id,))] = one_pass(store, drop, clock).taken
    assert second_id != first_id
    assert sorted(c.contact_id for c in store.catalog.contacts()) == sorted([first_id, second_id])
    assert [(r.version, r.state) for r in store.catalog.picked_files()] in ([(1, "taken"), (2, "taken")],
                                                                          [(2, "taken"), (1, "taken")])


def test_remove_taken_deletes_only_what_was_taken(store, drop):
    clock = Clock()
    stereo_call(drop / "a.wav")
    (drop / "b.wav").write_bytes(b"not audio")
    one_pass(store, drop, clock, remove_taken=True)
    clock.advance()
    report = one_pass(store, drop, clock, remove_taken=True)
    assert report.removed == [str(drop / "a.wav")]
    assert sorted(p.name for p in drop.iterdir()) == ["b.wav"]


def test_a_sidecar_that_comes_after_its_recording_was_taken_fails_saying_why(store, drop):
    clock = Clock()
    stereo_call(drop / "late.wav")
    one_pass(store, drop, clock)
    clock.advance()
    assert len(one_pass(store, drop, clock).taken) == 1
    (drop / "late.meta.json").write_text(json.dumps({"operator_id": "op-9"}))
    one_pass(store, drop, clock)
    clock.advance()
    [(source, why)] = one_pass(store, drop, clock).failed
    assert source == str(drop / "late.meta.json") and "no recording" in why
    [contact] = store.catalog.contacts()
    assert contact.operator_id is None  # the contact is not changed behind the operator's back


def test_a_store_outage_gives_the_claims_back_and_a_dead_takers_claim_is_taken_over(store, drop):
    clock = Clock()
    stereo_call(drop / "a.wav")
    stereo_call(drop / "b.wav", seconds=2.0)
    one_pass(store, drop, clock)
    clock.advance()

    def down(store, paths):
        raise ConnectionError("connection refused")

    report = pickup_pass(store, FolderSource(drop), ingest=down, settle_s=SETTLE_S, now=clock)
    assert report.taken == [] and "ConnectionError" in report.outage
    assert {row.state for row in store.catalog.picked_files()} == {"waiting"}  # nothing lost, nothing stuck

    [row] = [r for r in store.catalog.picked_files() if r.source.endswith("a.wav")]
    assert store.catalog.claim_picked(row.source, row.version, size_bytes=row.size_bytes, mtime_ns=row.mtime_ns,
                                      etag=None, owner="died", at=clock(), stale_before=clock())
    report = one_pass(store, drop, clock, stale_s=60)
    assert [source for source, _ in report.taken] == [str(drop / "b.wav")] and report.busy == [str(drop / "a.wav")]
    clock.advance(61)
    assert [source for source, _ in one_pass(store, drop, clock, stale_s=60).taken] == [str(drop / "a.wav")]
