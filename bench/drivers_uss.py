"""The driver analysis (``cxmon report drivers``) run on the USS dialogues: which text factors move satisfaction.

    .venv/bin/python bench/drivers_uss.py                       # all 3,500 USS dialogues
    .venv/bin/python bench/drivers_uss.py --limit 200           # the first 200 dialogues of each source
    .venv/bin/python bench/drivers_uss.py --method regression --plot /tmp/uss_drivers.png --json out.json

Data: ../shared/data/text/uss_satisfaction/{MWOZ,SGD,ReDial,CCPE}.txt (English task dialogues). Target: the
dialogue's satisfaction, the mean of the annotators' ``USER OVERALL`` ratings (1-5), read as CSAT. Factors,
per dialogue, as bench/uss_satisfaction.py builds them: user turns, user and system words, the sentiment
of the user turns (shipped classifier and VADER: share negative, mean, minimum, last polarity); and the
shipped English phrase tags (:func:`pipeline.text.phrases.tag_turns`) as yes/no factors named by the
side that said them (``tag:agent:apology``, ``tag:customer:thanks``). Printed: the importance x
performance matrix (:mod:`features.drivers`) with intervals and quadrants, and the time each step took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.uss_satisfaction import FEATURE_SETS, dialogue_features  # noqa: E402
from features.drivers import driver_analysis  # noqa: E402
from models.corpora import DEFAULT_USS, USS_SOURCES, UssDialogue, read_uss_dir  # noqa: E402
from pipeline.drivers.collect import DriverData  # noqa: E402
from pipeline.drivers.report import as_json, format_drivers, matrix_png  # noqa: E402


def tag_columns(dialogues: list[UssDialogue]) -> dict[str, np.ndarray]:
    """``tag:<side>:<tag>`` -> 1.0 where a turn of that side in the dialogue carries the shipped English tag."""
    from pipeline.records import Turn
    from pipeline.text.phrases import tag_turns

    found: dict[str, set[int]] = {}
    for i, d in enumerate(dialogues):
        turns = [Turn(speaker="customer" if t.role == "USER" else "agent", start_s=float(k), end_s=k + 0.5,
                      text=t.text) for k, t in enumerate(d.turns)]
        for hit in tag_turns(turns, "en"):
            found.setdefault(f"tag:{hit.speaker}:{hit.tag}", set()).add(i)
    return {name: np.array([1.0 if i in rows else 0.0 for i in range(len(dialogues))]) for name, rows in found.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_USS)
    parser.add_argument("--limit", type=int, help="First N dialogues of each source.")
    parser.add_argument("--method", choices=["correlation", "regression"], default="correlation")
    parser.add_argument("--bootstrap", type=int, default=500)
    parser.add_argument("--plot", type=Path, help="Write the matrix as PNG here.")
    parser.add_argument("--json", type=Path, help="Write the report as JSON here.")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"{args.data}: no USS folder (expected {', '.join(USS_SOURCES)} .txt files)", file=sys.stderr)
        return 2

    start = time.perf_counter()
    dialogues = read_uss_dir(args.data)
    if args.limit:
        dialogues = [d for s in USS_SOURCES for d in [d for d in dialogues if d.source == s][:args.limit]]
    y = np.array([d.satisfaction for d in dialogues])
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    cols, timings = dialogue_features(dialogues)
    features_s = time.perf_counter() - start
    start = time.perf_counter()
    tags = tag_columns(dialogues)
    tags_s = time.perf_counter() - start
    names = list(dict.fromkeys(n for group in FEATURE_SETS.values() for n in group))
    factors = {f"text:{n}": cols[n] for n in names} | dict(sorted(tags.items()))
    start = time.perf_counter()
    result = driver_analysis(y, factors, method=args.method, n_boot=args.bootstrap)
    analysis_s = time.perf_counter() - start
    data = DriverData(target="csat (USS rating 1-5)", contact_ids=[f"{d.source}:{d.index}" for d in dialogues],
                      values=list(y), factors={k: list(v) for k, v in factors.items()},
                      kinds={k: k.split(":")[0] for k in factors})
    report = as_json(data, result)
    report["timings_s"] = {"read": round(read_s, 2), "text_features": round(features_s, 2),
                           "phrase_tags": round(tags_s, 2), "analysis": round(analysis_s, 3),
                           "classifier": round(timings["classifier_s"], 2), "vader": round(timings["vader_s"], 2)}
    report["dialogues_by_source"] = {s: sum(d.source == s for d in dialogues) for s in USS_SOURCES}
    print(format_drivers(report, limit=None))
    print("timings (s): " + ", ".join(f"{k} {v}" for k, v in report["timings_s"].items()))
    if args.plot:
        print(f"wrote {matrix_png(report, args.plot)}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
