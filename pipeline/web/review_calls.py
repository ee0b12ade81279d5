"""One review action by a signed-in user, for the API and the pages alike: who may do what, the call to
:mod:`pipeline.review.actions`, the HTTP status of a refusal, and the audit row.

- A contact outside the user's rights: 404 (the caller checks it first; it is checked here again).
- Reviewers and admins confirm, override, resolve and comment, as themselves (``user.name``).
- The contact's own operator acknowledges and disputes, under their operator id.
- Anyone else who may see the contact (a supervisor; an operator asking for a reviewer's action): 403.
- A refused action (:class:`~pipeline.records.ReviewError`): 409 when the answer's state does not allow
  it now, 422 for what was sent (a value the item does not allow, a missing comment, no such item).

Every success is written to the audit log as ``review.<action>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.records import ChecklistResult, ReviewError
from pipeline.records.review_states import TRANSITIONS
from pipeline.review import actions
from pipeline.users import User, can_see

if TYPE_CHECKING:
    from pipeline.records import Contact
    from pipeline.store import Store

REVIEWER_ACTIONS = ("confirm", "override", "resolve", "comment")
"""What reviewers and admins do to an answer."""
OPERATOR_ACTIONS = ("acknowledge", "dispute")
"""What the contact's own operator does to a review of it."""
REVIEW_ACTIONS = REVIEWER_ACTIONS[:2] + OPERATOR_ACTIONS + REVIEWER_ACTIONS[2:]
ACTING_ROLES = ("reviewer", "admin")
NA_WORDS = ("na", "n/a", "н/п")


class ReviewCallError(Exception):
    """A refused review call: ``status_code`` (403, 404, 409, 422) and the reason, for a person."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True, slots=True)
class ReviewCall:
    """What was asked: the action on one answer; ``value`` is :data:`actions.KEEP` when none was given
    (a resolution then keeps the answer's value), None for "not applicable"."""

    action: str
    item_id: str
    comment: str = ""
    checklist_id: str | None = None
    value: Any = actions.KEEP


def form_value(text: str | None) -> Any:
    """A value typed into a form: a number (comma or point), ``na`` for not applicable, nothing = KEEP.

    >>> form_value("1,5"), form_value(" NA "), form_value("") is actions.KEEP
    (1.5, None, True)
    >>> form_value("lots")
    Traceback (most recent call last):
    ...
    pipeline.web.review_calls.ReviewCallError: value 'lots': expected a number or na
    """
    text = (text or "").strip()
    if not text:
        return actions.KEEP
    if text.lower() in NA_WORDS:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ReviewCallError(422, f"value {text[:40]!r}: expected a number or na") from None


def refusal_for_role(user: User, contact: Contact, action: str) -> str | None:
    """Why ``user`` may not take ``action`` on ``contact`` (which they may see), or None when they may.

    >>> from pipeline.records import Contact
    >>> c = Contact(contact_id="c1", channel="chat", source="x", object_key="x", operator_id="op1")
    >>> refusal_for_role(User("u1", "olga", "operator", operator_id="op1"), c, "dispute") is None
    True
    >>> refusal_for_role(User("u1", "olga", "operator", operator_id="op1"), c, "confirm")
    "action 'confirm': expected acknowledge or dispute"
    """
    if user.role in ACTING_ROLES:
        if action in REVIEWER_ACTIONS:
            return None
        return f"action {action!r}: expected {', '.join(REVIEWER_ACTIONS[:-1])} or {REVIEWER_ACTIONS[-1]}"
    if user.role == "operator" and user.operator_id and contact.operator_id == user.operator_id:
        if action in OPERATOR_ACTIONS:
            return None
        return f"action {action!r}: expected acknowledge or dispute"
    return f"a {user.role} may not {action} answers of contact {contact.contact_id}; reviewers and admins review, " \
           f"its operator acknowledges or disputes"


def _apply(store: Store, user: User, contact_id: str, call: ReviewCall, at: datetime) -> ChecklistResult:
    kw: dict[str, Any] = {"at": at, "checklist_id": call.checklist_id}
    item_id, comment = call.item_id, call.comment
    match call.action:
        case "confirm":
            return actions.confirm(store, contact_id, item_id, reviewer=user.name, comment=comment, **kw)
        case "override":
            if call.value is actions.KEEP:
                raise ReviewError("override needs a value (a number, or null / na for not applicable)")
            return actions.override(store, contact_id, item_id, value=call.value, reviewer=user.name,
                                    comment=comment, **kw)
        case "resolve":
            return actions.resolve(store, contact_id, item_id, reviewer=user.name, comment=comment,
                                   value=call.value, **kw)
        case "comment":
            found = actions.comment(store, contact_id, item_id, actor=user.name, role="reviewer", comment=comment,
                                    **kw)
            assert found is not None  # an item was named
            return found
        case "acknowledge":
            [done] = actions.acknowledge(store, contact_id, item_id, operator=user.operator_id, comment=comment,
                                         **kw)
            return done
        case "dispute":
            return actions.dispute(store, contact_id, item_id, operator=user.operator_id, comment=comment, **kw)
    raise ReviewError(f"action {call.action!r}: expected one of {', '.join(REVIEW_ACTIONS)}")


def _status_of(store: Store, contact_id: str, call: ReviewCall) -> int:
    """409 when the answer's state does not allow the action now, else 422 (something sent was wrong)."""
    try:
        item = actions.find_item(store, contact_id, call.item_id, checklist_id=call.checklist_id)
    except ReviewError:
        return 422
    starts = TRANSITIONS.get(call.action, (frozenset(), None))[0]
    return 409 if item.state not in starts else 422


def review_call(store: Store, user: User, contact: Contact, call: ReviewCall, *, at: datetime) -> ChecklistResult:
    """Do ``call`` on ``contact`` as ``user`` and audit it; the answer as it is after.
    :class:`ReviewCallError` (nothing written) when it is refused."""
    if not can_see(user, contact):
        raise ReviewCallError(404, f"no contact {contact.contact_id!r}")
    why = refusal_for_role(user, contact, call.action)
    if why is not None:
        raise ReviewCallError(403, why)
    try:
        result = _apply(store, user, contact.contact_id, call, at)
    except ReviewError as error:
        raise ReviewCallError(_status_of(store, contact.contact_id, call), str(error)) from None
    value = None if call.value is actions.KEEP else call.value
    store.catalog.audit(user.user_id, f"review.{call.action}", contact.contact_id,
                        {"item_id": call.item_id, "comment": call.comment, "value": value})
    return result
