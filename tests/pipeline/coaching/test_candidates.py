"""Coaching candidates on transcripts built here: each kind is found exactly where it was planted, and
not in the near-misses beside it (thanks said angrily, a negative start with a low CSI, full marks with
a calm customer, one negative turn only)."""

from __future__ import annotations

import pytest

from pipeline.coaching.candidates import (Candidate, contact_candidates, difficult_full_marks_moment, full_marks,
                                          praise_moments, recovery_moment)
from pipeline.records import ChecklistResult, Turn


def _t(speaker, start_s, end_s, text, sentiment=None, tags=(), proba=None) -> Turn:
    return Turn(speaker, start_s, end_s, text, sentiment=sentiment, tags=tuple(tags), sentiment_proba=proba)


CALL = [  # 60 s: a bad start, a fix, praise at the end
    _t("agent", 0.0, 4.0, "Bank, Anna speaking", "neutral", ["greeting"]),
    _t("customer", 4.5, 9.0, "My card is blocked again, this is a disgrace", "negative"),
    _t("agent", 9.5, 20.0, "I am sorry, I unblock it now", "neutral", ["apology"]),
    _t("customer", 21.0, 24.0, "it is still not working", "negative"),
    _t("agent", 25.0, 40.0, "Try now please, I reset the limit", "neutral"),
    _t("customer", 41.0, 45.0, "It works, fine", "neutral"),
    _t("agent", 46.0, 50.0, "Anything else?", "neutral"),
    _t("customer", 51.0, 55.0, "Thank you so much, you were great", "positive", ["thanks"], (0.02, 0.08, 0.9)),
    _t("agent", 55.5, 60.0, "Goodbye", "neutral", ["farewell"]),
]
FULL = {"basic": 100.0}
ANSWERS = [ChecklistResult("c1", "basic", "greeting", 1.0, "rule"),
           ChecklistResult("c1", "basic", "offer", None, "rule", not_applicable=True)]


def test_praise_is_the_thanking_turn_with_the_operator_turn_before_it():
    [found] = praise_moments("c1", CALL)
    assert (found.kind, found.start_s, found.end_s, found.score) == ("praise", 46.0, 55.0, 0.9)
    assert found.excerpt == "agent: Anything else? / customer: Thank you so much, you were great"


@pytest.mark.parametrize("turn", [
    _t("customer", 51.0, 55.0, "thanks for nothing", "negative", ["thanks"]),   # thanks said angrily
    _t("customer", 51.0, 55.0, "Lovely, that is great", "positive"),            # positive, no thanks
    _t("agent", 51.0, 55.0, "Thank you for calling", "positive", ["thanks"]),  # the operator thanking
    _t("customer", 51.0, 55.0, "Thanks", None, ["thanks"]),                     # not analysed
])
def test_no_praise_in_near_misses(turn):
    assert praise_moments("c1", [*CALL[:7], turn]) == []


def test_recovery_runs_from_the_early_negative_turn_to_the_turnaround():
    found = recovery_moment("c1", CALL, 81.5)
    assert (found.start_s, found.end_s, found.score) == (4.5, 45.0, 81.5)
    assert found.excerpt.startswith("customer: My card is blocked again")


def test_no_recovery_below_the_csi_threshold_or_without_an_early_negative_turn():
    assert recovery_moment("c1", CALL, 69.9) is None
    assert recovery_moment("c1", CALL, None) is None
    late = [t if t.start_s > 20 else Turn(t.speaker, t.start_s, t.end_s, t.text, sentiment="neutral") for t in CALL]
    assert late[3].sentiment == "negative" and 21.0 >= 60.0 / 3  # negative, but not in the first third
    assert recovery_moment("c1", late, 95.0) is None


def test_difficult_full_marks_spans_the_negative_turns_and_the_answer_after():
    found = difficult_full_marks_moment("c1", CALL, ANSWERS, FULL)
    assert (found.kind, found.start_s, found.end_s, found.score) == ("difficult_full_marks", 4.5, 40.0, 102.0)


def test_a_complaint_tag_alone_makes_a_contact_difficult():
    turns = [_t("agent", 0, 2, "Hello"), _t("customer", 2, 5, "get me your manager", "neutral", ["asks_for_operator"]),
             _t("agent", 5, 9, "Of course, let me help first")]
    found = difficult_full_marks_moment("c1", turns, ANSWERS, FULL)
    assert (found.start_s, found.end_s) == (2, 9)


def test_no_difficult_full_marks_in_near_misses():
    one_negative = [t if t.start_s != 21.0 else _t("customer", 21.0, 24.0, "ok", "neutral") for t in CALL]
    assert difficult_full_marks_moment("c1", one_negative, ANSWERS, FULL) is None  # one negative turn only
    assert difficult_full_marks_moment("c1", CALL, ANSWERS, {"basic": 100.0, "sales": 90.0}) is None
    assert difficult_full_marks_moment("c1", CALL, ANSWERS, {}) is None  # no checklist scored
    pending = [*ANSWERS, ChecklistResult("c1", "basic", "tone", None, "rule", state="pending")]
    assert difficult_full_marks_moment("c1", CALL, pending, FULL) is None
    calm = [Turn(t.speaker, t.start_s, t.end_s, t.text, sentiment="neutral") for t in CALL]
    assert difficult_full_marks_moment("c1", calm, ANSWERS, FULL) is None


def test_full_marks_needs_an_answer():
    assert not full_marks([ChecklistResult("c", "f", "x", None, "rule", not_applicable=True)], {"f": 100.0})


def test_contact_candidates_gives_each_kind_once_and_checks_the_kind():
    found = contact_candidates("c1", CALL, csi=80.0, answers=ANSWERS, checklist_scores=FULL)
    assert [c.kind for c in found] == ["praise", "recovery", "difficult_full_marks"]
    assert contact_candidates("c1", CALL, csi=80.0, kinds=("recovery",)) == [
        Candidate("c1", "recovery", 4.5, 45.0, found[1].excerpt, 80.0)]
    assert contact_candidates("c1", [], csi=99.0, answers=ANSWERS, checklist_scores=FULL) == []
    with pytest.raises(ValueError, match="kind 'bogus'"):
        contact_candidates("c1", CALL, kinds=("bogus",))
