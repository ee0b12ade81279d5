"""How much of a dialogue's satisfaction rating can be read from its text alone?

    .venv/bin/python bench/uss_satisfaction.py                 # all 3,500 USS dialogues (about a minute)
    .venv/bin/python bench/uss_satisfaction.py --limit 200     # the first 200 dialogues of each source
    .venv/bin/python bench/uss_satisfaction.py --json out.json

Data: ../shared/data/text/uss_satisfaction/{MWOZ,SGD,ReDial,CCPE}.txt (English task dialogues).
Target: the dialogue-level rating, i.e. the mean of the annotators' ratings on each dialogue's
``USER OVERALL`` line (1-5). Per dialogue, text features: user turns, user words, system words,
and the sentiment of the user turns, once with the shipped classifier (USE v3 + logistic
regression trained on Russian tweets, applied zero-shot) and once with VADER: share of negative
turns, mean polarity (classifier: P(positive) - P(negative); VADER: compound), minimum, and the
last user turn's polarity. Reported: Spearman rho of each feature with satisfaction, per source
and pooled; then a ridge regression of standardised features, cross-validated (GroupKFold by
dialogue, 5 folds, pooled out-of-fold predictions) and across sources (train on three, test on
the fourth), with Spearman and MAE against a constant (training-mean) prediction; and a
class-balanced logistic regression for "dissatisfied" (rating below 3) with ROC AUC.
Classifier probabilities are cached under /tmp/cxmon_bench_uss/ (keyed by model and texts).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.sentiment.model import MODEL_DIR, MODEL_FILE, LinearSentimentModel, VaderSentimentModel  # noqa: E402
from models.corpora import DEFAULT_USS, USS_SOURCES, UssDialogue, read_uss_dir  # noqa: E402

CACHE = Path("/tmp/cxmon_bench_uss")
COUNT_FEATURES = ("user_turns", "user_words", "system_words")
SENTIMENT_FEATURES = ("share_negative", "mean_polarity", "min_polarity", "last_polarity")
FEATURE_SETS = {
    "counts": COUNT_FEATURES,
    "classifier": tuple(f"clf_{f}" for f in SENTIMENT_FEATURES),
    "vader": tuple(f"vader_{f}" for f in SENTIMENT_FEATURES),
    "counts+classifier": COUNT_FEATURES + tuple(f"clf_{f}" for f in SENTIMENT_FEATURES),
    "counts+vader": COUNT_FEATURES + tuple(f"vader_{f}" for f in SENTIMENT_FEATURES),
    "all": COUNT_FEATURES + tuple(f"{e}_{f}" for e in ("clf", "vader") for f in SENTIMENT_FEATURES),
}
DISSATISFIED_BELOW = 3.0
SEED = 0


def classifier_proba(texts: list[str]) -> np.ndarray:
    """P(negative, neutral, positive) of each user turn by the shipped classifier, cached on disk."""
    model_path = MODEL_DIR / MODEL_FILE
    key = hashlib.sha256(model_path.read_bytes() + "\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"clf_{key}.npy"
    if path.is_file():
        return np.load(path)
    proba = LinearSentimentModel.from_file(model_path, language="en").predict_proba(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, proba)
    return proba


def dialogue_features(dialogues: list[UssDialogue]) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Feature columns, one row per dialogue, and the seconds each scorer took."""
    user = [[t.text for t in d.turns if t.role == "USER" and t.text.strip()] or [""] for d in dialogues]
    flat = [text for texts in user for text in texts]
    bounds = np.cumsum([0] + [len(texts) for texts in user])

    start = time.perf_counter()
    proba = classifier_proba(flat)
    clf_s = time.perf_counter() - start
    start = time.perf_counter()
    compound = VaderSentimentModel().compound(flat)
    vader_s = time.perf_counter() - start

    scores = {
        "clf": (proba[:, 2] - proba[:, 0], proba.argmax(axis=1) == 0),
        "vader": (compound, compound <= -0.05),
    }
    cols: dict[str, list[float]] = {name: [] for names in FEATURE_SETS.values() for name in names}
    for i, d in enumerate(dialogues):
        lo, hi = bounds[i], bounds[i + 1]
        cols["user_turns"].append(sum(t.role == "USER" for t in d.turns))
        cols["user_words"].append(sum(len(t.text.split()) for t in d.turns if t.role == "USER"))
        cols["system_words"].append(sum(len(t.text.split()) for t in d.turns if t.role == "SYSTEM"))
        for engine, (polarity, negative) in scores.items():
            cols[f"{engine}_share_negative"].append(float(negative[lo:hi].mean()))
            cols[f"{engine}_mean_polarity"].append(float(polarity[lo:hi].mean()))
            cols[f"{engine}_min_polarity"].append(float(polarity[lo:hi].min()))
            cols[f"{engine}_last_polarity"].append(float(polarity[hi - 1]))
    return {k: np.asarray(v, dtype=float) for k, v in cols.items()}, {"classifier_s": clf_s, "vader_s": vader_s,
                                                                    "user_turns": len(flat)}


def _rho(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def correlations(cols: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray) -> dict[str, dict[str, float]]:
    names = list(dict.fromkeys(n for names in FEATURE_SETS.values() for n in names))
    out = {}
    for name in names:
        row = {s: _rho(cols[name][sources == s], y[sources == s]) for s in USS_SOURCES if (sources == s).any()}
        row["pooled"] = _rho(cols[name], y)
        out[name] = row
    return out


def _matrix(cols: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([cols[n] for n in names])


def _ridge():
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 3, 11)))


def _logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000))


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else float("nan")


def cross_validated(cols: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, groups: np.ndarray) -> dict:
    """Ridge (satisfaction) and logistic (dissatisfied) out-of-fold, by dialogue and across sources."""
    from sklearn.model_selection import GroupKFold

    bad = (y < DISSATISFIED_BELOW).astype(int)
    results: dict = {"grouped_5fold": {}, "leave_one_source_out": {}}
    for set_name, names in FEATURE_SETS.items():
        x = _matrix(cols, names)
        pred, const, risk = np.empty_like(y), np.empty_like(y), np.empty_like(y)
        for train, test in GroupKFold(5, shuffle=True, random_state=SEED).split(x, y, groups):
            pred[test] = _ridge().fit(x[train], y[train]).predict(x[test])
            const[test] = y[train].mean()
            risk[test] = _logistic().fit(x[train], bad[train]).predict_proba(x[test])[:, 1]
        by_source = {}
        for s in [*USS_SOURCES, "pooled"]:
            m = np.ones_like(y, dtype=bool) if s == "pooled" else sources == s
            if m.any():
                by_source[s] = {"rho": _rho(pred[m], y[m]), "mae": float(np.abs(pred[m] - y[m]).mean()),
                                "mae_constant": float(np.abs(const[m] - y[m]).mean()), "auc": _auc(bad[m], risk[m])}
        results["grouped_5fold"][set_name] = by_source

        across = {}
        for s in USS_SOURCES:
            test = sources == s
            if not test.any() or test.all():
                continue
            p = _ridge().fit(x[~test], y[~test]).predict(x[test])
            r = _logistic().fit(x[~test], bad[~test]).predict_proba(x[test])[:, 1]
            across[s] = {"rho": _rho(p, y[test]), "mae": float(np.abs(p - y[test]).mean()),
                         "mae_constant": float(np.abs(y[~test].mean() - y[test]).mean()), "auc": _auc(bad[test], r)}
        results["leave_one_source_out"][set_name] = across
    return results


def _fmt(v: float) -> str:
    return "  n/a" if np.isnan(v) else f"{v:+.2f}"


def print_tables(result: dict) -> None:
    sources = [s for s in USS_SOURCES if s in result["dialogues"]]
    head = " | ".join(f"{s:>6}" for s in [*sources, "pooled"])
    print(f"\nDialogues: {result['dialogues']}; dissatisfied (rating < {DISSATISFIED_BELOW:g}): "
          f"{result['dissatisfied']}")
    print(f"\nSpearman rho of each feature with dialogue satisfaction\n| {'feature':<24} | {head} |")
    print(f"|{'-' * 26}|" + "|".join("-------:" for _ in [*sources, 0]) + "|")
    for name, row in result["spearman"].items():
        print(f"| {name:<24} | " + " | ".join(f"{_fmt(row[s]):>6}" for s in [*sources, "pooled"]) + " |")
    for kind, title in (("grouped_5fold", "Ridge / logistic, GroupKFold(5) by dialogue, out-of-fold"),
                        ("leave_one_source_out", "Ridge / logistic, trained on the other three sources")):
        cols = [*sources, "pooled"] if kind == "grouped_5fold" else sources
        print(f"\n{title}: Spearman rho / MAE (constant MAE) / AUC dissatisfied")
        print(f"| {'features':<18} | " + " | ".join(f"{s:^24}" for s in cols) + " |")
        print(f"|{'-' * 20}|" + "|".join("-" * 26 for _ in cols) + "|")
        for set_name, row in result[kind].items():
            cells = [f"{_fmt(row[s]['rho'])} / {row[s]['mae']:.2f} ({row[s]['mae_constant']:.2f}) / "
                     f"{row[s]['auc']:.2f}" for s in cols]
            print(f"| {set_name:<18} | " + " | ".join(f"{c:^24}" for c in cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_USS, help="folder with MWOZ.txt, SGD.txt, ...")
    parser.add_argument("--limit", type=int, help="use the first N dialogues of each source")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    missing = [s for s in USS_SOURCES if not (args.data / f"{s}.txt").is_file()]
    if missing:
        parser.error(f"{args.data}: no {', '.join(s + '.txt' for s in missing)} (see ../shared/data/README.md)")

    start = time.perf_counter()
    dialogues = read_uss_dir(args.data)
    if args.limit is not None:
        dialogues = [d for d in dialogues if d.index < args.limit]
    y = np.array([d.satisfaction for d in dialogues])
    sources = np.array([d.source for d in dialogues])
    groups = np.array([f"{d.source}:{d.index}" for d in dialogues])
    cols, timing = dialogue_features(dialogues)
    result = {
        "target": "mean of the annotators' ratings on the dialogue's 'USER OVERALL' line (1-5)",
        "dialogues": {s: int((sources == s).sum()) for s in USS_SOURCES if (sources == s).any()},
        "dissatisfied": {s: int((y[sources == s] < DISSATISFIED_BELOW).sum()) for s in USS_SOURCES
                         if (sources == s).any()},
        "spearman": correlations(cols, y, sources),
        **cross_validated(cols, y, sources, groups),
        "timing": {**timing, "total_s": time.perf_counter() - start},
    }
    print_tables(result)
    t = result["timing"]
    print(f"\n{t['user_turns']} user turns; classifier {t['classifier_s']:.1f} s (0 when cached), "
          f"VADER {t['vader_s']:.1f} s, total {t['total_s']:.1f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
