"""Grades per operator and period, worked out by hand on a small catalog."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.catalog.schema import checklist_results
from pipeline.records import Score, SurveyAnswer
from pipeline.review.grades import format_grades, grades, operator_grades
from tests.pipeline.review.helpers import NA, T0, add_answers, add_contact, at

WEEK = timedelta(days=7)


@pytest.fixture
def store(review_store):
    c = review_store.catalog
    add_contact(c, "a1", operator="op-1", csi=40.0)
    add_contact(c, "a2", operator="op-1", started_at=T0 + timedelta(days=2), csi=60.0)
    add_contact(c, "a3", operator="op-1", started_at=T0 + WEEK, csi=70.0)
    add_contact(c, "b1", operator="op-2", csi=90.0)
    add_contact(c, "x1", operator=None, csi=10.0)
    for score in (Score("a1", "checklist:basic", 80.0, "rule"), Score("a1", "checklist:basic", 60.0, "reviewer"),
                  Score("a2", "checklist:basic", 90.0, "rule"), Score("a2", "checklist:sales", 50.0, "rule"),
                  Score("a3", "checklist:basic", 70.0, "rule"), Score("b1", "checklist:basic", 100.0, "rule"),
                  Score("x1", "checklist:basic", 0.0, "rule")):
        c.put_score(score)
    add_answers(c, "a1", {"greeting": 0, "farewell": 1}, state="reviewed", source="reviewer")
    add_answers(c, "a2", {"greeting": 0, "offer": NA})
    add_answers(c, "a2", {"farewell": 0}, state="disputed")
    add_answers(c, "a3", {"greeting": 1})
    add_answers(c, "b1", {"greeting": 1, "farewell": 0})
    c.add_survey_answers([
        SurveyAnswer("cu-1", "nps", 10, at(60), contact_id="a1", operator_id="op-1"),
        SurveyAnswer("cu-2", "nps", 9, at(60), contact_id="a2", operator_id="op-1"),
        SurveyAnswer("cu-3", "nps", 3, at(60), contact_id="a1"),  # its operator comes from the contact
        SurveyAnswer("cu-3", "csat", 5, at(61), contact_id="a1"),
        SurveyAnswer("cu-4", "csat", 1, T0 + WEEK + timedelta(hours=1), operator_id="op-1"),
        SurveyAnswer("cu-5", "nps", 0, at(60)),  # nobody's
    ])
    return review_store


def test_weekly_grades_with_known_answers(store):
    rows = {(r["period"], r["operator_id"]): r for r in grades(store, period="week")}
    assert sorted(rows) == [("2026-W47", "op-1"), ("2026-W47", "op-2"), ("2026-W48", "op-1")]
    op1 = rows[("2026-W47", "op-1")]
    assert (op1["contacts"], op1["reviewed"], op1["disputed"]) == (2, 2, 1)
    assert op1["form_score"] == pytest.approx((60 + 90 + 50) / 3)  # a1's reviewer score wins over the rule's 80
    assert op1["form_scores"] == {"basic": pytest.approx(75.0), "sales": 50.0}
    assert op1["items_failed"] == [{"item": "basic/greeting", "failed": 2, "answered": 2},
                                   {"item": "basic/farewell", "failed": 1, "answered": 2}]
    assert op1["answers"] == 4
    assert op1["nps"] == pytest.approx(100 * (2 - 1) / 3)
    assert op1["csi_survey"] == pytest.approx((100 + 90 + 30 + 100) / 4)
    assert op1["csi_predicted"] == 50.0
    later = rows[("2026-W48", "op-1")]
    assert (later["contacts"], later["reviewed"], later["form_score"], later["items_failed"]) == (1, 0, 70.0, [])
    assert (later["answers"], later["nps"], later["csi_survey"]) == (1, None, 0.0)
    assert rows[("2026-W47", "op-2")]["items_failed"] == [{"item": "basic/farewell", "failed": 1, "answered": 1}]


def test_monthly_grades_and_the_window(store):
    [op1, op2] = grades(store, period="month")
    assert (op1["period"], op1["operator_id"], op1["contacts"], op1["csi_predicted"]) == ("2026-11", "op-1", 3, 170 / 3)
    assert op2["operator_id"] == "op-2"
    first_week = grades(store, period="month", until=T0 + WEEK)
    assert [r["contacts"] for r in first_week] == [2, 1] and first_week[0]["answers"] == 4


def test_top_items_and_bad_options(store):
    [row] = [r for r in grades(store, top_items=1) if r["operator_id"] == "op-1" and r["period"] == "2026-W47"]
    assert [f["item"] for f in row["items_failed"]] == ["basic/greeting"]
    with pytest.raises(ValueError, match="period='day'; expected one of"):
        operator_grades([], [], [], [], period="day")


def test_the_text_table(store):
    text = format_grades(grades(store))
    assert "op-1" in text and "basic/greeting 2/2" in text and "2026-W48" in text
    assert "no graded contacts" in format_grades([])


def test_an_acknowledged_answer_counts_as_reviewed(store):
    with store.catalog.engine.begin() as conn:
        conn.execute(checklist_results.update().where(checklist_results.c.contact_id == "a3").values(state="acknowledged"))
    rows = {(r["period"], r["operator_id"]): r for r in grades(store)}
    assert rows[("2026-W48", "op-1")]["reviewed"] == 1


def test_goal_emotion_and_discourage_answers_are_no_survey_answers_of_the_grades(store):
    store.catalog.add_survey_answers([
        SurveyAnswer("cu-1", "goal", 0, at(60), contact_id="a1", operator_id="op-1"),
        SurveyAnswer("cu-1", "emotion", 1, at(60), contact_id="a1", operator_id="op-1"),
        SurveyAnswer("cu-2", "discourage", 10, at(60), contact_id="a2", operator_id="op-1"),
    ])
    op1 = {(r["period"], r["operator_id"]): r for r in grades(store, period="week")}[("2026-W47", "op-1")]
    assert op1["answers"] == 4 and op1["csi_survey"] == pytest.approx((100 + 90 + 30 + 100) / 4)
