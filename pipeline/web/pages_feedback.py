"""``/feedback``: what customers write, sorted by category and polarity, and the "real picture".

For supervisors (their team's items), reviewers and admins (every item); an operator gets the 404 page.
Every number is :func:`pipeline.feedback.report.feedback_report`'s, the report ``cxmon report feedback``
prints, over the items :func:`pipeline.web.api_feedback.feedback_figures` reads (the same as
``GET /api/feedback``). The chart stacks the categories per score band and polarity
(:func:`features.feedback.picture_bars`, as ``feedback.png`` does). The filter is a GET form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from features.feedback import BANDS, CATEGORIES, HIGH_BANDS, LOW_BANDS, picture_bars
from pipeline.feedback.report import GROUPS
from pipeline.feedback.sources import SOURCES
from pipeline.web import svg_charts
from pipeline.web.api_feedback import FEEDBACK_ROLES, feedback_figures, feedback_filter
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
FILTER_FIELDS = ("since", "until", "by", "source")
POLARITY_SIGNS = {"complaint": "−", "praise": "+", "neutral": "○"}


def _chart(report: dict[str, Any], t) -> str:
    bars, stacks = picture_bars(report["real_picture"])
    labels = [f"{'NPS' if band in BANDS['nps'] else 'CSAT'} {band} {POLARITY_SIGNS[polarity]}"
              for band, polarity in bars]
    return svg_charts.stacked_bar_chart(labels, {t(f"fb_cat_{c}"): stacks[c] for c in CATEGORIES},
                                        title=t("fb_chart"), unit=t("fb_unit_texts"),
                                        width=max(520, 72 * len(labels)))


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    if user.role not in FEEDBACK_ROLES:
        return not_found(request, user)
    values = form_values(request, FILTER_FIELDS)
    t = translator(page_language(request, user))
    common = {"values": values, "groups": tuple(GROUPS), "sources": SOURCES, "categories": CATEGORIES,
              "nps_bands": BANDS["nps"], "csat_bands": BANDS["csat"], "high_bands": HIGH_BANDS, "low_bands": LOW_BANDS}
    try:
        f = feedback_filter(since=values["since"], until=values["until"], by=values["by"], source=values["source"])
    except ValueError as error:
        return render(request, "feedback.html", user, status_code=422, error=str(error), report=None, **common)
    report = feedback_figures(store_of(request).catalog, user, f)
    return render(request, "feedback.html", user, error=None, report=report, chart=_chart(report, t),
                  export=lambda **extra: f"/api/feedback?{filter_query(values, **extra)}", **common)
