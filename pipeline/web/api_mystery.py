"""Mystery shopper evaluations over the API: ``POST /api/mystery`` (reviewers, admins) and ``GET /api/mystery``.

A posted evaluation is checked against the site's checklists like an imported file (422 naming the item
or the field at fault), scored by the checklist's scoring, stored apart from the automatic answers
(:mod:`pipeline.mystery`) and written to the audit log. The list is every evaluation for reviewers and
admins, a supervisor's team's, an operator's own; each is marked ``"kind": "mystery"``; ``format=csv``
or ``xlsx`` downloads it as a file.

``GET /api/mystery/report`` (supervisors, reviewers, admins) is ``cxmon report mystery --json`` over the
evaluations the user sees (:mod:`pipeline.web.mystery_figures`): the mystery score beside the automatic and
reviewer scores of the same operators, per operator, item and visit; ``format=csv|xlsx|parquet`` with
``part=operators|items|visits`` gives one table as a file (audited as ``export.mystery``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from pipeline.mystery.compare import ITEM_COLUMNS, OPERATOR_COLUMNS, VISIT_COLUMNS
from pipeline.mystery.evaluation import MysteryError, evaluation_of
from pipeline.mystery.store import LIST_COLUMNS, put_evaluations
from pipeline.users import User
from pipeline.web.api_metrics import json_response
from pipeline.web.auth import current_user, require_role
from pipeline.web.export import ExportFormat, table_response
from pipeline.web.mystery_figures import REPORT_ROLES, mystery_figures, mystery_filter, visible_evaluations

router = APIRouter(prefix="/api", tags=["mystery"])
MAX_ANSWERS = 200
Answer = bool | int | float | str | None
Short = Annotated[str | None, Field(default=None, min_length=1, max_length=128)]
Day = Annotated[str | None, Query(max_length=64, description="A day, YYYY-MM-DD, in the site's time zone")]
PART_COLUMNS = {"operators": OPERATOR_COLUMNS, "items": ITEM_COLUMNS, "visits": VISIT_COLUMNS}


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


def site_checklists(settings) -> list:
    """The site's checklists; HTTP 500 naming the first problem when they cannot be read."""
    from pipeline.checklists.schema import ChecklistError
    from pipeline.checklists.stage import configured_checklists

    try:
        return configured_checklists(settings)
    except ChecklistError as error:
        raise HTTPException(500, f"the site's checklists cannot be read: {error.problems[0]}") from None


@router.post("/mystery", status_code=201, summary="Enter a mystery shopper's evaluation against a checklist",
             responses={422: {"description": "an unknown checklist or item, an answer off its scale, a missing field"}})
def post_mystery(request: Request, body: MysteryBody,
                 user: Annotated[User, Depends(require_role("reviewer", "admin"))]) -> dict[str, Any]:
    settings = request.app.state.settings
    store = _store(request)
    checklists = {c.id: c for c in site_checklists(settings)}
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
    evaluations = visible_evaluations(_store(request), user, since=since, until=until, operator=operator,
                                      checklist_id=checklist_id)
    rows = [e.document() for e in evaluations]
    if format != "json":
        try:
            return table_response(rows, fmt=format, filename="mystery", columns=LIST_COLUMNS)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
    return {"items": rows, "total": len(rows)}


@router.get("/mystery/report", summary="Mystery shoppers beside the automatic and reviewer scores of the same "
                                       "operators (cxmon report mystery), or one of its tables as a file",
            responses={422: {"description": "a day that is not YYYY-MM-DD, since after until, a threshold off "
                                            "0..100, a file without part"}})
def mystery_report(request: Request, user: Annotated[User, Depends(require_role(*REPORT_ROLES))],
                   since: Day = None, until: Day = None,
                   threshold: Annotated[str | None, Query(max_length=64, description="Flag mystery and automatic "
                                                          "scores further apart than this (0..100 points).")] = None,
                   part: Literal["operators", "items", "visits"] | None = None,
                   format: ExportFormat = "json") -> Any:
    settings, store = request.app.state.settings, _store(request)
    try:
        f = mystery_filter(since=since, until=until, threshold=threshold, tz=ZoneInfo(settings.timezone))
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    if format != "json" and part is None:
        raise HTTPException(422, f"format={format} needs part=operators, items or visits (one table a file)")
    report = mystery_figures(store, user, f, site_checklists(settings))
    if format == "json":
        return json_response({"since": f.start, "until": f.end, **report})
    response = table_response(report[part], fmt=format, filename=f"mystery-{part}", columns=PART_COLUMNS[part])
    store.catalog.audit(user.user_id, "export.mystery", None,
                        {"part": part, "since": since, "until": until, "format": format, "rows": len(report[part])})
    return response
