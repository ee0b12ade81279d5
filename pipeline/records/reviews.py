"""The records of a review: what reviewers and operators did to checklist answers, and who reviews what.

The answers themselves are :class:`pipeline.records.checklists.ChecklistResult` (their ``state`` is where the
review stands).

Frozen dataclasses checked in ``__post_init__``, like the other records. A bad review
(an override without a comment, an unknown action) raises :class:`ReviewError`, a
``ValueError`` whose message says what was given and what is expected.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from pipeline.records.checks import check_aware

ReviewRole = Literal["reviewer", "operator", "system"]
ReviewActionName = Literal["confirm", "override", "comment", "acknowledge", "dispute", "resolve", "calibrate", "auto"]

ROLES: tuple[str, ...] = get_args(ReviewRole)
ACTIONS: tuple[str, ...] = get_args(ReviewActionName)
ROLE_OF_ACTION: Mapping[str, frozenset[str]] = {
    "confirm": frozenset({"reviewer"}), "override": frozenset({"reviewer"}), "resolve": frozenset({"reviewer"}),
    "calibrate": frozenset({"reviewer"}), "acknowledge": frozenset({"operator"}), "dispute": frozenset({"operator"}),
    "comment": frozenset({"reviewer", "operator"}), "auto": frozenset({"system"}),
}
"""Who may take each action. ``auto`` is written by the catalog itself: the automatic answer a
reviewer's first confirm or override replaced, kept for the record and for agreement figures."""
NEEDS_COMMENT: frozenset[str] = frozenset({"override", "dispute", "resolve", "comment"})
ANSWERS: frozenset[str] = frozenset({"auto", "confirm", "override", "resolve", "calibrate"})
"""Actions whose ``value`` is an answer to the item (None there means "not applicable")."""


class ReviewError(ValueError):
    """A review action that is not allowed: the message names the item, its state and what is allowed."""


def _check_value(value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value)):
        raise ReviewError(f"value={value!r}; expected a finite number, or None for 'not applicable'")


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One thing a reviewer, an operator (or the catalog, ``auto``) did to a checklist answer, at ``at``.

    ``value`` is the answer the action gives (override, resolve, calibrate; None = not
    applicable) or the one it saw (confirm, acknowledge, dispute). ``item_id`` is None only for a
    comment on the whole checklist of the contact.
    """

    contact_id: str
    checklist_id: str
    item_id: str | None
    actor: str
    role: ReviewRole
    action: ReviewActionName
    at: datetime
    value: float | None = None
    comment: str = ""
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ReviewError(f"action={self.action!r}; expected one of {list(ACTIONS)}")
        if self.role not in ROLES:
            raise ReviewError(f"role={self.role!r}; expected one of {list(ROLES)}")
        if self.role not in ROLE_OF_ACTION[self.action]:
            raise ReviewError(f"{self.action} is for {' or '.join(sorted(ROLE_OF_ACTION[self.action]))}; "
                              f"{self.actor!r} acts as {self.role}")
        if not self.actor or not self.actor.strip():
            raise ReviewError(f"{self.action}: who does it? expected a non-empty {self.role} name")
        if not self.contact_id or not self.checklist_id:
            raise ReviewError(f"{self.action}: expected a contact_id and a checklist_id")
        if self.item_id is None and self.action != "comment":
            raise ReviewError(f"{self.action} needs an item; only a comment may be about the whole checklist")
        if self.action in NEEDS_COMMENT and not self.comment.strip():
            raise ReviewError(f"{self.action} of {self.item_id or self.checklist_id!r} on contact {self.contact_id}: "
                              f"a comment is required (say why)")
        _check_value(self.value)
        check_aware("at", self.at, error=ReviewError)


@dataclass(frozen=True, slots=True)
class ReviewAssignment:
    """A contact handed to a reviewer from the review queue, and why (``alarm,low_csi``, ``random``, ...)."""

    contact_id: str
    reviewer: str
    checklist_id: str
    reason: str
    assigned_at: datetime
    done_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.reviewer or not self.reason:
            raise ReviewError("a review assignment needs a reviewer and a reason")
        if len(self.reason) > 64:
            raise ReviewError(f"reason={self.reason!r} is {len(self.reason)} characters; expected at most 64")
        check_aware("assigned_at", self.assigned_at, error=ReviewError)
        check_aware("done_at", self.done_at, error=ReviewError)
