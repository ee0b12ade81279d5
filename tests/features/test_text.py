"""Sentiment features from per-turn probabilities: known answers and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from features.text import sentiment_features


def test_counts_and_means_per_party():
    proba = np.array([
        [0.7, 0.2, 0.1],   # customer negative
        [0.1, 0.8, 0.1],   # agent neutral
        [0.2, 0.2, 0.6],   # customer positive
        [0.5, 0.4, 0.1],   # agent negative
        [0.4, 0.5, 0.1],   # customer neutral (argmax), leaning negative
    ])
    f = sentiment_features(["customer", "agent", "customer", "agent", "customer"], proba, unit="messages")
    assert f["customer_negative_messages"] == 1 and f["agent_negative_messages"] == 1
    assert f["customer_sentiment"] == pytest.approx(((0.1 - 0.7) + (0.6 - 0.2) + (0.1 - 0.4)) / 3)
    assert f["agent_sentiment"] == pytest.approx(((0.1 - 0.1) + (0.1 - 0.5)) / 2)


def test_a_party_without_turns_has_no_sentiment():
    f = sentiment_features(["bot", "customer"], np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    assert f["agent_sentiment"] is None and f["agent_negative_turns"] == 0 and f["customer_sentiment"] == 1.0
    empty = sentiment_features([], np.zeros((0, 3)))
    assert empty == {"customer_negative_turns": 0, "customer_sentiment": None,
                     "agent_negative_turns": 0, "agent_sentiment": None}


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        sentiment_features(["agent", "customer"], np.zeros((3, 3)))
