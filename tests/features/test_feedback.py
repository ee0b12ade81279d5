"""features.feedback: keyword rules, score bands, the real-picture cross-tab and the classifier metrics, on known
answers (the metrics against scikit-learn's)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from features.feedback import (CATEGORIES, accuracy, bootstrap_interval, confusion, hidden_signals, keyword_category,
                               keyword_hits, macro_f1, majority_label, matched_rules, per_class, polarity_of,
                               real_picture, score_band, subcategory_for, words)

RULES = [("communication", "rudeness", ["хам", "груб", "rude"]), ("process", "queue", ["очеред", "queue"]),
         ("process", "failure", ["не работает", "ошибк"]), ("product", "fees", ["комисс", "fee"])]


def test_keywords_match_word_starts_in_order_and_side_by_side():
    assert keyword_hits("Приложение НЕ РАБОТАЕТ уже день", ["не работает"]) == ["не работает"]
    assert keyword_hits("работает, но не всегда", ["не работает"]) == []  # not side by side
    assert keyword_hits("безочередное обслуживание", ["очеред"]) == []  # inside a word: no
    assert keyword_hits("Ёлка", ["елк"]) == ["елк"]
    assert words("") == [] and keyword_hits("", ["очеред"]) == []
    with pytest.raises(TypeError, match="expected str"):
        words(None)


def test_the_category_with_most_keywords_wins_and_ties_follow_the_category_order():
    assert keyword_category("Хамство, грубость и очередь", RULES) == "communication"
    assert keyword_category("Очередь и ошибка", RULES) == "process"
    assert keyword_category("Очередь и комиссия", RULES) == "process"  # a tie: process comes before product
    assert keyword_category("Всё прекрасно", RULES) == "other"
    assert matched_rules("ошибка, очередь, ошибки", RULES)[0][0] == "process"
    assert subcategory_for("очередь и ошибка и комиссия", "product", RULES) == ("fees", ["комисс"])
    assert subcategory_for("всё хорошо", "process", RULES) == (None, [])


@pytest.mark.parametrize(("kind", "value", "band"), [
    ("nps", 0, "0-6"), ("nps", 6, "0-6"), ("nps", 7, "7-8"), ("nps", 8, "7-8"), ("nps", 9, "9-10"), ("nps", 10, "9-10"),
    ("csat", 1, "1-3"), ("csat", 3, "1-3"), ("csat", 4, "4"), ("csat", 5, "5"), ("ces", 7, "no score"),
    ("discourage", 10, "no score"), (None, None, "no score"), ("nps", None, "no score")])
def test_score_bands(kind, value, band):
    assert score_band(kind, value) == band


def test_a_score_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="nps=11"):
        score_band("nps", 11)
    with pytest.raises(ValueError, match="csat=0"):
        score_band("csat", 0)


def test_real_picture_and_hidden_signals_count_known_items():
    items = ([{"band": "9-10", "polarity": "complaint", "category": "process"}] * 3
             + [{"band": "9-10", "polarity": "praise", "category": "other"}]
             + [{"band": "0-6", "polarity": "praise", "category": "communication"}] * 2
             + [{"band": "0-6", "polarity": "complaint", "category": "product"}] * 2
             + [{"band": "4", "polarity": "complaint", "category": "communication"}])
    rows = real_picture(items)
    assert [(r["band"], r["polarity"], r["category"], r["items"]) for r in rows] == [
        ("0-6", "complaint", "product", 2), ("0-6", "praise", "communication", 2),
        ("9-10", "complaint", "process", 3), ("9-10", "praise", "other", 1), ("4", "complaint", "communication", 1)]
    assert [r["share_of_band"] for r in rows] == [0.5, 0.5, 0.75, 0.25, 1.0]
    hidden = hidden_signals(items)
    assert (hidden["complaints_in_high_scores"], hidden["high_scored"]) == (4, 5)
    assert (hidden["praise_in_low_scores"], hidden["low_scored"], hidden["praise_in_low_share"]) == (2, 4, 0.5)
    assert real_picture([]) == [] and hidden_signals([])["complaints_in_high_share"] is None
    assert polarity_of("negative") == "complaint" and polarity_of("neutral") == "neutral"


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(3)
    truth = list(rng.choice(CATEGORIES, 200, p=[0.2, 0.4, 0.15, 0.25]))
    predicted = [t if rng.random() < 0.6 else rng.choice(CATEGORIES) for t in truth]
    labels = list(CATEGORIES)
    assert confusion(truth, predicted, labels) == confusion_matrix(truth, predicted, labels=labels).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    mine = per_class(truth, predicted, labels)
    for k, label in enumerate(labels):
        assert mine[label]["precision"] == pytest.approx(precision[k], abs=1e-4)
        assert mine[label]["recall"] == pytest.approx(recall[k], abs=1e-4)
        assert mine[label]["support"] == support[k]
    assert macro_f1(truth, predicted, labels) == pytest.approx(f1_score(truth, predicted, average="macro"), abs=2e-4)
    assert accuracy(truth, predicted) == pytest.approx(np.mean(np.array(truth) == np.array(predicted)))


def test_bootstrap_interval_brackets_the_value_and_repeats_with_its_seed():
    truth = ["a"] * 60 + ["b"] * 40
    predicted = ["a"] * 50 + ["b"] * 10 + ["b"] * 30 + ["a"] * 10
    low, high = bootstrap_interval(truth, predicted, accuracy, samples=300, seed=1)
    assert low < accuracy(truth, predicted) == 0.8 < high and high - low < 0.25
    assert bootstrap_interval(truth, predicted, accuracy, samples=300, seed=1) == (low, high)
    with pytest.raises(ValueError, match="samples=5"):
        bootstrap_interval(truth, predicted, accuracy, samples=5)


def test_bad_metric_input_is_refused():
    with pytest.raises(ValueError, match="2 true labels, 1 predicted"):
        accuracy(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no labels"):
        accuracy([], [])
    with pytest.raises(ValueError, match=r"labels \['z'\] not in"):
        confusion(["z"], ["a"], ["a", "b"])
    assert majority_label(["other", "process", "process"]) == "process"
