"""The review states of a checklist answer and the one pure step from one to the next (no store, no clock).

::

    auto ─┐                          ┌─ acknowledge (operator) ─> acknowledged
          ├─ confirm | override ─> reviewed
    pending┘   (reviewer)            └─ dispute (operator, comment) ─> disputed ─ resolve (reviewer, comment) ─> resolved

- ``auto``: answered by a rule or model, nobody looked yet; ``pending``: waiting for a reviewer
  (the rule could not decide, or the item needs a person).
- A reviewer may confirm or override again while the answer is ``reviewed`` (before the
  operator has acted on it). ``acknowledged`` and ``resolved`` are final.
- An override gives a new value (None: not applicable) and needs a comment; the answer's
  source becomes ``reviewer``. A resolution may keep the value or change it.
- ``comment`` (reviewer or operator, any state) leaves the state as it is.
- The contact's own operator acknowledges and disputes; nobody reviews their own contact.

Why this is a record fact and not part of :mod:`pipeline.review`: like the checks of
:class:`~pipeline.records.reviews.ReviewEvent` (who may take which action, which need a comment),
these are the rules every :class:`~pipeline.records.checklists.ChecklistResult` obeys wherever it is
changed. The catalog (:meth:`pipeline.catalog.Catalog.record_review`) must apply them inside the
transaction that locks the answer, so that two people acting on the same answer at once cannot both
succeed; it can only do so from the floor it stands on. It calls :func:`next_item` and
:func:`recorded_events` and writes what they return; it decides nothing itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import get_args

from pipeline.records.checklists import AUTOMATIC_STATES, CHECKLIST_STATES, ChecklistResult, ChecklistState
from pipeline.records.reviews import ROLE_OF_ACTION, ReviewError, ReviewEvent

STATES: tuple[str, ...] = get_args(ChecklistState)
FIRST_REVIEW = AUTOMATIC_STATES
"""States in which no reviewer has looked at the answer yet."""
REVIEWED = frozenset({"reviewed", "acknowledged", "disputed", "resolved"})
"""States in which a reviewer has looked at the answer."""
TRANSITIONS: Mapping[str, tuple[frozenset[str], str | None]] = {
    "confirm": (frozenset({"auto", "pending", "reviewed"}), "reviewed"),
    "override": (frozenset({"auto", "pending", "reviewed"}), "reviewed"),
    "acknowledge": (frozenset({"reviewed"}), "acknowledged"),
    "dispute": (frozenset({"reviewed"}), "disputed"),
    "resolve": (frozenset({"disputed"}), "resolved"),
    "comment": (frozenset(STATES), None),
}
"""``action: (states it may start from, state it leads to)``; None keeps the state."""


def allowed_actions(state: str, role: str | None = None) -> list[str]:
    """The workflow actions possible in ``state`` (for ``role`` only, when given), in workflow order.

    >>> allowed_actions("reviewed", "operator")
    ['acknowledge', 'dispute', 'comment']
    """
    if state not in CHECKLIST_STATES:
        raise ReviewError(f"state={state!r}; expected one of {list(STATES)}")
    return [action for action, (starts, _) in TRANSITIONS.items()
            if state in starts and (role is None or role in ROLE_OF_ACTION[action])]


def item_key(item: ChecklistResult) -> tuple[str, str, str]:
    """``(contact_id, checklist_id, item_id)``"""
    return (item.contact_id, item.checklist_id, item.item_id)


def answer_of(item: ChecklistResult) -> float | None:
    """The answer's value as reviews record it: None when the item does not apply."""
    return None if item.not_applicable else item.value


def _name(item: ChecklistResult) -> str:
    return f"item {item.item_id!r} of checklist {item.checklist_id!r} on contact {item.contact_id}"


def check_people(event: ReviewEvent, *, operator_id: str | None) -> None:
    """Only the contact's operator answers a review of it; nobody reviews their own contact."""
    if operator_id is None:
        return
    if event.role == "operator" and event.actor != operator_id:
        raise ReviewError(f"{event.action} on contact {event.contact_id}: only its operator {operator_id!r} may "
                          f"{event.action}; got {event.actor!r}")
    if event.role == "reviewer" and event.actor == operator_id:
        raise ReviewError(f"{event.action} on contact {event.contact_id}: {event.actor!r} is its operator and may "
                          f"not review it")


def next_item(item: ChecklistResult, event: ReviewEvent, *, operator_id: str | None = None) -> ChecklistResult:
    """The answer after ``event``; :class:`ReviewError` says why when the event is not allowed.

    ``operator_id`` is the contact's operator, if known (see :func:`check_people`).
    """
    if (event.contact_id, event.checklist_id, event.item_id) != item_key(item):
        raise ReviewError(f"{event.action} names item {event.item_id!r} of checklist {event.checklist_id!r} on "
                          f"contact {event.contact_id}; expected {_name(item)}")
    if event.action not in TRANSITIONS:
        raise ReviewError(f"{event.action} is not a workflow action; expected one of {list(TRANSITIONS)}")
    check_people(event, operator_id=operator_id)
    starts, state = TRANSITIONS[event.action]
    if item.state not in starts:
        allowed = allowed_actions(item.state)
        raise ReviewError(f"{event.action}: {_name(item)} is {item.state!r}; {event.action} needs "
                          f"{' or '.join(repr(s) for s in sorted(starts))}. Allowed now: "
                          f"{', '.join(allowed) if allowed else 'comment only'}")
    changes: dict = {"state": state or item.state, "updated_at": event.at}
    if event.comment.strip():
        changes["comment"] = event.comment
    if event.action == "confirm" and item.value is None and not item.not_applicable:
        raise ReviewError(f"confirm: {_name(item)} has no answer to confirm; override it with a value "
                          f"(or as not applicable) and a comment")
    if event.role == "reviewer" and event.action != "comment":
        changes["reviewer"] = event.actor
    if event.action in ("override", "resolve"):
        changes.update(value=event.value, not_applicable=event.value is None)
        if event.action == "override" or event.value != answer_of(item):
            changes["source"] = "reviewer"
    return dataclasses.replace(item, **changes)


def recorded_events(item: ChecklistResult, event: ReviewEvent, new: ChecklistResult) -> list[ReviewEvent]:
    """The ``review_events`` rows that ``event`` leaves when it turns ``item`` into ``new``.

    ``event`` itself, with the answer it gave or saw as its ``value``; before it, on the first confirm
    or override of an automatic answer, that answer kept as an ``auto`` event (role ``system``, actor
    its source), since the review replaces it in ``checklist_results``.
    """
    recorded = [dataclasses.replace(event, value=answer_of(new))]
    if (event.action in ("confirm", "override") and item.state in FIRST_REVIEW
            and item.source != "reviewer" and (item.value is not None or item.not_applicable)):
        kept = ReviewEvent(contact_id=item.contact_id, checklist_id=item.checklist_id, item_id=item.item_id,
                           actor=item.source, role="system", action="auto", at=event.at, value=answer_of(item))
        recorded.insert(0, kept)
    return recorded
