"""The review queue: risky contacts first, a seeded random share, never the same contact twice for a reviewer."""

from __future__ import annotations

import random

import pytest

from pipeline.review import actions
from pipeline.review.queue import Candidate, fill_queue, pick_for_review, review_candidates
from tests.pipeline.review.helpers import add_alarm, add_answers, add_contact, at

CANDIDATES = [
    Candidate("plain-1", "basic", csi=70.0),
    Candidate("negative", "basic", csi=65.0, negative=3),
    Candidate("low-csi", "basic", csi=31.0),
    Candidate("lower-csi", "basic", csi=22.0),
    Candidate("pending", "basic", csi=60.0, pending=2),
    Candidate("alarm", "basic", csi=80.0, alarms=1),
    Candidate("alarm-low-csi", "basic", csi=40.0, alarms=1),
    *[Candidate(f"plain-{n}", "basic", csi=None) for n in range(2, 9)],
]


def test_risky_contacts_come_first_by_their_reasons():
    picks = pick_for_review(CANDIDATES, n=6, rng=random.Random(0), random_share=0.0)
    assert [(p.contact_id, p.reason) for p in picks] == [
        ("alarm-low-csi", "alarm,low_csi"), ("alarm", "alarm"), ("pending", "pending"),
        ("lower-csi", "low_csi"), ("low-csi", "low_csi"), ("negative", "negative")]


def test_a_random_share_with_a_fixed_seed():
    picks = pick_for_review(CANDIDATES, n=5, rng=random.Random(42), random_share=0.4)
    assert [p.reason for p in picks[:3]] == ["alarm,low_csi", "alarm", "pending"]
    assert [p.reason for p in picks[3:]] == ["random", "random"]
    assert len({p.contact_id for p in picks}) == 5
    again = pick_for_review(list(reversed(CANDIDATES)), n=5, rng=random.Random(42), random_share=0.4)
    assert again == picks  # the same seed, whatever the order of the candidates
    others = {tuple(p.contact_id for p in pick_for_review(CANDIDATES, n=5, rng=random.Random(seed),
                                                          random_share=0.4)[3:]) for seed in range(20)}
    assert len(others) > 1  # and another seed draws others


def test_the_default_share_is_a_fifth():
    picks = pick_for_review(CANDIDATES, n=5, rng=random.Random(1))
    assert [p.reason for p in picks] == ["alarm,low_csi", "alarm", "pending", "low_csi", "random"]


def test_random_ones_fill_in_when_risky_ones_run_out():
    picks = pick_for_review(CANDIDATES[:3] + CANDIDATES[7:], n=6, rng=random.Random(3), random_share=0.0)
    assert [p.reason for p in picks] == ["low_csi", "negative"] + ["random"] * 4
    assert len(pick_for_review(CANDIDATES[:2], n=10, rng=random.Random(3))) == 2


def test_bad_options():
    with pytest.raises(ValueError, match="n=0; expected an integer >= 1"):
        pick_for_review(CANDIDATES, n=0, rng=random.Random(0))
    with pytest.raises(ValueError, match="random_share=1.5"):
        pick_for_review(CANDIDATES, n=1, rng=random.Random(0), random_share=1.5)
    with pytest.raises(ValueError, match="twice"):
        pick_for_review(CANDIDATES[:1] * 2, n=1, rng=random.Random(0))


@pytest.fixture
def store(review_store):
    catalog = review_store.catalog
    add_contact(catalog, "c-alarm", csi=70.0)
    add_alarm(catalog, "c-alarm")
    add_contact(catalog, "c-low", csi=35.0)
    add_contact(catalog, "c-neg", csi=60.0, customer_negative_turns=2)
    add_contact(catalog, "c-chat-neg", channel="chat", csi=62.0, customer_negative_messages=1)
    add_contact(catalog, "c-pending", csi=75.0)
    add_contact(catalog, "c-done", csi=10.0)
    add_contact(catalog, "c-own", operator="rev-1", csi=5.0)
    add_contact(catalog, "c-none")  # nothing to review
    for n in range(4):
        add_contact(catalog, f"c-plain-{n}", csi=80.0)
    for contact in ("c-alarm", "c-low", "c-neg", "c-chat-neg", "c-done", "c-own", *[f"c-plain-{n}" for n in range(4)]):
        add_answers(catalog, contact, {"greeting": 1, "farewell": 1})
    add_answers(catalog, "c-pending", {"greeting": 1})
    add_answers(catalog, "c-pending", {"polite": None}, state="pending")
    with catalog.engine.begin() as conn:  # already reviewed by someone
        from pipeline.catalog.schema import checklist_results
        conn.execute(checklist_results.update().where(checklist_results.c.contact_id == "c-done")
                     .values(state="reviewed", reviewer="rev-9"))
    return review_store


def test_candidates_and_their_risks(store):
    by = {c.contact_id: c for c in review_candidates(store, "rev-1")}
    assert "c-done" not in by and "c-own" not in by and "c-none" not in by
    assert (by["c-alarm"].alarms, by["c-neg"].negative, by["c-chat-neg"].negative, by["c-pending"].pending) == (1, 2, 1, 1)
    assert by["c-low"].csi == 35.0


def test_the_queue_picks_by_risk_and_records_why(store):
    queue = fill_queue(store, "rev-1", at=at(1), rng=random.Random(0), n=4, random_share=0.0)
    assert [(a.contact_id, a.reason) for a in queue] == [
        ("c-alarm", "alarm"), ("c-pending", "pending"), ("c-low", "low_csi"), ("c-neg", "negative")]
    assert sorted(store.catalog.review_assignments("rev-1"), key=queue.index) == queue
    assert fill_queue(store, "rev-1", at=at(2), rng=random.Random(0), n=4) == queue  # open: shown again, in order
    assert all(a.assigned_at == at(1) and a.checklist_id == "basic" for a in queue)


def test_never_the_same_contact_twice_for_a_reviewer(store):
    first = fill_queue(store, "rev-1", at=at(1), rng=random.Random(5), n=3)
    assert fill_queue(store, "rev-1", at=at(2), rng=random.Random(5), n=3) == first  # still open: the same queue
    seen = [a.contact_id for a in first]
    for round_ in range(5):
        for assignment in store.catalog.review_assignments("rev-1", open_only=True):
            for item in store.catalog.checklist_results(assignment.contact_id, state=["auto"]):
                actions.confirm(store, item.contact_id, item.item_id, reviewer="rev-1", at=at(10 + round_))
            pending = store.catalog.checklist_results(assignment.contact_id, state=["pending"])
            for item in pending:
                actions.override(store, item.contact_id, item.item_id, value=1.0, reviewer="rev-1",
                                 comment="fine", at=at(10 + round_))
        new = fill_queue(store, "rev-1", at=at(20 + round_), rng=random.Random(round_), n=3)
        assert not {a.contact_id for a in new} & set(seen)
        seen += [a.contact_id for a in new]
    assert len(seen) == len(set(seen)) == 9  # every contact with something to review (not its own), once
    assert fill_queue(store, "rev-1", at=at(99), rng=random.Random(0), n=3) == []


def test_another_reviewer_does_not_get_contacts_open_for_someone(store):
    mine = {a.contact_id for a in fill_queue(store, "rev-1", at=at(1), rng=random.Random(0), n=5)}
    theirs = {a.contact_id for a in fill_queue(store, "rev-2", at=at(1), rng=random.Random(0), n=5)}
    assert not mine & theirs and "c-own" in theirs


def test_a_random_share_is_recorded_as_random(store):
    queue = fill_queue(store, "rev-1", at=at(1), rng=random.Random(7), n=5, random_share=0.4)
    assert [a.reason for a in queue] == ["alarm", "pending", "low_csi", "random", "random"]
    held = {a.contact_id for a in queue}
    others = fill_queue(store, "rev-3", at=at(1), rng=random.Random(7), n=10, random_share=0.4)
    assert len(others) == 10 - 5 and not held & {a.contact_id for a in others}  # rev-1 holds those open
