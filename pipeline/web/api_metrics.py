"""Survey and desk metrics, alarms and dashboard figures over the API.

- ``GET /api/dashboard``: every figure of the dashboard page (KPIs, trends, distributions, worst
  reasons, phrase tags, alarms, desk) under the filter ``since``, ``until``, ``channel``, ``team``,
  ``operator``, ``period=day|week|month``;
- ``GET /api/metrics/surveys``: rows per period (and ``by=team|operator|channel``): answers, NPS,
  CSAT, CES;
- ``GET /api/metrics/desk``: desk metrics per desk (and ``period``);
- ``GET /api/alarms``: the alarms the caller may see, newest first (``since`` = raised at or after).

Every answer is limited to the caller's contacts (:func:`pipeline.users.access.scope_of`): an operator's
own, a supervisor's team's, everything for reviewers and admins; alarms on no contact only for reviewers
and admins. The lists take ``format=csv|xlsx|parquet``. Times: ISO 8601; one without a timezone is UTC; a bare date
is its day's start (``until``: the end of that day, so ``until=2026-03-31`` includes the 31st). Without
``since`` and ``until`` the dashboard and metrics cover the 90 days up to the newest contact's day.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from pipeline.catalog import dashboard_query as q
from pipeline.catalog.dashboard_query import DashboardFilter
from pipeline.users import User
from pipeline.users.access import scope_of
from pipeline.web import auth, dashboard_figures
from pipeline.web.export import ExportFormat, table_response

router = APIRouter(tags=["metrics"])
REVIEW_ROLES = ("reviewer", "admin")
Period = Literal["day", "week", "month"]
Text = Annotated[str | None, Query(max_length=256)]


def parse_time(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """A query's time: ISO 8601 (no timezone: UTC) or a bare date (its start; with ``end_of_day`` the next
    day's start); None for an empty value. ValueError for anything else.

    >>> parse_time("2026-03-31", end_of_day=True).isoformat(), parse_time("2026-03-02T10:00+03:00").hour
    ('2026-04-01T00:00:00+00:00', 10)
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        found = datetime.fromisoformat(text)
        found = found.replace(tzinfo=UTC) if found.tzinfo is None else found
        found.astimezone(UTC)  # the queries compare in UTC: the calendar's first and last hours cannot be
    except ValueError:
        raise ValueError(f"time {value[:40]!r}; expected ISO 8601, e.g. 2026-03-02 or 2026-03-02T10:00:00Z") from None
    except OverflowError:
        raise ValueError(f"time {value[:40]!r} is out of range; expected a time within years 2..9998") from None
    return found


def _blank(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


def dashboard_filter(catalog, user: User, *, since: str | None, until: str | None, channel: str | None,
                     team: str | None, operator: str | None, period: str | None,
                     default_window: bool = True) -> DashboardFilter:
    """The filter of a request (empty values are no filter). Without both ``since`` and ``until`` (and with
    ``default_window``): the 90 days up to the newest contact the user sees. ValueError on bad input."""
    start, end = parse_time(since), parse_time(until, end_of_day=True)
    if default_window and start is None and end is None:
        start, end = dashboard_figures.default_window(catalog, scope_of(user))
    return DashboardFilter(since=start, until=end, channel=_blank(channel), team=_blank(team),
                           operator_id=_blank(operator), period=_blank(period) or "week")


def unprocessable(error: ValueError) -> HTTPException:
    return HTTPException(status_code=422, detail=str(error))


def _catalog(request: Request):
    return request.app.state.store.catalog


def _table(rows: list[dict[str, Any]], fmt: str, filename: str) -> Response:
    try:
        return table_response(rows, fmt=fmt, filename=filename)
    except ValueError as error:
        raise unprocessable(error) from None


def _iso(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_response(value: Any) -> Response:
    """``value`` as JSON, times as ISO 8601: written at once, not walked by FastAPI's encoder (a dashboard
    holds a few thousand numbers)."""
    return Response(json.dumps(value, default=_iso, ensure_ascii=False), media_type="application/json")


CurrentUser = Annotated[User, Depends(auth.current_user)]


@router.get("/api/dashboard", summary="Every dashboard figure under one filter, within the caller's contacts")
def dashboard(request: Request, user: CurrentUser, since: Text = None, until: Text = None, channel: Text = None,
              team: Text = None, operator: Text = None, period: Period = "week") -> Response:
    catalog = _catalog(request)
    try:
        f = dashboard_filter(catalog, user, since=since, until=until, channel=channel, team=team, operator=operator,
                             period=period)
    except ValueError as error:
        raise unprocessable(error) from None
    figures = dashboard_figures.dashboard(catalog, f, scope_of(user), unattached=user.role in REVIEW_ROLES)
    return json_response(figures)


@router.get("/api/metrics/surveys", summary="Survey answers, NPS, CSAT and CES per period (and group)")
def survey_metrics(request: Request, user: CurrentUser, since: Text = None, until: Text = None, channel: Text = None,
                   team: Text = None, operator: Text = None, period: Period = "week",
                   by: Literal["team", "operator", "channel"] | None = None,
                   format: ExportFormat = "json") -> Any:
    catalog = _catalog(request)
    try:
        f = dashboard_filter(catalog, user, since=since, until=until, channel=channel, team=team, operator=operator,
                             period=period)
    except ValueError as error:
        raise unprocessable(error) from None
    rows = dashboard_figures.survey_rows(catalog, f, scope_of(user), by=by)
    return rows if format == "json" else _table(rows, format, "survey_metrics")


@router.get("/api/metrics/desk", summary="Desk metrics per desk (and period) of the period's desk visits")
def desk_metrics(request: Request, user: CurrentUser, since: Text = None, until: Text = None, team: Text = None,
                 operator: Text = None, period: Period | None = None, format: ExportFormat = "json") -> Any:
    catalog = _catalog(request)
    try:
        f = dashboard_filter(catalog, user, since=since, until=until, channel=None, team=team, operator=operator,
                             period=None)
    except ValueError as error:
        raise unprocessable(error) from None
    rows = dashboard_figures.desk_rows(catalog, f, scope_of(user), period=period)
    return rows if format == "json" else _table(rows, format, "desk_metrics")


@router.get("/api/alarms", summary="Alarms the caller may see, newest first")
def alarm_list(request: Request, user: CurrentUser, since: Text = None, until: Text = None,
               rule: Annotated[str | None, Query(max_length=128)] = None, channel: Text = None, team: Text = None,
               operator: Text = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               format: ExportFormat = "json") -> Any:
    """``since``: raised at or after (the live list polls with the newest ``raised_at`` it shows and drops
    the ids it has); ``until``: raised before. Exports hold the whole filtered list."""
    catalog = _catalog(request)
    try:
        f = dashboard_filter(catalog, user, since=None, until=until, channel=channel, team=team, operator=operator,
                             period=None, default_window=False)
        rows = q.alarm_list(catalog, f, scope_of(user), unattached=user.role in REVIEW_ROLES,
                            raised_since=parse_time(since), rule=_blank(rule),
                            limit=limit if format == "json" else q.MAX_LIMIT)
    except ValueError as error:
        raise unprocessable(error) from None
    return rows if format == "json" else _table(rows, format, "alarms")
