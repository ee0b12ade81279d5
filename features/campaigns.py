"""Survey campaigns as pure rules: quiet hours, the frequency cap, who gets what when, invitation states.

Numbers and times in, decisions out: no clock (``now`` is always passed), no store, no network. A
time zone is any ``tzinfo`` (``zoneinfo.ZoneInfo("Europe/Moscow")``); every datetime is aware.

An invitation moves through :data:`TRANSITIONS`::

    sent -> delivered -> answered | ignored | opted_out
    sent -> answered | ignored | opted_out

``answered``, ``ignored`` and ``opted_out`` are final. A reminder is sent once, while the invitation
is open (``sent`` or ``delivered``); it does not change the state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

STATES = ("sent", "delivered", "answered", "ignored", "opted_out")
OPEN_STATES = frozenset({"sent", "delivered"})
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "sent": frozenset({"delivered", "answered", "ignored", "opted_out"}),
    "delivered": frozenset({"answered", "ignored", "opted_out"}),
    "answered": frozenset(),
    "ignored": frozenset(),
    "opted_out": frozenset(),
}
SKIP_REASONS = ("consent", "cap", "no_address", "late")
"""Why a due invitation is not sent, for good: no consent (never asked or STOP), the frequency cap, no
address for the campaign's sink, or due so long ago that asking now would be stale."""


def _aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}={value!r}; expected an aware datetime")


def next_state(state: str, event: str) -> str:
    """The state after ``event`` (a state name); the same state when the move is not allowed
    (a late "delivered" receipt after the answer keeps the answer).

    >>> next_state("sent", "delivered"), next_state("answered", "delivered"), next_state("delivered", "ignored")
    ('delivered', 'answered', 'ignored')
    """
    if state not in TRANSITIONS:
        raise ValueError(f"state={state!r}; expected one of {list(STATES)}")
    if event not in TRANSITIONS:
        raise ValueError(f"event={event!r}; expected one of {list(STATES)}")
    return event if event in TRANSITIONS[state] else state


def in_quiet_hours(local: time, *, start: time, end: time) -> bool:
    """True when the local wall-clock time ``local`` falls in ``[start, end)``; the span may cross
    midnight (21:00-09:00). ``start == end`` means no quiet hours.

    >>> in_quiet_hours(time(23, 30), start=time(21), end=time(9)), in_quiet_hours(time(9), start=time(21), end=time(9))
    (True, False)
    >>> in_quiet_hours(time(13), start=time(12), end=time(14)), in_quiet_hours(time(11), start=time(12), end=time(14))
    (True, False)
    """
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def first_allowed_at(at: datetime, *, tz: tzinfo, start: time, end: time) -> datetime:
    """``at`` itself when it is outside the customer's quiet hours (``start``-``end`` in ``tz``), else the
    instant the quiet hours end, in ``at``'s own zone.

    >>> from datetime import timezone
    >>> msk = timezone(timedelta(hours=3))
    >>> first_allowed_at(datetime(2026, 3, 1, 20, 0, tzinfo=timezone.utc), tz=msk, start=time(21), end=time(9))
    datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.timezone.utc)
    """
    _aware("at", at)
    local = at.astimezone(tz)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start=start, end=end):
        return at
    day = local.date() if (start > end and local.time() < end) or start < end else local.date() + timedelta(days=1)
    ends = datetime.combine(day, end, tzinfo=tz)
    return ends.astimezone(at.tzinfo)


def capped(last_sent_at: datetime | None, at: datetime, *, cap_days: float) -> bool:
    """True when a survey sent at ``last_sent_at`` is less than ``cap_days`` before ``at`` (0: no cap).

    >>> from datetime import timezone
    >>> t = datetime(2026, 3, 10, tzinfo=timezone.utc)
    >>> [capped(last, t, cap_days=14) for last in (t - timedelta(days=13), t - timedelta(days=14), None)]
    [True, False, False]
    """
    if cap_days < 0:
        raise ValueError(f"cap_days={cap_days!r}; expected >= 0")
    return last_sent_at is not None and cap_days > 0 and at - last_sent_at < timedelta(days=cap_days)


@dataclass(frozen=True, slots=True)
class Due:
    """A trigger that fired: ``campaign`` should ask ``customer_id`` about ``key`` (a contact id, an
    event id, a schedule period) ``delay`` after ``triggered_at``."""

    campaign: str
    customer_id: str
    key: str
    triggered_at: datetime
    contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """One campaign's timing rules: delay, quiet hours (local), how late it may still ask, the cap."""

    delay_h: float = 0.0
    quiet_start: time = time(21)
    quiet_end: time = time(9)
    late_h: float = 72.0
    cap_days: float = 30.0


@dataclass(frozen=True, slots=True)
class Decision:
    """``action``: "send" now, "skip" for good (``reason`` one of :data:`SKIP_REASONS`), or "wait" until
    ``at`` (``reason`` "delay" or "quiet_hours")."""

    due: Due
    action: str
    reason: str = ""
    at: datetime | None = None


def plan(dues: Iterable[Due], rules: Mapping[str, Rules], *, now: datetime, consent: Mapping[str, bool],
         last_sent: Mapping[str, datetime], zones: Mapping[str, tzinfo], default_tz: tzinfo,
         addressable: Iterable[str] | None = None) -> list[Decision]:
    """Who gets which survey now, who later, and who not at all (and why), in the order of ``dues``
    (oldest trigger first wins the cap: give them sorted by ``triggered_at``).

    Checked in this order: the delay (wait), lateness (skip "late"), consent (skip: never asked or
    withdrawn), an address (skip "no_address", when ``addressable`` is given), the cap across every
    campaign (skip "cap": ``last_sent`` per customer, and each send planned here), the quiet hours in the
    customer's zone (``zones``, else ``default_tz``; wait). A customer gets at most one survey a run.

    >>> from datetime import timezone
    >>> utc, now = timezone.utc, datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
    >>> d = [Due("after_call", c, "k" + c, now - timedelta(hours=3)) for c in ("a", "b", "c")]
    >>> out = plan(d, {"after_call": Rules(delay_h=1)}, now=now, consent={"a": True, "c": True},
    ...            last_sent={"c": now - timedelta(days=2)}, zones={}, default_tz=utc)
    >>> [(x.due.customer_id, x.action, x.reason) for x in out]
    [('a', 'send', ''), ('b', 'skip', 'consent'), ('c', 'skip', 'cap')]
    """
    _aware("now", now)
    sent = dict(last_sent)
    reachable = None if addressable is None else set(addressable)
    out: list[Decision] = []
    for due in dues:
        _aware("triggered_at", due.triggered_at)
        if due.campaign not in rules:
            raise ValueError(f"campaign {due.campaign!r} has no rules; expected one of {sorted(rules)}")
        r = rules[due.campaign]
        due_at = due.triggered_at + timedelta(hours=r.delay_h)
        if now < due_at:
            out.append(Decision(due, "wait", "delay", due_at))
            continue
        if now - due_at > timedelta(hours=r.late_h):
            out.append(Decision(due, "skip", "late"))
            continue
        if not consent.get(due.customer_id, False):
            out.append(Decision(due, "skip", "consent"))
            continue
        if reachable is not None and due.customer_id not in reachable:
            out.append(Decision(due, "skip", "no_address"))
            continue
        if capped(sent.get(due.customer_id), now, cap_days=r.cap_days):
            out.append(Decision(due, "skip", "cap"))
            continue
        allowed = first_allowed_at(now, tz=zones.get(due.customer_id, default_tz), start=r.quiet_start,
                                   end=r.quiet_end)
        if allowed != now:
            out.append(Decision(due, "wait", "quiet_hours", allowed))
            continue
        sent[due.customer_id] = now
        out.append(Decision(due, "send"))
    return out


def reminder_due(state: str, *, sent_at: datetime, now: datetime, reminded: bool, remind_after_h: float | None,
                 expires_h: float) -> bool:
    """True when an open invitation gets its one reminder now: not reminded yet, at least
    ``remind_after_h`` after sending and before it expires (None: the campaign sends no reminder).

    >>> from datetime import timezone
    >>> t = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    >>> [reminder_due("sent", sent_at=t, now=t + timedelta(hours=h), reminded=r, remind_after_h=24, expires_h=72)
    ...  for h, r in ((23, False), (25, False), (25, True), (80, False))]
    [False, True, False, False]
    """
    if remind_after_h is None or reminded or state not in OPEN_STATES:
        return False
    age = now - sent_at
    return timedelta(hours=remind_after_h) <= age < timedelta(hours=expires_h)


def expired(state: str, *, sent_at: datetime, now: datetime, expires_h: float) -> bool:
    """True when an open invitation has waited ``expires_h`` without an answer: it becomes "ignored".

    >>> from datetime import timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> [expired(s, sent_at=t, now=t + timedelta(hours=72), expires_h=72) for s in ("delivered", "answered")]
    [True, False]
    """
    return state in OPEN_STATES and now - sent_at >= timedelta(hours=expires_h)


def schedule_period(now: datetime, *, every_days: float, origin: datetime) -> tuple[int, datetime]:
    """The number of the ``every_days`` period ``now`` falls in, counted from ``origin``, and its start.

    >>> from datetime import timezone
    >>> o = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> schedule_period(datetime(2026, 1, 31, 5, tzinfo=timezone.utc), every_days=30, origin=o)
    (1, datetime.datetime(2026, 1, 31, 0, 0, tzinfo=datetime.timezone.utc))
    """
    _aware("now", now)
    if every_days <= 0:
        raise ValueError(f"every_days={every_days!r}; expected > 0")
    n = int((now - origin) / timedelta(days=every_days))
    return n, origin + n * timedelta(days=every_days)
