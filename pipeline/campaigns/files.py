"""CRM files for campaigns: lifecycle events (``NAME.crm-events.csv|jsonl``) and customers' addresses
(``NAME.customers.csv|jsonl``), read whole with ``FILE:LINE`` problems.

Events: ``customer`` (or ``customer_id``), ``event`` (``trial_started``, ``deal_closed``,
``subscription_month_1``, ...: lowercase letters, digits, _), ``ts`` (ISO 8601; without an offset it is
read in the ``timezone`` given). Any row may also carry ``email``, ``chat_id`` and ``tz`` (an IANA zone):
the customer's addresses and zone for invitations and quiet hours. A customers file is the same without
``event`` and ``ts``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

EVENT_SUFFIXES = (".crm-events.csv", ".crm-events.jsonl")
CUSTOMER_SUFFIXES = (".customers.csv", ".customers.jsonl")
_EVENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class CrmEvent:
    customer_id: str
    event: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CustomerAddress:
    customer_id: str
    email: str | None = None
    chat_id: str | None = None
    tz: str | None = None


@dataclass
class CrmFile:
    events: list[CrmEvent] = field(default_factory=list)
    customers: dict[str, CustomerAddress] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)   # (line, message)


def crm_file_kind(name: str) -> str | None:
    """"events", "customers" or None, by the file's name.

    >>> crm_file_kind("crm.crm-events.csv"), crm_file_kind("all.customers.jsonl"), crm_file_kind("x.csv")
    ('events', 'customers', None)
    """
    lower = name.lower()
    if lower.endswith(EVENT_SUFFIXES):
        return "events"
    if lower.endswith(CUSTOMER_SUFFIXES):
        return "customers"
    return None


def _rows(data: bytes, *, jsonl: bool) -> list[tuple[int, object]]:
    text = data.decode("utf-8-sig")
    if jsonl:
        out: list[tuple[int, object]] = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append((n, json.loads(line)))
            except json.JSONDecodeError as error:
                out.append((n, f"not JSON ({error.msg})"))
        return out
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, row) for row in reader]


def _text(row: dict, *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def read_crm_file(data: bytes, *, jsonl: bool, events: bool, tz: tzinfo) -> CrmFile:
    """The events (when ``events``) and customer addresses of a CRM file; bad rows become problems."""
    from zoneinfo import ZoneInfo

    out = CrmFile()
    try:
        rows = _rows(data, jsonl=jsonl)
    except UnicodeDecodeError:
        out.problems.append((1, "not UTF-8 text"))
        return out
    except csv.Error as error:
        out.problems.append((1, f"not CSV ({error})"))
        return out
    if len(rows) > MAX_ROWS:
        out.problems.append((1, f"{len(rows)} rows; expected at most {MAX_ROWS}"))
        return out
    for line, row in rows:
        if isinstance(row, str):
            out.problems.append((line, row))
            continue
        if not isinstance(row, dict):
            out.problems.append((line, f"{type(row).__name__}; expected an object with customer, event, ts"))
            continue
        customer = _text(row, "customer", "customer_id")
        if not customer or len(customer) > 128:
            out.problems.append((line, "no customer; expected a customer id (1-128 characters)"))
            continue
        found = None
        if events:
            event, ts = _text(row, "event"), _text(row, "ts", "at")
            if not _EVENT.match(event):
                out.problems.append((line, f"event {event!r}; expected a name of lowercase letters, digits and _"))
                continue
            try:
                at = datetime.fromisoformat(ts.replace("Z", "+00:00"))
            except ValueError:
                out.problems.append((line, f"ts {ts!r}; expected an ISO 8601 time, e.g. 2026-03-01T10:00:00+03:00"))
                continue
            found = CrmEvent(customer, event, at if at.tzinfo else at.replace(tzinfo=tz))
        email, chat_id, zone = _text(row, "email") or None, _text(row, "chat_id") or None, _text(row, "tz") or None
        if email and not _EMAIL.match(email):
            out.problems.append((line, f"email {email!r}; expected name@domain"))
            continue
        if zone:
            try:
                ZoneInfo(zone)
            except (ValueError, KeyError, OSError):
                out.problems.append((line, f"tz {zone!r}; expected an IANA zone such as Asia/Yekaterinburg"))
                continue
        if found is not None:
            out.events.append(found)
        if email or chat_id or zone:
            before = out.customers.get(customer, CustomerAddress(customer))
            out.customers[customer] = CustomerAddress(customer, email or before.email, chat_id or before.chat_id,
                                                      zone or before.tz)
    return out
