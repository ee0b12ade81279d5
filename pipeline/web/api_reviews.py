"""Review actions over the API: confirm, override, acknowledge, dispute, resolve and comment on a contact's
checklist answers; the disputed answers; calibration answers and the agreement report.

``POST /api/contacts/{id}/review`` runs :func:`pipeline.web.review_calls.review_call` (the same as the
contact page's forms): 404 for a contact outside the caller's rights, 403 (with the reason) for an action
their role may not take, 409 when the answer's state does not allow it now, 422 for what was sent.
A calibration session is the calibrate answers in a time window (``since``/``until``), as in
:mod:`pipeline.review.calibration`: reviewers answer the same contacts on their own, nothing else changes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from pipeline.records import ReviewError
from pipeline.review import actions
from pipeline.review.calibration import calibration
from pipeline.users import User
from pipeline.web.api_contacts import visible_contact
from pipeline.web.auth import current_user, require_role
from pipeline.web.export import ExportFormat, table_response
from pipeline.web.review_calls import ReviewCall, ReviewCallError, review_call
from pipeline.web.review_lists import CALIBRATION_COLUMNS, DISPUTE_COLUMNS, calibration_item_rows, dispute_rows

router = APIRouter(prefix="/api", tags=["reviews"])
Reviewer = Annotated[User, Depends(require_role("reviewer", "admin"))]
ItemId = Annotated[str, Field(min_length=1, max_length=200)]
ChecklistId = Annotated[str | None, Field(default=None, min_length=1, max_length=200)]
Comment = Annotated[str, Field(max_length=4000)]


class ReviewBody(BaseModel):
    """One review action on one answer. ``value``: a number, or null for "not applicable"; needed by
    override, optional for resolve (absent: the answer keeps its value), ignored by the others."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["confirm", "override", "acknowledge", "dispute", "resolve", "comment"]
    item_id: ItemId
    checklist_id: ChecklistId = None
    value: float | None = None
    comment: Comment = ""


class CalibrationBody(BaseModel):
    """A reviewer's own answer to one item of a contact, in a calibration session (null: not applicable)."""

    model_config = ConfigDict(extra="forbid")
    contact_id: Annotated[str, Field(min_length=1, max_length=64)]
    item_id: ItemId
    value: float | None
    checklist_id: ChecklistId = None
    comment: Comment = ""


def _store(request: Request):
    return request.app.state.store


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise HTTPException(422, f"value={value!r}: expected a finite number, or null for not applicable")
    return value


@router.post("/contacts/{contact_id}/review", summary="Confirm, override, acknowledge, dispute, resolve or "
                                                      "comment on one checklist answer",
             responses={403: {"description": "the caller's role may not take this action (the reason)"},
                        404: {"description": "no such contact, or outside the caller's rights"},
                        409: {"description": "the answer's state does not allow the action now"},
                        422: {"description": "a value the item does not allow, a missing comment, no such item"}})
def post_review(request: Request, contact_id: str, body: ReviewBody,
                user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    contact = visible_contact(request, contact_id, user)
    value = _finite(body.value) if "value" in body.model_fields_set else actions.KEEP
    call = ReviewCall(action=body.action, item_id=body.item_id, comment=body.comment.strip(),
                      checklist_id=body.checklist_id, value=value)
    try:
        result = review_call(_store(request), user, contact, call, at=datetime.now(UTC))
    except ReviewCallError as error:
        raise HTTPException(error.status_code, error.message) from None
    return actions.result_document(result)


@router.get("/contacts/{contact_id}/review", summary="A contact's checklist answers, what may happen next to "
                                                     "each, its review history and assignments")
def get_review(request: Request, contact_id: str, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return actions.review_document(_store(request), visible_contact(request, contact_id, user))


@router.get("/disputes", summary="Answers an operator disputed, waiting for a reviewer's resolution "
                                 "(reviewers, admins; a supervisor: their team's)")
def get_disputes(request: Request, user: Annotated[User, Depends(require_role("reviewer", "admin", "supervisor"))],
                 format: ExportFormat = "json") -> Any:
    rows = dispute_rows(_store(request), user)
    if format != "json":
        try:
            return table_response(rows, fmt=format, filename="disputes", columns=DISPUTE_COLUMNS)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
    return {"items": [{**r, "started_at": r["started_at"].isoformat() if r["started_at"] else None,
                       "disputed_at": r["disputed_at"].isoformat() if r["disputed_at"] else None} for r in rows],
            "total": len(rows)}


@router.post("/calibration/answers", summary="A reviewer's calibration answer to one item of a contact "
                                             "(the contact's answers stay as they are)", status_code=201)
def post_calibration_answer(request: Request, body: CalibrationBody, user: Reviewer) -> dict[str, Any]:
    visible_contact(request, body.contact_id, user)
    store = _store(request)
    try:
        event = actions.calibrate(store, body.contact_id, body.item_id, reviewer=user.name,
                                  value=_finite(body.value), at=datetime.now(UTC), comment=body.comment.strip(),
                                  checklist_id=body.checklist_id)
    except ReviewError as error:
        raise HTTPException(422, str(error)) from None
    store.catalog.audit(user.user_id, "review.calibrate", body.contact_id,
                        {"item_id": body.item_id, "comment": body.comment, "value": body.value})
    return {"contact_id": event.contact_id, "checklist_id": event.checklist_id, "item_id": event.item_id,
            "reviewer": event.actor, "value": event.value, "comment": event.comment, "at": event.at.isoformat()}


@router.get("/calibration", summary="Agreement of reviewers' calibration answers in [since, until): kappa per "
                                    "item, overall, per pair of reviewers, each against the automatic answers")
def get_calibration(request: Request, user: Reviewer,
                    since: Annotated[datetime | None, Query(description="ISO 8601 with a timezone.")] = None,
                    until: Annotated[datetime | None, Query(description="ISO 8601 with a timezone.")] = None,
                    checklist_id: Annotated[str | None, Query(max_length=200)] = None,
                    format: ExportFormat = "json") -> Any:
    for name, when in (("since", since), ("until", until)):
        if when is not None and when.tzinfo is None:
            raise HTTPException(422, f"{name}={when.isoformat()}: expected a time with a timezone (…Z or +03:00)")
    report = calibration(_store(request), since=since, until=until, checklist_id=checklist_id)
    if format != "json":
        try:
            return table_response(calibration_item_rows(report), fmt=format, filename="calibration",
                                  columns=CALIBRATION_COLUMNS)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
    return report

