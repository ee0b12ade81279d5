"""DER of the two built-in diarization backends on real recordings with ground truth, and the
parameter sweep that chose the pretrained backend's clustering parameters.

Files (under ../shared/data/audio): pyannote/sample.wav (scored over the whole file) and the AMI
debug excerpts pyannote_ami_debug/{dev00,dev01,tst00,tst01}.wav (scored inside their .uem).
Metric: pyannote.metrics DiarizationErrorRate(collar=0.25, skip_overlap=False): overlapped speech
is scored, so a backend that gives one speaker per instant misses the second voice.

    .venv/bin/python bench/pretrained_diarization.py            # the table, markdown on stdout
    .venv/bin/python bench/pretrained_diarization.py --sweep    # grid on dev00/dev01 only
    .venv/bin/python bench/pretrained_diarization.py --backends pretrained --counts 2 estimated

Each file is run with its true speaker count ("given"), with the count estimated ("estimated"), and
with any fixed count named in ``--counts`` (``2``: the agent-and-customer count that was the
``speakers`` default before it became "estimated"); a second table gives each mode's mean DER
and on how many files the count found is the true one.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AUDIO = ROOT.parent / "shared" / "data" / "audio"
FILES = {  # uri: (wav, rttm, uem or None for the whole file)
    "sample": ("pyannote/sample.wav", "pyannote/sample.rttm", None),
    "dev00": ("pyannote_ami_debug/dev00.wav", "pyannote_ami_debug/debug.development.rttm",
              "pyannote_ami_debug/debug.development.uem"),
    "dev01": ("pyannote_ami_debug/dev01.wav", "pyannote_ami_debug/debug.development.rttm",
              "pyannote_ami_debug/debug.development.uem"),
    "tst00": ("pyannote_ami_debug/tst00.wav", "pyannote_ami_debug/debug.test.rttm", "pyannote_ami_debug/debug.test.uem"),
    "tst01": ("pyannote_ami_debug/tst01.wav", "pyannote_ami_debug/debug.test.rttm", "pyannote_ami_debug/debug.test.uem"),
}
DEV = ("dev00", "dev01")


def load(uri: str, audio: Path = AUDIO) -> dict:
    """Samples, reference annotation and scored region of one file."""
    import soundfile as sf
    from pyannote.core import Segment, Timeline
    from pyannote.database.util import load_rttm, load_uem

    wav, rttm, uem = FILES[uri]
    samples, rate_hz = sf.read(audio / wav, dtype="float32")
    if samples.ndim != 1 or rate_hz != 16_000:
        raise ValueError(f"{audio / wav}: {samples.ndim} channel(s) at {rate_hz} Hz; expected mono 16 kHz")
    reference = load_rttm(audio / rttm)[uri]
    scored = load_uem(audio / uem)[uri] if uem else Timeline([Segment(0, samples.size / 16_000)])
    return {"uri": uri, "samples": samples, "reference": reference, "uem": scored}


def score(file: dict, hypothesis) -> dict:
    """DER and its parts (each a share of the reference speech), collar 0.25 s, overlap scored."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    parts = DiarizationErrorRate(collar=0.25, skip_overlap=False)(
        file["reference"], hypothesis, uem=file["uem"], detailed=True)
    total = parts["total"]
    return {"der": parts["diarization error rate"], "miss": parts["missed detection"] / total,
            "false_alarm": parts["false alarm"] / total, "confusion": parts["confusion"] / total}


COUNTS = ("given", "estimated")


def _num_speakers(count: str, true_count: int) -> int | None:
    """The ``num_speakers`` a count mode passes: the true count, None (estimate) or the number named."""
    return true_count if count == "given" else None if count == "estimated" else int(count)


def table(uris: list[str], *, backends: tuple[str, ...] = ("resemblyzer", "pretrained"),
          counts: tuple[str, ...] = COUNTS) -> list[dict]:
    from pipeline.speech.diarization import diarize
    from pipeline.speech.pretrained_diarization import diarize_pretrained

    chosen = {name: fn for name, fn in {"resemblyzer": diarize, "pretrained": diarize_pretrained}.items()
              if name in backends}
    files = [load(uri) for uri in uris]
    for backend in chosen.values():  # load the models before timing
        backend(files[0]["samples"][: 16_000 * 11], num_speakers=2)
    rows = []
    for file, (name, backend), count in itertools.product(files, chosen.items(), counts):
        true_count = len(file["reference"].labels())
        started = time.perf_counter()
        hypothesis = backend(file["samples"], num_speakers=_num_speakers(count, true_count), uri=file["uri"])
        seconds = time.perf_counter() - started
        rows.append({"file": file["uri"], "backend": name, "count": count,
                     **score(file, hypothesis), "speakers": len(hypothesis.labels()), "true_speakers": true_count,
                     "overlap_s": hypothesis.get_overlap().duration(), "seconds": seconds})
    return rows


def sweep() -> list[dict]:
    """DER on the development files over a grid of the pretrained backend's clustering parameters."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    from pipeline.speech.pretrained_diarization import DEFAULT_PARAMS, PretrainedDiarization, model_outputs

    files = [load(uri) for uri in DEV]
    outputs = {file["uri"]: model_outputs(file["samples"]) for file in files}
    results = []
    for threshold, min_size, off in itertools.product(
            (0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (1, 2, 3, 5, 8), (DEFAULT_PARAMS["min_duration_off"],)):
        pipeline = PretrainedDiarization().instantiate(
            {"clustering_threshold": threshold, "min_cluster_size": min_size, "min_duration_off": off})
        row = {"clustering_threshold": threshold, "min_cluster_size": min_size, "min_duration_off": off}
        for given in (True, False):
            metric = DiarizationErrorRate(collar=0.25, skip_overlap=False)
            found = []
            for file in files:
                count = len(file["reference"].labels()) if given else None
                hypothesis = pipeline.from_outputs(outputs[file["uri"]], num_speakers=count)
                metric(file["reference"], hypothesis, uem=file["uem"])
                found.append(len(hypothesis.labels()))
            row["der_given" if given else "der_estimated"] = abs(metric)
            if not given:
                row["speakers_estimated"] = found
        results.append(row)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="grid search on the development files instead")
    parser.add_argument("--files", nargs="+", default=list(FILES), choices=list(FILES))
    parser.add_argument("--backends", nargs="+", default=["resemblyzer", "pretrained"],
                        choices=["resemblyzer", "pretrained"])
    parser.add_argument("--counts", nargs="+", default=list(COUNTS), type=_count_mode,
                        help="speaker counts to run: given (the true one), estimated, or a number such as 2")
    args = parser.parse_args(argv)
    missing = [str(AUDIO / FILES[uri][0]) for uri in args.files if not (AUDIO / FILES[uri][0]).is_file()]
    if missing:
        print(f"absent: {', '.join(missing)} (../shared/data, see its README)", file=sys.stderr)
        return 2
    if args.sweep:
        rows = sweep()
        print("| threshold | min cluster size | dev DER, count given | dev DER, count estimated | speakers found (true 2, 2) |")
        print("|---|---|---|---|---|")
        for r in sorted(rows, key=lambda r: r["der_estimated"]):
            print(f"| {r['clustering_threshold']} | {r['min_cluster_size']} | {r['der_given']:.3f} | "
                  f"{r['der_estimated']:.3f} | {r['speakers_estimated']} |")
        return 0
    print("| file | backend | speakers | DER | miss | false alarm | confusion | speakers found / true | overlap found (s) | s per file |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = table(args.files, backends=tuple(args.backends), counts=tuple(args.counts))
    for r in rows:
        print(f"| {r['file']} | {r['backend']} | {r['count']} | {r['der']:.3f} | {r['miss']:.3f} | "
              f"{r['false_alarm']:.3f} | {r['confusion']:.3f} | {r['speakers']} / {r['true_speakers']} | "
              f"{r['overlap_s']:.1f} | {r['seconds']:.1f} |")
    if len(args.counts) > 1:
        print()
        print(_totals(rows))
    return 0


def _count_mode(text: str) -> str:
    if text in COUNTS or (text.isdigit() and 1 <= int(text) <= 20):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: expected given, estimated or a number 1..20")


def _totals(rows: list[dict]) -> str:
    """Mean DER per backend and count mode over the files, and how often the count found is the true one."""
    lines = ["| backend | speakers | mean DER | count found = true |", "|---|---|---|---|"]
    for backend, count in dict.fromkeys((r["backend"], r["count"]) for r in rows):
        mine = [r for r in rows if r["backend"] == backend and r["count"] == count]
        right = sum(r["speakers"] == r["true_speakers"] for r in mine)
        lines.append(f"| {backend} | {count} | {sum(r['der'] for r in mine) / len(mine):.3f} | {right} / {len(mine)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
