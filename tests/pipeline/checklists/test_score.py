"""Section and form scores on known answers: weights, scales, N/A, pending and critical items."""

from __future__ import annotations

import pytest

from pipeline.checklists.forms import Checklist, Item, Section
from pipeline.checklists.score import item_failed, item_share, score_checklist
from pipeline.records import ChecklistResult

FORM = Checklist("qa", "QA", "1", (
    Section("culture", "Culture", 40.0, (
        Item("greeting", "Greeted", weight=2.0),
        Item("polite", "Polite", type="scale", scale=(1, 5)),
        Item("offer", "Offered", na_allowed=True),
    )),
    Section("discipline", "Discipline", 60.0, (
        Item("identified", "Identified", critical="section"),
        Item("holds", "Holds announced", na_allowed=True),
        Item("accurate", "Accurate", critical="form"),
        Item("silence", "No dead air", type="scale", scale=(1, 10), weight=2.0),
    )),
))

ALL_GOOD = {"greeting": 1, "polite": 4, "offer": "na", "identified": 1, "holds": "na", "accurate": 1, "silence": 7}
CULTURE = 100 * (2 * 1 + 0.75) / 3                 # polite 4 on 1-5 is 0.75; offer N/A is out of the maximum
DISCIPLINE = 100 * (1 + 1 + 2 * 6 / 9) / 4         # silence 7 on 1-10 is 6/9


def _results(answers: dict[str, object], contact: str = "c1") -> list[ChecklistResult]:
    out = []
    for item_id, answer in answers.items():
        if answer == "na":
            out.append(ChecklistResult(contact, "qa", item_id, None, "rule", not_applicable=True))
        elif answer is None:
            out.append(ChecklistResult(contact, "qa", item_id, None, "rule", state="pending"))
        else:
            out.append(ChecklistResult(contact, "qa", item_id, float(answer), "rule"))
    return out


def test_item_shares():
    assert item_share(FORM.item("greeting"), 1) == 1.0 and item_share(FORM.item("greeting"), 0) == 0.0
    assert item_share(FORM.item("polite"), 1) == 0.0 and item_share(FORM.item("polite"), 5) == 1.0
    assert item_share(Item("x", "x", type="scale", scale=(1, 4)), 2) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="expected a whole number 1..10"):
        item_share(FORM.item("silence"), 11)
    assert item_failed(FORM.item("identified"), 0) and not item_failed(FORM.item("identified"), None)


def test_weighted_sections_and_form_with_na_left_out():
    score = score_checklist(FORM, _results(ALL_GOOD))
    culture, discipline = score.sections
    assert culture.value == pytest.approx(CULTURE) and discipline.value == pytest.approx(DISCIPLINE)
    assert score.value == pytest.approx((40 * CULTURE + 60 * DISCIPLINE) / 100)
    assert score.value == pytest.approx(86.6667, abs=1e-4)
    assert (score.answered, score.not_applicable, score.pending, score.complete) == (5, 2, 0, True)
    assert (culture.answered, culture.not_applicable, culture.pending) == (2, 1, 0)


def test_a_failed_critical_item_zeroes_its_section():
    score = score_checklist(FORM, _results({**ALL_GOOD, "identified": 0}))
    culture, discipline = score.sections
    assert discipline.value == 0.0 and discipline.critical_failed == ("identified",)
    assert score.value == pytest.approx(40 * CULTURE / 100) and score.critical_failed == ()


def test_a_failed_form_critical_item_zeroes_the_form():
    score = score_checklist(FORM, _results({**ALL_GOOD, "accurate": 0}))
    assert score.value == 0.0 and score.critical_failed == ("accurate",)
    assert score.sections[1].value == pytest.approx(100 * (1 + 0 + 2 * 6 / 9) / 4)


def test_pending_items_are_left_out_until_answered():
    answers = {**ALL_GOOD, "greeting": None}
    del answers["silence"]  # no row at all: pending too
    score = score_checklist(FORM, _results(answers))
    assert score.sections[0].value == pytest.approx(75.0)
    assert score.sections[1].value == pytest.approx(100.0)
    assert score.value == pytest.approx((40 * 75 + 60 * 100) / 100)
    assert (score.pending, score.complete) == (2, False)


def test_nothing_answered_gives_no_score():
    score = score_checklist(FORM, _results({"offer": "na", "holds": "na"}))
    assert score.value is None and all(s.value is None for s in score.sections)
    assert score_checklist(FORM, []).pending == 7


def test_a_section_with_only_na_items_does_not_count_toward_the_form():
    score = score_checklist(FORM, _results({"greeting": "na", "polite": "na", "offer": "na", "identified": 1,
                                            "holds": 0, "accurate": 1, "silence": 10}))
    assert score.sections[0].value is None
    assert score.value == pytest.approx(100 * (1 + 0 + 1 + 2 * 1) / 5)


def test_answers_that_do_not_fit_are_errors():
    with pytest.raises(ValueError, match="expected 'qa'"):
        score_checklist(FORM, [ChecklistResult("c1", "other", "greeting", 1.0, "rule")])
    with pytest.raises(ValueError, match="two results for item greeting"):
        score_checklist(FORM, _results({"greeting": 1}) + _results({"greeting": 0}, contact="c2"))
    with pytest.raises(ValueError, match="item polite: answer 7.0"):
        score_checklist(FORM, _results({"polite": 7}))
    # an item dropped from the form is ignored
    assert score_checklist(FORM, _results({**ALL_GOOD, "retired": 1})).answered == 5
