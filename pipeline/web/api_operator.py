"""The operator's own numbers over the API: ``GET /api/operators/{operator_id}/summary`` and
``GET /api/me/summary`` (the caller's own, for operators), as JSON or, with ``format=csv|xlsx|parquet``, the
weekly (or monthly) rows as a file.

Who may ask for whom: an operator only for their own id; a supervisor for the operators with
contacts in their team (counted over those contacts only); a reviewer or an admin for anyone. Any
other id is 404, the same answer as an operator nobody knows. The team's numbers beside the
operator's are totals over the operator's team (no contact of another operator is listed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from pipeline.catalog import operator_query
from pipeline.mystery.store import stored_evaluations
from pipeline.users import ContactScope, User, scope_of
from pipeline.web.auth import current_user
from pipeline.web.export import ExportFormat, table_response
from pipeline.web.operator_summary import MEASURES, operator_summary

router = APIRouter(prefix="/api", tags=["operators"])
MAX_ID = 128

Since = Annotated[datetime | None, Query(description="Contacts started (answers given) at or after; ISO 8601 "
                                                     "with a timezone. Default: from the first.")]
Until = Annotated[datetime | None, Query(description="Before this time (ISO 8601 with a timezone). Default: now.")]
Period = Annotated[str, Query(description="week (ISO, Monday first, UTC) or month.")]


def summary_scopes(catalog: Any, user: User, operator_id: str) -> tuple[ContactScope, ContactScope]:
    """``(scope, team_scope)`` for ``user`` asking about ``operator_id``: the contacts counted as the
    operator's, and as their team's. LookupError when the operator does not exist for ``user``."""
    if len(operator_id) > MAX_ID or not operator_id.strip():
        raise LookupError(operator_id)
    scope = scope_of(user)
    if user.role == "operator":
        if user.disabled or user.operator_id != operator_id:
            raise LookupError(operator_id)
        return scope, ContactScope()  # their own contacts; the team's totals to compare with
    if not operator_query.operator_known(catalog, operator_id, scope):
        raise LookupError(operator_id)
    return scope, scope


def summary_response(request: Request, user: User, operator_id: str, *, since: datetime | None,
                     until: datetime | None, period: str, fmt: str) -> dict[str, Any] | Response:
    """The summary as JSON, or its period rows as a CSV/XLSX file; 404 outside the caller's rights, 422 on bad input."""
    catalog = request.app.state.store.catalog
    try:
        scope, team_scope = summary_scopes(catalog, user, operator_id)
    except LookupError:
        raise HTTPException(status_code=404, detail=f"no operator {operator_id[:MAX_ID]!r}") from None
    try:
        summary = operator_summary(catalog, operator_id, scope, team_scope=team_scope, since=since, until=until,
                                   period=period)
        if fmt == "json":
            # the operator's mystery shopper evaluations, marked as such: never part of the QA figures above
            summary["mystery"] = [e.document() for e in stored_evaluations(catalog.engine, since=since, until=until,
                                                                           operator_id=operator_id)]
            return summary
        response = table_response(summary["weeks"], fmt=fmt, filename=f"operator-{operator_id}-{period}",
                                  columns=("period", *MEASURES))
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    catalog.audit(user.user_id, "export.operator", None,
                  {"operator_id": operator_id, "period": period, "format": fmt, "rows": len(summary["weeks"]),
                   "since": since.isoformat() if since else None, "until": until.isoformat() if until else None})
    return response


@router.get("/operators/{operator_id}/summary",
            summary="An operator's weekly (or monthly) numbers, totals, the team's, feedback and disputes")
def get_operator_summary(request: Request, operator_id: str, user: Annotated[User, Depends(current_user)],
                         since: Since = None, until: Until = None, period: Period = "week",
                         format: ExportFormat = "json") -> Any:
    return summary_response(request, user, operator_id, since=since, until=until, period=period, fmt=format)


@router.get("/me/summary", summary="The caller's own summary (operators)")
def get_my_summary(request: Request, user: Annotated[User, Depends(current_user)], since: Since = None,
                   until: Until = None, period: Period = "week", format: ExportFormat = "json") -> Any:
    if user.role != "operator" or not user.operator_id:
        raise HTTPException(status_code=404, detail="Not Found")
    return summary_response(request, user, user.operator_id, since=since, until=until, period=period, fmt=format)
