"""Work is claimed: two process runs at once share the contacts, and an outage is tried again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.records import FeatureSet
from pipeline.stages import OUTAGE_ATTEMPTS, Stage, run_stage
from pipeline.store.outages import is_outage
from tests.conftest import postgres_database
from tests.pipeline.catalog.test_catalog import _contact

CXMON = [sys.executable, "-m", "pipeline.cli"]


class MaxRetryError(Exception):
    """Named like urllib3's: what the S3 client raises when the server is gone."""


@pytest.mark.parametrize(("error", "outage"), [
    (ConnectionRefusedError(111, "Connection refused"), True),
    (TimeoutError("timed out"), True),
    (MaxRetryError("HTTPConnectionPool(host='127.0.0.1', port=8333): Max retries exceeded"), True),
    (ValueError("call.wav: 6 channels; expected 1 or 2"), False),
    (FileNotFoundError(2, "No such file"), False),
    (KeyError("raw/ab/cd"), False),
])
def test_outages_are_told_from_bad_contacts(error, outage):
    assert is_outage(error) is outage


def test_an_outage_behind_another_error_is_an_outage():
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as cause:
            raise RuntimeError("could not read raw/ab/cd") from cause
    except RuntimeError as error:
        assert is_outage(error)


def test_a_stage_that_meets_an_outage_runs_again_then_gives_up(store):
    store.catalog.add_contact(_contact("c1"))
    calls = []

    def flaky(store, contact, settings):
        calls.append(contact.contact_id)
        if len(calls) <= OUTAGE_ATTEMPTS:
            raise ConnectionRefusedError(111, "Connection refused")
        return FeatureSet(contact_id=contact.contact_id, name="call", values={})

    stage = Stage("call", flaky)
    seen = []
    for _ in range(OUTAGE_ATTEMPTS):
        outcome = run_stage(store, store.catalog.get_contact("c1"), stage, settings=None)
        seen.append(store.catalog.stage_statuses("c1")["c1"]["call"])
        assert not outcome.ok and "Connection refused" in outcome.error
    assert seen == ["outage"] * (OUTAGE_ATTEMPTS - 1) + ["failed"]
    assert store.catalog.failed_contacts() == ["c1"]
    assert store.catalog.retry_failed() == ["c1"]
    assert run_stage(store, store.catalog.get_contact("c1"), stage, settings=None).ok


def _chats(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        lines = [{"chat_id": f"web-{i}", "ts": f"2026-11-20T10:0{k}:00Z", "role": role, "author": author, "text": text}
                 for k, (role, author, text) in enumerate([
                     ("customer", "Anna", f"Hello, where is my order {i}?"),
                     ("agent", "Kate", "Good afternoon! Let me check that for you."),
                     ("customer", "Anna", "Thank you.")])]
        (folder / f"chat-{i}.jsonl").write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_env(request, home) -> dict[str, str]:
    """The CLI's environment with its catalog on SQLite (under ``home``) or on a new PostgreSQL database."""
    if request.param == "sqlite":
        yield {}
        return
    with postgres_database() as url:
        yield {"CXMON_CATALOG_URL": url}


def test_two_process_runs_at_once_share_the_work(catalog_env, tmp_path):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "CXMON_WORKERS": "1",
           **catalog_env}
    ingest = subprocess.run([*CXMON, "ingest", str(_chats(tmp_path / "inbox", 8)), "--json"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    runs = [subprocess.Popen([*CXMON, "process", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        results.append(json.loads(out))

    taken = Counter((o["contact_id"], o["stage"]) for result in results for o in result["outcomes"])
    assert len({contact for contact, _ in taken}) == 8  # every chat processed ...
    assert set(taken.values()) == {1}  # ... and no stage of any chat run twice
    assert sum(result["contacts"] for result in results) == 8
    again = subprocess.run([*CXMON, "process", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert json.loads(again.stdout)["contacts"] == 0


def test_a_database_that_is_down_is_a_clear_error_not_a_traceback(home, tmp_path):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "CXMON_CATALOG_URL": "postgresql+psycopg://cxmon:s3cr3t@127.0.0.1:9/cxmon?connect_timeout=2"}
    for command in (["process"], ["ls"], ["retry", "abc"]):
        run = subprocess.run([*CXMON, *command], env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, (command, run.stderr)
        assert "the store could not be reached (postgresql+psycopg://cxmon:***@127.0.0.1:9/cxmon" in run.stderr
        assert "Traceback" not in run.stderr and "s3cr3t" not in run.stderr


def test_a_store_that_stays_down_becomes_the_outcome_and_the_contact_waits(store, monkeypatch):
    from pipeline.stages import process_claimed

    store.catalog.add_contact(_contact("c1"))
    down = ConnectionRefusedError(111, "Connection refused")
    monkeypatch.setattr(store.catalog, "claim_contact", lambda *a, **k: (_ for _ in ()).throw(down))
    monkeypatch.setattr("pipeline.stages.time.sleep", lambda s: None)
    [outcome] = process_claimed(store, "c1", settings=None, owner="run-a", pauses_s=(0.1, 0.2))
    assert (outcome.stage, outcome.ok) == ("store", False)
    assert outcome.error == "c1: the store could not be reached (ConnectionRefusedError); the next run tries again"
    monkeypatch.undo()
    assert store.catalog.contacts_needing(["probe"]) == ["c1"]  # nothing recorded: the next run takes it


def test_a_store_lost_during_ingest_is_a_clear_error(home, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import main

    def lost(*args, **kwargs):
        raise RuntimeError("put_object failed") from ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr("pipeline.ingest.paths.ingest_batch", lost)
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "in")])
    assert result.exit_code == 1, result.output
    assert "the store could not be reached during ingest (RuntimeError)" in result.output


def test_a_store_lost_before_the_run_takes_contacts_ends_it_cleanly(home, monkeypatch):
    from flows.process import find_new_contacts

    def lost():
        raise RuntimeError("catalog") from ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("flows.process._store", lost)
    assert find_new_contacts.fn() is None


def test_the_leases_of_a_run_that_ended_on_this_host_are_taken_back(store, monkeypatch):
    import socket

    from flows.process import find_new_contacts
    from pipeline.stages import LEASE_S, ended_owners, run_owner

    for contact_id in ("c1", "c2", "c3"):
        store.catalog.add_contact(_contact(contact_id))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = f"{socket.gethostname()[:80]}:{int(ended.stdout)}:0123456789ab"  # a run whose process has ended
    alive, elsewhere = run_owner(), f"another-host:{int(ended.stdout)}:0123456789ab"
    for contact_id, owner in (("c1", gone), ("c2", alive), ("c3", elsewhere)):
        assert store.catalog.claim_contact(contact_id, owner, lease_s=LEASE_S)
    assert ended_owners([gone, alive, elsewhere, "run-a", "host:x:y"]) == [gone]
    monkeypatch.setattr("flows.process._store", lambda: store)
    assert find_new_contacts.fn() == ["c1"]  # c2 and c3 are held by runs that may still be working
    assert store.catalog.leased_contacts() == {"c2": alive, "c3": elsewhere}
    assert store.catalog.drop_leases([alive, "nobody"]) == ["c2"] and store.catalog.drop_leases([]) == []
