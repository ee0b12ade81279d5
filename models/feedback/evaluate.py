"""How well the feedback model sorts real complaints: the labelled SentiRuEval-2016 bank tweets (Russian) and
labelled user turns of the User Satisfaction Simulation dialogues (English).

``sentirueval_labels.csv`` beside this module holds only (tweet id, category) pairs, labelled by
reading each tweet (negative tweets and some positive ones of the SentiRuEval-2016 banks test set);
the texts stay in ``../shared/data/text/sentirueval2016/banks_test_etalon.xml``. None of them trained
the model: the seed phrases were written for this project.

``uss_en_labels.csv`` holds only (source, dialogue, turn, category) rows: USER turns of the USS MWOZ, SGD,
ReDial and CCPE dialogues (``../shared/data/text/uss_satisfaction``; ``dialogue`` is
:attr:`UssDialogue.index`, ``turn`` the index in :attr:`UssDialogue.turns`), labelled by one annotator
reading each turn (the SYSTEM turn before it only to settle what the user referred to) with
:data:`ENGLISH_LABEL_GUIDE`, before any prediction of the model was looked at. The 240 turns, all at least
25 characters: 150 of the turns with a mean satisfaction rating <= 2.5 and 50 of those >= 4 (seeded sample,
``random.Random(20261205)``, of the sorted (source, dialogue, turn) keys), plus 40 more turns rated <= 2.5
that answer a SYSTEM turn reporting a failure (unsuccessful, unable to, could not, not available ...), added
because the first 200 held only 5 'process' turns.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections import Counter
from functools import partial
from pathlib import Path

from features.feedback import (CATEGORIES, accuracy, bootstrap_interval, confusion, keyword_category, macro_f1,
                               majority_label, per_class)
from models.corpora import SHARED_DATA, USS_SOURCES, read_uss_dir
from models.feedback.dictionary import FeedbackDictionary
from models.feedback.model import FeedbackModel
from models.sentiment.model import clean_text

LABEL_FILE = Path(__file__).resolve().with_name("sentirueval_labels.csv")
DEFAULT_TWEETS = SHARED_DATA / "text" / "sentirueval2016" / "banks_test_etalon.xml"
ENGLISH_LABEL_FILE = Path(__file__).resolve().with_name("uss_en_labels.csv")
DEFAULT_USS = SHARED_DATA / "text" / "uss_satisfaction"
LABEL_GUIDE = (
    "communication: how the bank talks to the customer (staff manners and competence, reaching the call "
    "centre, answers to complaints, contradicting or missing information, spam calls and messages); "
    "process: how things get done (queues, waits, failures and errors, money not arriving, blocked cards "
    "and accounts, paperwork, rules of a procedure); product: what is sold (rates, fees, limits, loan and "
    "deposit conditions, card and app features and design, imposed services); other: neither (news, "
    "politics, jokes, insults without a subject, pure praise or thanks)."
)
ENGLISH_LABEL_GUIDE = (
    "A USER turn of a service dialogue (the user talks to an agent or assistant that finds and books "
    "restaurants, hotels, trains, flights, appointments, or recommends films and music). communication: how "
    "the agent talks to the user (misunderstanding, not listening, the user correcting details the agent got "
    "wrong, doubting or disputing what it said, wrong, contradicting or missing information, rudeness, "
    "repeated questions, pushing a booking the user did not ask for, unclear answers); process: how things "
    "get done (a booking or search that failed and must be tried again, a wrong booking to fix, waits, "
    "errors, system down, rules of a procedure such as refunds and cancellations); product: what is offered "
    "(prices, availability, options, features, the quality or content of the restaurant, hotel, flight, "
    "film, song itself: the user rejecting or disliking an offered item for what it is, or naming what they "
    "dislike); other: none of these (plain requests and answers, the user changing their own mind or "
    "correcting their own slip, small talk, thanks, pure praise). Many user turns are plain requests: other."
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


def _compare(model: FeedbackModel, dictionary: FeedbackDictionary, texts: list[str], truth: list[str],
             samples: int) -> dict:
    predicted = model.predict(texts)
    majority = majority_label(truth)
    rules = dictionary.rules()
    return {
        "items": len(truth), "class_counts": {c: Counter(truth)[c] for c in CATEGORIES},
        "model": scores(truth, predicted, samples=samples),
        "majority_baseline": {"label": majority, **scores(truth, [majority] * len(truth), samples=samples)},
        "keyword_baseline": {"dictionary": "models/feedback/dictionary.yaml" if dictionary.source.endswith(
            "models/feedback/dictionary.yaml") else dictionary.source,
            **scores(truth, [keyword_category(t, rules) for t in texts], samples=samples)},
    }


def evaluate(model: FeedbackModel, dictionary: FeedbackDictionary, *, xml_path: str | Path = DEFAULT_TWEETS,
             label_path: str | Path = LABEL_FILE, samples: int = 1000) -> dict:
    """The model against the majority-class and keyword-only baselines on the labelled tweets."""
    texts, truth = labelled_texts(xml_path, label_path)
    return {
        "data": "SentiRuEval-2016 banks test etalon (Loukachevitch and Rubtsova 2016), "
                "text/sentirueval2016/banks_test_etalon.xml: tweets labelled by hand for this project",
        "label_file": "models/feedback/sentirueval_labels.csv (tweet id, category; no texts)",
        "label_guide": LABEL_GUIDE,
        **_compare(model, dictionary, texts, truth, samples),
    }


def read_english_labels(path: str | Path = ENGLISH_LABEL_FILE) -> list[tuple[str, int, int, str]]:
    """``(source, dialogue, turn, category)`` rows of the English label file."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["source", "dialogue", "turn", "label"]:
            raise ValueError(f"{path}: columns {reader.fieldnames}; expected source, dialogue, turn, label")
        raw = list(reader)
    rows, problems, seen = [], [], {}
    for line, r in enumerate(raw, 2):
        key = (r["source"], r["dialogue"], r["turn"])
        if key in seen:
            problems.append(f"{path}:{line}: {' '.join(key)} labelled twice (first at line {seen[key]})")
            continue
        seen[key] = line
        if r["source"] not in USS_SOURCES:
            problems.append(f"{path}:{line}: source {r['source']!r}; expected one of {', '.join(USS_SOURCES)}")
        elif not (r["dialogue"] or "").isdigit() or not (r["turn"] or "").isdigit():
            problems.append(f"{path}:{line}: dialogue {r['dialogue']!r}, turn {r['turn']!r}; expected whole numbers")
        elif r["label"] not in CATEGORIES:
            problems.append(f"{path}:{line}: label {r['label']!r}; expected one of {', '.join(CATEGORIES)}")
        else:
            rows.append((r["source"], int(r["dialogue"]), int(r["turn"]), r["label"]))
    if problems:
        raise ValueError("; ".join(problems[:5]) + (f" ({len(problems) - 5} more)" if len(problems) > 5 else ""))
    return rows


def english_labelled_texts(uss_dir: str | Path = DEFAULT_USS,
                           label_path: str | Path = ENGLISH_LABEL_FILE) -> tuple[list[str], list[str]]:
    """The cleaned texts of the labelled USS user turns and their categories, in label-file order.

    A ValueError names the first id that is not a USER turn of the data (absent dialogue or turn, a SYSTEM turn)."""
    rows = read_english_labels(label_path)
    dialogues = {(d.source, d.index): d for d in read_uss_dir(uss_dir, sorted({s for s, *_ in rows}))}
    texts, bad = [], []
    for source, dialogue, turn, _ in rows:
        d = dialogues.get((source, dialogue))
        if d is None or turn >= len(d.turns) or d.turns[turn].role != "USER":
            bad.append(f"{source} dialogue {dialogue} turn {turn}")
            continue
        texts.append(clean_text(d.turns[turn].text))
    if bad:
        raise ValueError(f"{label_path}: {len(bad)} labelled ids are not USER turns of {uss_dir} (e.g. {bad[0]})")
    return texts, [label for *_, label in rows]


def evaluate_english(model: FeedbackModel, dictionary: FeedbackDictionary, *, uss_dir: str | Path = DEFAULT_USS,
                     label_path: str | Path = ENGLISH_LABEL_FILE, samples: int = 1000) -> dict:
    """The model against the majority-class and keyword-only baselines on the labelled English user turns."""
    texts, truth = english_labelled_texts(uss_dir, label_path)
    return {
        "data": "User Satisfaction Simulation dialogues (Sun et al. 2021), text/uss_satisfaction/{MWOZ,SGD,ReDial,"
                "CCPE}.txt: USER turns labelled by hand for this project (one annotator)",
        "label_file": "models/feedback/uss_en_labels.csv (source, dialogue, turn, category; no texts)",
        "label_guide": ENGLISH_LABEL_GUIDE,
        **_compare(model, dictionary, texts, truth, samples),
    }
