"""Tune the built-in diarization's hyper-parameters with pyannote.pipeline's Optimizer.

Tunes on the AMI debug *development* files only (dev00, dev01 and debug.development.rttm/.uem
under ../shared/data/audio/pyannote_ami_debug), never on the files the accuracy figures come from.
By default each file is given with its true speaker count (as calls are diarized, with
``settings.speakers``) and the two parameters that only matter without a count
(``clustering_threshold``, ``min_speaker_s``) stay frozen at their defaults; ``--counts both``
adds each file a second time with ``num_speakers=None`` and tunes those too. Writes the best parameters to
``pipeline/speech/diarization_params.json`` (or ``--out``) and prints the development DER
(collar 0.25 s, overlap scored) of the defaults and of the best trial.

    .venv/bin/python bench/tune_diarization.py 60
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "audio" / "pyannote_ami_debug"
DEV_URIS = ("dev00", "dev01")


COUNT_FREE = ("clustering_threshold", "min_speaker_s")


def development_inputs(data_dir: Path, *, counts: str) -> list[dict]:
    """pyannote.database-style files: waveform, reference annotation, scored region, kwargs."""
    import soundfile as sf
    from pyannote.database.util import load_rttm, load_uem

    references = load_rttm(data_dir / "debug.development.rttm")
    uems = load_uem(data_dir / "debug.development.uem")
    inputs = []
    for uri in DEV_URIS:
        samples, rate_hz = sf.read(data_dir / f"{uri}.wav", dtype="float32")
        if samples.ndim != 1 or rate_hz != 16_000:
            raise ValueError(f"{uri}.wav: {samples.ndim} channel(s) at {rate_hz} Hz; expected mono 16 kHz")
        for num_speakers in (len(references[uri].labels()), None)[: 2 if counts == "both" else 1]:
            inputs.append({
                "uri": uri, "waveform": samples, "sample_rate": rate_hz, "annotation": references[uri],
                "annotated": uems[uri], "pipeline_kwargs": {"num_speakers": num_speakers},
            })
    return inputs


def der(pipeline, inputs: list[dict]) -> float:
    metric = pipeline.get_metric()
    for file in inputs:
        metric(file["annotation"], pipeline(file, **file["pipeline_kwargs"]), uem=file["annotated"])
    return abs(metric)


def main(argv: list[str] | None = None) -> int:
    import warnings

    from pyannote.pipeline import Optimizer

    from pipeline.speech.diarization import DEFAULT_PARAMS, PARAMS_FILE, EmbeddingDiarization

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("iterations", type=int, help="Optimizer trials (about 0.5-1 s each on 2 cores)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"default: {DATA}")
    parser.add_argument("--out", type=Path, default=PARAMS_FILE, help=f"default: {PARAMS_FILE}")
    parser.add_argument("--seed", type=int, default=0, help="TPE sampler seed (default 0)")
    parser.add_argument("--counts", choices=["true", "both"], default="true",
                        help="true: give the true speaker count (default); both: also tune with num_speakers=None")
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error(f"iterations={args.iterations}; expected >= 1")
    if not (args.data / "debug.development.rttm").is_file():
        print(f"{args.data}: no debug.development.rttm; expected the AMI debug files there", file=sys.stderr)
        return 2

    # pyannote.pipeline's Uniform still calls optuna's deprecated suggest_uniform
    warnings.filterwarnings("ignore", message="suggest_uniform", category=FutureWarning)
    inputs = development_inputs(args.data, counts=args.counts)
    pipeline = EmbeddingDiarization()
    if args.counts == "true":
        pipeline.freeze({name: DEFAULT_PARAMS[name] for name in COUNT_FREE})
    default_der = der(pipeline.instantiate(DEFAULT_PARAMS), inputs)
    print(f"defaults: development DER {default_der:.4f}", file=sys.stderr)

    started = time.monotonic()
    optimizer = Optimizer(pipeline, sampler="TPESampler", seed=args.seed)
    result = optimizer.tune(inputs, n_iterations=args.iterations, warm_start=DEFAULT_PARAMS, show_progress=False)
    best = {name: round(float(value), 4) for name, value in {**DEFAULT_PARAMS, **result["params"]}.items()}
    best_der = der(EmbeddingDiarization().instantiate(best), inputs)
    print(f"best of {args.iterations} trials ({time.monotonic() - started:.0f} s): development DER {best_der:.4f}",
          file=sys.stderr)

    card = {
        "params": best,
        "tuned_on": "AMI debug development set (dev00, dev01; debug.development.rttm/.uem), each file with its "
                    "true speaker count" + (" and with num_speakers=None" if args.counts == "both" else
                                            f"; {', '.join(COUNT_FREE)} frozen at their defaults"),
        "metric": "DiarizationErrorRate(collar=0.25, skip_overlap=False)",
        "development_der": round(best_der, 4),
        "development_der_defaults": round(default_der, 4),
        "iterations": args.iterations,
        "counts": args.counts,
        "seed": args.seed,
    }
    args.out.write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps({"development_der": best_der, "params": best, "written": str(args.out)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
