"""The review queue's candidates in SQL: exact facts, rank and pool on a small catalog, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog
from pipeline.catalog.queue_query import (CandidateRow, candidate_count, candidate_facts, candidate_ids,
                                          candidates_at, model_csi, riskiest_candidates, waiting_contacts)
from pipeline.catalog.schema import feature_sets
from pipeline.records import FeatureSet, ReviewAssignment
from tests.pipeline.review.helpers import T0, add_alarm, add_answers, add_contact, at

POINTS = {"alarm": 4, "pending": 3, "low_csi": 2, "negative": 1}
REVIEWER = "rev-1"
FACTS = {  # what each candidate of rev-1 is, worked out from build() by hand
    "C-low": CandidateRow("C-low", "basic", 10.0, 0, 0, 0),
    "a-alarm1-low": CandidateRow("a-alarm1-low", "basic", 30.0, 1, 0, 0),
    "a-alarm2": CandidateRow("a-alarm2", "basic", 90.0, 2, 0, 0),
    "b-pending": CandidateRow("b-pending", "basic", None, 0, 0, 1),
    "b-pending-neg": CandidateRow("b-pending-neg", "basic", 70.0, 0, 2, 2),
    "c-low": CandidateRow("c-low", "basic", 10.0, 0, 0, 0),
    "d-neg-bool": CandidateRow("d-neg-bool", "basic", 60.0, 0, 0, 0),     # True is not a count
    "d-neg-float": CandidateRow("d-neg-float", "basic", 60.0, 0, 1, 0),   # 1.7 -> 1
    "d-neg-half": CandidateRow("d-neg-half", "basic", 60.0, 0, 0, 0),     # 0.5 -> 0: no risk
    "d-neg-null": CandidateRow("d-neg-null", "basic", 60.0, 0, 0, 0),     # the first set has it as null
    "d-neg-text": CandidateRow("d-neg-text", "basic", 60.0, 0, 0, 0),     # "3" is not a number
    "d-neg-two-sets": CandidateRow("d-neg-two-sets", "basic", 60.0, 0, 2, 0),  # turns 0 (first set), messages 2
    "e-multi": CandidateRow("e-multi", "Zed", 70.0, 0, 0, 0),            # "Zed" < "basic" by code point
    "g-done-other": CandidateRow("g-done-other", "basic", 45.0, 0, 0, 0),
    "h-neg-none": CandidateRow("h-neg-none", "basic", None, 0, 1, 0),
    "p-1": CandidateRow("p-1", "basic", 70.0, 0, 0, 0),
    "p-2": CandidateRow("p-2", "basic", 70.0, 0, 0, 0),
}
RANKED = ["a-alarm1-low",  # alarm+low_csi: 6
          "a-alarm2", "b-pending-neg",  # 4 each: more alarms first
          "b-pending",  # 3
          "C-low", "c-low", "g-done-other",  # 2 each: lower CSI first, then the id by code point
          "d-neg-two-sets", "d-neg-float", "h-neg-none"]  # 1 each: CSI 60 before none, then more negative


def build(catalog: Catalog) -> None:
    """17 candidates of rev-1 and 5 contacts that are not."""
    for cid, csi in (("a-alarm2", 90.0), ("a-alarm1-low", 30.0), ("C-low", 10.0), ("c-low", 10.0),
                     ("g-done-other", 45.0), ("e-multi", 70.0), ("p-1", 70.0), ("p-2", 70.0), ("f-own", 5.0),
                     ("f-busy-other", 5.0), ("f-done-mine", 5.0), ("f-reviewed", 5.0), ("f-nothing", 5.0)):
        add_contact(catalog, cid, csi=csi, operator=REVIEWER if cid == "f-own" else "op-1")
    add_contact(catalog, "b-pending")
    add_contact(catalog, "b-pending-neg", csi=70.0, customer_negative_turns=2)
    add_contact(catalog, "h-neg-none", channel="chat", customer_negative_messages=1)
    add_contact(catalog, "d-neg-float", csi=60.0, customer_negative_turns=1.7)
    add_contact(catalog, "d-neg-half", csi=60.0, customer_negative_turns=0.5)
    add_contact(catalog, "d-neg-bool", csi=60.0, customer_negative_turns=True)
    add_contact(catalog, "d-neg-text", csi=60.0, customer_negative_turns="3")
    add_contact(catalog, "d-neg-null", csi=60.0, customer_negative_turns=4)  # set "call"
    catalog.put_feature_set(FeatureSet("d-neg-null", "a-first", {"customer_negative_turns": None}))
    add_contact(catalog, "d-neg-two-sets", csi=60.0, customer_negative_turns=0)  # set "call"
    catalog.put_feature_set(FeatureSet("d-neg-two-sets", "chat", {"customer_negative_turns": 5,
                                                                    "customer_negative_messages": 2}))
    with catalog.engine.connect() as conn:  # the first set by name gives each feature
        assert conn.execute(sa.select(sa.func.count()).select_from(feature_sets)).scalar_one() == 10
    add_alarm(catalog, "a-alarm2")
    add_alarm(catalog, "a-alarm2", rule="threat")
    add_alarm(catalog, "a-alarm1-low")
    add_alarm(catalog, "f-own")
    add_alarm(catalog, "f-nothing")
    for cid in FACTS:
        if cid not in ("b-pending", "b-pending-neg"):
            add_answers(catalog, cid, {"greeting": 1})
    add_answers(catalog, "b-pending", {"greeting": 1})
    add_answers(catalog, "b-pending", {"polite": None}, state="pending")
    add_answers(catalog, "b-pending-neg", {"polite": None, "farewell": None}, state="pending")
    add_answers(catalog, "e-multi", {"hello": 1}, checklist="Zed")
    for cid in ("f-own", "f-busy-other", "f-done-mine"):
        add_answers(catalog, cid, {"greeting": 1})
    add_answers(catalog, "f-reviewed", {"greeting": 1}, state="reviewed")
    catalog.add_review_assignments([
        ReviewAssignment("f-busy-other", "rev-2", "basic", "alarm", T0),
        ReviewAssignment("f-done-mine", REVIEWER, "basic", "random", T0, done_at=at(5)),
        ReviewAssignment("g-done-other", "rev-2", "basic", "random", T0, done_at=at(5))])


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    build(catalog)
    yield catalog
    catalog.close()


def test_the_pool_is_every_candidate_in_code_point_order(catalog):
    assert candidate_ids(catalog, REVIEWER) == sorted(FACTS)
    assert candidate_ids(catalog, REVIEWER)[:2] == ["C-low", "a-alarm1-low"]
    rev2 = candidate_ids(catalog, "rev-2")  # f-busy-other is open for rev-2 itself; f-own and f-done-mine are free
    assert set(rev2) == set(FACTS) - {"g-done-other"} | {"f-own", "f-done-mine"}


def test_a_position_in_the_pool_without_reading_it(catalog):
    assert candidate_count(catalog, REVIEWER) == 17
    assert candidate_count(catalog, REVIEWER, excluding=["C-low", "p-2", "f-own", "C-low"]) == 15
    assert candidates_at(catalog, REVIEWER, [0, 1, 16, 17, 5]) == {0: "C-low", 1: "a-alarm1-low", 5: "c-low",
                                                                   16: "p-2"}
    left = sorted(set(FACTS) - {"C-low", "c-low"})
    assert candidates_at(catalog, REVIEWER, range(20), excluding={"C-low", "c-low"}) == dict(enumerate(left))
    assert candidates_at(catalog, REVIEWER, []) == {}


def test_facts_of_each_candidate(catalog):
    assert candidate_facts(catalog, candidate_ids(catalog, REVIEWER)) == FACTS
    some = candidate_facts(catalog, ["f-reviewed", "a-alarm2", "no-such", "a-alarm2"])
    assert some == {"f-reviewed": CandidateRow("f-reviewed", "", 5.0, 0, 0, 0), "a-alarm2": FACTS["a-alarm2"]}


def test_the_riskiest_in_rank_order(catalog):
    ranked = riskiest_candidates(catalog, REVIEWER, points=POINTS, csi_below=50.0, limit=100)
    assert [r.contact_id for r in ranked] == RANKED
    assert ranked == [FACTS[cid] for cid in RANKED]
    for limit in range(1, 12):  # 1-3 from the contacts with an alarm or a pending answer alone; 4 on: all ranked
        assert riskiest_candidates(catalog, REVIEWER, points=POINTS, csi_below=50.0,
                                   limit=limit) == [FACTS[cid] for cid in RANKED[:limit]]
    assert riskiest_candidates(catalog, REVIEWER, points=POINTS, csi_below=50.0, limit=0) == []


def test_the_threshold_and_the_weights_come_from_the_caller(catalog):
    ranked = riskiest_candidates(catalog, REVIEWER, points=POINTS, csi_below=65.0, limit=100)
    low = [r.contact_id for r in ranked if r.csi is not None and r.csi < 65.0]
    assert low == ["a-alarm1-low", "d-neg-two-sets", "d-neg-float",  # 6, then low CSI + negative: 3
                   "C-low", "c-low", "g-done-other", "d-neg-bool", "d-neg-half", "d-neg-null", "d-neg-text"]
    heavy_negative = {"alarm": 1, "pending": 1, "low_csi": 1, "negative": 10}
    first = riskiest_candidates(catalog, REVIEWER, points=heavy_negative, csi_below=50.0, limit=4)
    assert [r.contact_id for r in first] == ["b-pending-neg", "d-neg-two-sets", "d-neg-float", "h-neg-none"]
    with pytest.raises(ValueError, match="expected a positive integer for each of alarm, pending, low_csi"):
        riskiest_candidates(catalog, REVIEWER, points={"alarm": 4}, csi_below=50.0, limit=1)
    with pytest.raises(ValueError, match="points="):
        riskiest_candidates(catalog, REVIEWER, points={**POINTS, "alarm": True}, csi_below=50.0, limit=1)


def test_waiting_count_and_model_csi(catalog):
    assert waiting_contacts(catalog) == len(FACTS) + 3  # f-own, f-busy-other, f-done-mine wait too
    assert model_csi(catalog, ["C-low", "b-pending", "nope"]) == {"C-low": 10.0}
