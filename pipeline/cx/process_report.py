"""Process metrics per contact and per operator, team or day: the rows of ``cxmon report process``,
and the "always demands an operator" routing hint.

:func:`contact_metrics` reads a period's contacts (with their customers' contacts around it, for
first-contact resolution), their telephony events and transcript marks; :func:`process_rows` groups
them (no I/O, no clock). The definitions are those of :mod:`features.process_metrics`.

What a row counts
-----------------
- ``contacts``: contacts in the group (calls, chats, desk visits); ``with_events``: those whose
  telephony events tell their process (the base of ``abandonment_rate``).
- ``fcr``: resolved first time / contacts where that is known (``fcr_known``); ``repeat_contacts``:
  contacts that repeat an earlier one within the window.
- ``aht_s``: mean handle time (talk + hold + after-call work) of the contacts whose handle time is known,
  from their telephony events, their chat messages, or (a call without events) estimated from its audio
  features (:mod:`features.handle_time`); ``aht_call_s`` and ``aht_chat_s`` split it by channel and
  ``aht_sources`` counts ``{events, audio, chat}``. ``talk_s``, ``hold_s``, ``acw_s``: the means of the
  parts where known (a chat has no hold; ACW only where an export gives it).
- ``service_level``: answered within ``sl_threshold_s`` / queued (answered + abandoned in the queue).
- ``abandonment_rate``: (abandoned in the queue + in the IVR) / ``with_events``.
- ``transfers``: transfer events; ``asked_for_operator``: contacts where the customer asked for one
  (IVR exit, operator-request event or a tagged customer turn); ``ivr_exits``: ``{exit: contacts}``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from features.handle_time import SOURCES, HandleTime, audio_handle, chat_handle, events_handle
from features.process_metrics import (
    ProcessTimes, Visit, demands_operator, mean, process_times, rate, repeat_flags, service_level,
)
from pipeline.cx.process_store import (
    ContactRow, call_features_without_events, chat_messages, contacts_in, events_of, histories, ids_in_period,
    last_contacts, turn_marks,
)

GROUPS = {"operator": "operator_id", "team": "team", "day": "day"}
"""``--by`` and the key its rows carry."""


@dataclass(frozen=True, slots=True)
class ContactMetrics:
    contact: ContactRow
    process: ProcessTimes
    fcr: bool | None
    repeat: bool | None
    topic: str | None
    asked_for_operator: bool
    handle: HandleTime | None = None

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        c, p, h = self.contact, self.process, self.handle
        return {"contact_id": c.contact_id, "channel": c.channel, "customer_id": c.customer_id,
                "operator_id": c.operator_id, "team": c.team,
                "at": c.at.astimezone(tz).isoformat() if c.at else None, "topic": self.topic, "fcr": self.fcr,
                "repeat": self.repeat, "answered": p.answered, "queue_wait_s": p.queue_wait_s,
                "abandoned_in": p.abandoned_in,
                # the handle time from its one source; the parts None too when no source tells it
                "talk_s": h.talk_s if h else None, "hold_s": h.hold_s if h else None,
                "acw_s": h.acw_s if h else None, "handle_s": h.handle_s if h else None,
                "aht_source": h.source if h else None, "transfers": p.transfers, "ivr_exit": p.ivr_exit,
                "asked_for_operator": self.asked_for_operator}


def _seconds(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


def handle_of(contact: ContactRow, process: ProcessTimes, *, has_events: bool,
              messages: Sequence[tuple[str, float]] | None, call_values: dict[str, Any] | None) -> HandleTime | None:
    """A contact's handle time from the source that tells it: a chat's messages (ACW from its events),
    a call's events, else its audio features (an estimate); None when none does."""
    if contact.channel == "chat":
        return chat_handle(messages, acw_s=process.acw_s) if messages else None
    if has_events:
        return events_handle(process.talk_s, process.hold_s, process.acw_s) if process.answered else None
    return audio_handle(call_values) if call_values is not None and contact.channel == "call" else None


def contact_metrics(engine: sa.Engine, *, since: datetime | None, until: datetime | None, as_of: datetime,
                    fcr_window_h: float, operator_exits: Iterable[str] = ("operator",),
                    progress: bool = False) -> list[ContactMetrics]:
    """The process metrics of each contact in ``[since, until)``; ``as_of`` is the moment described
    (a contact whose FCR window has not closed by then has ``fcr`` None unless it was repeated)."""
    from tqdm import tqdm

    period = contacts_in(engine, since=since, until=until)
    if not period:
        return []
    window = timedelta(hours=fcr_window_h)
    wide = (since - window if since else None, until + window if until else None)
    around = histories(engine, (since, until), since=wide[0], until=wide[1])
    everyone = {c.contact_id: c for c in [*around, *period]}
    marks = turn_marks(engine, ids_in_period(*wide))
    visits = [Visit(c.contact_id, c.customer_id, _seconds(c.at), marks[c.contact_id].topic
                    if c.contact_id in marks else None) for c in everyone.values()]
    flags = repeat_flags(visits, window_h=fcr_window_h, as_of_s=as_of.timestamp())
    events = events_of(engine, ids_in_period(since, until))
    chats = chat_messages(engine, ids_in_period(since, until))
    heard = call_features_without_events(engine, ids_in_period(since, until))
    exits = tuple(operator_exits)
    found = []
    for contact in tqdm(period, desc="process metrics", unit="contact", disable=not progress, leave=False):
        process = process_times(events.get(contact.contact_id, ()), operator_exits=exits)
        mark = marks.get(contact.contact_id)
        fcr, repeat = flags[contact.contact_id]
        handle = handle_of(contact, process, has_events=contact.contact_id in events,
                           messages=chats.get(contact.contact_id), call_values=heard.get(contact.contact_id))
        found.append(ContactMetrics(contact, process, fcr, repeat, mark.topic if mark else None,
                                    process.asked_for_operator or bool(mark and mark.asked_for_operator), handle))
    return found


def _key(metrics: ContactMetrics, by: str, tz: tzinfo) -> str | None:
    c = metrics.contact
    if by == "day":
        return c.at.astimezone(tz).date().isoformat() if c.at else None
    return c.operator_id if by == "operator" else c.team


def _row(items: Sequence[ContactMetrics], *, sl_threshold_s: float) -> dict[str, Any]:
    processes = [m.process for m in items]
    known = [m.fcr for m in items if m.fcr is not None]
    answered = [p for p in processes if p.answered]
    with_events = [p for p in processes if p.answered is not None]
    queued = [p for p in with_events if p.queued]
    abandoned_queue = sum(p.abandoned_in == "queue" for p in processes)
    abandoned_ivr = sum(p.abandoned_in == "ivr" for p in processes)
    handles = [m.handle for m in items if m.handle is not None]
    exits: dict[str, int] = defaultdict(int)
    for p in processes:
        if p.ivr_exit is not None:
            exits[p.ivr_exit] += 1
    return {
        "contacts": len(items), "with_events": len(with_events),
        "fcr": rate(sum(known), len(known)), "fcr_known": len(known),
        "repeat_contacts": sum(bool(m.repeat) for m in items),
        "aht_s": mean(h.handle_s for h in handles),
        "aht_call_s": mean(h.handle_s for h in handles if h.source != "chat"),
        "aht_chat_s": mean(h.handle_s for h in handles if h.source == "chat"),
        "aht_sources": {source: sum(h.source == source for h in handles) for source in SOURCES},
        "talk_s": mean(h.talk_s for h in handles), "hold_s": mean(h.hold_s for h in handles),
        "acw_s": mean(h.acw_s for h in handles),
        "service_level": service_level([p.queue_wait_s for p in queued], [bool(p.answered) for p in queued],
                                       threshold_s=sl_threshold_s),
        "queued": len(queued), "answered": len(answered),
        "abandoned_queue": abandoned_queue, "abandoned_ivr": abandoned_ivr,
        "abandonment_rate": rate(abandoned_queue + abandoned_ivr, len(with_events)),
        "transfers": sum(p.transfers for p in processes),
        "asked_for_operator": sum(m.asked_for_operator for m in items),
        "ivr_exits": dict(sorted(exits.items())),
    }


def process_rows(metrics: Sequence[ContactMetrics], *, by: str | None, sl_threshold_s: float,
                 tz: tzinfo) -> list[dict[str, Any]]:
    """One row per operator, team or day (``by``; None: one row for all), sorted by key (unknown last)."""
    if by is not None and by not in GROUPS:
        raise ValueError(f"by={by!r}; expected one of {', '.join(GROUPS)} or None")
    if by is None:
        return [_row(metrics, sl_threshold_s=sl_threshold_s)] if metrics else []
    groups: dict[str | None, list[ContactMetrics]] = defaultdict(list)
    for m in metrics:
        groups[_key(m, by, tz)].append(m)
    ordered = sorted(groups, key=lambda k: (k is None, k or ""))
    return [{GROUPS[by]: key, **_row(groups[key], sl_threshold_s=sl_threshold_s)} for key in ordered]


def routing_hints(engine: sa.Engine, *, k: int, n: int, until: datetime | None,
                  operator_exits: Iterable[str] = ("operator",), tz: tzinfo) -> list[dict[str, Any]]:
    """The customers who asked for an operator in at least ``k`` of their last ``n`` contacts before
    ``until``: ``customer_id``, ``route`` (``operator``), ``asked``, ``of_last``, ``last_asked_at``."""
    demands_operator([], k=k, n=n)  # checks k and n before any query
    recent, ids = last_contacts(engine, n=n, until=until)
    events = events_of(engine, ids, types=("ivr_end", "other"))
    marks = turn_marks(engine, ids)
    exits = tuple(operator_exits)
    by_customer: dict[str, list[tuple[ContactRow, bool]]] = defaultdict(list)
    for contact in recent:
        mark = marks.get(contact.contact_id)
        asked = process_times(events.get(contact.contact_id, ()), operator_exits=exits).asked_for_operator \
            or bool(mark and mark.asked_for_operator)
        by_customer[contact.customer_id].append((contact, asked))
    hints = []
    for customer, history in sorted(by_customer.items()):
        history.reverse()  # oldest first
        flags = [asked for _, asked in history]
        if demands_operator(flags, k=k, n=n):
            last = max((c.at for c, asked in history if asked and c.at), default=None)
            hints.append({"customer_id": customer, "route": "operator", "asked": sum(flags), "of_last": len(flags),
                          "last_asked_at": last.astimezone(tz).isoformat() if last else None})
    return hints


HINT_COLUMNS = ("customer_id", "route", "asked", "of_last", "last_asked_at")


def write_hints(hints: Sequence[dict[str, Any]], path: Path) -> Path:
    """Write the routing hints as CSV (``.csv``) or a JSON list (``.json``); other suffixes are refused."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ValueError(f"{path.name}: expected a .csv or .json file for the routing hints")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(json.dumps(list(hints), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=HINT_COLUMNS)
        writer.writeheader()
        writer.writerows({name: hint.get(name) for name in HINT_COLUMNS} for hint in hints)
    return path
