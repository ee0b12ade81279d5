"""How well the feedback model sorts real complaints: the labelled SentiRuEval-2016 bank tweets.

``sentirueval_labels.csv`` beside this module holds only (tweet id, category) pairs, labelled by
reading each tweet (negative tweets and some positive ones of the SentiRuEval-2016 banks test set);
the texts stay in ``../shared/data/text/sentirueval2016/banks_test_etalon.xml``. None of them trained
the model: the seed phrases were written for this project.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections import Counter
from functools import partial
from pathlib import Path

from features.feedback import (CATEGORIES, accuracy, bootstrap_interval, confusion, keyword_category, macro_f1,
                               majority_label, per_class)
from models.corpora import SHARED_DATA
from models.feedback.dictionary import FeedbackDictionary
from models.feedback.model import FeedbackModel
from models.sentiment.model import clean_text

LABEL_FILE = Path(__file__).resolve().with_name("sentirueval_labels.csv")
DEFAULT_TWEETS = SHARED_DATA / "text" / "sentirueval2016" / "banks_test_etalon.xml"
LABEL_GUIDE = (
    "communication: how the bank talks to the customer (staff manners and competence, reaching the call "
    "centre, answers to complaints, contradicting or missing information, spam calls and messages); "
    "process: how things get done (queues, waits, failures and errors, money not arriving, blocked cards "
    "and accounts, paperwork, rules of a procedure); product: what is sold (rates, fees, limits, loan and "
    "deposit conditions, card and app features and design, imposed services); other: neither (news, "
    "politics, jokes, insults without a subject, pure praise or thanks)."
)


def read_labels(path: str | Path = LABEL_FILE) -> list[tuple[str, str]]:
    """``(tweet id, category)`` pairs of the label file."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["tweet_id"], r["label"]) for r in csv.DictReader(f)]
    bad = [label for _, label in rows if label not in CATEGORIES]
    if bad:
        raise ValueError(f"{path}: labels {sorted(set(bad))}; expected some of {CATEGORIES}")
    return rows


def labelled_texts(xml_path: str | Path = DEFAULT_TWEETS,
                   label_path: str | Path = LABEL_FILE) -> tuple[list[str], list[str]]:
    """The cleaned texts of the labelled tweets and their categories, in label-file order."""
    root = ET.parse(xml_path).getroot()
    texts: dict[str, str] = {}
    for table in root.iter("table"):
        row = {c.get("name"): c.text for c in table.findall("column")}
        if row.get("twitid"):
            texts.setdefault(row["twitid"], clean_text(row.get("text") or ""))
    pairs = read_labels(label_path)
    missing = [tid for tid, _ in pairs if tid not in texts]
    if missing:
        raise ValueError(f"{xml_path}: {len(missing)} labelled tweet ids absent (e.g. {missing[0]})")
    return [texts[tid] for tid, _ in pairs], [label for _, label in pairs]


def scores(truth: list[str], predicted: list[str], *, samples: int = 1000, seed: int = 0) -> dict:
    """Accuracy and macro-F1 with percentile bootstrap 95% intervals, per-class figures, the confusion matrix."""
    f1 = partial(macro_f1, labels=CATEGORIES)
    return {"accuracy": round(accuracy(truth, predicted), 4),
            "accuracy_ci95": list(bootstrap_interval(truth, predicted, accuracy, samples=samples, seed=seed)),
            "macro_f1": macro_f1(truth, predicted, CATEGORIES),
            "macro_f1_ci95": list(bootstrap_interval(truth, predicted, f1, samples=samples, seed=seed)),
            "per_class": per_class(truth, predicted, CATEGORIES),
            "confusion": {"labels": list(CATEGORIES), "rows_true_columns_predicted":
                          confusion(truth, predicted, CATEGORIES)}}


def evaluate(model: FeedbackModel, dictionary: FeedbackDictionary, *, xml_path: str | Path = DEFAULT_TWEETS,
             label_path: str | Path = LABEL_FILE, samples: int = 1000) -> dict:
    """The model against the majority-class and keyword-only baselines on the labelled tweets."""
    texts, truth = labelled_texts(xml_path, label_path)
    predicted = model.predict(texts)
    majority = majority_label(truth)
    rules = dictionary.rules()
    return {
        "data": "SentiRuEval-2016 banks test etalon (Loukachevitch and Rubtsova 2016), "
                "text/sentirueval2016/banks_test_etalon.xml: tweets labelled by hand for this project",
        "label_file": "models/feedback/sentirueval_labels.csv (tweet id, category; no texts)",
        "label_guide": LABEL_GUIDE,
        "items": len(truth), "class_counts": {c: Counter(truth)[c] for c in CATEGORIES},
        "model": scores(truth, predicted, samples=samples),
        "majority_baseline": {"label": majority, **scores(truth, [majority] * len(truth), samples=samples)},
        "keyword_baseline": {"dictionary": "models/feedback/dictionary.yaml" if dictionary.source.endswith(
            "models/feedback/dictionary.yaml") else dictionary.source,
            **scores(truth, [keyword_category(t, rules) for t in texts], samples=samples)},
    }
