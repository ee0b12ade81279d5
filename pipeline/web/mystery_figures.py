"""The mystery page's and the mystery API's figures: who sees which evaluations, and ``cxmon report mystery``'s
comparison over them (nothing computed here).

Reviewers and admins see every evaluation, a supervisor their team's (an evaluation of the team, or of an
operator of the team when it names none), an operator their own. The comparison is
:func:`pipeline.mystery.compare.mystery_comparison` over the evaluations seen, with the contacts of the same
period: the page's filter is the value page's, ``since`` and ``until`` days (YYYY-MM-DD, both included) in the
site's time zone (:func:`pipeline.periods.report_period`), and the CLI's ``--threshold`` (0..100 points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from features.mystery import DEFAULT_THRESHOLD_POINTS
from pipeline.mystery.compare import mystery_comparison
from pipeline.mystery.evaluation import MysteryEvaluation
from pipeline.mystery.store import stored_evaluations
from pipeline.periods import report_period
from pipeline.users import User

if TYPE_CHECKING:
    from pipeline.checklists.forms import Checklist
    from pipeline.store import Store

REPORT_ROLES = ("supervisor", "reviewer", "admin")
"""Who sees the comparison (the page and ``GET /api/mystery/report``); an operator reads their own visits on /me."""
MAX_SHOWN_CHARS = 40


@dataclass(frozen=True, slots=True)
class MysteryFilter:
    """What a request asks for: ``[start, end)`` (None: open) from the days it named, and the threshold."""

    start: datetime | None
    end: datetime | None
    threshold_points: float


def mystery_filter(*, since: str | None, until: str | None, threshold: str | None, tz: tzinfo) -> MysteryFilter:
    """The filter of a request's fields (empty: not given; the threshold defaults to the CLI's). ValueError
    with the reason for a day that is not YYYY-MM-DD, ``since`` after ``until`` or a threshold off 0..100.

    >>> from datetime import UTC
    >>> mystery_filter(since="", until="2026-11-30", threshold="", tz=UTC).threshold_points
    20.0
    >>> mystery_filter(since=None, until=None, threshold="120", tz=UTC)
    Traceback (most recent call last):
    ValueError: threshold '120'; expected a number of points 0..100
    """
    days = [(text or "").strip() or None for text in (since, until)]
    start, end = report_period(days[0], days[1], tz)
    text = (threshold or "").strip()
    try:
        points = float(text) if text else DEFAULT_THRESHOLD_POINTS
    except ValueError:
        points = math.nan
    if not (math.isfinite(points) and 0 <= points <= 100):
        raise ValueError(f"threshold {text[:MAX_SHOWN_CHARS]!r}; expected a number of points 0..100")
    return MysteryFilter(start=start, end=end, threshold_points=points)


def _team_operators(store: Store, team: str) -> set[str]:
    return {c.operator_id for c in store.catalog.contacts() if c.team == team and c.operator_id}


def visible_evaluations(store: Store, user: User, *, since: datetime | None = None, until: datetime | None = None,
                        operator: str | None = None, checklist_id: str | None = None) -> list[MysteryEvaluation]:
    """The stored evaluations of ``[since, until)`` that ``user`` may see, oldest first; only ``operator``'s and
    ``checklist_id``'s when given (an operator asking for someone else's gets none)."""
    if user.role == "operator" and operator not in (None, user.operator_id):
        return []
    evaluations = stored_evaluations(store.catalog.engine, since=since, until=until,
                                     operator_id=user.operator_id if user.role == "operator" else operator,
                                     checklist_id=checklist_id)
    if user.role == "supervisor":
        mine = _team_operators(store, user.team)
        evaluations = [e for e in evaluations if e.team == user.team or (e.team is None and e.operator_id in mine)]
    return evaluations


def mystery_figures(store: Store, user: User, f: MysteryFilter, checklists: Sequence[Checklist]) -> dict[str, Any]:
    """The comparison of the evaluations ``user`` sees in the period of ``f``: ``operators``, ``items`` and
    ``visits`` rows as ``cxmon report mystery --json`` has them, the ``evaluations`` themselves (newest first),
    the ``threshold`` and ``checklists_not_configured`` (evaluated forms no longer configured: left out)."""
    evaluations = visible_evaluations(store, user, since=f.start, until=f.end)
    report = mystery_comparison(store, evaluations, checklists, since=f.start, until=f.end,
                                threshold_points=f.threshold_points)
    configured = {c.id for c in checklists}
    return {**report, "threshold": f.threshold_points,
            "evaluations": [e.document() for e in reversed(evaluations)],
            "checklists_not_configured": sorted({e.checklist_id for e in evaluations} - configured)}
