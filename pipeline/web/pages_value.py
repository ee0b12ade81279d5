"""``/value``: customer experience tied to the CRM's customer value, for reviewers and admins.

The page is ``cxmon report value`` drawn: a headline (value at risk of the total, customers at risk, the
value of detractors, of low predicted CSI and of silent dissatisfied desk visitors), a bar chart and a
table per group (``by``: value tier or CRM segment, with NPS beside WoMI) and per driver of the value at
risk. With ``by=driver`` the drivers come first and the tiers beside them. Every number is a field of
:func:`pipeline.value.report.value_report`'s rows (:mod:`pipeline.web.value_figures`); the tables download
through ``/api/value`` with the same filter. Supervisors and operators get the 404 page (see
:mod:`pipeline.web.api_value` for why).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pipeline.value.report import ALL, BY, NO_SEGMENT
from pipeline.web import svg_charts
from pipeline.web.api_value import VALUE_ROLES
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
from pipeline.web.value_figures import companion_by, value_filter, value_reports

router = APIRouter(include_in_schema=False)
FILTER_FIELDS = ("since", "until", "by")
DRIVERS_SHOWN = 25


def group_label(group: str, t) -> str:
    """A tier, ``(all)`` or ``(no segment)`` in the page's language; a CRM segment as the CRM names it."""
    if group in ("top", "middle", "bottom"):
        return t(f"va_tier_{group}")
    return {ALL: t("va_all"), NO_SEGMENT: t("va_no_segment")}.get(group, group)


def _charts(reports: dict[str, dict[str, Any]], t) -> dict[str, str]:
    charts = {}
    for by, report in reports.items():
        unit = t("va_unit_money", basis=report["basis"])
        if by == "driver":
            rows = report["rows"][:DRIVERS_SHOWN]
            charts[by] = svg_charts.bar_chart([r["driver"] for r in rows], [r["value_at_risk"] for r in rows],
                                              title=t("va_chart_drivers"), unit=unit, width=720,
                                              color=svg_charts.PALETTE[4])
        else:
            rows = [r for r in report["rows"] if r[by] != ALL]
            charts[by] = svg_charts.bar_chart([group_label(r[by], t) for r in rows],
                                              [r["value_at_risk"] for r in rows],
                                              title=t("va_chart_groups", by=t(f"va_by_{by}")), unit=unit,
                                              color=svg_charts.PALETTE[4])
    return charts


@router.get("/value", response_class=HTMLResponse)
def value_page(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    if user.role not in VALUE_ROLES:
        return not_found(request, user)
    settings = request.app.state.settings
    values = form_values(request, FILTER_FIELDS)
    t = translator(page_language(request, user))
    shown = dict(values=values, bys=BY, tz=settings.timezone)
    try:
        f = value_filter(since=values["since"], until=values["until"], by=values["by"],
                         tz=ZoneInfo(settings.timezone))
    except ValueError as error:
        return render(request, "value.html", user, status_code=422, error=str(error), reports=None, **shown)
    order = [f.by, companion_by(f.by)]
    reports = value_reports(store_of(request).catalog.engine, f, order)
    totals = reports[f.by]["totals"]
    return render(request, "value.html", user, error=None, reports=reports, order=order, totals=totals,
                  basis=reports[f.by]["basis"], low_csi=reports[f.by]["low_csi"],
                  empty=not totals["customers"], charts=_charts(reports, t) if totals["customers"] else {},
                  label=lambda group: group_label(group, t), drivers_shown=DRIVERS_SHOWN,
                  export=lambda by, fmt: f"/api/value?{filter_query(values, by=by, format=fmt)}", **shown)
