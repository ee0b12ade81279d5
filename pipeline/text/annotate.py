"""Text analytics on the turns of a call or the messages of a chat: sentiment and phrase tags.

Each turn gets its sentiment probabilities, its most likely sentiment class and the phrase tags
found in it; the contact gets the sentiment features of :func:`features.text.sentiment_features`
and a count per phrase tag (``phrase_greeting``, ...). The sentiment model and the phrase
dictionaries load on first use. The probabilities are stored with the transcript, so later
stages (``csi``) read them instead of running the sentiment model again
(:func:`turn_sentiment_proba`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from features.text import sentiment_features
from pipeline.records import FeatureValue, Turn


def annotate_turns(
    turns: Sequence[Turn], language: str, *, unit: str = "turns", phrases_path: Path | None = None
) -> tuple[tuple[Turn, ...], dict[str, FeatureValue]]:
    """The turns with ``sentiment_proba``, ``sentiment`` and ``tags`` set, and the contact's text features.

    A turn without text keeps ``sentiment`` and ``sentiment_proba`` None.
    ``phrases_path``: a phrase dictionary (TOML) to use instead of the shipped one for ``language``.
    """
    from models.sentiment import SENTIMENT_CLASSES, load_sentiment_model
    from pipeline.text.phrases import PHRASE_TAGS, load_phrase_rules, phrase_tag_counts, tag_turns

    proba = load_sentiment_model(language).predict_proba([turn.text for turn in turns])
    rules = load_phrase_rules(language, phrases_path) if phrases_path else None
    hits = tag_turns(turns, language, rules)
    tags: dict[int, list[str]] = {}
    for hit in hits:
        tags.setdefault(hit.turn_index, []).append(hit.tag)
    annotated = tuple(
        replace(turn, sentiment=SENTIMENT_CLASSES[int(row.argmax())] if turn.text.strip() else None,
                sentiment_proba=tuple(float(p) for p in row) if turn.text.strip() else None,
                tags=tuple(tags.get(index, ())))
        for index, (turn, row) in enumerate(zip(turns, proba))
    )
    values: dict[str, FeatureValue] = dict(sentiment_features([t.speaker for t in turns], proba, unit=unit))
    counted = list(dict.fromkeys([*PHRASE_TAGS, *(rule.tag for rule in rules or ())]))
    values.update({f"phrase_{tag}": count for tag, count in phrase_tag_counts(hits, counted).items()})
    return annotated, values


def turn_sentiment_proba(turns: Sequence[Turn], language: str) -> np.ndarray:
    """(n, 3) P(negative, neutral, positive) of each turn, in :data:`models.sentiment.SENTIMENT_CLASSES` order.

    The probabilities stored on the turns are used as they are; the sentiment model scores only
    the turns without them (a transcript stored before they were kept, a turn whose text
    redaction changed after scoring).
    """
    from models.sentiment import load_sentiment_model

    model = load_sentiment_model(language)  # an unsupported language fails here, stored probabilities or not
    proba = np.empty((len(turns), 3))
    missing = []
    for index, turn in enumerate(turns):
        if turn.sentiment_proba is None:
            missing.append(index)
        else:
            proba[index] = turn.sentiment_proba
    if missing:
        proba[missing] = model.predict_proba([turns[index].text for index in missing])
    return proba
