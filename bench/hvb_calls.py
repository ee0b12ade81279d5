"""Harper Valley Bank calls: call features and CSI from real timed transcripts, against the callers' ratings.

    .venv/bin/python bench/hvb_calls.py [DIR]

The 89 calls of ../shared/data/hvb/calls are real two-party bank calls given as role-labelled,
timed transcripts (no audio). Each goes through the same feature functions as turns found in
audio (pipeline.calls.from_transcript) and through the CSI model's interface (pipeline order:
sentiment per turn, contact_csi_row, the shipped model). Printed: the spread of each feature,
and its Spearman correlation with the caller's 0-10 rating of the agent where there is one
(nearly all are 10, so read these as a check of the path, not as findings).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.csi import contact_csi_row, load_csi_model  # noqa: E402
from models.sentiment import load_sentiment_model  # noqa: E402
from pipeline.calls.from_transcript import transcript_call_features  # noqa: E402
from pipeline.records import Turn  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "hvb" / "calls"
SHOWN = ("duration_s", "agent_talk_s", "customer_talk_s", "talk_ratio_agent", "silence_s", "longest_silence_s",
         "overlap_ratio", "interruptions_agent", "interruptions_customer", "agent_speech_rate_wpm",
         "customer_speech_rate_wpm", "csi")


def call_turns(call: dict) -> list[Turn]:
    segments = sorted(call["segments"], key=lambda s: s["start_ms"])
    return [Turn("customer" if s["speaker_role"] == "caller" else "agent", s["start_ms"] / 1000,
                 (s["start_ms"] + s["duration_ms"]) / 1000, s.get("human_transcript") or "") for s in segments]


def main(folder: Path = DEFAULT_DIR) -> None:
    sentiment, model = load_sentiment_model("en"), load_csi_model()
    rows, ratings = [], []
    start = time.perf_counter()
    for path in sorted(folder.glob("*.json")):
        call = json.loads(path.read_text(encoding="utf-8"))
        turns = call_turns(call)
        values = transcript_call_features(turns)
        csi_row = contact_csi_row(turns, sentiment.predict_proba([t.text for t in turns]), model=model)
        values["csi"] = float(model.predict_contacts([csi_row])[0])
        rows.append(values)
        rating = ((call["metadata"]["caller"].get("survey_response") or {}).get("data") or {}).get("partner_rating")
        ratings.append(float(rating) if rating not in (None, "") else np.nan)
    seconds = time.perf_counter() - start
    r = np.array(ratings)
    rated = ~np.isnan(r)
    print(f"{len(rows)} calls in {seconds:.1f} s; {rated.sum()} rated by the caller: "
          f"{ {int(v): int(n) for v, n in zip(*np.unique(r[rated], return_counts=True))} }")
    print(f"| {'feature':<26} | {'median':>8} | {'p10':>8} | {'p90':>8} | {'Spearman vs rating':>18} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 20}|")
    for name in SHOWN:
        x = np.array([np.nan if row[name] is None else row[name] for row in rows], dtype=float)
        ok = rated & ~np.isnan(x)
        rho = spearmanr(x[ok], r[ok]).statistic
        print(f"| {name:<26} | {np.nanmedian(x):8.2f} | {np.nanpercentile(x, 10):8.2f} | "
              f"{np.nanpercentile(x, 90):8.2f} | {rho:18.2f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR)
