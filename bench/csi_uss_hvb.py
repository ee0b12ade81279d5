"""How well does the CSI model rank satisfaction, and does it serve real calls?

    .venv/bin/python bench/csi_uss_hvb.py                  # USS (3,500 dialogues) and HVB (89 calls), ~2 min
    .venv/bin/python bench/csi_uss_hvb.py --limit 200      # the first 200 USS dialogues of each source
    .venv/bin/python bench/csi_uss_hvb.py --json out.json

USS (../shared/data/text/uss_satisfaction): each dialogue goes through the same row path as a
live contact (models.csi.model.contact_turns + features.csi, sentiment from the shipped
classifier, the turn model's scores), target CSI = (mean dialogue rating - 1) / 4 * 100. The
whole procedure (turn model, cross-fitted turn scores, contact model) is refitted inside each
training part of GroupKFold(5) by dialogue and of leave-one-source-out, for several feature
sets: counts (features.csi.COUNT_FEATURE_NAMES but contact_s: USS has no times), sentiment
(polarity features), turn (the turn model's mean/max/last), shipped (models.csi.CSI_FEATURES)
and all. Then the shipped arrays on their own held-out 20%.

HVB (../shared/data/hvb/calls): real bank calls (role-played), timed and role-labelled; rows
from human_transcript (and, to see what ASR text does, the ASR ``transcript``) with
speaker_role caller -> customer, start_ms/duration_ms -> seconds, sentiment from
load_sentiment_model("en").predict_proba; CSI from the shipped model. Caller ratings (0-10)
are almost all 10, so only the distribution, a rank correlation over the few rated calls and
the reasons given are reported.
USE vectors of the USS texts are cached under /tmp/cxmon_csi_cache/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from features.csi import (  # noqa: E402
    CONTACT_FEATURE_NAMES, COUNT_FEATURE_NAMES, DISSATISFACTION_FEATURE_NAMES, SENTIMENT_FEATURE_NAMES,
)
from features.turns import TextTurn  # noqa: E402
from models.corpora import DEFAULT_USS, SHARED_DATA, USS_SOURCES, read_uss_dir  # noqa: E402
from models.csi import CSI_FEATURES, contact_csi_row, csi_card, load_csi_model  # noqa: E402
from models.csi.fit import BELOW_MID_CSI, DISSATISFIED_CSI, auc_or_none  # noqa: E402
from models.csi.stacking import evaluate, heldout_metrics  # noqa: E402
from models.csi.uss import heldout_mask, uss_contacts  # noqa: E402

HVB = SHARED_DATA / "hvb" / "calls"
FEATURE_SETS = {
    "counts": tuple(n for n in COUNT_FEATURE_NAMES if n != "contact_s"),
    "sentiment": SENTIMENT_FEATURE_NAMES,
    "turn": DISSATISFACTION_FEATURE_NAMES,
    "sentiment+turn": SENTIMENT_FEATURE_NAMES + DISSATISFACTION_FEATURE_NAMES,
    "shipped": CSI_FEATURES,
    "all": tuple(n for n in CONTACT_FEATURE_NAMES if n != "contact_s"),
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fmt(v) -> str:
    return "  n/a" if v is None else f"{v:+.2f}"


def _auc(v) -> str:
    return " n/a" if v is None else f"{v:.2f}"


def uss_part(data: Path, limit: int | None) -> dict:
    start = time.perf_counter()
    dialogues = read_uss_dir(data)
    if limit is not None:
        dialogues = [d for d in dialogues if d.index < limit]
    contacts = uss_contacts(dialogues)
    prepared_s = time.perf_counter() - start
    out: dict = {"dialogues": dict(Counter(c.source for c in contacts)),
                 "at_most_2": dict(Counter(c.source for c in contacts if c.csi <= DISSATISFIED_CSI + 1e-9)),
                 "below_3": dict(Counter(c.source for c in contacts if c.csi < BELOW_MID_CSI - 1e-9))}
    for scheme in ("grouped_5fold", "leave_one_source_out"):
        s = time.perf_counter()
        out[scheme] = evaluate(contacts, scheme, FEATURE_SETS, log=log)
        out[f"{scheme}_s"] = round(time.perf_counter() - s, 1)
    held = heldout_mask(contacts)
    train_mean = float(np.mean([c.csi for c, h in zip(contacts, held) if not h]))
    out["heldout_shipped"] = heldout_metrics(load_csi_model(), [c for c, h in zip(contacts, held) if h],
                                             train_mean=train_mean)
    out["prepare_s"] = round(prepared_s, 1)
    return out


def print_uss(result: dict) -> None:
    sources = list(result["dialogues"])
    print(f"\nUSS dialogues: {result['dialogues']}; rating <= 2: {result['at_most_2']}; < 3: {result['below_3']}")
    for scheme, title, cols in (
        ("grouped_5fold", "GroupKFold(5) by dialogue, out-of-fold", [*sources, "pooled"]),
        ("leave_one_source_out", "trained on the other three sources", sources),
    ):
        print(f"\n{title}: Spearman / MAE CSI points (constant) / AUC rating<3 / AUC rating<=2")
        print(f"| {'features':<15} | " + " | ".join(f"{s:^29}" for s in cols) + " |")
        print(f"|{'-' * 17}|" + "|".join("-" * 31 for _ in cols) + "|")
        for name in FEATURE_SETS:
            cells = []
            for s in cols:
                m = result[scheme][name][s]
                cells.append(f"{_fmt(m['spearman'])} / {m['mae_csi']:.1f} ({m['mae_constant_csi']:.1f}) / "
                             f"{_auc(m['auc_below_mid'])} / {_auc(m['auc_dissatisfied'])}")
            print(f"| {name:<15} | " + " | ".join(f"{c:^29}" for c in cells) + " |")
        t = result[scheme]["turn_model"]
        print(f"turn model, out-of-fold on {t['turns']} customer turns: AUC rating<3 {t['auc_below_3']}, "
              f"rating<=2 {t['auc_at_most_2']}")
    pooled = result["grouped_5fold"]["shipped"]["pooled"]
    print(f"\nshipped features, pooled 5-fold: Spearman {pooled['spearman']:.3f}, Pearson {pooled['pearson']:.3f}, "
          f"MAE {pooled['mae_csi']:.2f} CSI = {pooled['mae_rating']:.3f} rating points "
          f"(constant {pooled['mae_constant_csi']:.2f} CSI)")
    h = result["heldout_shipped"]
    print("shipped arrays on their held-out 20%: " + "; ".join(
        f"{s} rho {_fmt(m['spearman'])} MAE {m['mae_csi']:.1f}" for s, m in h.items() if s != "turn_model"))


def hvb_rows(paths: list[Path], field: str) -> tuple[list[dict], list[int | None], list[str], float]:
    from models.sentiment import load_sentiment_model

    sentiment = load_sentiment_model("en")
    model = load_csi_model()
    rows, ratings, sids = [], [], []
    start = time.perf_counter()
    for path in paths:
        call = json.loads(path.read_text(encoding="utf-8"))
        segments = sorted(call["segments"], key=lambda s: s["start_ms"])
        turns = [TextTurn("customer" if s["speaker_role"] == "caller" else s["speaker_role"], s["start_ms"] / 1000,
                          (s["start_ms"] + s["duration_ms"]) / 1000, s.get(field) or "") for s in segments]
        rows.append(contact_csi_row(turns, sentiment.predict_proba([t.text for t in turns]), model=model))
        survey = (call["metadata"]["caller"].get("survey_response") or {}).get("data") or {}
        rating = survey.get("partner_rating")
        ratings.append(int(rating) if rating not in (None, "") else None)
        sids.append(call["sid"])
    return rows, ratings, sids, time.perf_counter() - start


def hvb_part(folder: Path) -> dict:
    from scipy.stats import spearmanr

    paths = sorted(folder.glob("*.json"))
    model = load_csi_model()
    out: dict = {"calls": len(paths)}
    csi_by_field = {}
    for field in ("human_transcript", "transcript"):
        rows, ratings, sids, seconds = hvb_rows(paths, field)
        csi = model.predict_contacts(rows)
        csi_by_field[field] = csi
        rated = np.array([r is not None for r in ratings])
        r = np.array([x if x is not None else np.nan for x in ratings], dtype=float)
        top = Counter((reason["feature"], reason["direction"]) for reasons in model.reasons(rows, top=3)
                      for reason in reasons)
        out[field] = {
            "seconds_per_call": round(seconds / len(paths), 3),
            "csi": {"min": round(float(csi.min()), 1), "p25": round(float(np.percentile(csi, 25)), 1),
                    "median": round(float(np.median(csi)), 1), "p75": round(float(np.percentile(csi, 75)), 1),
                    "max": round(float(csi.max()), 1), "mean": round(float(csi.mean()), 1)},
            "rated": int(rated.sum()),
            "ratings": dict(sorted(Counter(int(x) for x in r[rated]).items())),
            "spearman_with_rating": round(float(spearmanr(csi[rated], r[rated]).statistic), 3),
            "auc_below_10": auc_or_none(r[rated] < 10, -csi[rated]),
            "mean_csi_rating_10": round(float(csi[rated & (r == 10)].mean()), 1),
            "mean_csi_rating_below_10": round(float(csi[rated & (r < 10)].mean()), 1),
            "below_10": [{"sid": s, "rating": int(x), "csi": round(float(c), 1),
                          "rank_of_89_from_lowest": int((csi < c).sum()) + 1}
                         for s, x, c in zip(sids, r, csi) if not np.isnan(x) and x < 10],
            "top3_reasons": {f"{f} {d}": n for (f, d), n in top.most_common(8)},
            "feature_means": {name: round(float(np.nanmean([np.nan if row[name] is None else row[name]
                                                            for row in rows])), 3)
                              for name in CSI_FEATURES if any(row[name] is not None for row in rows)},
            "features_missing_in_all_calls": [name for name in CSI_FEATURES if all(row[name] is None for row in rows)],
        }
    out["spearman_human_vs_asr_csi"] = round(float(spearmanr(csi_by_field["human_transcript"],
                                                              csi_by_field["transcript"]).statistic), 3)
    return out


def print_hvb(result: dict) -> None:
    print(f"\nHVB: {result['calls']} calls")
    for field in ("human_transcript", "transcript"):
        h = result[field]
        c = h["csi"]
        print(f"  {field}: CSI min {c['min']}, p25 {c['p25']}, median {c['median']}, p75 {c['p75']}, max {c['max']}; "
              f"{h['seconds_per_call']} s per call (sentiment + rows)")
        print(f"    rated calls {h['rated']} {h['ratings']}: Spearman(CSI, rating) {h['spearman_with_rating']:+.3f}; "
              f"AUC(rating < 10) {h['auc_below_10']}; mean CSI rating 10: {h['mean_csi_rating_10']}, "
              f"below 10: {h['mean_csi_rating_below_10']}")
        print(f"    below 10: {h['below_10']}")
        print(f"    top-3 reasons: {h['top3_reasons']}")
        print(f"    missing in every call (imputed, 0 points): {h['features_missing_in_all_calls']}")
    print(f"  Spearman of CSI from human vs ASR transcripts: {result['spearman_human_vs_asr_csi']:+.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uss", type=Path, default=DEFAULT_USS)
    parser.add_argument("--hvb", type=Path, default=HVB)
    parser.add_argument("--limit", type=int, help="the first N USS dialogues of each source")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    missing = [s for s in USS_SOURCES if not (args.uss / f"{s}.txt").is_file()]
    if missing or not args.hvb.is_dir():
        parser.error(f"{args.uss} or {args.hvb} incomplete (see ../shared/data/README.md)")
    start = time.perf_counter()
    result = {"card_version": csi_card()["version"], "uss": uss_part(args.uss, args.limit), "hvb": hvb_part(args.hvb)}
    result["total_s"] = round(time.perf_counter() - start, 1)
    print_uss(result["uss"])
    print_hvb(result["hvb"])
    log(f"total {result['total_s']} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
