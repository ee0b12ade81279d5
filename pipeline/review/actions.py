"""What reviewers and operators do to a contact's checklist answers, through the store.

Each function builds the :class:`ReviewEvent` and has the catalog apply it (rules in
:mod:`pipeline.records.review_states`); a refused action raises :class:`ReviewError` and writes nothing.
``at`` is always passed in: the command line reads the clock, nothing below it does.

A checklist's form score is not recomputed here: after an override or a resolution changes a
value, the checklist scorer (``pipeline.checklists``) recomputes the ``checklist:<id>`` score from
the answers (:meth:`Catalog.checklist_results`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.records import ChecklistResult, ReviewError, ReviewEvent
from pipeline.records.review_states import allowed_actions, answer_of
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.records import Contact
    from pipeline.store import Store


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
"""``resolve(value=KEEP)``: the resolution keeps the answer's value."""


def find_item(store: Store, contact_id: str, item_id: str, *, checklist_id: str | None = None) -> ChecklistResult:
    """The contact's answer to ``item_id`` (of ``checklist_id``, needed only when two checklists share the item)."""
    items = store.catalog.checklist_results(contact_id, checklist_id)
    if not items:
        where = f" of checklist {checklist_id!r}" if checklist_id else ""
        raise ReviewError(f"contact {contact_id} has no checklist answers{where} to review")
    found = [i for i in items if i.item_id == item_id]
    if not found:
        raise ReviewError(f"contact {contact_id} has no item {item_id!r}; its items: "
                          f"{', '.join(sorted({i.item_id for i in items}))}")
    if len(found) > 1:
        raise ReviewError(f"item {item_id!r} of contact {contact_id} is in checklists "
                          f"{', '.join(i.checklist_id for i in found)}; say which (--checklist)")
    return found[0]


def _check_value(item: ChecklistResult, value: float | None, settings: Settings) -> None:
    """A reviewer's value must be an answer the checklist item allows (None: N/A, where allowed)."""
    from pipeline.checklists.stage import checklist_by_id

    checklist = checklist_by_id(settings, item.checklist_id)
    schema = next((i for i in checklist.items if i.id == item.item_id), None) if checklist else None
    if schema is None:
        return  # the checklist is no longer configured: nothing to check against
    if value is None:
        if not schema.na_allowed:
            raise ReviewError(f"item {item.item_id}: not applicable is not allowed for this item")
        return
    try:
        schema.check_answer(value)
    except ValueError as error:
        raise ReviewError(str(error)) from None


def _act(store: Store, item: ChecklistResult, *, actor: str, role: str, action: str, at: datetime,
         value: float | None = None, comment: str = "") -> ChecklistResult:
    from pipeline.checklists.stage import rescore

    settings = Settings()
    if action in ("override", "resolve"):
        _check_value(item, value, settings)
    event = ReviewEvent(contact_id=item.contact_id, checklist_id=item.checklist_id, item_id=item.item_id,
                        actor=actor, role=role, action=action, at=at, value=value, comment=comment)
    [updated] = store.catalog.record_review([event])
    if action in ("confirm", "override", "resolve"):
        rescore(store, item.contact_id, item.checklist_id, settings)  # the form total follows the reviewed answers
    return updated


def confirm(store: Store, contact_id: str, item_id: str, *, reviewer: str, at: datetime, comment: str = "",
            checklist_id: str | None = None) -> ChecklistResult:
    """The reviewer agrees with the answer as it is: ``auto``/``pending``/``reviewed`` -> ``reviewed``."""
    item = find_item(store, contact_id, item_id, checklist_id=checklist_id)
    return _act(store, item, actor=reviewer, role="reviewer", action="confirm", at=at, comment=comment)


def override(store: Store, contact_id: str, item_id: str, *, value: float | None, reviewer: str, comment: str,
             at: datetime, checklist_id: str | None = None) -> ChecklistResult:
    """The reviewer gives another value (None: not applicable), saying why: -> ``reviewed``, source ``reviewer``."""
    item = find_item(store, contact_id, item_id, checklist_id=checklist_id)
    return _act(store, item, actor=reviewer, role="reviewer", action="override", at=at, value=value, comment=comment)


def comment(store: Store, contact_id: str, item_id: str | None, *, actor: str, role: str, comment: str,
            at: datetime, checklist_id: str | None = None) -> ChecklistResult | None:
    """A remark by a reviewer or the operator, on one answer or (``item_id=None``) the whole checklist;
    the state stays as it is."""
    if item_id is not None:
        item = find_item(store, contact_id, item_id, checklist_id=checklist_id)
        return _act(store, item, actor=actor, role=role, action="comment", at=at, comment=comment)
    checklists = sorted({i.checklist_id for i in store.catalog.checklist_results(contact_id)})
    if checklist_id is None and len(checklists) != 1:
        raise ReviewError(f"comment on contact {contact_id}: " + (
            "it has no checklist answers" if not checklists else f"say which checklist ({', '.join(checklists)})"))
    store.catalog.record_review([ReviewEvent(contact_id=contact_id, checklist_id=checklist_id or checklists[0],
                                             item_id=None, actor=actor, role=role, action="comment", at=at,
                                             comment=comment)])
    return None


def acknowledge(store: Store, contact_id: str, item_id: str | None = None, *, operator: str, at: datetime,
                comment: str = "", checklist_id: str | None = None) -> list[ChecklistResult]:
    """The operator accepts the review: one answer, or every ``reviewed`` answer of the contact
    (of ``checklist_id``) at once. -> ``acknowledged``."""
    if item_id is not None:
        items = [find_item(store, contact_id, item_id, checklist_id=checklist_id)]
    else:
        items = store.catalog.checklist_results(contact_id, checklist_id, state="reviewed")
        if not items:
            raise ReviewError(f"acknowledge: no answer of contact {contact_id} is 'reviewed'; "
                              f"`cxmon review show {contact_id}` shows where each stands")
    return store.catalog.record_review([
        ReviewEvent(contact_id=i.contact_id, checklist_id=i.checklist_id, item_id=i.item_id, actor=operator,
                    role="operator", action="acknowledge", at=at, comment=comment) for i in items])


def dispute(store: Store, contact_id: str, item_id: str, *, operator: str, comment: str, at: datetime,
            checklist_id: str | None = None) -> ChecklistResult:
    """The operator disagrees with a reviewed answer, saying why: ``reviewed`` -> ``disputed``."""
    item = find_item(store, contact_id, item_id, checklist_id=checklist_id)
    return _act(store, item, actor=operator, role="operator", action="dispute", at=at, comment=comment)


def resolve(store: Store, contact_id: str, item_id: str, *, reviewer: str, comment: str, at: datetime,
            value: float | None = KEEP, checklist_id: str | None = None) -> ChecklistResult:
    """A reviewer settles a dispute, saying how; keeps the value unless given one (None: not applicable).
    ``disputed`` -> ``resolved``."""
    item = find_item(store, contact_id, item_id, checklist_id=checklist_id)
    return _act(store, item, actor=reviewer, role="reviewer", action="resolve", at=at, comment=comment,
                value=answer_of(item) if value is KEEP else value)


def calibrate(store: Store, contact_id: str, item_id: str, *, reviewer: str, value: float | None, at: datetime,
              comment: str = "", checklist_id: str | None = None) -> ReviewEvent:
    """A reviewer's answer in a calibration session (None: not applicable); the contact's answers stay as
    they are. See :mod:`pipeline.review.calibration`."""
    item = find_item(store, contact_id, item_id, checklist_id=checklist_id)
    event = ReviewEvent(contact_id=item.contact_id, checklist_id=item.checklist_id, item_id=item.item_id,
                        actor=reviewer, role="reviewer", action="calibrate", at=at, value=value, comment=comment)
    store.catalog.add_calibration_answers([event])
    return event


def result_document(result: ChecklistResult) -> dict[str, Any]:
    """A checklist answer as plain JSON."""
    return {**asdict(result), "evidence": [dict(e) for e in result.evidence],
            "updated_at": result.updated_at.isoformat() if result.updated_at else None}


def review_document(store: Store, contact: Contact) -> dict[str, Any]:
    """A contact's checklist answers, where each stands and what may happen next, its review history and
    assignments: what `cxmon review show` prints."""
    csi = [s.value for s in store.catalog.scores(contact.contact_id, name="csi") if s.source == "model"]
    return {
        "contact": {"contact_id": contact.contact_id, "channel": contact.channel, "operator_id": contact.operator_id,
                    "started_at": contact.started_at.isoformat() if contact.started_at else None,
                    "csi": csi[0] if csi else None},
        "items": [{**result_document(i), "next": {"reviewer": allowed_actions(i.state, "reviewer"),
                                                  "operator": allowed_actions(i.state, "operator")}}
                  for i in store.catalog.checklist_results(contact.contact_id)],
        "events": [{**asdict(e), "at": e.at.isoformat()} for e in store.catalog.review_events(contact.contact_id)],
        "assignments": [{**asdict(a), "assigned_at": a.assigned_at.isoformat(),
                         "done_at": a.done_at.isoformat() if a.done_at else None}
                        for a in store.catalog.review_assignments(contact_id=contact.contact_id)],
    }
