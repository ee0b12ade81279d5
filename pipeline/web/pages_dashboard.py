"""The dashboards: NPS/CSAT/CES/CSI trends and distributions, worst reasons, phrase tags, alarms, desk.

``/dashboard`` is for supervisors (their team), reviewers and admins (everything); an operator gets the
404 page (their numbers are on ``/me``). The filter is a GET form, so the address holds it: a link, a
reload or the language switch keeps it. The figures come from :mod:`pipeline.web.dashboard_figures`
(aggregated in SQL); the charts are inline SVG from :mod:`pipeline.web.svg_charts`; the alarm list
polls ``/api/alarms`` (static/dashboard.js) and puts new alarms on top.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pipeline.records import CONTACT_CHANNELS
from pipeline.users.access import scope_of
from pipeline.web import dashboard_figures, svg_charts
from pipeline.web.api_metrics import REVIEW_ROLES, dashboard_filter
from pipeline.web.i18n import translator
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
FILTER_FIELDS = ("period", "since", "until", "channel", "team", "operator")
PERIODS = ("day", "week", "month")
POLL_S = 10
OPERATORS_SHOWN = 50


def _charts(figures: dict[str, Any], t) -> dict[str, str]:
    trend, answers = figures["contact_trend"], figures["survey_trend"]
    periods = [r["period"] for r in trend]
    survey_periods = [r["period"] for r in answers]
    return {
        "contacts": svg_charts.bar_chart(periods, [r["contacts"] for r in trend], title=t("db_chart_contacts"),
                                         unit=t("db_unit_contacts")),
        "csi": svg_charts.line_chart(periods, {t("db_csi_mean"): [r["csi_mean"] for r in trend]},
                                     title=t("db_chart_csi"), unit=t("db_unit_points"), low=0, high=100),
        "scores": svg_charts.line_chart(survey_periods, {"NPS": [r["nps"] for r in answers],
                                                         "CSAT": [r["csat"] for r in answers]},
                                        title=t("db_chart_scores"), unit="NPS −100..100, CSAT %", low=-100, high=100),
        "ces": svg_charts.line_chart(survey_periods, {"CES": [r["ces"] for r in answers]}, title=t("db_chart_ces"),
                                     unit=t("db_unit_ces"), low=1, high=7),
        "csi_parts": svg_charts.line_chart(survey_periods, {t(f"db_part_{part}"): [r[f"csi_{part}"] for r in answers]
                                                            for part in ("goal", "effort", "emotion")},
                                           title=t("db_chart_csi_parts"), unit=t("db_unit_points"), low=0, high=100),
        "histogram": svg_charts.bar_chart([f"{r['low']}–{r['high']}" for r in figures["csi_histogram"]],
                                          [r["contacts"] for r in figures["csi_histogram"]],
                                          title=t("db_chart_histogram"), unit=t("db_unit_contacts")),
        "nps_answers": svg_charts.bar_chart([str(r["value"]) for r in figures["nps_answers"]],
                                            [r["answers"] for r in figures["nps_answers"]],
                                            title=t("db_chart_nps_answers"), unit=t("db_unit_answers"),
                                            color=svg_charts.PALETTE[1]),
        "csat_answers": svg_charts.bar_chart([str(r["value"]) for r in figures["csat_answers"]],
                                             [r["answers"] for r in figures["csat_answers"]],
                                             title=t("db_chart_csat_answers"), unit=t("db_unit_answers"),
                                             color=svg_charts.PALETTE[2]),
    }


def _poll_s(request: Request) -> int:
    """The live list's poll interval: ``?poll_s=`` 1..60 (tests use a short one), else 10 s."""
    text = request.query_params.get("poll_s", "")
    return min(60, max(1, int(text))) if text.isdigit() else POLL_S


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    if user.role == "operator":
        return not_found(request, user)
    catalog = store_of(request).catalog
    values = form_values(request, FILTER_FIELDS)
    t = translator(page_language(request, user))
    try:
        f = dashboard_filter(catalog, user, since=values["since"], until=values["until"], channel=values["channel"],
                             team=values["team"], operator=values["operator"], period=values["period"] or "week")
    except ValueError as error:
        return render(request, "dashboard.html", user, status_code=422, error=str(error), values=values,
                      channels=sorted(CONTACT_CHANNELS), periods=PERIODS, figures=None)
    figures = dashboard_figures.dashboard(catalog, f, scope_of(user), unattached=user.role in REVIEW_ROLES)
    shown = figures["alarms"]
    newest = max((a["raised_at"] for a in shown), default=None) or datetime.now(UTC)
    live_query = filter_query({k: values[k] for k in ("channel", "team", "operator")})
    return render(request, "dashboard.html", user, error=None, values=values, figures=figures,
                  channels=sorted(CONTACT_CHANNELS), periods=PERIODS, charts=_charts(figures, t),
                  window=(f.since.strftime("%Y-%m-%d") if f.since else "…",
                          (f.until - timedelta(days=1)).strftime("%Y-%m-%d") if f.until else "…"),
                  export=lambda path, **extra: f"{path}?{filter_query(values, **extra)}",
                  live_since=newest.isoformat(), live_query=live_query, poll_ms=_poll_s(request) * 1000,
                  operators_shown=OPERATORS_SHOWN)
