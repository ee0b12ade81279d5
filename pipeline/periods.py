"""Report periods given as whole days: ``since`` .. ``until`` (YYYY-MM-DD, both included) in the site's time zone.

The web pages with a date filter (``/value``, ``/mystery``) and ``cxmon report value`` read their periods here:
a half-open ``[start, end)`` of zoned datetimes, None where a side is open, and a ValueError naming the
field at fault for anything else (a malformed day, one at the calendar's edge, ``since`` after ``until``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def report_day(text: str, tz: tzinfo, *, end: bool = False) -> datetime:
    """The start of the day ``text`` (YYYY-MM-DD) in ``tz``; with ``end``, the start of the next one (the day
    included). ValueError for anything else.

    >>> from datetime import UTC
    >>> report_day("2026-03-31", UTC, end=True).isoformat()
    '2026-04-01T00:00:00+00:00'
    """
    try:
        day = date.fromisoformat(text)
        start = datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=tz)
        start.astimezone(UTC)  # the queries compare in UTC: the calendar's first and last days cannot be
    except ValueError:
        raise ValueError(f"{text[:40]!r}: expected a date YYYY-MM-DD") from None
    except OverflowError:
        raise ValueError(f"{text[:40]!r} is out of range; expected a date within years 2..9998") from None
    return start


def report_period(since: str | None, until: str | None, tz: tzinfo, *,
                  names: tuple[str, str] = ("since", "until")) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of the days ``since`` .. ``until`` (both included, YYYY-MM-DD in ``tz``; None:
    open). ValueError naming the option (``names``) at fault, or ``since`` after ``until``.

    >>> from datetime import UTC
    >>> [t.day for t in report_period("2026-03-01", "2026-03-31", UTC)]
    [1, 1]
    >>> report_period("2026-03-02", "2026-03-01", UTC)
    Traceback (most recent call last):
    ValueError: since 2026-03-02 is after until 2026-03-01
    """
    try:
        start = report_day(since, tz) if since is not None else None
    except ValueError as error:
        raise ValueError(f"{names[0]} {error}") from None
    try:
        end = report_day(until, tz, end=True) if until is not None else None
    except ValueError as error:
        raise ValueError(f"{names[1]} {error}") from None
    if start and end and start >= end:
        raise ValueError(f"{names[0]} {since} is after {names[1]} {until}")
    return start, end
