"""Calibration on a hand-built session whose agreement figures are worked out by hand."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from features.agreement import fleiss_kappa
from pipeline.review import actions
from pipeline.review.calibration import calibration, calibration_report, review_pairs
from pipeline.records import ReviewEvent
from tests.pipeline.review.helpers import NA, add_answers, add_contact, at

GREETING = {"ann": [1, 0, 1, 0], "bob": [1, 0, 1, 1], "eve": [1, 0, 1, 0]}  # contacts c1..c4
POLITE = {"ann": [4, 5], "bob": [4, 3]}  # contacts c1, c2, on a 1-5 scale
RULE = {"greeting": [1, 1, 1, 0]}


def _calibrate(reviewer, contact, item, value, minutes=0):
    return ReviewEvent(contact_id=contact, checklist_id="basic", item_id=item, actor=reviewer, role="reviewer",
                       action="calibrate", at=at(minutes), value=value)


def _session() -> list[ReviewEvent]:
    events = [_calibrate("ann", "c4", "greeting", 1.0, minutes=-5)]  # changed her mind later: the 0 counts
    for item, answers in (("greeting", GREETING), ("polite", POLITE)):
        for reviewer, values in answers.items():
            events += [_calibrate(reviewer, f"c{n + 1}", item, float(v)) for n, v in enumerate(values)]
    events.append(_calibrate("cid", "c9", "greeting", 1.0))  # nobody else answered c9: not compared
    return events


def test_agreement_per_item_with_known_answers():
    report = calibration_report(_session())
    greeting, polite = report["items"]
    assert (greeting["item_id"], greeting["subjects"], greeting["ratings"], greeting["reviewers"]) == (
        "greeting", 4, 12, ["ann", "bob", "eve"])
    # c1-c3: all three agree (P=1); c4: 0, 1, 0 -> 1 of 3 pairs. P = (3 + 1/3) / 4
    assert greeting["percent_agreement"] == pytest.approx(100 * (3 + 1 / 3) / 4)
    # label shares 7/12 yes, 5/12 no: P_e = 74/144; kappa = (120/144 - 74/144) / (70/144)
    assert greeting["kappa"] == pytest.approx(46 / 70)
    assert greeting["weighted_kappa"] is None  # a yes/no item
    assert polite["percent_agreement"] == 50.0
    assert polite["weighted_kappa"] == pytest.approx(cohen_kappa_score([4, 5], [4, 3], weights="linear"))


def test_overall_pairs_and_contacts():
    report = calibration_report(_session())
    assert report["reviewers"] == ["ann", "bob", "cid", "eve"]
    assert report["contacts"] == 4
    overall = report["overall"]
    assert overall["subjects"] == 6
    pooled = [[1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 1, 0], [4, 4], [5, 3]]
    assert overall["kappa"] == pytest.approx(fleiss_kappa(pooled))
    assert overall["kappa"] == pytest.approx((13 / 18 - 80 / 256) / (1 - 80 / 256))  # P = 4.333/6, P_e = 80/256
    pairs = {tuple(p["reviewers"]): p for p in report["pairs"]}
    assert pairs[("ann", "eve")]["kappa"] == 1.0 and pairs[("ann", "eve")]["subjects"] == 4
    assert pairs[("ann", "bob")]["subjects"] == 6  # 4 greetings and 2 polite answers
    assert pairs[("ann", "bob")]["percent_agreement"] == pytest.approx(100 * 4 / 6)
    assert ("bob", "cid") not in pairs


def test_each_reviewer_against_the_rules():
    automatic = {("c1", "basic", "greeting"): 1.0, ("c2", "basic", "greeting"): 1.0,
                 ("c3", "basic", "greeting"): 1.0, ("c4", "basic", "greeting"): 0.0}
    report = calibration_report(_session(), automatic=automatic)
    by = {(r["reviewer"], r["basis"]): r for r in report["vs_automatic"]}
    # ann 1,0,1,0 vs rule 1,1,1,0: p_o 0.75; shares ann .5/.5, rule .75/.25 -> p_e 0.5, kappa 0.5
    assert by[("ann", "calibration")]["kappa"] == pytest.approx(0.5)
    assert by[("ann", "calibration")]["percent_agreement"] == 75.0
    assert by[("bob", "calibration")]["subjects"] == 4  # his polite answers have no automatic one
    assert ("cid", "calibration") not in by  # c9 has no automatic answer


def test_not_applicable_is_a_label_of_its_own():
    events = [_calibrate("ann", "c1", "offer", None), _calibrate("bob", "c1", "offer", None),
              _calibrate("ann", "c2", "offer", 1.0), _calibrate("bob", "c2", "offer", None)]
    [offer] = calibration_report(events)["items"]
    assert offer["percent_agreement"] == 50.0


def test_reviews_pair_the_kept_automatic_answer_with_the_first_review():
    def event(action, actor, value, item="greeting", role="reviewer", comment=""):
        return ReviewEvent(contact_id="c1", checklist_id="basic", item_id=item, actor=actor, role=role, action=action,
                           at=at(1), value=value, comment=comment)

    events = [event("auto", "rule", 1.0, role="system"), event("confirm", "ann", 1.0),
              event("auto", "rule", 0.0, item="farewell", role="system"),
              event("override", "ann", 1.0, item="farewell", comment="said bye"),
              event("override", "bob", 0.0, item="farewell", comment="no she did not")]  # a second look: not paired
    assert review_pairs(events) == {"ann": [(1.0, 1.0), (0.0, 1.0)]}
    report = calibration_report([], reviews=events)
    [ann] = report["vs_automatic"]
    assert (ann["reviewer"], ann["basis"], ann["subjects"], ann["percent_agreement"]) == ("ann", "reviews", 2, 50.0)


def test_an_empty_session():
    report = calibration_report([])
    assert report["reviewers"] == [] and report["items"] == [] and report["overall"]["kappa"] is None


def test_calibration_from_the_store(review_store):
    store = review_store
    for n in range(4):
        add_contact(store.catalog, f"c{n + 1}", operator="op-1")
        add_answers(store.catalog, f"c{n + 1}", {"greeting": RULE["greeting"][n]})
    for n in range(2):
        add_answers(store.catalog, f"c{n + 1}", {"polite": None}, state="pending")
    add_answers(store.catalog, "c1", {"offer": NA})
    minute = 0
    for item, answers in (("greeting", GREETING), ("polite", POLITE)):
        for reviewer, values in answers.items():
            for n, value in enumerate(values):
                minute += 1
                actions.calibrate(store, f"c{n + 1}", item, reviewer=reviewer, value=float(value), at=at(minute))
    before = store.catalog.checklist_results()
    # a reviewer overrides the rule on c4 in the workflow: the rule's 0 still counts as its answer
    actions.override(store, "c4", "greeting", value=1.0, reviewer="bob", comment="greeted late", at=at(100))
    report = calibration(store)
    assert report["items"][0]["kappa"] == pytest.approx(46 / 70)
    by = {(r["reviewer"], r["basis"]): r for r in report["vs_automatic"]}
    assert by[("ann", "calibration")]["kappa"] == pytest.approx(0.5)
    assert by[("bob", "reviews")]["subjects"] == 1 and by[("bob", "reviews")]["percent_agreement"] == 0.0
    assert calibration(store, until=at(50))["vs_automatic"] == [r for r in report["vs_automatic"]
                                                               if r["basis"] == "calibration"]
    assert calibration(store, since=at(200))["reviewers"] == []
    assert calibration(store, checklist_id="other")["items"] == []
    assert [r for r in store.catalog.checklist_results() if r.item_id != "greeting" or r.contact_id != "c4"] == \
        [r for r in before if r.item_id != "greeting" or r.contact_id != "c4"]
