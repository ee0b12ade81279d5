"""Mystery shopper evaluations over the API: ``POST /api/mystery`` (reviewers, admins) and ``GET /api/mystery``.

A posted evaluation is checked against the site's checklists like an imported file (422 naming the item
or the field at fault), scored by the checklist's scoring, stored apart from the automatic answers
(:mod:`pipeline.mystery`) and written to the audit log. The list is every evaluation for reviewers and
admins, a supervisor's team's, an operator's own; each is marked ``"kind": "mystery"``; ``format=csv``
or ``xlsx`` downloads it as a file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from pipeline.mystery.evaluation import MysteryError, evaluation_of
from pipeline.mystery.store import LIST_COLUMNS, put_evaluations, stored_evaluations
from pipeline.users import User
from pipeline.web.auth import current_user, require_role
from pipeline.web.export import ExportFormat, table_response

router = APIRouter(prefix="/api", tags=["mystery"])
MAX_ANSWERS = 200
Answer = bool | int | float | str | None
Short = Annotated[str | None, Field(default=None, min_length=1, max_length=128)]


class MysteryBody(BaseModel):
    """One evaluation. ``answers``: {item id: yes/no (or true/false, 1/0), a scale point, or null / "n/a" for
    not applicable}; items left out were not judged. ``operator_id`` may be left out when ``contact_id``
    names a stored contact (its operator, channel and time are then used)."""

    model_config = ConfigDict(extra="forbid")
    checklist_id: Annotated[str, Field(min_length=1, max_length=128)]
    shopper_id: Annotated[str, Field(min_length=1, max_length=128)]
    answers: Annotated[dict[Annotated[str, Field(max_length=128)], Answer], Field(min_length=1, max_length=MAX_ANSWERS)]
    operator_id: Short = None
    contact_id: Annotated[str | None, Field(default=None, min_length=1, max_length=64)] = None
    team: Short = None
    channel: Annotated[str | None, Field(default=None, max_length=16)] = None
    at: datetime | None = None
    comment: Annotated[str, Field(max_length=4000)] = ""
    evaluation_id: Annotated[str | None, Field(default=None, min_length=1, max_length=64)] = None


def _store(request: Request):
    return request.app.state.store


@router.post("/mystery", status_code=201, summary="Enter a mystery shopper's evaluation against a checklist",
             responses={422: {"description": "an unknown checklist or item, an answer off its scale, a missing field"}})
def post_mystery(request: Request, body: MysteryBody,
                 user: Annotated[User, Depends(require_role("reviewer", "admin"))]) -> dict[str, Any]:
    from pipeline.checklists.schema import ChecklistError
    from pipeline.checklists.stage import configured_checklists

    settings = request.app.state.settings
    store = _store(request)
    try:
        checklists = {c.id: c for c in configured_checklists(settings)}
    except ChecklistError as error:
        raise HTTPException(500, f"the site's checklists cannot be read: {error.problems[0]}") from None
    fields = body.model_dump(exclude={"answers"})
    if body.at is not None and body.at.tzinfo is None:
        raise HTTPException(422, f"at={body.at.isoformat()}: expected a time with a timezone (…Z or +03:00)")
    try:
        evaluation = evaluation_of(fields, body.answers, checklists, tz=ZoneInfo(settings.timezone),
                                   contact_of=store.catalog.get_contact, source="api", recorded_by=user.name)
    except MysteryError as error:
        raise HTTPException(422, str(error)) from None
    _, replaced = put_evaluations(store.catalog.engine, [evaluation])
    store.catalog.audit(user.user_id, "mystery.add", evaluation.contact_id,
                        {"evaluation_id": evaluation.evaluation_id, "operator_id": evaluation.operator_id,
                         "checklist_id": evaluation.checklist_id, "score": evaluation.score,
                         "replaced": bool(replaced)})
    return {**evaluation.document(), "replaced": bool(replaced)}


def _team_operators(store, team: str) -> set[str]:
    return {c.operator_id for c in store.catalog.contacts() if c.team == team and c.operator_id}


@router.get("/mystery", summary="Mystery shopper evaluations (reviewers and admins: all; a supervisor: their "
                                "team's; an operator: their own), or a CSV/XLSX file of them")
def list_mystery(request: Request, user: Annotated[User, Depends(current_user)],
                 since: Annotated[datetime | None, Query(description="Visits at or after (ISO 8601, zoned).")] = None,
                 until: Annotated[datetime | None, Query(description="Visits before (ISO 8601, zoned).")] = None,
                 operator: Annotated[str | None, Query(max_length=128)] = None,
                 checklist_id: Annotated[str | None, Query(max_length=128)] = None,
                 format: ExportFormat = "json") -> Any:
    for name, when in (("since", since), ("until", until)):
        if when is not None and when.tzinfo is None:
            raise HTTPException(422, f"{name}={when.isoformat()}: expected a time with a timezone (…Z or +03:00)")
    for name, value in (("operator", operator), ("checklist_id", checklist_id)):
        if value is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise HTTPException(422, f"{name} holds a control character; expected printable text")
    store = _store(request)
    if user.role == "operator" and operator not in (None, user.operator_id):
        evaluations = []  # an operator sees their own evaluations only
    else:
        evaluations = stored_evaluations(store.catalog.engine, since=since, until=until,
                                         operator_id=user.operator_id if user.role == "operator" else operator,
                                         checklist_id=checklist_id)
    if user.role == "supervisor":
        mine = _team_operators(store, user.team)
        evaluations = [e for e in evaluations if e.team == user.team or (e.team is None and e.operator_id in mine)]
    rows = [e.document() for e in evaluations]
    if format != "json":
        try:
            return table_response(rows, fmt=format, filename="mystery", columns=LIST_COLUMNS)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
    return {"items": rows, "total": len(rows)}
