"""Faults: the store lost during ingest and during processing, nothing lost, nothing done twice.

The first tests cut the store off inside one process (fast). The rest kill the real servers with
SIGKILL while the real CLI runs as a subprocess, on a SeaweedFS and a PostgreSQL of their own
(``scripts/services.sh start|kill9|revive`` on free ports; the shared servers are never touched).
The CLI runs through :data:`_CLI` only to shorten the back-off pauses and to slow each input (and
each contact) a little, so that a kill lands in the middle of the batch.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.ingest.paths import OUTAGE_PAUSES_S, describe_outage, ingest_batch, ingest_paths
from pipeline.store import Store
from tests.conftest import require, tone, write_audio

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# The real CLI, with the back-off pauses of ingest and processing set from FAULTS_PAUSES_S and each
# input and contact slowed by FAULTS_SLOW_S seconds.
_CLI = """
import os, time
import pipeline.ingest.paths as paths, pipeline.stages as stages
paths.OUTAGE_PAUSES_S = stages.OUTAGE_PAUSES_S = tuple(float(s) for s in os.environ["FAULTS_PAUSES_S"].split())
slow_s = float(os.environ.get("FAULTS_SLOW_S", "0"))
def slowed(function):
    def run(*args, **kwargs):
        time.sleep(slow_s)
        return function(*args, **kwargs)
    return run
paths._ingest_one = slowed(paths._ingest_one)
stages.process_contact = slowed(stages.process_contact)
from pipeline.cli import main
main(prog_name="cxmon")
"""


def _chats(folder: Path, count: int, *, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(start, start + count):
        lines = [{"chat_id": f"web-{i}", "ts": f"2026-11-20T10:0{k}:00Z", "role": role, "author": author, "text": text}
                 for k, (role, author, text) in enumerate([
                     ("customer", "Anna", f"Hello, where is my order {i}?"),
                     ("agent", "Kate", "Good afternoon! Let me check that for you."),
                     ("customer", "Anna", "Thank you.")])]
        made.append(folder / f"chat-{i:02d}.jsonl")
        made[-1].write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    return made


def _calls(folder: Path, count: int) -> list[Path]:
    return [write_audio(folder / f"call-{i:02d}.wav", tone(0.3, rate_hz=8000, freq_hz=200.0 + 50 * i), 8000,
                        subtype="PCM_16") for i in range(count)]


# --- in one process: the store cut off and back -------------------------------------------------

class _Flaky:
    """Wraps a catalog or object store; its method ``name`` raises an outage ``times`` times, after ``after`` calls."""

    def __init__(self, inner, name: str, *, times: int, after: int = 0) -> None:
        self._inner, self._name, self.times, self.after = inner, name, times, after

    def __getattr__(self, attribute):
        value = getattr(self._inner, attribute)
        if attribute != self._name:
            return value

        def flaky(*args, **kwargs):
            if self.after > 0:
                self.after -= 1
            elif self.times > 0:
                self.times -= 1
                raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
            return value(*args, **kwargs)
        return flaky


def _pauses(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("pipeline.ingest.paths.time.sleep", slept.append)
    return slept


def test_an_outage_that_passes_is_ridden_out_and_the_half_done_input_is_new_once(store, tmp_path, monkeypatch,
                                                                                   caplog):
    _chats(tmp_path / "in", 3)
    slept = _pauses(monkeypatch)
    # The second chat's object is written, then its catalog row fails twice: half done, twice.
    flaky = Store(objects=store.objects, catalog=_Flaky(store.catalog, "add_contact", times=2, after=1))
    report = ingest_batch(flaky, [tmp_path / "in"])
    assert slept == list(OUTAGE_PAUSES_S[:2])
    assert len(report.new) == len(set(report.new)) == 3 and report.existing == [] and report.errors == []
    assert report.not_ingested == [] and sorted(report.new) == sorted(c.contact_id for c in store.catalog.contacts())
    assert sorted(k.split("/")[0] for k in store.objects.list()) == ["chats"] * 3
    pauses = [r.getMessage() for r in caplog.records if r.name == "pipeline.ingest.paths"]
    assert pauses == [f"store unreachable (the store: ConnectionRefusedError); trying chat-01.jsonl again in {p:g} s"
                      for p in OUTAGE_PAUSES_S[:2]]
    again = ingest_paths(store, [tmp_path / "in"])
    assert again.new == [] and sorted(again.existing) == sorted(report.new)


def test_a_store_that_stays_down_stops_the_batch_and_the_next_run_does_the_rest_once(store, tmp_path, monkeypatch):
    _chats(tmp_path / "in", 4)
    slept = _pauses(monkeypatch)
    down = Store(objects=_Flaky(store.objects, "put_stream", times=99, after=2), catalog=store.catalog)
    report = ingest_batch(down, [tmp_path / "in"], pauses_s=(0.5, 1.0))
    assert slept == [0.5, 1.0]
    assert len(report.new) == 2 and report.errors == [] and report.outage == "the store: ConnectionRefusedError"
    assert [Path(p).name for p in report.not_ingested] == ["chat-02.jsonl", "chat-03.jsonl"]
    assert store.catalog.errors() == []  # an outage is no fault of the inputs: nothing recorded against them
    again = ingest_batch(store, [tmp_path / "in"])
    assert sorted(again.existing) == sorted(report.new) and len(again.new) == 2 and again.not_ingested == []
    assert len(store.catalog.contacts()) == 4 and len(list(store.objects.list())) == 4


def test_ingest_paths_still_raises_an_outage_at_once(store, tmp_path, monkeypatch):
    _chats(tmp_path / "in", 2)
    slept = _pauses(monkeypatch)
    with pytest.raises(ConnectionRefusedError):
        ingest_paths(Store(objects=store.objects, catalog=_Flaky(store.catalog, "add_contact", times=1)),
                     [tmp_path / "in"])
    assert slept == []


def test_an_outage_names_the_server_never_its_secret(tmp_path):
    from pipeline.catalog import Catalog

    class OperationalError(Exception):
        pass

    class MaxRetryError(Exception):
        pass

    OperationalError.__module__, MaxRetryError.__module__ = "sqlalchemy.exc", "urllib3.exceptions"
    objects = type("S3", (), {"endpoint": "127.0.0.1:8333"})()
    catalog = Catalog("postgresql+psycopg://cxmon:s3cr3t@db:5432/cxmon?sslpassword=x", upgrade=False)
    store = Store(objects=objects, catalog=catalog)
    assert describe_outage(store, MaxRetryError()) == "S3 127.0.0.1:8333: MaxRetryError"
    wrapped = RuntimeError("lost")
    wrapped.__cause__ = OperationalError()
    assert describe_outage(store, wrapped) == ("catalog postgresql+psycopg://cxmon:***@db:5432/cxmon?sslpassword=***: "
                                               "RuntimeError")


def test_the_cli_summary_of_a_store_that_stays_down(home, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.catalog import Catalog
    from pipeline.cli import main

    _chats(tmp_path / "in", 3)
    _pauses(monkeypatch)
    monkeypatch.setattr("pipeline.ingest.paths.OUTAGE_PAUSES_S", (1.0,))
    real = Catalog.add_contact
    calls = []

    def add_contact(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Catalog, "add_contact", add_contact)
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "in")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1 new contacts, 0 already in the store, 0 problems"
    assert lines[1:3] == [f"  - not ingested: {tmp_path / 'in' / name}" for name in ("chat-01.jsonl", "chat-02.jsonl")]
    assert lines[3] == ("2 not ingested because the store could not be reached (the store: ConnectionRefusedError); "
                        "run the same command again: nothing is ingested twice")
    monkeypatch.setattr(Catalog, "add_contact", real)
    again = CliRunner().invoke(main, ["ingest", str(tmp_path / "in")])
    assert again.exit_code == 0 and again.output == "2 new contacts, 1 already in the store, 0 problems\n"


# --- the real servers killed ----------------------------------------------------------------------

def _free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 with their +10000 gRPC twin free too (weed listens on both)."""
    def free(port: int) -> bool:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    ports: list[int] = []
    for port in random.Random(os.getpid()).sample(range(20000, 29990), 400):
        if free(port) and free(port + 10000) and port not in ports:
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError("no free ports between 20000 and 39990")


class _Servers:
    """A SeaweedFS and a PostgreSQL of this module's own, which its tests kill and revive."""

    def __init__(self, env: dict[str, str], exports: dict[str, str]) -> None:
        self.env, self.exports = env, exports

    def do(self, verb: str, server: str) -> float:
        started = time.monotonic()
        done = subprocess.run(["bash", str(SERVICES), verb, server], env=self.env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return time.monotonic() - started

    def database(self, name: str) -> str:
        import sqlalchemy as sa

        admin = sa.create_engine(self.exports["CXMON_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return sa.make_url(self.exports["CXMON_TEST_POSTGRES_URL"]).set(database=name).render_as_string(False)


@pytest.fixture(scope="module")
def servers():
    weed = ROOT / ".venv" / "bin" / "weed"
    require((weed.exists() or shutil.which("weed") is not None) and (PG_BIN / "initdb").exists(),
            f"fault tests need weed and PostgreSQL 15 ({PG_BIN}) to run servers of their own")
    state = Path(tempfile.mkdtemp(prefix="cxmon-faults-"))
    names = ["CXMON_S3_PORT", "CXMON_WEED_MASTER_PORT", "CXMON_WEED_VOLUME_PORT", "CXMON_WEED_FILER_PORT",
             "CXMON_WEED_ADMIN_PORT", "CXMON_PG_PORT"]
    env = {**os.environ, "CXMON_SERVICES_DIR": str(state),
           **{name: str(port) for name, port in zip(names, _free_ports(len(names)), strict=True)}}
    started = subprocess.run(["bash", str(SERVICES), "start"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines())
        yield _Servers(env, exports)
    finally:
        subprocess.run(["bash", str(SERVICES), "stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(state, ignore_errors=True)


class _Cli:
    """One run of the CLI as a subprocess, its stdout and stderr read as they come."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen([sys.executable, "-c", _CLI, *args], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, cwd=env["CXMON_HOME"])
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self.out), (self.process.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def wait_for(self, what, timeout_s: float = 90.0) -> None:
        """Wait until ``what()`` is true; fail, with the run's stderr, if the run ends first or time runs out."""
        deadline = time.monotonic() + timeout_s
        while not what():
            assert self.process.poll() is None, f"the run ended first:\n{self.stderr}"
            assert time.monotonic() < deadline, f"timed out:\n{self.stderr}"
            time.sleep(0.05)

    def finish(self, timeout_s: float = 240.0) -> int:
        code = self.process.wait(timeout=timeout_s)
        for reader in self._readers:
            reader.join(timeout=10)
        self.seconds = time.monotonic() - self.started
        return code

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


class _Case:
    """A store of its own on the module's servers (a bucket and a database), and the CLI pointed at it."""

    def __init__(self, servers: _Servers, tmp_path: Path, name: str) -> None:
        import sqlalchemy as sa

        self.servers, self.tmp_path = servers, tmp_path
        url = servers.database(f"faults_{name}")
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        home = tmp_path / "home"
        home.mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CXMON_")},
            "CXMON_HOME": str(home), "CXMON_OBJECT_STORE": "s3", "CXMON_S3_BUCKET": f"faults-{name.replace('_', '-')}",
            "CXMON_S3_ENDPOINT": servers.exports["CXMON_TEST_S3_ENDPOINT"],
            "CXMON_S3_ACCESS_KEY": servers.exports["CXMON_TEST_S3_ACCESS_KEY"],
            "CXMON_S3_SECRET_KEY": servers.exports["CXMON_TEST_S3_SECRET_KEY"],
            "CXMON_CATALOG_URL": url, "CXMON_WORKERS": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "FAULTS_PAUSES_S": "4 8 16", "FAULTS_SLOW_S": "0",
        }

    def cli(self, *args: str, pauses_s: str = "4 8 16", slow_s: float = 0.0) -> _Cli:
        return _Cli({**self.env, "FAULTS_PAUSES_S": pauses_s, "FAULTS_SLOW_S": str(slow_s)}, *args)

    def count(self, query: str) -> int:
        """``query``'s one number; -1 while the catalog has no tables yet or cannot be reached."""
        import sqlalchemy as sa

        try:
            with self.engine.connect() as conn:
                return conn.execute(sa.text(query)).scalar_one()
        except sa.exc.SQLAlchemyError:
            return -1

    def rows(self, query: str) -> list[tuple]:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(query))]

    def objects(self) -> dict[str, bytes]:
        from pipeline.store.objects import get_bytes
        from pipeline.store.s3 import S3ObjectStore

        store = S3ObjectStore(self.env["CXMON_S3_ENDPOINT"], self.env["CXMON_S3_ACCESS_KEY"],
                              self.env["CXMON_S3_SECRET_KEY"], self.env["CXMON_S3_BUCKET"])
        return {key: get_bytes(store, key) for key in store.list()}

    def close(self) -> None:
        self.engine.dispose()


FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def _figures_written():
    """Print the measured figures at the end, and write them to $CXMON_FAULT_FIGURES when set."""
    yield
    if FIGURES:
        text = json.dumps(FIGURES, indent=2)
        print("\nfault figures:", text, sep="\n")
        if os.environ.get("CXMON_FAULT_FIGURES"):
            Path(os.environ["CXMON_FAULT_FIGURES"]).write_text(text)


def _inbox(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """Twelve chats and eight short calls; returns the folder and each call's bytes by name."""
    folder = tmp_path / "inbox"
    _chats(folder, 12)
    calls = _calls(folder, 8)
    return folder, {path.name: path.read_bytes() for path in calls}


def _assert_all_in_once(case: _Case, calls: dict[str, bytes]) -> None:
    contacts = case.rows("SELECT contact_id, channel, object_key FROM contacts")
    assert len(contacts) == 20 and len({c[0] for c in contacts}) == 20
    assert Counter(c[1] for c in contacts) == {"chat": 12, "call": 8}
    objects = case.objects()
    assert sorted(objects) == sorted(c[2] for c in contacts)  # one object per contact, none left over
    raw = sorted(data for key, data in objects.items() if key.startswith("raw/"))
    assert raw == sorted(calls.values())  # the calls byte for byte
    assert case.count("SELECT count(*) FROM errors") == 0


_NO_TRACEBACK = "Traceback"


@pytest.mark.parametrize(("server", "says"), [("weed", r"S3 127\.0\.0\.1:\d+: MaxRetryError"),
                                              ("postgres", r"catalog postgresql\+psycopg://postgres@127\.0\.0\.1:\d+"
                                                           r"/faults_ingest_\w+: OperationalError")])
def test_a_server_killed_during_ingest_and_revived_in_the_back_off(servers, tmp_path, server, says):
    case = _Case(servers, tmp_path, f"ingest_{server}_revived")
    folder, calls = _inbox(tmp_path)
    run = case.cli("ingest", str(folder), slow_s=0.15)
    run.wait_for(lambda: case.count("SELECT count(*) FROM contacts") >= 5)
    killed_at = time.monotonic()
    servers.do("kill9", server)
    run.wait_for(lambda: "again in" in run.stderr)
    revive_s = servers.do("revive", server)
    down_s = time.monotonic() - killed_at
    code = run.finish()
    assert code == 0, run.stderr
    assert run.stdout == "20 new contacts, 0 already in the store, 0 problems\n"
    pause = re.search(rf"store unreachable \({says}\); trying (call|chat)-\d\d\.(wav|jsonl) again in 4 s", run.stderr)
    assert pause, run.stderr
    assert _NO_TRACEBACK not in run.stderr and "cxmontest-secret" not in run.stderr
    _assert_all_in_once(case, calls)
    FIGURES[f"ingest, {server} killed, revived during the back-off"] = {
        "inputs": 20, "killed_after": "5 contacts in the catalog", "downtime_s": round(down_s, 1),
        "revive_s": round(revive_s, 1), "exit": code, "contacts": 20, "duplicates": 0,
        "pauses_logged": run.stderr.count("again in"), "run_s": round(run.seconds, 1)}
    case.close()


@pytest.mark.parametrize(("server", "says"), [("weed", r"S3 127\.0\.0\.1:\d+: MaxRetryError"),
                                              ("postgres", r"catalog postgresql\+psycopg://postgres@127\.0\.0\.1:\d+"
                                                           r"/faults_ingest_\w+: OperationalError")])
def test_a_server_killed_during_ingest_for_good_then_the_same_command_again(servers, tmp_path, server, says):
    case = _Case(servers, tmp_path, f"ingest_{server}_down")
    folder, calls = _inbox(tmp_path)
    run = case.cli("ingest", str(folder), pauses_s="0.2", slow_s=0.15)
    run.wait_for(lambda: case.count("SELECT count(*) FROM contacts") >= 5)
    servers.do("kill9", server)
    killed_at = time.monotonic()
    code = run.finish()
    stopped_s = time.monotonic() - killed_at
    assert code == 1, run.stderr
    assert _NO_TRACEBACK not in run.stderr and "cxmontest-secret" not in run.stderr
    summary = re.fullmatch(r"(\d+) new contacts, 0 already in the store, 0 problems\n((?:  - not ingested: .*\n)+)",
                           run.stdout)
    assert summary, run.stdout
    new, missing = int(summary[1]), summary[2].count("  - not ingested: ")
    assert new >= 1 and new + missing == 20
    assert re.search(rf"{missing} not ingested because the store could not be reached \({says}\); run the same "
                     r"command again: nothing is ingested twice", run.stderr), run.stderr
    servers.do("revive", server)
    again = case.cli("ingest", str(folder))
    assert again.finish() == 0, again.stderr
    assert again.stdout == f"{missing} new contacts, {new} already in the store, 0 problems\n"
    _assert_all_in_once(case, calls)
    FIGURES[f"ingest, {server} killed for good"] = {
        "inputs": 20, "exit_first": code, "in_first": new, "not_ingested_first": missing,
        "first_run_ended_s_after_kill": round(stopped_s, 1), "exit_again": 0, "new_again": missing,
        "existing_again": new, "contacts": 20, "duplicates": 0, "recovery_run_s": round(again.seconds, 1)}
    case.close()


def _stage_runs(case: _Case) -> list[tuple]:
    return case.rows("SELECT contact_id, stage, status FROM stage_runs")


def _outcomes(run: _Cli) -> list[dict]:
    return json.loads(run.stdout)["outcomes"] if run.stdout.strip().startswith("{") else []


def _assert_all_processed_once(case: _Case, runs: list[_Cli]) -> None:
    runs_by_stage = _stage_runs(case)
    assert len(runs_by_stage) == 8 * 4 and {status for _, _, status in runs_by_stage} == {"ok"}
    # No stage of any contact ran to ok twice (a run cut short by the catalog's loss does not list the
    # stages it had finished: stage_runs above says they are done, and the next run did not repeat them).
    ok = Counter((o["contact_id"], o["stage"]) for run in runs for o in _outcomes(run) if o["ok"])
    assert set(ok.values()) == {1}
    assert case.count("SELECT count(*) FROM contact_leases") == 0


def test_s3_killed_during_process_then_the_next_run_completes_every_contact(servers, tmp_path):
    case = _Case(servers, tmp_path, "process_weed")
    _chats(tmp_path / "inbox", 8)
    assert case.cli("ingest", str(tmp_path / "inbox")).finish() == 0
    run = case.cli("process", "--json", slow_s=0.4)
    run.wait_for(lambda: case.count("SELECT count(*) FROM stage_runs WHERE status = 'ok'") >= 1, timeout_s=120)
    servers.do("kill9", "weed")
    killed_at = time.monotonic()
    run.wait_for(lambda: case.count("SELECT count(*) FROM stage_runs WHERE status = 'outage'") >= 1)
    servers.do("revive", "weed")
    down_s = time.monotonic() - killed_at
    code = run.finish()
    assert _NO_TRACEBACK not in run.stderr and code == 1, run.stderr
    first = json.loads(run.stdout)
    failed = [o for o in first["outcomes"] if not o["ok"]]
    assert failed and all("Max retries exceeded" in o["error"] for o in failed), failed
    waiting = {row[0] for row in case.rows("SELECT contact_id FROM stage_runs WHERE status = 'outage'")}
    assert waiting == {o["contact_id"] for o in failed}  # the next run takes them again
    again = case.cli("process", "--json")
    assert again.finish() == 0, again.stderr
    assert {o["contact_id"] for o in _outcomes(again)} == waiting
    _assert_all_processed_once(case, [run, again])
    FIGURES["process, weed killed, revived during the run"] = {
        "contacts": 8, "killed_after": "first stage ok", "downtime_s": round(down_s, 1), "exit_first": code,
        "contacts_done_first": first["contacts"] - len(first["failed"]), "left_outage_first": len(waiting),
        "exit_next": 0, "contacts_done_next": json.loads(again.stdout)["contacts"], "stage_runs_ok": 32,
        "stage_runs_twice": 0, "first_run_s": round(run.seconds, 1), "recovery_run_s": round(again.seconds, 1)}
    case.close()


def test_postgres_killed_during_process_then_the_next_run_completes_every_contact(servers, tmp_path):
    case = _Case(servers, tmp_path, "process_postgres")
    _chats(tmp_path / "inbox", 8)
    assert case.cli("ingest", str(tmp_path / "inbox")).finish() == 0
    run = case.cli("process", "--json", pauses_s="0.2", slow_s=0.4)
    run.wait_for(lambda: case.count("SELECT count(*) FROM stage_runs WHERE status = 'ok'") >= 1, timeout_s=120)
    servers.do("kill9", "postgres")
    killed_at = time.monotonic()
    code = run.finish()
    down_s = time.monotonic() - killed_at
    assert _NO_TRACEBACK not in run.stderr and code == 1, run.stderr
    first = json.loads(run.stdout)
    lost = [o for o in first["outcomes"] if o["stage"] == "store"]
    assert lost and all(re.fullmatch(r"\w+: the store could not be reached \(OperationalError\); the next run tries "
                                     r"again", o["error"]) for o in lost)
    servers.do("revive", "postgres")
    again = case.cli("process", "--json")
    assert again.finish() == 0, again.stderr
    # Each contact cut off is taken again; one may have had every stage recorded before the release
    # of its lease met the outage, and then has nothing left to do.
    taken_again = {o["contact_id"] for o in _outcomes(again)}
    assert taken_again <= {o["contact_id"] for o in lost} and len(taken_again) >= len(lost) - 1
    _assert_all_processed_once(case, [run, again])
    FIGURES["process, postgres killed for the rest of the run"] = {
        "contacts": 8, "killed_after": "first stage ok", "downtime_s": round(down_s, 1), "exit_first": code,
        "store_outcomes_first": len(lost), "exit_next": 0, "contacts_done_next": json.loads(again.stdout)["contacts"],
        "stage_runs_ok": 32, "stage_runs_twice": 0, "first_run_s": round(run.seconds, 1),
        "recovery_run_s": round(again.seconds, 1)}
    case.close()
