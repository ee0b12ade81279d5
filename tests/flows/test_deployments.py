"""``cxmon flows serve|ls|run|pause|resume`` against a real Prefect server (``prefect server start``), and
``prefect.yaml`` against the flow registry.

One server per module, on a free port, with its own PREFECT_HOME and SQLite database; the cxmon home is a
temporary folder (SQLite catalog, local objects). Runs in CI: it needs no S3 or PostgreSQL, only time (~1 min).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from flows.deployments import DEPLOYMENT, FLOWS

REPO = Path(__file__).resolve().parents[2]
# check_alarms' custom schedule must not fire during the test: its run would become the last run
CUSTOM = {"pickup_recordings": "*/2 * * * *", "process_contacts": "* * * * *",
          "check_alarms": "7 3 29 2 *", "train_csi": "0 4 * * 1", "daily_report": ""}


def cxmon(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "flows", *args], env=env, cwd=env["CXMON_HOME"],
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXMON_", "PREFECT_"))}
    (tmp / "home").mkdir(parents=True, exist_ok=True)
    env.update({"PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1", "CXMON_HOME": str(tmp / "home")})
    return env


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process (it ends its own children), SIGKILL to its group after 60 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Prefect server: (its API URL, the environment the cxmon commands run with)."""
    import httpx

    tmp = tmp_path_factory.mktemp("prefect")
    env = base_env(tmp)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env["PREFECT_API_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{tmp / 'prefect.db'}"
    log = open(tmp / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (tmp / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the Prefect server did not start in 120 s"
            time.sleep(0.5)
        env.pop("PREFECT_API_DATABASE_CONNECTION_URL")
        env["PREFECT_API_URL"] = url
        yield url, env
    finally:
        stop(process)
        log.close()


def ls(env: dict[str, str]) -> dict[str, dict]:
    done = cxmon("ls", "--json", env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["name"] for r in rows] == list(FLOWS)
    return {r["name"]: r for r in rows}


def test_prefect_yaml_deploys_every_registered_flow_from_its_entrypoint():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    by_entrypoint = {d["entrypoint"]: d for d in spec["deployments"]}
    assert len(by_entrypoint) == len(spec["deployments"]) == len(FLOWS)
    for name, entry in FLOWS.items():
        deployment = by_entrypoint[entry.file_entrypoint]
        assert (REPO / entry.file_entrypoint.split(":")[0]).is_file()
        assert deployment["name"] == DEPLOYMENT and deployment["work_pool"]["name"] == "cxmon"
    from pipeline.settings import Settings

    defaults = Settings.model_fields["flow_schedules"].default
    for name, entry in FLOWS.items():  # the yaml's crons are the settings' defaults
        crons = [s["cron"] for s in by_entrypoint[entry.file_entrypoint]["schedules"]]
        assert crons == ([defaults[name]] if defaults.get(name) else [])


def test_every_registered_flow_is_importable_under_its_name():
    from flows.deployments import load_flow

    for name in FLOWS:
        assert load_flow(name).name == name


def test_flows_command_is_registered():
    from pipeline.cli import main

    assert "flows" in main.commands


def test_serve_ls_run_pause_resume(server, tmp_path):
    url, env = server
    env = {**env, "CXMON_FLOW_SCHEDULES": json.dumps(CUSTOM)}
    before = ls(env)
    assert all(r["deployment"] is None and r["last_run"] is None for r in before.values())

    serve_log = open(tmp_path / "serve.log", "w")
    serving = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "flows", "serve", "--json"], env=env,
                               cwd=env["CXMON_HOME"], stdout=subprocess.PIPE, stderr=serve_log, text=True,
                               start_new_session=True)
    try:
        announced = json.loads(serving.stdout.readline())
        assert announced["api_url"] == url
        assert {s["name"]: s["schedule"] for s in announced["serving"]}["check_alarms"] == "7 3 29 2 *"
        deadline = time.monotonic() + 180
        while True:
            rows = ls(env)
            if all(r["deployment"] and r["status"] == "READY" for r in rows.values()):
                break
            assert serving.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, f"not all deployed and ready in 180 s: {rows}"
            time.sleep(2)
        # the settings' schedules, custom ones included; none where there is nothing to schedule
        assert rows["check_alarms"]["schedule"] == "7 3 29 2 *"
        assert rows["train_csi"]["schedule"] == "0 4 * * 1"
        assert rows["process_contacts"]["schedule"] == "* * * * *"
        assert rows["daily_report"]["schedule"] is None  # "" in the settings: by hand only
        assert rows["pickup_recordings"]["schedule"] is None and "pickup_folder" in rows["pickup_recordings"]["note"]
        assert rows["capture_desk"]["schedule"] is None
        assert rows["apply_retention"]["schedule"] is None  # left out of the setting
        assert rows["check_alarms"]["paused"] is False  # next_run: once the server's scheduler has run (<= 60 s)

        done = cxmon("run", "check_alarms", "--wait", "--json", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        out = json.loads(done.stdout)
        assert out["where"] == "deployment" and out["deployment"] == rows["check_alarms"]["deployment"]
        assert out["run"]["state"] == "COMPLETED"
        last = ls(env)["check_alarms"]["last_run"]
        assert last["state"] == "COMPLETED" and last["id"] == out["run"]["id"] and last["end"]

        assert cxmon("pause", "check_alarms", env=env).returncode == 0
        after = ls(env)
        assert after["check_alarms"]["paused"] is True and after["train_csi"]["paused"] is False
        assert cxmon("resume", "check_alarms", env=env).returncode == 0
        assert ls(env)["check_alarms"]["paused"] is False

        bad = cxmon("run", "no_such_flow", env=env)
        assert bad.returncode == 2 and "check_alarms" in bad.stderr and "Traceback" not in bad.stderr
        bad = cxmon("run", "daily_report", "--param", "bogus=1", env=env)
        assert bad.returncode == 2 and "bogus" in bad.stderr
    finally:
        stop(serving)
        serve_log.close()
    assert serving.returncode is not None
    deadline = time.monotonic() + 60  # stopping `serve` pauses its schedules
    while not all(r["paused"] for r in ls(env).values()):
        after = ls(env)
        assert time.monotonic() < deadline, (after, (tmp_path / "serve.log").read_text()[-3000:])
        time.sleep(1)

    # not served any more: a run goes here, in this process, and is in the history too
    done = cxmon("run", "daily_report", "--param", "day=2026-12-03", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    assert out["where"] == "here" and out["run"]["state"] == "COMPLETED"
    folder = Path(env["CXMON_HOME"]) / "reports" / "2026-12-03"
    assert {"surveys.csv", "grades.json"} <= {p.name for p in folder.iterdir()}
    assert ls(env)["daily_report"]["last_run"]["state"] == "COMPLETED"


def test_without_a_server_ls_lists_the_settings_and_serve_says_how_to_start_one(tmp_path):
    env = {**base_env(tmp_path), "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",
           "CXMON_FLOW_SCHEDULES": json.dumps(CUSTOM)}
    rows = ls(env)
    assert all(r["deployment"] is None for r in rows.values())
    assert rows["check_alarms"]["schedule"] == "7 3 29 2 *"
    done = cxmon("serve", env=env)
    assert done.returncode == 1 and "prefect server start" in done.stderr and "Traceback" not in done.stderr
    done = cxmon("pause", "check_alarms", env=env)
    assert done.returncode == 1 and "prefect server start" in done.stderr


def test_a_bad_schedule_is_a_clear_error(server):
    _, env = server
    done = cxmon("serve", env={**env, "CXMON_FLOW_SCHEDULES": json.dumps({"check_alarms": "every five"})})
    assert done.returncode == 2 and "check_alarms" in done.stderr and "cron" in done.stderr
    done = cxmon("serve", env={**env, "CXMON_FLOW_SCHEDULES": json.dumps({"nightly": "0 1 * * *"})})
    assert done.returncode == 2 and "unknown flow" in done.stderr
