"""English figures of the sentiment model: user turns of USS dialogues, labelled by their satisfaction ratings.

The shipped classifier is trained on Russian tweets and applies to English zero-shot; it is
measured here against VADER on fixed samples of user turns whose annotators' ratings give a
label (rule: :data:`ENGLISH_RULE`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.corpora import USS_SOURCES, UssDialogue, read_uss_dir, shared_data_name
from models.sentiment.metrics import class_counts, classification_metrics, paired_bootstrap
from models.sentiment.model import SENTIMENT_CLASSES, LinearSentimentModel, VaderSentimentModel
from models.sentiment.sentirueval import LabelledTexts

ENGLISH_RULE = "user turn's mean satisfaction (3-7 annotators, 1-5): <= 2 negative, >= 4 positive, else neutral"


def turn_sentiment(ratings: Sequence[int]) -> str:
    """Sentiment label of a user turn from its satisfaction ratings (rule: ``ENGLISH_RULE``)."""
    mean = float(np.mean(ratings))
    return "negative" if mean <= 2 else "positive" if mean >= 4 else "neutral"


def english_samples(dialogues: Sequence[UssDialogue], *, size: int, seed: int) -> dict[str, LabelledTexts]:
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
    return {name: LabelledTexts(tuple(t for t, _ in s), tuple(label for _, label in s), {"class_counts": class_counts(
        [label for _, label in s])}) for name, s in (("natural", natural), ("balanced", balanced))}


def measure_english(model: LinearSentimentModel, uss_dir: Path, *, size: int, seed: int) -> dict:
    """Both English engines on fixed samples of USS user turns; ``default`` is the better on the natural sample."""
    samples = english_samples(read_uss_dir(uss_dir), size=size, seed=seed)
    vader = VaderSentimentModel()
    result: dict = {"data": f"{shared_data_name(uss_dir)}/{{{','.join(USS_SOURCES)}}}.txt, user turns", "label_rule":
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
