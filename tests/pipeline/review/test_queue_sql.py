"""The queue picked in SQL is the rule's queue: the same contacts, reasons and order as ``pick_for_review``
over the candidates written out by hand, for many batch sizes, shares and seeds, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest

from pipeline.review.queue import Candidate, Pick, fill_queue, pick_for_review, pick_queue, review_candidates
from tests.pipeline.catalog.test_queue_query import FACTS, RANKED, REVIEWER, build
from tests.pipeline.review.helpers import at

BY_HAND = [Candidate(r.contact_id, r.checklist_id, csi=r.csi, alarms=r.alarms, negative=r.negative, pending=r.pending)
           for r in FACTS.values()]


@pytest.fixture
def store(review_store):
    build(review_store.catalog)
    return review_store


def test_the_candidates_are_those_written_by_hand(store):
    assert review_candidates(store, REVIEWER) == sorted(BY_HAND, key=lambda c: c.contact_id)


def test_risk_first_with_the_exact_reasons(store):
    picks = pick_queue(store, REVIEWER, n=12, rng=random.Random(0), random_share=0.0)
    assert [(p.contact_id, p.reason, p.points) for p in picks[:10]] == [
        ("a-alarm1-low", "alarm,low_csi", 6), ("a-alarm2", "alarm", 4), ("b-pending-neg", "pending,negative", 4),
        ("b-pending", "pending", 3), ("C-low", "low_csi", 2), ("c-low", "low_csi", 2), ("g-done-other", "low_csi", 2),
        ("d-neg-two-sets", "negative", 1), ("d-neg-float", "negative", 1), ("h-neg-none", "negative", 1)]
    assert [p.contact_id for p in picks[:10]] == RANKED
    # risky ones ran out: two drawn with the seed from the 7 left, sorted by id
    assert [(p.contact_id, p.reason, p.points) for p in picks[10:]] == [("p-2", "random", 0),
                                                                          ("d-neg-text", "random", 0)]


def test_the_random_share_is_drawn_as_the_rule_draws_it(store):
    picks = pick_queue(store, REVIEWER, n=5, rng=random.Random(42), random_share=0.4)
    assert [p.contact_id for p in picks[:3]] == RANKED[:3]
    assert picks == pick_for_review(BY_HAND, n=5, rng=random.Random(42), random_share=0.4)
    # drawn from all 14 not picked for risk, risky ones too; a random pick keeps its points
    assert picks[3:] == [Pick("g-done-other", "basic", "random", 2), Pick("b-pending", "basic", "random", 3)]


@pytest.mark.parametrize("n", [1, 3, 5, 10, 17, 30])
def test_the_same_picks_as_the_rule(store, n):
    for share in (0.0, 0.2, 0.5, 1.0):
        for seed in range(6):
            sql = pick_queue(store, REVIEWER, n=n, rng=random.Random(seed), random_share=share)
            rule = pick_for_review(BY_HAND, n=n, rng=random.Random(seed), random_share=share)
            assert sql == rule, (n, share, seed)
    assert len(pick_queue(store, REVIEWER, n=30, rng=random.Random(0))) == len(FACTS)


def test_a_threshold_moves_contacts_as_in_the_rule(store):
    for csi_below in (0.0, 45.0, 65.0, 100.0):
        assert pick_queue(store, REVIEWER, n=8, rng=random.Random(3), csi_below=csi_below) == pick_for_review(
            BY_HAND, n=8, rng=random.Random(3), csi_below=csi_below)


def test_bad_options_as_before(store):
    with pytest.raises(ValueError, match="n=0; expected an integer >= 1"):
        pick_queue(store, REVIEWER, n=0, rng=random.Random(0))
    with pytest.raises(ValueError, match="random_share=1.5"):
        pick_queue(store, REVIEWER, n=1, rng=random.Random(0), random_share=1.5)


def test_fill_queue_records_the_sql_picks_and_shows_them_again(store):
    queue = fill_queue(store, REVIEWER, at=at(1), rng=random.Random(9), n=6)
    expected = pick_for_review(BY_HAND, n=6, rng=random.Random(9))
    assert [(a.contact_id, a.reason, a.checklist_id) for a in queue] == [
        (p.contact_id, p.reason, p.checklist_id) for p in expected]
    assert [a.reason for a in queue] == ["alarm,low_csi", "alarm", "pending,negative", "pending", "low_csi", "random"]
    assert (queue[-1].contact_id, queue[-1].checklist_id) == ("e-multi", "Zed")
    assert fill_queue(store, REVIEWER, at=at(2), rng=random.Random(0), n=6) == queue  # open: the same, in order
    more = fill_queue(store, REVIEWER, at=at(3), rng=random.Random(0), n=8)
    assert more[:6] == queue and [a.contact_id for a in more[6:]] == ["c-low", "g-done-other"]
