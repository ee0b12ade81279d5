"""The operator's own page: ``/me`` for an operator, ``/operators/{id}`` for a supervisor (their team's
operators), a reviewer or an admin (anyone), one template for both.

Headline numbers beside the team's, a weekly trend (inline SVG, :mod:`pipeline.web.operator_chart`), the
reviewed answers waiting for the operator with acknowledge / dispute forms (posted to the contact's review
action, ``/contacts/{id}/review``, with the session's CSRF token), the items failed most and the disputes,
and, in a section of their own, the operator's mystery shopper evaluations of the period (never part of
the QA figures: the same list as the JSON summary's ``mystery``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pipeline.mystery.store import stored_evaluations
from pipeline.users import User
from pipeline.web.api_operator import summary_scopes
from pipeline.web.i18n import translator
from pipeline.web.operator_chart import trend_svg
from pipeline.web.operator_summary import operator_summary
from pipeline.web.page_kit import MaybeUser, not_found, page_language, render, store_of, to_signin

router = APIRouter(include_in_schema=False)
CHART_PERIODS = 26
"""Periods the trend shows at most (the newest)."""
HEADLINE = (("op_contacts", "contacts", "{:.0f}"), ("op_checklist", "checklist", "{:.1f}"),
            ("op_csi_predicted", "csi_predicted", "{:.0f}"), ("op_nps", "nps", "{:+.0f}"),
            ("op_csat", "csat", "{:.0f}"), ("op_csi_survey", "csi_survey", "{:.0f}"))
"""``(word, summary key, format)`` of the headline numbers, in order."""


def day_start(text: str) -> datetime | None:
    """The UTC midnight that begins the day ``YYYY-MM-DD``; ValueError otherwise ("" is None).

    >>> day_start("2026-11-16"), day_start("")
    (datetime.datetime(2026, 11, 16, 0, 0, tzinfo=datetime.timezone.utc), None)
    """
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text[:10]), datetime.min.time(), tzinfo=UTC)


def shown(value: float | None, fmt: str) -> str:
    """A number as the page shows it; None as a dash.

    >>> shown(12.345, "{:.1f}"), shown(None, "{:.0f}"), shown(-20.0, "{:+.0f}")
    ('12.3', '—', '-20')
    """
    return "—" if value is None else fmt.format(value)


def headline(summary: dict[str, Any]) -> list[dict[str, str]]:
    """The headline cards: the operator's number and the team's beside it (contacts: the team's per operator)."""
    team = summary["team"] or {}
    cards = []
    for word, key, fmt in HEADLINE:
        team_value = team.get("contacts_per_operator" if key == "contacts" else key)
        cards.append({"word": word, "key": key, "value": shown(summary["totals"][key], fmt),
                      "team": shown(team_value, fmt) if team else None})
    return cards


def _page(request: Request, user: User, operator_id: str, *, own: bool) -> Response:
    catalog = store_of(request).catalog
    try:
        scope, team_scope = summary_scopes(catalog, user, operator_id)
    except LookupError:
        return not_found(request, user)
    params = request.query_params
    period = params.get("period", "week") if params.get("period") in ("week", "month") else "week"
    problems: list[tuple[str, str]] = []
    bounds: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            bounds[name] = day_start(params.get(name, ""))
        except ValueError:
            bounds[name], problems = None, [*problems, (name, params.get(name, "")[:40])]
    since, until = bounds["since"], bounds["until"]
    if until is not None:
        until += timedelta(days=1)  # the page's "to" day is included
    if since is not None and until is not None and since >= until:
        since, until, problems = None, None, [*problems, ("since", params.get("since", ""))]
    summary = operator_summary(catalog, operator_id, scope, team_scope=team_scope, since=since, until=until,
                               period=period)
    mystery = [e.document() for e in reversed(stored_evaluations(catalog.engine, since=since, until=until,
                                                                 operator_id=operator_id))]  # newest first
    weeks = summary["weeks"][-CHART_PERIODS:]
    t = translator(page_language(request, user))
    lang = params.get("lang")
    here = "/me" if own else f"/operators/{operator_id}"
    query = {k: v for k, v in (("since", params.get("since", "")), ("until", params.get("until", ""))) if v}
    api = "/api/me/summary" if own else f"/api/operators/{operator_id}/summary"
    export_query = {**({"since": since.isoformat()} if since else {}), **({"until": until.isoformat()} if until else {}),
                    "period": period}
    return render(
        request, "operator_me.html", user, s=summary, own=own, cards=headline(summary), mystery=mystery,
        chart=trend_svg([w["period"] for w in weeks],
                        [(t("op_checklist"), [w["checklist"] for w in weeks]),
                         (t("op_csi_predicted"), [w["csi_predicted"] for w in weeks])],
                        title=t("op_trend")) if weeks else "",
        shown=shown, period=period, since_text=params.get("since", ""), until_text=params.get("until", ""),
        problems=problems, can_answer=user.role == "operator" and user.operator_id == operator_id,
        next_url=here + (f"?{back}" if (back := urlencode({**({"lang": lang} if lang else {}), **query})) else ""),
        csv_url=f"{api}?{urlencode({**export_query, 'format': 'csv'})}",
        xlsx_url=f"{api}?{urlencode({**export_query, 'format': 'xlsx'})}",
        saved=params.get("saved") == "1", refused=params.get("refused", ""))


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, user: MaybeUser) -> Response:
    """The signed-in operator's own numbers and feedback."""
    if user is None:
        return to_signin(request)
    if user.role != "operator" or not user.operator_id:
        return not_found(request, user)
    return _page(request, user, user.operator_id, own=True)


@router.get("/operators/{operator_id}", response_class=HTMLResponse)
def operator_page(request: Request, operator_id: str, user: MaybeUser) -> Response:
    """One operator's page as a supervisor, reviewer or admin sees it (an operator: only their own)."""
    if user is None:
        return to_signin(request)
    return _page(request, user, operator_id, own=user.role == "operator")
