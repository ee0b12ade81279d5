"""Review actions through the store, on SQLite and the live PostgreSQL server: the answer, its history, atomicity."""

from __future__ import annotations

import pytest

from pipeline.review import actions
from pipeline.review.actions import KEEP
from pipeline.records import ReviewAssignment, ReviewError, ReviewEvent
from tests.pipeline.review.helpers import NA, add_answers, add_contact, at


@pytest.fixture
def store(review_store):
    add_contact(review_store.catalog, "c1", operator="op-1")
    add_answers(review_store.catalog, "c1", {"greeting": 1, "farewell": 0, "offer": NA})
    add_answers(review_store.catalog, "c1", {"polite": None}, state="pending")
    return review_store


def _answer(store, item: str, contact_id: str = "c1"):
    return actions.find_item(store, contact_id, item)


def _history(store, contact_id: str = "c1"):
    return [(e.item_id, e.actor, e.role, e.action, e.value, e.comment) for e in store.catalog.review_events(contact_id)]


def test_confirm_then_acknowledge(store):
    confirmed = actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    assert (confirmed.state, confirmed.value, confirmed.source, confirmed.reviewer) == ("reviewed", 1.0, "rule", "rev-1")
    assert _answer(store, "greeting") == confirmed
    assert confirmed.updated_at == at(1)
    [acknowledged] = actions.acknowledge(store, "c1", "greeting", operator="op-1", at=at(2), comment="thanks")
    assert acknowledged.state == "acknowledged" and _answer(store, "greeting").comment == "thanks"
    assert _history(store) == [
        ("greeting", "rule", "system", "auto", 1.0, ""),  # the automatic answer, kept
        ("greeting", "rev-1", "reviewer", "confirm", 1.0, ""),
        ("greeting", "op-1", "operator", "acknowledge", 1.0, "thanks"),
    ]
    with pytest.raises(ReviewError, match="is 'acknowledged'; override needs"):
        actions.override(store, "c1", "greeting", value=0.0, reviewer="rev-2", comment="no", at=at(3))


def test_override_dispute_resolve(store):
    overridden = actions.override(store, "c1", "farewell", value=1.0, reviewer="rev-1", at=at(1),
                                  comment="said goodbye over the hold music")
    assert (overridden.value, overridden.source, overridden.state) == (1.0, "reviewer", "reviewed")
    disputed = actions.dispute(store, "c1", "farewell", operator="op-1", comment="I did not", at=at(2))
    assert disputed.state == "disputed" and disputed.reviewer == "rev-1"
    resolved = actions.resolve(store, "c1", "farewell", reviewer="rev-2", comment="listened again: no farewell",
                               value=0.0, at=at(3))
    assert (resolved.state, resolved.value, resolved.source, resolved.reviewer) == ("resolved", 0.0, "reviewer", "rev-2")
    assert _answer(store, "farewell") == resolved
    assert [h[3] for h in _history(store)] == ["auto", "override", "dispute", "resolve"]
    assert _history(store)[0][4] == 0.0  # the rule said 0 before the override replaced it


def test_resolve_keeps_the_value_unless_given_one(store):
    actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    actions.dispute(store, "c1", "greeting", operator="op-1", comment="why check this", at=at(2))
    resolved = actions.resolve(store, "c1", "greeting", reviewer="rev-1", comment="it stands", value=KEEP, at=at(3))
    assert (resolved.value, resolved.source, resolved.state) == (1.0, "rule", "resolved")


def test_override_as_not_applicable_and_confirming_not_applicable(store):
    na = actions.override(store, "c1", "farewell", value=None, reviewer="rev-1", comment="call dropped", at=at(1))
    assert na.not_applicable and na.value is None
    confirmed = actions.confirm(store, "c1", "offer", reviewer="rev-1", at=at(1))
    assert confirmed.not_applicable and confirmed.state == "reviewed"
    assert [(e.item_id, e.action, e.value) for e in store.catalog.review_events("c1")
            if e.item_id == "offer"] == [("offer", "auto", None), ("offer", "confirm", None)]


def test_override_without_a_comment_is_refused_and_writes_nothing(store):
    with pytest.raises(ReviewError, match="override of 'greeting' on contact c1: a comment is required"):
        actions.override(store, "c1", "greeting", value=0.0, reviewer="rev-1", comment="", at=at(1))
    assert _answer(store, "greeting").state == "auto" and store.catalog.review_events() == []


def test_a_pending_item_is_answered_by_override(store):
    with pytest.raises(ReviewError, match="no answer to confirm"):
        actions.confirm(store, "c1", "polite", reviewer="rev-1", at=at(1))
    answered = actions.override(store, "c1", "polite", value=4.0, reviewer="rev-1", comment="calm, clear", at=at(1))
    assert (answered.state, answered.value, answered.source) == ("reviewed", 4.0, "reviewer")
    # no automatic answer to keep: the history holds only what the reviewer did
    assert [e.action for e in store.catalog.review_events("c1")] == ["override"]


def test_acknowledge_all_reviewed_answers_at_once(store):
    with pytest.raises(ReviewError, match="no answer of contact c1 is 'reviewed'"):
        actions.acknowledge(store, "c1", operator="op-1", at=at(1))
    actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    actions.confirm(store, "c1", "offer", reviewer="rev-1", at=at(1))
    done = actions.acknowledge(store, "c1", operator="op-1", at=at(2))
    assert sorted((d.item_id, d.state) for d in done) == [("greeting", "acknowledged"), ("offer", "acknowledged")]
    assert _answer(store, "farewell").state == "auto"


def test_a_batch_with_a_refused_event_writes_nothing(store):
    good = ReviewEvent(contact_id="c1", checklist_id="basic", item_id="greeting", actor="rev-1", role="reviewer",
                       action="confirm", at=at(1))
    bad = ReviewEvent(contact_id="c1", checklist_id="basic", item_id="farewell", actor="op-1", role="operator",
                      action="acknowledge", at=at(1))
    with pytest.raises(ReviewError, match="farewell.*is 'auto'; acknowledge needs 'reviewed'"):
        store.catalog.record_review([good, bad])
    assert _answer(store, "greeting").state == "auto" and store.catalog.review_events() == []


def test_comments_keep_the_state(store):
    commented = actions.comment(store, "c1", "greeting", actor="op-1", role="operator", comment="customer was rude",
                                at=at(1))
    assert commented.state == "auto" and commented.comment == "customer was rude"
    assert actions.comment(store, "c1", None, actor="rev-1", role="reviewer", comment="noisy line", at=at(2)) is None
    assert _history(store)[-1] == (None, "rev-1", "reviewer", "comment", None, "noisy line")


def test_people_checks_use_the_contacts_operator(store):
    actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    with pytest.raises(ReviewError, match="only its operator 'op-1' may dispute"):
        actions.dispute(store, "c1", "greeting", operator="op-9", comment="not me", at=at(2))
    with pytest.raises(ReviewError, match="'op-1' is its operator and may not review it"):
        actions.confirm(store, "c1", "farewell", reviewer="op-1", at=at(1))


def test_unknown_contacts_items_and_ambiguous_items(store):
    add_answers(store.catalog, "c1", {"greeting": 1}, checklist="sales")
    with pytest.raises(ReviewError, match="'greeting' of contact c1 is in checklists basic, sales; say which"):
        actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    assert actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1), checklist_id="sales").state == "reviewed"
    with pytest.raises(ReviewError, match="no item 'hello'; its items: farewell, greeting, offer, polite"):
        actions.confirm(store, "c1", "hello", reviewer="rev-1", at=at(1))
    with pytest.raises(ReviewError, match="contact c9 has no checklist answers"):
        actions.confirm(store, "c9", "greeting", reviewer="rev-1", at=at(1))


def test_calibration_answers_never_change_the_answers(store):
    before = store.catalog.checklist_results("c1")
    actions.calibrate(store, "c1", "greeting", reviewer="rev-1", value=0.0, at=at(1))
    actions.calibrate(store, "c1", "offer", reviewer="rev-2", value=None, at=at(2), comment="n/a here")
    assert store.catalog.checklist_results("c1") == before
    assert [(e.actor, e.item_id, e.value) for e in store.catalog.review_events(actions=["calibrate"])] == [
        ("rev-1", "greeting", 0.0), ("rev-2", "offer", None)]
    with pytest.raises(ReviewError, match="is its operator"):
        actions.calibrate(store, "c1", "greeting", reviewer="op-1", value=1.0, at=at(3))
    with pytest.raises(ReviewError, match="calibrate is not a workflow action"):
        store.catalog.record_review([ReviewEvent(contact_id="c1", checklist_id="basic", item_id="greeting",
                                                 actor="rev-1", role="reviewer", action="calibrate", at=at(3))])


def test_an_assignment_is_done_once_nothing_waits_for_a_reviewer(store):
    store.catalog.add_review_assignments([ReviewAssignment("c1", "rev-1", "basic", "alarm", at(0))])
    for item in ("greeting", "farewell", "offer"):
        actions.confirm(store, "c1", item, reviewer="rev-1", at=at(1))
    assert store.catalog.review_assignments("rev-1", open_only=True) != []  # polite still pending
    actions.override(store, "c1", "polite", value=5.0, reviewer="rev-2", comment="very polite", at=at(4))
    [assignment] = store.catalog.review_assignments("rev-1")
    assert assignment.done_at == at(4)


def test_review_events_filter_by_time_and_action(store):
    actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    actions.override(store, "c1", "farewell", value=1.0, reviewer="rev-1", comment="yes", at=at(10))
    assert [e.action for e in store.catalog.review_events(since=at(5))] == ["auto", "override"]
    assert [e.action for e in store.catalog.review_events(until=at(5))] == ["auto", "confirm"]
    assert [e.item_id for e in store.catalog.review_events(actions=["override"])] == ["farewell"]
    assert all(e.at.utcoffset().total_seconds() == 0 for e in store.catalog.review_events())


def test_review_document_says_what_may_happen_next(store):
    actions.confirm(store, "c1", "greeting", reviewer="rev-1", at=at(1))
    document = actions.review_document(store, store.catalog.get_contact("c1"))
    greeting = next(i for i in document["items"] if i["item_id"] == "greeting")
    assert greeting["next"] == {"reviewer": ["confirm", "override", "comment"],
                                "operator": ["acknowledge", "dispute", "comment"]}
    assert greeting["evidence"] == [{"note": "test"}]
    assert [e["action"] for e in document["events"]] == ["auto", "confirm"]
