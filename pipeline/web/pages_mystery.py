"""``/mystery``: mystery shoppers beside the automatic and reviewer scores of the same operators.

For supervisors (their team's evaluations), reviewers and admins (every one); an operator reads their own
visits on ``/me`` and gets the 404 page here. The page is ``cxmon report mystery`` drawn: a headline, the
three form scores side by side per operator and checklist (a "!" where mystery and automatic disagree),
the operator table, the items that disagree, the visits whose own contact is in the store, and the
evaluations with the shoppers' comments. Every number is a row of
:func:`pipeline.web.mystery_figures.mystery_figures`; the tables download through ``/api/mystery/report``
with the same filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pipeline.web import svg_charts
from pipeline.web.api_mystery import site_checklists
from pipeline.web.i18n import STRINGS, translator
from pipeline.web.mystery_figures import REPORT_ROLES, mystery_figures, mystery_filter
from pipeline.web.page_kit import (
    MaybeUser,
    filter_query,
    form_values,
    not_found,
    page_language,
    render,
    store_of,
    to_signin,
)

router = APIRouter(include_in_schema=False)
FILTER_FIELDS = ("since", "until", "threshold")
SOURCES = ("mystery", "automatic", "reviewer")
BARS_SHOWN = 40


def _chart(rows: list[dict[str, Any]], t) -> str:
    shown = rows[:BARS_SHOWN]
    return svg_charts.grouped_bar_chart([f"{r['operator_id']} · {r['checklist_id']}" for r in shown],
                                        {t(f"my_src_{s}"): [r[s] for r in shown] for s in SOURCES},
                                        title=t("my_chart"), unit=t("my_unit_points"), low=0, high=100,
                                        marked=[r["disagrees"] for r in shown], width=max(520, 150 * len(shown)))


@router.get("/mystery", response_class=HTMLResponse)
def mystery_page(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    if user.role not in REPORT_ROLES:
        return not_found(request, user)
    settings = request.app.state.settings
    values = form_values(request, FILTER_FIELDS)
    t = translator(page_language(request, user))
    tz = ZoneInfo(settings.timezone)
    shown = dict(values=values, tz=settings.timezone)
    try:
        f = mystery_filter(since=values["since"], until=values["until"], threshold=values["threshold"],
                           tz=tz)
    except ValueError as error:
        return render(request, "mystery.html", user, status_code=422, error=str(error), report=None, **shown)
    report = mystery_figures(store_of(request), user, f, site_checklists(settings))
    return render(request, "mystery.html", user, error=None, report=report,
                  flagged=[r for r in report["items"] if r["disagrees"]],
                  chart=_chart(report["operators"], t) if report["operators"] else "",
                  local=lambda iso: datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                  channel=lambda name: t(name) if name in STRINGS else name or "—",
                  export=lambda part, fmt: f"/api/mystery/report?{filter_query(values, part=part, format=fmt)}",
                  **shown)
