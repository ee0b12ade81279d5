"""``process_contacts`` on a real Dask cluster: a ``dask scheduler`` and two single-threaded ``dask worker``
processes on 127.0.0.1, the live S3 and PostgreSQL servers, and a real Prefect server (``prefect server start``).

Each contact is processed once, by one worker; both workers work; a worker's models stay loaded between its
contacts; a worker killed (SIGKILL) while it holds a contact loses nothing: the contact is done by the
surviving worker once the lease has expired. Runs in CI (~1-2 min).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.ingest import ingest_paths
from pipeline.settings import Settings
from pipeline.stages import stages_by_channel
from pipeline.store import open_store
from tests.conftest import postgres_database, require
from tests.flows.test_deployments import base_env, free_port, stop
from tests.pipeline.chats.test_chat_stage import CHAT, write_chat

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
LEASE_S = 15.0  # the killed worker's contact waits this long; longer than any one stage of a chat


def _wait(check, what: str, timeout: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in logs if p.exists())
        assert time.monotonic() < deadline, f"{what} not within {timeout:.0f} s\n{tails}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(environment of the cxmon settings and the Prefect API, scheduler address, {worker name: Popen})."""
    import httpx
    from distributed import Client

    require(bool(os.environ.get("CXMON_TEST_S3_ENDPOINT")), "no S3 server")
    tmp = tmp_path_factory.mktemp("dask")
    env = base_env(tmp)
    env["PYTHONPATH"] = str(REPO)  # the workers import flows.process to run its tasks
    processes: list[subprocess.Popen] = []
    logs: list[Path] = []

    def start(name: str, *args: str, extra: dict[str, str] | None = None) -> subprocess.Popen:
        log = tmp / f"{name}.log"
        logs.append(log)
        with open(log, "w") as out:
            process = subprocess.Popen(list(args), env={**env, **(extra or {})}, cwd=tmp / "home", stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(process)
        return process

    with postgres_database() as catalog_url:
        env.update({"CXMON_OBJECT_STORE": "s3", "CXMON_S3_ENDPOINT": os.environ["CXMON_TEST_S3_ENDPOINT"],
                    "CXMON_S3_ACCESS_KEY": os.environ["CXMON_TEST_S3_ACCESS_KEY"],
                    "CXMON_S3_SECRET_KEY": os.environ["CXMON_TEST_S3_SECRET_KEY"],
                    "CXMON_S3_BUCKET": f"cxmon-dask-{uuid.uuid4().hex[:10]}", "CXMON_CATALOG_URL": catalog_url})
        try:
            api_port, dask_port = free_port(), free_port()
            api = f"http://127.0.0.1:{api_port}/api"
            start("prefect", sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                  "--port", str(api_port),
                  extra={"PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp / 'prefect.db'}"})

            def healthy() -> bool:
                try:
                    return httpx.get(api + "/health", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            _wait(healthy, "the Prefect server", 120, logs)
            env["PREFECT_API_URL"] = api
            address = f"tcp://127.0.0.1:{dask_port}"
            start("scheduler", str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(dask_port),
                  "--no-dashboard")
            workers = {name: start(name, str(DASK), "worker", address, "--name", name, "--nthreads", "1",
                                   "--no-nanny", "--no-dashboard", "--host", "127.0.0.1")
                       for name in ("w1", "w2")}

            def ready() -> bool:
                try:
                    with Client(address, timeout=5) as client:
                        return len(client.scheduler_info()["workers"]) == 2
                except OSError:
                    return False

            _wait(ready, "two Dask workers", 120, logs)
            yield env, address, workers
        finally:
            if "prefect.events.worker" in sys.modules:  # this process's run events, before their server goes
                from prefect.events.worker import EventsWorker
                from prefect.logging.handlers import APILogWorker

                APILogWorker.drain_all(timeout=30)
                EventsWorker.drain_all(timeout=30)
            for process in reversed(processes):
                stop(process)


@pytest.fixture
def settings(cluster, monkeypatch):
    """This test process as the one that runs the flow: the workers' settings, and the cluster's address."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env, address, _ = cluster
    for name, value in env.items():
        if name.startswith("CXMON_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("CXMON_DASK_ADDRESS", address)
    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        yield Settings()
    from flows.process import _store_for

    _store_for.cache_clear()


def _pid(owner: str) -> int:
    return int(owner.rsplit(":", 2)[1])


def _ingest_chats(settings: Settings, folder: Path, names: list[str]) -> list[str]:
    for name in names:
        write_chat(folder / f"{name}.jsonl", lines=CHAT[: 3 + len(name) % 4], chat_id=name)
    return ingest_paths(open_store(settings), [folder], settings=settings).new


def _stage_counts(result: dict) -> Counter:
    return Counter((o["contact_id"], o["stage"]) for o in result["outcomes"] if o["ok"])


@pytest.mark.model
def test_every_contact_once_on_both_workers_and_models_stay_loaded(settings, cluster, tmp_path):
    from flows.process import run_process_contacts

    _, _, workers = cluster
    new = _ingest_chats(settings, tmp_path / "in", [f"chat-{i}" for i in range(8)])
    result = run_process_contacts(settings)
    chat_stages = stages_by_channel()["chat"]
    assert result["contacts"] == 8 and result["failed"] == [] and result["taken_elsewhere"] == 0
    assert sorted(result["owners"]) == sorted(new)
    assert set(_stage_counts(result).values()) == {1} and len(_stage_counts(result)) == 8 * len(chat_stages)
    pids = {_pid(owner) for owner in result["owners"].values()}
    assert pids == {w.pid for w in workers.values()}  # both workers did work, and nobody else
    by_worker: dict[int, list[int]] = {}
    for contact_id, owner in result["owners"].items():
        by_worker.setdefault(_pid(owner), []).append(result["models_loaded"][contact_id])
    assert any(len(loads) > 1 for loads in by_worker.values())
    for loads in by_worker.values():  # loaded by the worker's first contact, never again
        assert min(loads) > 0 and len(set(loads)) == 1, by_worker
    again = run_process_contacts(settings)
    assert again["contacts"] == 0 and again["stages_run"] == 0


@pytest.mark.model
def test_a_killed_worker_loses_nothing(settings, cluster, tmp_path, monkeypatch):
    from flows.process import process_contacts, run_process_contacts

    monkeypatch.setenv("CXMON_LEASE_S", str(LEASE_S))
    settings = Settings()

    _, _, workers = cluster
    victim, survivor = workers["w2"], workers["w1"]
    new = _ingest_chats(settings, tmp_path / "in", [f"late-{i}" for i in range(10)])
    engine = sa.create_engine(settings.catalog_url_value())
    results: list[dict] = []
    flow = threading.Thread(target=lambda: results.append(run_process_contacts(settings)))
    flow.start()
    held = None
    deadline = time.monotonic() + 120
    while held is None and flow.is_alive() and time.monotonic() < deadline:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT contact_id, owner, expires_at FROM contact_leases")).all()
        held = next((r for r in rows if _pid(r.owner) == victim.pid), None)
        if held is None:
            time.sleep(0.01)
    assert held is not None, "the worker never held a contact"
    victim.send_signal(signal.SIGKILL)  # mid-contact: it cannot give the contact back
    killed_at = datetime.now(UTC)
    flow.join(timeout=180)
    assert not flow.is_alive()
    victim.wait(timeout=30)

    time.sleep(max(0.0, (held.expires_at.astimezone(UTC) - datetime.now(UTC)).total_seconds()) + 0.5)
    # after the lease has expired; the flow object itself, as `cxmon flows serve` runs it: it finds the
    # cluster in the settings (the thread pool would name no owners)
    later = process_contacts()
    assert held.contact_id in later["owners"], (held, results, later)
    assert _pid(later["owners"][held.contact_id]) == survivor.pid
    assert held.expires_at.astimezone(UTC) > killed_at  # it was held when the worker died
    store = open_store(settings)
    statuses = store.catalog.stage_statuses()
    chat_stages = stages_by_channel()["chat"]
    for contact_id in new:  # nothing lost: every contact has every stage done
        assert statuses.get(contact_id, {}) == dict.fromkeys(chat_stages, "ok"), contact_id
    # no owner check for the rest: a contact the victim finished before it died has every stage ok, but its
    # task's result died with the worker, and the rerun on the survivor finds nothing left to claim
    assert run_process_contacts(settings)["contacts"] == 0
    engine.dispose()


def test_a_scheduler_that_does_not_answer_is_a_clear_error(settings, monkeypatch):
    from flows.process import SchedulerUnreachable, run_process_contacts

    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("CXMON_DASK_ADDRESS", address)
    started = time.monotonic()
    with pytest.raises(SchedulerUnreachable, match=f"Dask scheduler at {address} .*dask_address"):
        run_process_contacts(Settings())
    assert time.monotonic() - started < 30
