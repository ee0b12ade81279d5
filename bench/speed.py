"""Full call analysis vs plain faster-whisper transcription of both channels, same call, same model.

    .venv/bin/python bench/speed.py                  # the demo's Russian stereo call, repeated to ~2 min
    .venv/bin/python bench/speed.py --file CALL.wav --language en --repeat 3

Both sides run in this process with the model already loaded, each timed ``--repeat`` times
(the median counts). "Plain" is what a speech-analytics box without cxmon's stages would do:
transcribe each whole channel. "cxmon" is everything the ``call`` stage does: resampling, VAD,
IVR/queue/hold detection, ASR of speech only, turns, features, voice features.
It also times ``cxmon analyze`` as a user runs it (a new process: imports and model load included).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _demo_call(minutes: float) -> tuple[np.ndarray, int]:
    from pipeline.demo import DEMO_CALLS, build_call

    samples, _ = build_call(DEMO_CALLS[0])
    rate = DEMO_CALLS[0].rate_hz
    repeats = max(1, round(minutes * 60 * rate / len(samples)))
    return np.concatenate([samples] * repeats), rate


def _timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, help="a stereo call recording (default: a built demo call)")
    parser.add_argument("--language", default="ru", choices=["ru", "en"])
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the built call")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import soundfile as sf

    from pipeline.calls.analyze import analyze_call
    from pipeline.settings import Settings
    from pipeline.speech.asr import load_whisper, transcribe_all
    from pipeline.speech.backends import transcriber_for
    from pipeline.speech.vad import to_16k

    if args.file:
        samples, rate = sf.read(args.file, dtype="float32", always_2d=True)
    else:
        samples, rate = _demo_call(args.minutes)
    if samples.shape[1] != 2:
        sys.exit(f"{args.file}: {samples.shape[1]} channels; the benchmark compares the two legs of a stereo call")
    duration_s = len(samples) / rate
    settings = Settings(language=args.language)
    model = load_whisper(settings.whisper_model, compute_type=settings.whisper_compute_type)
    transcribe = transcriber_for(settings)

    def plain() -> None:
        for channel in range(2):
            transcribe_all(model, to_16k(samples[:, channel], rate), language=args.language)

    def cxmon() -> None:
        analyze_call(samples, rate, events=[], channel_map={"left": "agent", "right": "customer"},
                     transcribe=transcribe, diarize=None, language=args.language)

    plain_s = _timed(plain, args.repeat)
    cxmon_s = _timed(cxmon, args.repeat)

    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "call.wav"
        sf.write(path, samples, rate)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(path), "--language", args.language,
                        "--json"], check=True, capture_output=True, env={**os.environ, "CXMON_HOME": home})
        cli_s = time.perf_counter() - started

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"call: {duration_s:.1f} s stereo at {rate} Hz, language {args.language}, model {settings.whisper_model} "
          f"({settings.whisper_compute_type}), median of {args.repeat}")
    print(f"plain transcription of both channels: {plain_s:6.2f} s  (RTF {plain_s / duration_s:.3f})")
    print(f"cxmon call analysis:                  {cxmon_s:6.2f} s  (RTF {cxmon_s / duration_s:.3f})")
    print(f"ratio cxmon / plain:                  {cxmon_s / plain_s:6.2f}  (target <= 0.80)")
    print(f"`cxmon analyze` in a new process:     {cli_s:6.2f} s  (imports and model load included)")


if __name__ == "__main__":
    main()
