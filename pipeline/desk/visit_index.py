"""Which desk visit was going on at a desk at a moment, and what the camera read then.

The desk devices of :mod:`pipeline.desk.feedback`, :mod:`~pipeline.desk.panel` and
:mod:`~pipeline.desk.sellers` are tied to the camera's visits through this: a desk contact
(``channel="desk"``, ``started_at`` = the arrival's wall clock) and its visit document (JSON under
``desk/``: ``desk_id``, ``site_id``, ``arrive_s``, ``leave_s``, ``emotion_series`` = ``[[t_s,
"happy"], ...]`` with ``t_s`` from the video or stream start) make one :class:`Visit`, which spans
``[started_at, started_at + leave_s - arrive_s]``.
"""

from __future__ import annotations

import json
import logging
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.records import Contact
from pipeline.store import Store
from pipeline.store.objects import get_bytes

log = logging.getLogger(__name__)

LOOKBACK = timedelta(hours=12)
"""How long before a press a visit it falls in may have started (a desk visit is minutes, not hours)."""


@dataclass(frozen=True, slots=True)
class Visit:
    """One desk visit: its contact, where it was, when, and the top emotion per read frame."""

    contact_id: str
    arrived_at: datetime
    left_at: datetime
    arrive_s: float
    desk_id: str | None = None
    site_id: str | None = None
    operator_id: str | None = None
    emotion_series: tuple[tuple[float, str], ...] = ()

    def holds(self, at: datetime) -> bool:
        return self.arrived_at <= at <= self.left_at

    def emotion_at(self, at: datetime) -> str | None:
        """The top emotion of the latest frame read at or before ``at`` (None: no frame read by then)."""
        t_s = self.arrive_s + (at - self.arrived_at).total_seconds()
        times = [t for t, _ in self.emotion_series]
        found = bisect_right(times, t_s)
        return self.emotion_series[found - 1][1] if found else None


def _number(document: Mapping[str, Any], name: str) -> float:
    value = document.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} is {value!r}; expected seconds")
    return float(value)


def _text(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} is a JSON {type(value).__name__}; expected text or null")
    return value or None


def visit_of(contact: Contact, document: Mapping[str, Any]) -> Visit:
    """The :class:`Visit` of a desk contact and its visit document; ValueError naming what is wrong."""
    if contact.started_at is None:
        raise ValueError(f"desk contact {contact.contact_id} has no started_at (the arrival's wall clock)")
    arrive_s, leave_s = _number(document, "arrive_s"), _number(document, "leave_s")
    if leave_s < arrive_s:
        raise ValueError(f"leave_s {leave_s} is before arrive_s {arrive_s}")
    series = []
    for item in document.get("emotion_series") or ():
        if (not isinstance(item, list | tuple) or len(item) != 2 or not isinstance(item[1], str)
                or isinstance(item[0], bool) or not isinstance(item[0], int | float)):
            raise ValueError(f"emotion_series item {item!r}; expected [t_s, emotion]")
        series.append((float(item[0]), item[1]))
    return Visit(contact_id=contact.contact_id, arrived_at=contact.started_at,
                 left_at=contact.started_at + timedelta(seconds=leave_s - arrive_s), arrive_s=arrive_s,
                 desk_id=_text(document, "desk_id"), site_id=_text(document, "site_id"),
                 operator_id=contact.operator_id or _text(document, "operator_id"),
                 emotion_series=tuple(sorted(series)))


def desk_visits(store: Store, since: datetime, until: datetime) -> list[Visit]:
    """The visits of the desk contacts that started in ``[since, until)``, by arrival.

    A visit document that cannot be read is logged and left out: the device events still go in,
    unlinked, and a later run links them once the document is there."""
    visits = []
    for contact in store.catalog.contacts_started(since, until):
        if contact.channel != "desk":
            continue
        try:
            document = json.loads(get_bytes(store.objects, contact.object_key))
            if not isinstance(document, dict):
                raise ValueError(f"a JSON {type(document).__name__}; expected an object")
            visits.append(visit_of(contact, document))
        except (OSError, ValueError) as error:
            log.warning("desk contact %s: visit document %s not used: %s", contact.contact_id,
                        contact.object_key, error)
    return visits


class VisitIndex:
    """Visits by desk, to find the one at a desk at a moment and to count a desk's visitors."""

    def __init__(self, visits: Iterable[Visit]) -> None:
        self.visits = sorted(visits, key=lambda v: (v.arrived_at, v.contact_id))

    @classmethod
    def around(cls, store: Store, moments: Iterable[datetime]) -> VisitIndex:
        """The visits that may hold any of ``moments``."""
        moments = list(moments)
        if not moments:
            return cls(())
        return cls(desk_visits(store, min(moments) - LOOKBACK, max(moments) + timedelta(microseconds=1)))

    def at(self, desk_id: str | None, at: datetime) -> Visit | None:
        """The visit at ``desk_id`` whose span holds ``at``; of several, the one that arrived last. None
        without a desk: a press at an unknown desk belongs to no visit."""
        if desk_id is None:
            return None
        found = [v for v in self.visits if v.desk_id == desk_id and v.holds(at)]
        return found[-1] if found else None

    def count(self, since: datetime, until: datetime, *, desks: Iterable[str] = (),
              sites: Iterable[str] = ()) -> int:
        """Visits that arrived in ``[since, until)`` at any of ``desks`` or ``sites``."""
        desks, sites = set(desks), set(sites)
        return sum(1 for v in self.visits if since <= v.arrived_at < until
                   and ((v.desk_id is not None and v.desk_id in desks)
                        or (v.site_id is not None and v.site_id in sites)))
