"""The review state machine: every transition, the refused ones, and who may do what (pure, no store)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from pipeline.records import CHECKLIST_STATES, ChecklistResult
from pipeline.records import ReviewError, ReviewEvent
from pipeline.records.review_states import STATES, TRANSITIONS, allowed_actions, next_item
from tests.pipeline.review.helpers import T0, at


def _item(state: str = "auto", value: float | None = 1.0, **kwargs) -> ChecklistResult:
    return ChecklistResult("c1", "basic", "greeting", value, kwargs.pop("source", "rule"), state=state,
                           updated_at=T0, **kwargs)


def _event(action: str, role: str = "reviewer", actor: str = "rev-1", **kwargs) -> ReviewEvent:
    return ReviewEvent(contact_id="c1", checklist_id="basic", item_id=kwargs.pop("item_id", "greeting"), actor=actor,
                       role=role, action=action, at=kwargs.pop("at", at(5)), **kwargs)


def test_the_states_are_those_of_checklist_results():
    assert set(STATES) == CHECKLIST_STATES


@pytest.mark.parametrize(("state", "role", "allowed"), [
    ("auto", "reviewer", ["confirm", "override", "comment"]),
    ("pending", "reviewer", ["confirm", "override", "comment"]),
    ("reviewed", "reviewer", ["confirm", "override", "comment"]),
    ("reviewed", "operator", ["acknowledge", "dispute", "comment"]),
    ("auto", "operator", ["comment"]),
    ("disputed", "reviewer", ["resolve", "comment"]),
    ("disputed", "operator", ["comment"]),
    ("acknowledged", "reviewer", ["comment"]),
    ("resolved", "operator", ["comment"]),
])
def test_allowed_actions(state, role, allowed):
    assert allowed_actions(state, role) == allowed


@pytest.mark.parametrize(("state", "event", "expected"), [
    ("auto", _event("confirm"), "reviewed"),
    ("pending", _event("confirm"), "reviewed"),
    ("reviewed", _event("confirm", actor="rev-2"), "reviewed"),
    ("auto", _event("override", value=0.0, comment="no greeting at all"), "reviewed"),
    ("pending", _event("override", value=0.0, comment="no greeting"), "reviewed"),
    ("reviewed", _event("override", value=0.0, comment="second look"), "reviewed"),
    ("reviewed", _event("acknowledge", role="operator", actor="op-1"), "acknowledged"),
    ("reviewed", _event("dispute", role="operator", actor="op-1", comment="I did greet"), "disputed"),
    ("disputed", _event("resolve", value=1.0, comment="heard it at 0:03"), "resolved"),
    *[(state, _event("comment", comment="note"), state) for state in STATES],
    *[(state, _event("comment", role="operator", actor="op-1", comment="note"), state) for state in STATES],
])
def test_every_allowed_transition(state, event, expected):
    item = _item(state)
    after = next_item(item, event, operator_id="op-1")
    assert after.state == expected
    assert after.updated_at == event.at
    assert (after.contact_id, after.checklist_id, after.item_id) == ("c1", "basic", "greeting")


ALL_EVENTS = {
    "confirm": _event("confirm"),
    "override": _event("override", value=0.0, comment="why"),
    "acknowledge": _event("acknowledge", role="operator", actor="op-1"),
    "dispute": _event("dispute", role="operator", actor="op-1", comment="why"),
    "resolve": _event("resolve", value=1.0, comment="why"),
}


@pytest.mark.parametrize(("state", "action"), [
    (state, action) for state in STATES for action in ALL_EVENTS if state not in TRANSITIONS[action][0]
])
def test_every_refused_transition_says_the_state_and_what_is_allowed(state, action):
    with pytest.raises(ReviewError) as refused:
        next_item(_item(state), ALL_EVENTS[action], operator_id="op-1")
    message = str(refused.value)
    assert f"is {state!r}" in message and f"{action} needs" in message
    assert "Allowed now: " + ", ".join(allowed_actions(state)) in message


def test_refused_transitions_are_exactly_the_ones_outside_the_diagram():
    refused = {(s, a) for s in STATES for a in ALL_EVENTS if s not in TRANSITIONS[a][0]}
    assert ("acknowledged", "override") in refused and ("resolved", "resolve") in refused
    assert ("auto", "acknowledge") in refused and ("reviewed", "resolve") in refused
    assert ("disputed", "confirm") in refused and ("disputed", "acknowledge") in refused
    assert len(refused) == 6 * 5 - (3 + 3 + 1 + 1 + 1)  # confirm, override from 3 states; the others from 1


def test_override_sets_value_source_reviewer_and_comment():
    after = next_item(_item("auto", 1.0), _event("override", value=0.0, comment="the greeting was cut off"))
    assert (after.value, after.source, after.reviewer, after.comment, after.not_applicable) == (
        0.0, "reviewer", "rev-1", "the greeting was cut off", False)


def test_override_to_not_applicable():
    after = next_item(_item("auto", 1.0), _event("override", value=None, comment="transferred before greeting"))
    assert after.value is None and after.not_applicable and after.source == "reviewer"


def test_confirm_keeps_the_automatic_value_and_source():
    after = next_item(_item("auto", 1.0), _event("confirm"))
    assert (after.value, after.source, after.reviewer) == (1.0, "rule", "rev-1")


def test_resolve_keeping_the_value_keeps_the_source():
    item = _item("disputed", 1.0)
    assert next_item(item, _event("resolve", value=1.0, comment="stands")).source == "rule"
    changed = next_item(item, _event("resolve", value=0.0, comment="operator was right"))
    assert (changed.value, changed.source, changed.state) == (0.0, "reviewer", "resolved")


def test_operator_actions_do_not_change_the_value_or_reviewer():
    item = _item("reviewed", 1.0, reviewer="rev-1", comment="good")
    after = next_item(item, _event("acknowledge", role="operator", actor="op-1"), operator_id="op-1")
    assert (after.value, after.reviewer, after.comment) == (1.0, "rev-1", "good")  # no comment given: kept
    disputed = next_item(item, _event("dispute", role="operator", actor="op-1", comment="I did"), operator_id="op-1")
    assert (disputed.reviewer, disputed.comment) == ("rev-1", "I did")


def test_nothing_to_confirm_on_a_pending_item_without_a_value():
    with pytest.raises(ReviewError, match="no answer to confirm; override it with a value"):
        next_item(_item("pending", None), _event("confirm"))
    confirmed_na = next_item(_item("auto", None, not_applicable=True), _event("confirm"))
    assert confirmed_na.not_applicable and confirmed_na.state == "reviewed"


@pytest.mark.parametrize("action", ["override", "dispute", "resolve", "comment"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_actions_that_need_a_reason_refuse_an_empty_comment(action, comment):
    role, actor = ("operator", "op-1") if action == "dispute" else ("reviewer", "rev-1")
    with pytest.raises(ReviewError, match="a comment is required"):
        _event(action, role=role, actor=actor, value=0.0, comment=comment)


@pytest.mark.parametrize(("action", "role", "message"), [
    ("confirm", "operator", "confirm is for reviewer"),
    ("acknowledge", "reviewer", "acknowledge is for operator"),
    ("auto", "reviewer", "auto is for system"),
])
def test_each_action_belongs_to_a_role(action, role, message):
    with pytest.raises(ReviewError, match=message):
        _event(action, role=role, comment="x")


def test_only_the_contacts_operator_answers_and_nobody_reviews_their_own_contact():
    with pytest.raises(ReviewError, match="only its operator 'op-1' may acknowledge; got 'op-2'"):
        next_item(_item("reviewed"), _event("acknowledge", role="operator", actor="op-2"), operator_id="op-1")
    with pytest.raises(ReviewError, match="'op-1' is its operator and may not review it"):
        next_item(_item("auto"), _event("confirm", actor="op-1"), operator_id="op-1")
    # a contact without an operator: nobody to check against
    assert next_item(_item("reviewed"), _event("acknowledge", role="operator", actor="op-2")).state == "acknowledged"


def test_bad_events_are_refused_where_they_are_made():
    with pytest.raises(ReviewError, match="has no timezone"):
        _event("confirm", at=datetime(2026, 11, 16, 10, 0))
    with pytest.raises(ReviewError, match="expected a finite number"):
        _event("override", value=float("nan"), comment="x")
    with pytest.raises(ReviewError, match="action='approve'"):
        _event("approve")
    with pytest.raises(ReviewError, match="only a comment may be about the whole checklist"):
        _event("confirm", item_id=None)
    with pytest.raises(ReviewError, match="expected a non-empty reviewer name"):
        _event("confirm", actor=" ")


def test_an_event_for_another_item_is_refused():
    with pytest.raises(ReviewError, match="names item 'farewell'"):
        next_item(_item(), _event("confirm", item_id="farewell"))


def test_the_answer_is_a_new_record():
    item = _item()
    after = next_item(item, _event("confirm"))
    assert item.state == "auto" and after == dataclasses.replace(item, state="reviewed", reviewer="rev-1",
                                                                  updated_at=at(5))
