"""Contact-centre process metrics from telephony events and contact histories: pure functions.

A contact's process comes from its telephony events (``NAME.events.json``): the answer, the queue
wait, holds, transfers, the IVR exit, and a hang-up before anyone answered (abandonment). A
customer's history gives first-contact resolution (no repeat contact within a window) and the
"always demands an operator" flag. Times are seconds; a contact's start is epoch seconds.

Definitions (README, "Process metrics"):

- **answered**: an ``agent_answer`` event (or no IVR or queue event at all, below); None when the
  contact has no events (unknown, left out of service level and abandonment).
- **queue wait**: the answer (or, abandoned in the queue, the hang-up) minus the queue entry: the
  first ``queue_start``, else the last ``ivr_end`` before the answer, else the recording's start.
- **abandoned**: no answer, and the caller hung up in the queue (``queue``: a ``queue_start``) or
  inside the IVR (``ivr``: an ``ivr_start`` still open at the end). A caller who left the IVR by an
  exit and never queued was served by the IVR, not abandoned. Events without any IVR, queue or answer
  event (only holds, transfers, the hang-up: an agent-side recorder) are a conversation answered at
  the recording's start, with no queue wait known.
- **handle time** (AHT per contact): talk + hold + after-call work. Talk is answer to hang-up less
  holds; after-call work is an ``acw_s`` (or ``wrap_up_s``) number on an event, or an ``other`` event
  pair ``acw_start``/``acw_end``; without either it is unknown and counts as 0 in the handle time.
- **service level**: of the contacts that reached the queue (answered, or abandoned in the queue),
  the share answered within ``sl_threshold_s`` of queue wait.
- **first-contact resolution**: the same customer does not contact again within ``window_h`` hours
  (on the same topic, when both contacts have one). Unknown (None) without a customer or a start,
  or while the window is still open at ``as_of_s``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

ACW_FIELDS = ("acw_s", "wrap_up_s")
"""Numbers an export may write on an event (kept in its ``extra``): after-call work in seconds."""
OPERATOR_REQUEST = "operator_request"
"""The own type of an ``other`` event the IVR or bot writes when the caller asks for a person."""


class Event(Protocol):
    """A telephony event (``pipeline.records.TelephonyEvent`` is one)."""

    type: str
    t_s: float
    exit: str | None
    extra: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ProcessTimes:
    """One contact's process, as its telephony events tell it (None: the events do not say)."""

    answered: bool | None = None
    queued: bool = False
    queue_wait_s: float | None = None
    abandoned_in: str | None = None
    talk_s: float | None = None
    hold_s: float | None = None
    acw_s: float | None = None
    transfers: int = 0
    ivr_exit: str | None = None
    asked_for_operator: bool = False

    @property
    def handle_s(self) -> float | None:
        """Talk + hold + after-call work (0 when unknown), for an answered contact; else None."""
        if not self.answered or self.talk_s is None:
            return None
        return self.talk_s + (self.hold_s or 0.0) + (self.acw_s or 0.0)


def _own_type(event: Event) -> str:
    return str(event.extra.get("type", "")) if event.type == "other" and event.extra else event.type


def _acw_s(events: Sequence[Event], end_s: float) -> float | None:
    for event in events:
        for name in ACW_FIELDS:
            value = (event.extra or {}).get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
                return float(value)
    starts = [e.t_s for e in events if _own_type(e) == "acw_start"]
    ends = [e.t_s for e in events if _own_type(e) == "acw_end"]
    if ends:
        return max(0.0, ends[-1] - (starts[0] if starts else end_s))
    return None


def _hold_s(events: Sequence[Event], end_s: float) -> float:
    total, opened = 0.0, None
    for event in events:
        if event.type == "hold_start" and opened is None:
            opened = event.t_s
        elif event.type == "hold_end" and opened is not None:
            total += max(0.0, min(event.t_s, end_s) - opened)
            opened = None
    if opened is not None:  # a hold still running at the hang-up lasts to the end
        total += max(0.0, end_s - opened)
    return total


def process_times(
    events: Iterable[Event], *, duration_s: float | None = None, operator_exits: Iterable[str] = ("operator",)
) -> ProcessTimes:
    """The process of one contact from its telephony events (in order, seconds from the recording's start).

    ``duration_s`` ends the contact when no ``hangup`` does; ``operator_exits`` are the IVR exits
    that mean "put me through to a person".

    >>> from types import SimpleNamespace as E
    >>> ev = [E(type="ivr_start", t_s=0.0, exit=None, extra={}), E(type="ivr_end", t_s=12.0, exit="operator", extra={}),
    ...       E(type="queue_start", t_s=12.0, exit=None, extra={}), E(type="agent_answer", t_s=30.0, exit=None, extra={}),
    ...       E(type="hold_start", t_s=60.0, exit=None, extra={}), E(type="hold_end", t_s=90.0, exit=None, extra={}),
    ...       E(type="hangup", t_s=150.0, exit=None, extra={"acw_s": 20})]
    >>> p = process_times(ev)
    >>> p.answered, p.queue_wait_s, p.talk_s, p.hold_s, p.acw_s, p.handle_s, p.ivr_exit, p.asked_for_operator
    (True, 18.0, 90.0, 30.0, 20.0, 140.0, 'operator', True)
    >>> process_times([])
    ProcessTimes(answered=None, queued=False, queue_wait_s=None, abandoned_in=None, talk_s=None, hold_s=None, \
acw_s=None, transfers=0, ivr_exit=None, asked_for_operator=False)
    """
    events = sorted(events, key=lambda e: e.t_s)  # stable: events at one instant keep their order
    if not events:
        return ProcessTimes()
    for event in events:
        if not isinstance(event.t_s, (int, float)) or not math.isfinite(event.t_s) or event.t_s < 0:
            raise ValueError(f"event {event.type!r} at t_s={event.t_s!r}; expected seconds >= 0")
    exits = frozenset(operator_exits)
    hangups = [e.t_s for e in events if e.type == "hangup"]
    end_s = hangups[-1] if hangups else (duration_s if duration_s is not None else events[-1].t_s)
    answer = next((e.t_s for e in events if e.type == "agent_answer"), None)
    queue_start = next((e.t_s for e in events if e.type == "queue_start"), None)
    ivr_ends = [e for e in events if e.type == "ivr_end"]
    ivr_starts = [e for e in events if e.type == "ivr_start"]
    ivr_open = bool(ivr_starts) and (not ivr_ends or ivr_ends[-1].t_s < ivr_starts[-1].t_s)
    ivr_exit = ivr_ends[-1].exit if ivr_ends else None
    asked = (ivr_exit in exits) or any(_own_type(e) == OPERATOR_REQUEST for e in events)
    transfers = sum(e.type == "transfer" for e in events)

    if answer is not None:
        before = [e.t_s for e in ivr_ends if e.t_s <= answer]
        entry = queue_start if queue_start is not None and queue_start <= answer else (before[-1] if before else 0.0)
        hold = _hold_s([e for e in events if e.t_s >= answer], end_s)
        return ProcessTimes(
            answered=True, queued=True, queue_wait_s=max(0.0, answer - entry),
            talk_s=max(0.0, end_s - answer - hold), hold_s=hold, acw_s=_acw_s(events, end_s), transfers=transfers,
            ivr_exit=ivr_exit, asked_for_operator=asked)
    if queue_start is None and not ivr_starts and not ivr_ends:  # the recording is the conversation
        hold = _hold_s(events, end_s)
        return ProcessTimes(answered=True, talk_s=max(0.0, end_s - hold), hold_s=hold, acw_s=_acw_s(events, end_s),
                            transfers=transfers, asked_for_operator=asked)
    if queue_start is not None:
        where = "queue"
    elif ivr_open:
        where, ivr_exit = "ivr", "(hung up)"
    else:
        where = None  # left the IVR by an exit and never queued: the IVR served the caller
    wait = max(0.0, end_s - (queue_start or 0.0)) if where == "queue" else None
    return ProcessTimes(answered=False, queued=where == "queue", queue_wait_s=wait, abandoned_in=where,
                        transfers=transfers, ivr_exit=ivr_exit, asked_for_operator=asked)


def service_level(waits_s: Sequence[float | None], answered: Sequence[bool], *, threshold_s: float) -> float | None:
    """Share of queued contacts answered within ``threshold_s`` of queue wait (abandoned ones count
    against it); None when no contact queued. ``waits_s[i]`` is None for a contact that never queued.

    >>> service_level([5.0, 25.0, 10.0, None], [True, True, False, True], threshold_s=20)
    0.3333333333333333
    """
    if len(waits_s) != len(answered):
        raise ValueError(f"{len(waits_s)} waits and {len(answered)} answered flags; expected one of each per contact")
    if not threshold_s >= 0:
        raise ValueError(f"threshold_s={threshold_s}; expected seconds >= 0")
    queued = [(w, a) for w, a in zip(waits_s, answered) if w is not None]
    if not queued:
        return None
    return sum(1 for w, a in queued if a and w <= threshold_s) / len(queued)


@dataclass(frozen=True, slots=True)
class Visit:
    """One contact in a customer's history: who, when (epoch seconds), on which topic (None: not known)."""

    contact_id: str
    customer_id: str | None
    start_s: float | None
    topic: str | None = None


def _same_topic(a: Visit, b: Visit) -> bool:
    return a.topic is None or b.topic is None or a.topic == b.topic


def repeat_flags(
    visits: Iterable[Visit], *, window_h: float, as_of_s: float | None = None
) -> dict[str, tuple[bool | None, bool | None]]:
    """``{contact_id: (resolved_first_time, is_repeat)}`` over customers' histories.

    Resolved first time: no later contact of the same customer (same topic when both have one)
    within ``window_h`` hours after it. A repeat: an earlier such contact within ``window_h`` before
    it. Both are None without a customer or a start; resolved is None while the window is still
    open at ``as_of_s`` and no repeat came yet.

    >>> h = 3600.0
    >>> vs = [Visit("a", "c1", 0.0), Visit("b", "c1", 10 * h), Visit("c", "c1", 100 * h), Visit("d", None, 0.0)]
    >>> dict(sorted(repeat_flags(vs, window_h=24).items()))
    {'a': (False, False), 'b': (True, True), 'c': (True, False), 'd': (None, None)}
    >>> repeat_flags([Visit("a", "c1", 0.0, "cards"), Visit("b", "c1", h, "loans")], window_h=24, as_of_s=2 * h)
    {'a': (None, False), 'b': (None, False)}
    """
    if not window_h > 0:
        raise ValueError(f"window_h={window_h}; expected hours > 0")
    window_s = window_h * 3600.0
    found: dict[str, tuple[bool | None, bool | None]] = {}
    by_customer: dict[str, list[Visit]] = {}
    for visit in visits:
        if visit.customer_id is None or visit.start_s is None or not math.isfinite(visit.start_s):
            found[visit.contact_id] = (None, None)
        else:
            by_customer.setdefault(visit.customer_id, []).append(visit)
    for history in by_customer.values():
        history.sort(key=lambda v: (v.start_s, v.contact_id))
        for i, visit in enumerate(history):
            later = any(v.start_s - visit.start_s <= window_s and _same_topic(v, visit) for v in history[i + 1:])
            earlier = any(visit.start_s - v.start_s <= window_s and _same_topic(v, visit) for v in history[:i])
            resolved: bool | None = not later
            if resolved and as_of_s is not None and visit.start_s + window_s > as_of_s:
                resolved = None
            found[visit.contact_id] = (resolved, earlier)
    return found


def demands_operator(asked: Sequence[bool], *, k: int, n: int) -> bool:
    """Whether the customer asked for an operator in at least ``k`` of the last ``n`` contacts
    (``asked`` oldest first).

    >>> demands_operator([True, False, True, True], k=2, n=3)
    True
    >>> demands_operator([True, True, False, False], k=2, n=3)
    False
    """
    if not (isinstance(k, int) and isinstance(n, int) and 1 <= k <= n):
        raise ValueError(f"k={k!r}, n={n!r}; expected whole numbers with 1 <= k <= n")
    return sum(bool(a) for a in list(asked)[-n:]) >= k


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, None when ``whole`` is 0.

    >>> rate(1, 4), rate(0, 0)
    (0.25, None)
    """
    return part / whole if whole else None


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the known values, None when none is known.

    >>> mean([1.0, None, 3.0]), mean([None])
    (2.0, None)
    """
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
