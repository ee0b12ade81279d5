"""The value page's and ``/api/value``'s figures: the reports ``cxmon report value`` prints, nothing computed here.

The filter is the CLI's: ``since`` and ``until`` are days (YYYY-MM-DD, both included) in the site's time
zone (:func:`pipeline.periods.report_period`), ``by`` one of :data:`pipeline.value.report.BY`; the
basis, tiers and low-CSI line are the CLI's defaults. The customers' values are read with
:func:`pipeline.value.store.stored_values`, their experience with :func:`pipeline.value.collect.collect_cx`
(once, however many reports are drawn from it) and every row with :func:`pipeline.value.report.value_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from pipeline.periods import report_period
from pipeline.value.collect import collect_cx
from pipeline.value.report import BY, value_report
from pipeline.value.store import stored_values

MAX_SHOWN_CHARS = 64


@dataclass(frozen=True, slots=True)
class ValueFilter:
    """What a request asks for: ``by``, and ``[start, end)`` (None: open) from the days it named."""

    by: str
    start: datetime | None
    end: datetime | None


def value_filter(*, since: str | None, until: str | None, by: str | None, tz: tzinfo) -> ValueFilter:
    """The filter of a request's fields (empty: not given; ``by`` defaults to ``tier``). ValueError with the
    reason for a day that is not YYYY-MM-DD, ``since`` after ``until`` or an unknown ``by``.

    >>> from datetime import UTC
    >>> value_filter(since="2026-03-01", until="", by="", tz=UTC)
    ValueFilter(by='tier', start=datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc), end=None)
    """
    by = (by or "").strip() or "tier"
    if by not in BY:
        raise ValueError(f"by={by[:MAX_SHOWN_CHARS]!r}; expected one of {', '.join(BY)}")
    days = [(text or "").strip() or None for text in (since, until)]
    start, end = report_period(days[0], days[1], tz)
    return ValueFilter(by=by, start=start, end=end)


def value_reports(engine: sa.Engine, f: ValueFilter, bys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{by: the value report by it}`` for each of ``bys``, over the stored values and the period of ``f``
    (the experience read once). Every report's ``totals.customers`` is 0 when no value was imported."""
    values = stored_values(engine)
    cx = collect_cx(engine, [v.customer_id for v in values], since=f.start, until=f.end) if values else {}
    return {by: value_report(values, cx, by=by) for by in bys}


def companion_by(by: str) -> str:
    """The report the page shows beside ``by``'s: the drivers beside a tier or segment table, the tiers beside
    the drivers (so the page always has one chart per group and one per driver).

    >>> companion_by("segment"), companion_by("driver")
    ('driver', 'tier')
    """
    return "tier" if by == "driver" else "driver"
