"""Sentiment features of a contact from per-turn (or per-message) class probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PARTIES = ("customer", "agent")


def sentiment_features(
    speakers: Sequence[str], proba: np.ndarray, *, unit: str = "turns"
) -> dict[str, float | int | None]:
    """Negative turns and mean sentiment of each party.

    Parameters
    ----------
    speakers : the speaker of each turn (``customer``, ``agent``, ...), length n.
    proba : array of shape (n, 3): P(negative), P(neutral), P(positive) of each turn; rows sum to 1.
    unit : the word in the names, ``turns`` for calls or ``messages`` for chats.

    Returns
    -------
    ``{party}_negative_{unit}``: turns whose most likely class is negative (>= 0);
    ``{party}_sentiment``: mean P(positive) - P(negative) over the party's turns, in [-1, 1],
    None when the party has no turns.

    >>> p = np.array([[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    >>> f = sentiment_features(["customer", "agent", "customer"], p)
    >>> f["customer_negative_turns"], f["agent_negative_turns"], round(f["customer_sentiment"], 2)
    (2, 0, -0.6)
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape != (len(speakers), 3):
        raise ValueError(f"proba has shape {proba.shape}; expected ({len(speakers)}, 3) for {len(speakers)} speakers")
    negative = proba.argmax(axis=1) == 0
    score = proba[:, 2] - proba[:, 0]
    values: dict[str, float | int | None] = {}
    for party in PARTIES:
        mine = np.array([speaker == party for speaker in speakers], dtype=bool)
        values[f"{party}_negative_{unit}"] = int(np.sum(negative & mine))
        values[f"{party}_sentiment"] = float(score[mine].mean()) if mine.any() else None
    return values
