"""CSI contact features: known answers on a hand-built dialogue, merging, missing values, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from features.csi import CONTACT_FEATURE_NAMES, contact_features, merge_turns, turn_features
from features.turns import TextTurn as T

# agent greets, customer asks, agent answers, customer thanks: 4 turns, times in seconds
SPEAKERS = ["agent", "customer", "agent", "customer"]
STARTS = [0.0, 3.0, 7.0, 12.0]
ENDS = [2.5, 6.0, 11.0, 13.5]
TEXTS = ["Hello, how can I help?", "Where is my new card?", "It was sent on Monday.", "Great, thanks!"]
PROBA = np.array([[0.1, 0.6, 0.3], [0.5, 0.4, 0.1], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8]])
TURNS = [T(*turn) for turn in zip(SPEAKERS, STARTS, ENDS, TEXTS)]


def test_four_turn_dialogue_known_answers():
    f = turn_features(TURNS, sentiment_proba=PROBA, customer_dissatisfaction=[0.6, 0.1])
    assert set(f) == set(CONTACT_FEATURE_NAMES)
    assert (f["customer_turns"], f["agent_turns"]) == (2, 2)
    assert (f["customer_words"], f["agent_words"]) == (7, 10)       # 5 + 2 and 5 + 5
    assert f["customer_word_share"] == pytest.approx(7 / 17)
    assert f["customer_turn_words_mean"] == 3.5 and f["agent_turn_words_mean"] == 5.0
    assert (f["customer_questions"], f["customer_question_share"]) == (1, 0.5)
    assert (f["customer_exclamations"], f["customer_exclamation_share"]) == (1, 0.5)
    assert f["customer_last_turn_words"] == 2 and f["customer_ends"] == 1
    assert f["contact_s"] == 13.5
    # polarity = P(positive) - P(negative): customer -0.4 and +0.8, agent +0.2 and 0.0
    assert f["customer_polarity_mean"] == pytest.approx(0.2)
    assert f["customer_polarity_min"] == pytest.approx(-0.4)
    assert f["customer_polarity_last"] == pytest.approx(0.8)
    assert f["customer_negative_share"] == 0.5
    assert f["agent_polarity_mean"] == pytest.approx(0.1)
    assert (f["customer_dissat_mean"], f["customer_dissat_max"], f["customer_dissat_last"]) == pytest.approx(
        (0.35, 0.6, 0.1))


def test_input_order_does_not_matter():
    order = [2, 0, 3, 1]
    shuffled = turn_features([TURNS[i] for i in order], sentiment_proba=PROBA[order])
    assert shuffled == turn_features(TURNS, sentiment_proba=PROBA)


def test_runs_of_one_party_merge_with_word_weighted_sentiment():
    # a recogniser cut the customer's turn in three; an "unknown" segment does not break the run
    m = merge_turns([T("customer", 0, 1, "my card"), T("unknown", 1, 2, "uh"), T("customer", 2, 3, "is blocked"),
                     T("customer", 3, 4, "again"), T("agent", 5, 6, "I see")],
                    sentiment_proba=np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1.0], [0, 1.0, 0], [0, 1, 0]]))
    assert m.speakers == ("customer", "agent")
    assert m.texts == ("my card is blocked again", "I see")
    assert (m.starts_s.tolist(), m.ends_s.tolist()) == ([0.0, 5.0], [4.0, 6.0])
    # words 2, 2, 1 -> P(negative) 2/5, P(neutral) 1/5, P(positive) 2/5
    assert m.proba[0] == pytest.approx([0.4, 0.2, 0.4])
    f = contact_features(m)
    assert f["customer_turns"] == 1 and f["customer_ends"] == 0


def test_bot_and_ivr_count_as_the_agent_side():
    f = turn_features([T("ivr", 0, 0, "a"), T("customer", 1, 1, "b"), T("bot", 2, 2, "c"), T("agent", 3, 3, "d")])
    assert (f["agent_turns"], f["customer_turns"], f["agent_words"]) == (2, 1, 3)


def test_chat_messages_with_equal_start_and_end():
    f = turn_features([T("customer", 10.0, 10.0, "Hi?"), T("agent", 40.0, 40.0, "Hello")])
    assert f["contact_s"] == 30.0 and f["customer_questions"] == 1


def test_unpunctuated_transcript_leaves_punctuation_features_missing():
    f = turn_features([T("customer", 0, 1, "where is my card"), T("agent", 2, 3, "it is on its way")])
    for name in ("customer_questions", "customer_question_share", "customer_exclamations",
                 "customer_exclamation_share"):
        assert f[name] is None
    assert f["customer_words"] == 4


def test_missing_inputs_give_none_not_zero():
    f = turn_features([T("agent", 0.0, 1.0, "Hello?")])
    assert f["customer_turns"] == 0 and f["customer_word_share"] == 0.0
    for name in ("customer_turn_words_mean", "customer_question_share", "customer_last_turn_words",
                 "customer_polarity_mean", "customer_dissat_mean", "agent_polarity_mean"):
        assert f[name] is None
    empty = turn_features([])
    assert empty["customer_turns"] == 0 and empty["contact_s"] is None and empty["customer_word_share"] is None
    assert empty["customer_ends"] == 0


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match=r"expected \(2,\)"):
        turn_features(TURNS, customer_dissatisfaction=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="end_s 1.0 < start_s 2.0"):
        turn_features([T("agent", 2.0, 1.0)])
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        turn_features([T("agent", 0, 1, "a"), T("customer", 1, 2, "b")], sentiment_proba=np.ones((2, 2)))
    with pytest.raises(ValueError, match="one score per customer turn"):
        turn_features(TURNS, customer_dissatisfaction=[0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        turn_features(TURNS, customer_dissatisfaction=[0.5, 1.5])
    with pytest.raises(TypeError, match="not one string"):
        turn_features("customer")
