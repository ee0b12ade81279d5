"""``cxmon analyze CALL`` as a user runs it (a new process): how long, and where the time goes.

    .venv/bin/python bench/single_call.py [--file CALL.wav] [--repeat 5] [--json out.json]

Default call: the 93 s English stereo call of ``bench/speed.py`` (IVR, a hold, 22 lines spoken by espeak-ng),
its events beside it. Three kinds of run, each in a new process with a fresh ``CXMON_HOME``:

- ``--repeat`` plain runs of ``cxmon analyze CALL --json``: the wall time (median) and, in the same
  runs, plain faster-whisper on both channels as a new process (load the model, ``vad_filter=True``,
  ``word_timestamps=True``, beam 5): the ratio;
- one run under ``python -X importtime``: the seconds spent importing modules, top-level imports summed
  (lazy imports made during the run included);
- one run under cProfile: the cumulative seconds of the parts named below (a part's lazy imports count in
  it; cProfile slows Python code a little, so read these as shares; it sees the main thread only, so work
  done in a background thread shows as the wait for it, if any).
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTS = {  # part: (module path ending, function name)
    "Whisper load": ("pipeline/speech/whisper_model.py", "_load_cached"),
    "ASR (Whisper decoding, batched)": ("pipeline/speech/batched_asr.py", "transcribe_legs"),
    "ASR (Whisper decoding, per leg; before)": ("pipeline/speech/asr.py", "transcribe_spans"),
    "VAD (Silero)": ("pipeline/speech/vad.py", "speech_activity"),
    "VAD (Silero, spans; before)": ("pipeline/speech/vad.py", "speech_spans"),
    "VAD (Silero, probabilities; before)": ("pipeline/speech/vad.py", "speech_probabilities"),
    "resampling to 16 kHz": ("pipeline/speech/vad.py", "to_16k"),
    "music and tones": ("features/music.py", "music_spans"),
    "pitch and energy": ("features/acoustic.py", "voice_features"),
    "sentiment (sentence encoder: load and encode)": ("models/sentiment/model.py", "embed"),
    "CSI stage": ("pipeline/csi/stage.py", "csi_stage"),
    "call stage (all of it)": ("pipeline/calls/stage.py", "analyze_stage"),
    "probe stage": ("pipeline/stages.py", "probe"),
}

PLAIN = """
import sys, time
started = time.perf_counter()
from faster_whisper import WhisperModel, decode_audio
from pipeline.speech.whisper_model import load_whisper
model = load_whisper("base", compute_type="int8")
for audio in decode_audio(sys.argv[1], sampling_rate=16000, split_stereo=True):
    segments, _ = model.transcribe(audio, language=sys.argv[2], beam_size=5, vad_filter=True, word_timestamps=True)
    list(segments)
"""


def built_call(directory: Path) -> tuple[Path, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import soundfile as sf

    from pipeline.cli.demo_set import CallScript, build_call
    from speed import CONVERSATION

    script = CallScript(name="bench", language="en", rate_hz=8000, stereo=True, lines=CONVERSATION["en"])
    samples, events = build_call(script)
    path = directory / "call.wav"
    sf.write(path, samples, script.rate_hz, subtype="PCM_16")
    (directory / "call.events.json").write_text(json.dumps({"events": events}))
    (directory / "call.meta.json").write_text(json.dumps({"channel_map": {"left": "agent", "right": "customer"},
                                                          "language": "en"}))
    return path, "en"


def env_for(home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CXMON_", "PREFECT_"))}
    env.update({"CXMON_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    return env


def analyze(path: Path, language: str, scratch: Path, run: str, *python_options: str) -> float:
    home = scratch / run
    home.mkdir()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *python_options, "-m", "pipeline.cli", "analyze", str(path), "--language",
                           language, "--json"], capture_output=True, text=True, env=env_for(home))
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"cxmon analyze failed (exit {done.returncode}): {done.stderr[-2000:]}")
    (scratch / f"{run}.stderr").write_text(done.stderr)
    return seconds


def import_seconds(stderr: str) -> float:
    """Top-level imports summed from ``-X importtime`` output (microseconds, cumulative column)."""
    total = 0
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)", line)
        if match and not match[2].startswith(" "):
            total += int(match[1])
    return total / 1e6


def profile_split(path: Path, language: str, scratch: Path) -> dict[str, float]:
    out = scratch / "analyze.prof"
    home = scratch / "profiled"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pipeline.cli", "analyze", str(path),
                    "--language", language, "--json"], check=True, capture_output=True, env=env_for(home))
    stats = pstats.Stats(str(out)).stats
    split = {}
    for part, (file_end, name) in PARTS.items():
        split[part] = round(sum(row[3] for (file, _, function), row in stats.items()
                                if function == name and file.endswith(file_end)), 2)
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, help="a stereo call (default: the built 93 s call of bench/speed.py)")
    parser.add_argument("--language", default="en", choices=["en", "ru"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxmon-single-") as name:
        scratch = Path(name)
        path, language = (args.file, args.language) if args.file else built_call(scratch)
        import soundfile as sf

        duration_s = sf.info(str(path)).duration
        analyze(path, language, scratch, "warm-up")
        cxmon_s, plain_s = [], []
        for i in range(args.repeat):
            cxmon_s.append(analyze(path, language, scratch, f"run{i}"))
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", PLAIN, str(path), language], check=True, capture_output=True,
                           env=env_for(scratch))
            plain_s.append(time.perf_counter() - started)
        analyze(path, language, scratch, "importtime", "-X", "importtime")
        imports_s = import_seconds((scratch / "importtime.stderr").read_text())
        split = profile_split(path, language, scratch)
    figures = {"call_s": round(duration_s, 1), "repeat": args.repeat,
               "cxmon_analyze_s": round(statistics.median(cxmon_s), 2), "runs_s": [round(s, 2) for s in cxmon_s],
               "plain_new_process_s": round(statistics.median(plain_s), 2),
               "ratio": round(statistics.median(cxmon_s) / statistics.median(plain_s), 3),
               "imports_s": round(imports_s, 2), "split_s": split}
    print(f"{path.name}: {duration_s:.1f} s stereo; median of {args.repeat} new processes each")
    print(f"cxmon analyze --json:                     {figures['cxmon_analyze_s']:6.2f} s  (runs {figures['runs_s']})")
    print(f"plain faster-whisper, new process:        {figures['plain_new_process_s']:6.2f} s  "
          f"(load, VAD, word timestamps, both channels)")
    print(f"ratio: {figures['ratio']:.2f}")
    print(f"imports (python -X importtime, top level): {imports_s:6.2f} s")
    print("under cProfile, cumulative seconds:")
    for part, seconds in split.items():
        print(f"  {part:36s} {seconds:6.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
