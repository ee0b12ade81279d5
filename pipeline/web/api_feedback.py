"""Free-text feedback sorted, over the API: ``GET /api/feedback``, the report ``cxmon report feedback`` prints.

The answer is :func:`pipeline.feedback.report.feedback_report`'s dict (``by``, ``items``, ``rows``,
``real_picture``, ``hidden``, ``columns``) over the stored items of the filter, plus ``filter`` and
``latest_complaints_in_high_scores`` (the newest complaints given with NPS 7-10 or CSAT 4-5, with their
words). Filter: ``since``, ``until`` (as on the dashboard: ISO 8601, no timezone is UTC, a bare ``until``
date includes its day; without both, every stored item), ``by=category|subcategory|source``,
``source=survey|chat|desk``. ``format=csv|xlsx|parquet`` with ``table=rows|real_picture`` gives one of the
two tables as a file, the columns of the CLI's ``feedback.csv`` / ``feedback_real_picture.csv``.

Supervisors see their team's items (the item's team, else its contact's), reviewers and admins every
item; operators get 404, as on ``/dashboard``. A text is shown redacted unless the user may read
unredacted transcripts, as everywhere in the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from pipeline.catalog.dashboard_query import plain_text
from pipeline.feedback.report import (
    GROUPS,
    PICTURE_COLUMNS,
    feedback_report,
    hidden_complaint_items,
)
from pipeline.feedback.sources import SOURCES
from pipeline.feedback.store import stored_items, survey_item_texts
from pipeline.personal_data import redacted
from pipeline.users import User
from pipeline.users.access import scope_of
from pipeline.web import auth
from pipeline.web.api_metrics import json_response, parse_time, unprocessable
from pipeline.web.export import ExportFormat, table_response

router = APIRouter(tags=["feedback"])
FEEDBACK_ROLES = ("supervisor", "reviewer", "admin")
LATEST_SHOWN = 10
Text = Annotated[str | None, Query(max_length=256)]
FeedbackUser = Annotated[User, Depends(auth.require_role(*FEEDBACK_ROLES))]


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    """Which stored items the report is over (``[since, until)``, one source or all) and how its rows group."""

    since: datetime | None = None
    until: datetime | None = None
    by: str = "category"
    source: str | None = None


def feedback_filter(*, since: str | None, until: str | None, by: str | None,
                    source: str | None) -> FeedbackFilter:
    """The filter of a request (empty values are no filter); ValueError naming what is wrong."""
    by_text, source_text = (by or "").strip() or "category", (source or "").strip() or None
    for name, value in (("by", by_text), ("source", source_text)):
        plain_text(name, value)
    if by_text not in GROUPS:
        raise ValueError(f"by={by_text[:40]!r}; expected one of {', '.join(GROUPS)}")
    if source_text is not None and source_text not in SOURCES:
        raise ValueError(f"source={source_text[:40]!r}; expected one of {', '.join(SOURCES)}")
    start, end = parse_time(since), parse_time(until, end_of_day=True)
    if start is not None and end is not None and start >= end:
        raise ValueError(f"since {since[:40]!r} is not before until {until[:40]!r}")
    return FeedbackFilter(since=start, until=end, by=by_text, source=source_text)


def _shown(text: str, user: User) -> str:
    return text if user.unredacted else redacted(text)


def feedback_figures(catalog, user: User, f: FeedbackFilter) -> dict[str, Any]:
    """The CLI's report over the items ``user`` may see, with the filter and the newest hidden complaints."""
    items = stored_items(catalog.engine, since=f.since, until=f.until,
                         sources=[f.source] if f.source else None, scope=scope_of(user))
    report = feedback_report(items, by=f.by)
    latest = hidden_complaint_items(items, limit=LATEST_SHOWN)
    texts = survey_item_texts(catalog.engine, [i["item_id"] for i in latest])
    keep = ("item_id", "source", "at", "kind", "score", "band", "category", "subcategory", "polarity", "team",
            "operator_id", "contact_id")
    report["latest_complaints_in_high_scores"] = [
        {**{k: i[k] for k in keep}, "text": _shown(texts.get(i["item_id"], ""), user)} for i in latest]
    report["filter"] = {"since": f.since, "until": f.until, "by": f.by, "source": f.source}
    return report


def table_of(report: dict[str, Any], table: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows and columns of one of the report's tables, as the CLI writes them to its files."""
    if table == "rows":
        return report["rows"], list(report["columns"])
    return report["real_picture"], list(PICTURE_COLUMNS)


@router.get("/api/feedback", summary="Free-text feedback sorted by category and polarity, and the real picture")
def feedback(request: Request, user: FeedbackUser, since: Text = None, until: Text = None, by: Text = None,
             source: Text = None, format: ExportFormat = "json",
             table: Literal["rows", "real_picture"] = "rows") -> Response:
    try:
        f = feedback_filter(since=since, until=until, by=by, source=source)
    except ValueError as error:
        raise unprocessable(error) from None
    report = feedback_figures(request.app.state.store.catalog, user, f)
    if format == "json":
        return json_response(report)
    rows, columns = table_of(report, table)
    name = "feedback" if table == "rows" else "feedback_real_picture"
    try:
        return table_response(rows, fmt=format, filename=name, columns=columns)
    except ValueError as error:
        raise unprocessable(error) from None
