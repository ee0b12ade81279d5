"""Throughput of ``process_contacts`` on a Dask cluster of 1 vs 2 single-threaded workers, same batch.

    .venv/bin/python bench/dask_scale.py                       # 10 built stereo calls, workers 1 then 2
    .venv/bin/python bench/dask_scale.py --calls 12 --repeat 2 --json out.json

For each cluster size: a fresh cxmon home (SQLite catalog, local objects), the same calls ingested,
a ``dask scheduler`` and N ``dask worker --nthreads 1 --no-nanny`` processes on 127.0.0.1 (each with
``OMP_NUM_THREADS=1``: one core per worker, Whisper included), a Prefect server, the workers warmed up
(Whisper, the CSI model and the sentence encoder loaded), then ``process_contacts`` timed over the
whole batch (real ASR and every call stage). With ``--repeat 2`` the sizes run in the order
1, 2, 2, 1 and each size's median counts. Ratio = time with 1 worker / time with 2.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from speed import CONVERSATION  # noqa: E402  (bench/ is on the path when a bench runs)

DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LINES = [line for line in CONVERSATION["en"] if line[0] != "hold"]  # the bank call bench/speed.py scripts


def build_calls(folder: Path, count: int, lines_per_call: int) -> float:
    """``count`` stereo 8 kHz calls of ``lines_per_call`` consecutive lines of the English script (call i
    starts at line i, so up to 21 calls differ); returns their total duration in seconds."""
    import soundfile as sf

    from pipeline.cli.demo_set import CallScript, build_call

    lines = LINES
    folder.mkdir(parents=True, exist_ok=True)
    total_s = 0.0
    for i in range(count):
        chosen = [lines[(i + j) % len(lines)] for j in range(lines_per_call)]  # no two calls alike
        script = CallScript(name=f"scale-{i:02d}", language="en", rate_hz=8000, stereo=True, lines=chosen,
                            write_events=False)
        samples, _ = build_call(script)
        sf.write(folder / f"scale-{i:02d}.wav", samples, script.rate_hz, subtype="PCM_16")
        total_s += len(samples) / script.rate_hz
    return total_s


def _warm() -> int:
    """Runs on each worker before the clock starts: the models a call needs, loaded once per process."""
    import flows.process  # noqa: F401
    from models.csi import load_csi_model
    from models.sentiment.model import _encoder
    from pipeline.settings import Settings

    settings = Settings()
    try:
        from pipeline.calls.speech_models import transcriber_for

        transcriber_for(settings)
    except (ImportError, TypeError):  # the call stage's loader changed: load the model it used to
        from pipeline.speech.whisper_model import load_whisper

        load_whisper(settings.whisper_model, compute_type=settings.whisper_compute_type)
    load_csi_model()
    _encoder()
    return os.getpid()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def prefect_server(env: dict[str, str], logs: Path):
    """A Prefect server for the whole bench; yields its API URL. This process's log and event workers are
    drained before it stops (else they retry against a server that is gone)."""
    import httpx

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    with open(logs / "prefect.log", "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  env={**env, "PREFECT_HOME": str(logs / "prefect"),
                                       "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{logs / 'p.db'}"})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(api + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the Prefect server did not start; see {logs / 'prefect.log'}")
            time.sleep(0.5)
        yield api
    finally:
        if "prefect.events.worker" in sys.modules:
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=30)
            EventsWorker.drain_all(timeout=30)
        _stop(server)


@contextmanager
def cluster(env: dict[str, str], workers: int, logs: Path):
    """A Dask scheduler and ``workers`` warmed-up workers; yields the scheduler address."""
    from distributed import Client

    started: list[subprocess.Popen] = []

    def start(name: str, *args: str, extra: dict[str, str] | None = None) -> None:
        with open(logs / f"{name}.log", "w") as out:
            started.append(subprocess.Popen(list(args), env={**env, **(extra or {})}, stdout=out,
                                            stderr=subprocess.STDOUT, cwd=env["CXMON_HOME"], start_new_session=True))

    try:
        address = f"tcp://127.0.0.1:{free_port()}"
        start("scheduler", str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
              "--no-dashboard")
        for n in range(workers):
            start(f"worker{n}", str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                  "--host", "127.0.0.1", "--name", f"w{n}", extra={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
            pids = client.run(_warm)
        print(f"  {workers} worker(s) warm: pids {sorted(pids.values())}", file=sys.stderr)
        yield address
    finally:
        for process in reversed(started):
            _stop(process)


def measure(workers: int, calls: Path, base_env: dict[str, str], api: str) -> dict:
    """Ingest the calls into a fresh home and time ``process_contacts`` on a cluster of ``workers``."""
    with tempfile.TemporaryDirectory(prefix=f"cxmon-scale-{workers}-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {**base_env, "CXMON_HOME": str(home), "PREFECT_API_URL": api}
        for name in [n for n in os.environ if n.startswith("CXMON_")]:
            del os.environ[name]
        os.environ["CXMON_HOME"] = str(home)

        from flows.process import _store_for, run_process_contacts
        from pipeline.ingest import ingest_paths
        from pipeline.settings import Settings
        from pipeline.store import open_store

        _store_for.cache_clear()
        report = ingest_paths(open_store(Settings()), [calls])
        if len(report.new) != len(list(calls.glob("*.wav"))):
            raise SystemExit(f"only {len(report.new)} distinct calls were ingested; use fewer --calls")
        with cluster(env, workers, Path(tmp)) as address:
            os.environ["CXMON_DASK_ADDRESS"] = address
            settings = Settings()
            started = time.perf_counter()
            result = run_process_contacts(settings)
            seconds = time.perf_counter() - started
        del os.environ["CXMON_DASK_ADDRESS"]
        _store_for.cache_clear()
    if result["contacts"] != len(report.new) or result["failed"]:
        raise SystemExit(f"{workers} worker(s): {result['contacts']} of {len(report.new)} calls done, "
                         f"failed: {result['failed']}")
    stage_s: dict[str, float] = {}
    for outcome in result["outcomes"]:
        stage_s[outcome["stage"]] = stage_s.get(outcome["stage"], 0.0) + outcome["seconds"]
    return {"workers": workers, "seconds": round(seconds, 2), "contacts": result["contacts"],
            "worker_pids_used": len({owner.rsplit(":", 2)[1] for owner in result["owners"].values()}),
            "stage_s_per_call": {k: round(v / result["contacts"], 2) for k, v in stage_s.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10, help="calls in the batch (default 10)")
    parser.add_argument("--lines", type=int, default=5, help="script lines per call (default 5: ~25-30 s)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; 2 runs sizes 1, 2, 2, 1 (default 1)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.calls < 2 or args.lines < 1 or args.repeat < 1:
        parser.error("--calls >= 2, --lines >= 1 and --repeat >= 1")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("CXMON_", "PREFECT_"))}
    base_env.update({"PYTHONPATH": str(REPO), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    for name in [n for n in os.environ if n.startswith("PREFECT_")]:
        del os.environ[name]
    os.environ.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})

    with tempfile.TemporaryDirectory(prefix="cxmon-scale-calls-") as tmp:
        audio_s = build_calls(Path(tmp) / "calls", args.calls, args.lines)
        print(f"{args.calls} calls, {audio_s / 60:.1f} min of stereo audio", file=sys.stderr)
        order = [w for r in range(args.repeat) for w in ((1, 2) if r % 2 == 0 else (2, 1))]
        runs = []
        with prefect_server(base_env, Path(tmp)) as api:
            os.environ["PREFECT_API_URL"] = api
            for workers in order:
                run = measure(workers, Path(tmp) / "calls", base_env, api)
                print(f"  {workers} worker(s): {run['seconds']:.1f} s ({run['worker_pids_used']} worker(s) did "
                      f"work); seconds per call by stage: {run['stage_s_per_call']}", file=sys.stderr)
                runs.append(run)
    median = {w: statistics.median(r["seconds"] for r in runs if r["workers"] == w) for w in (1, 2)}
    figures = {
        "calls": args.calls, "audio_s": round(audio_s, 1), "cpu_cores": os.cpu_count(), "runs": runs,
        "seconds": {str(w): round(s, 2) for w, s in median.items()},
        "audio_h_per_h": {str(w): round(audio_s / s, 1) for w, s in median.items()},
        "ratio_2_vs_1": round(median[1] / median[2], 2),
    }
    print(f"1 worker: {median[1]:.1f} s ({audio_s / median[1]:.1f} h audio/h); 2 workers: {median[2]:.1f} s "
          f"({audio_s / median[2]:.1f} h audio/h); 2 vs 1: {figures['ratio_2_vs_1']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
