"""Batch throughput: ``cxmon process`` over held stereo calls against plain faster-whisper on the same files.

    .venv/bin/python bench/batch_speed.py [--dir DIR] [--calls 20] [--rounds 2] [--json out.json]

The calls are built by ``bench/held_calls.py`` (Harper Valley Bank conversations spoken by espeak-ng,
IVR prompt, queue and hold music, 1-2 minutes each) into DIR/calls, DIR/truth.json (default: a temporary
folder; an existing DIR is used as it is).

- **cxmon**: ``cxmon ingest DIR/calls`` (not timed), then ``cxmon process --json`` timed as a new process in a
  fresh ``CXMON_HOME`` (embedded store: SQLite and a local folder), with the default settings: every stage
  of every call (probe, call analysis with ASR, CSI, checklist, alarms), imports and model loads included.
- **plain**: in this process, the same Whisper model object (``load_whisper`` with the same compute type and
  threads), warmed up on one call first, transcribes each channel of each file in its strongest plain
  configuration: ``vad_filter=True``, ``word_timestamps=True``, the same beam (5), language given, the
  audio decoded and resampled by faster-whisper itself (``decode_audio(split_stereo=True)``).

The two alternate, plain first in odd rounds and cxmon first in even ones; the medians count. Throughput is
hours of stereo call audio per wall-clock hour. The word error rate of each against what the parties said
(``truth.json``) shows that the speed did not cost accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEAM_SIZE = 5


def plain_run(model, files: list[Path], language: str) -> tuple[float, dict[str, dict[str, str]]]:
    """Seconds to transcribe both channels of every file, and the text of each channel."""
    from faster_whisper import decode_audio

    texts: dict[str, dict[str, str]] = {}
    started = time.perf_counter()
    for path in files:
        left, right = decode_audio(str(path), sampling_rate=16_000, split_stereo=True)
        texts[path.name] = {}
        for party, audio in (("agent", left), ("customer", right)):
            segments, _ = model.transcribe(audio, language=language, beam_size=BEAM_SIZE, vad_filter=True,
                                           word_timestamps=True)
            texts[path.name][party] = " ".join(s.text.strip() for s in segments)
    return time.perf_counter() - started, texts


def prefect_server(scratch: Path):
    """A Prefect server on a free port, as production runs one: ``(process, api_url)``."""
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CXMON_", "PREFECT_"))}
    env.update({"PREFECT_HOME": str(scratch / "prefect-server"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1",
                "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{scratch / 'prefect.db'}"})
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit("the Prefect server did not start in 120 s")
        time.sleep(0.5)


def cxmon_env(home: Path, api_url: str | None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CXMON_", "PREFECT_"))}
    # keep_unredacted: the transcript as heard is kept beside the redacted one, for the word error rate.
    env.update({"CXMON_HOME": str(home), "CXMON_KEEP_UNREDACTED": "true", "PREFECT_HOME": str(home / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def cxmon_run(directory: Path | None, home: Path, api_url: str | None) -> tuple[float, dict]:
    """Seconds ``cxmon process --json`` takes in a fresh home holding the ingested calls (none: an empty home,
    the fixed cost), and its result. Without ``api_url`` Prefect starts a temporary server for the run."""
    env = cxmon_env(home, api_url)
    cxmon = [sys.executable, "-m", "pipeline.cli"]
    if directory is not None:
        subprocess.run([*cxmon, "ingest", str(directory)], check=True, capture_output=True, env=env)
    started = time.perf_counter()
    done = subprocess.run([*cxmon, "process", "--json"], capture_output=True, env=env, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"cxmon process failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)


def cxmon_texts(home: Path) -> dict[str, dict[str, str]]:
    """The transcript of each processed call by party: the unredacted copy (redaction tags digits and names)."""
    from pipeline.settings import Settings
    from pipeline.store import open_store

    store = open_store(Settings(home=home))
    texts: dict[str, dict[str, str]] = {}
    for contact in store.catalog.contacts():
        with store.objects.open(f"unredacted/{contact.contact_id}.json") as fh:
            turns = json.loads(fh.read())
        texts[Path(contact.source).name] = {
            party: " ".join(t["text"] for t in turns if t["speaker"] == party and t["text"])
            for party in ("agent", "customer")}
    return texts


def pooled_wer(truth: dict, texts: dict[str, dict[str, str]]) -> float:
    from features.wer import word_error_rate

    reference = " ".join(f"{truth[n]['agent']} {truth[n]['customer']}" for n in sorted(truth))
    hypothesis = " ".join(f"{texts.get(n, {}).get('agent', '')} {texts.get(n, {}).get('customer', '')}"
                          for n in sorted(truth))
    return word_error_rate(reference, hypothesis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="held calls built by bench/held_calls.py (default: built now)")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of plain and cxmon, order alternated")
    parser.add_argument("--no-server", action="store_true",
                        help="run cxmon process without a Prefect server (Prefect starts a temporary one per run)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from held_calls import build_held_calls

    from pipeline.settings import Settings
    from pipeline.speech.whisper_model import load_whisper

    with tempfile.TemporaryDirectory(prefix="cxmon-batch-") as name:
        scratch = Path(name)
        directory = args.dir or scratch / "set"
        truth_path = directory / "truth.json"
        truth = json.loads(truth_path.read_text()) if truth_path.is_file() else build_held_calls(directory,
                                                                                                calls=args.calls)
        files = sorted(directory / "calls" / name for name in truth)
        audio_s = sum(t["duration_s"] for t in truth.values())
        server, api_url = (None, None) if args.no_server else prefect_server(scratch)
        try:
            figures = _rounds(args, scratch, directory, files, truth, audio_s, api_url, Settings(), load_whisper)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=60)
    print(f"machine: {figures['machine']}; {figures['calls']} held stereo calls, {audio_s / 60:.1f} min of audio; "
          f"model {figures['model']}; median of {args.rounds}; Prefect: {figures['prefect']}")
    print(f"plain faster-whisper (VAD, word timestamps): {figures['plain_med_s']:6.1f} s  "
          f"{figures['plain_audio_h_per_h']:5.1f} h audio/h  WER {figures['wer_plain']:.3f}  (runs {figures['plain_s']})")
    print(f"cxmon process (every stage, new process):     {figures['cxmon_med_s']:6.1f} s  "
          f"{figures['cxmon_audio_h_per_h']:5.1f} h audio/h  WER {figures['wer_cxmon']:.3f}  (runs {figures['cxmon_s']})")
    print(f"  of which the fixed cost (cxmon process on an empty catalog): {figures['cxmon_empty_s']:.1f} s")
    print(f"ratio cxmon / plain: {figures['ratio_cxmon_to_plain']:.2f} (target <= 0.80); target >= 15 h audio/h")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def _rounds(args, scratch: Path, directory: Path, files: list[Path], truth: dict, audio_s: float,
            api_url: str | None, settings, load_whisper) -> dict:
    model = load_whisper(settings.whisper_model, compute_type=settings.whisper_compute_type)
    plain_run(model, files[:1], "en")  # warm-up
    empty_s, _ = cxmon_run(None, scratch / "empty", api_url)
    plain_s: list[float] = []
    cxmon_s: list[float] = []
    plain_texts: dict = {}
    cxmon_found: dict = {}
    for round_ in range(args.rounds):
        for side in ("plain", "cxmon") if round_ % 2 == 0 else ("cxmon", "plain"):
            if side == "plain":
                seconds, plain_texts = plain_run(model, files, "en")
                plain_s.append(seconds)
            else:
                home = scratch / f"home{round_}"
                seconds, result = cxmon_run(directory / "calls", home, api_url)
                if result["failed"] or result["contacts"] != len(files):
                    sys.exit(f"cxmon process: {result['contacts']} contacts, failed {result['failed']}")
                cxmon_s.append(seconds)
                cxmon_found = cxmon_texts(home)
            print(f"round {round_ + 1}: {side} {seconds:.1f} s", file=sys.stderr, flush=True)
    plain_med, cxmon_med = statistics.median(plain_s), statistics.median(cxmon_s)
    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "prefect": "a running server (PREFECT_API_URL)" if api_url else "a temporary server per run",
        "calls": len(files), "audio_s": round(audio_s, 1), "rounds": args.rounds,
        "plain_s": [round(s, 1) for s in plain_s], "cxmon_s": [round(s, 1) for s in cxmon_s],
        "plain_med_s": round(plain_med, 1), "cxmon_med_s": round(cxmon_med, 1), "cxmon_empty_s": round(empty_s, 1),
        "plain_audio_h_per_h": round(audio_s / plain_med, 1), "cxmon_audio_h_per_h": round(audio_s / cxmon_med, 1),
        "ratio_cxmon_to_plain": round(cxmon_med / plain_med, 3),
        "wer_plain": round(pooled_wer(truth, plain_texts), 4), "wer_cxmon": round(pooled_wer(truth, cxmon_found), 4),
        "model": f"{settings.whisper_model} ({settings.whisper_compute_type}), beam {BEAM_SIZE}",
    }


if __name__ == "__main__":
    main()
