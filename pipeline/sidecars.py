"""Sidecar files beside a recording: ``NAME.events.json`` and ``NAME.meta.json``.

Both formats are documented in the README. Parsing checks everything a later stage relies on
and raises :class:`SidecarError` naming the file and the first problems found. A message quotes
a bad value only when it is a plain word or a short number; any other value, and a key that is
no plain word, is told by its type and length, since it may be a phone number or an e-mail.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from pipeline.jsonlines import JsonLimitError, bounded_json, checked_field
from pipeline.records import EVENT_TYPES, ChatRole, Speaker, TelephonyEvent

EVENTS_SUFFIX = ".events.json"
META_SUFFIX = ".meta.json"
SIDECAR_SUFFIXES = (EVENTS_SUFFIX, META_SUFFIX)
# Event times a little past the end are rounding in the telephony switch, not an error.
END_TOLERANCE_S = 0.5
_PAIRS = {"ivr_end": "ivr_start", "hold_end": "hold_start"}
MAX_SIDECAR_BYTES = 4 * 1024 * 1024
"""Largest sidecar read: 10,000 events pretty-printed fit in about 1 MB."""
MAX_EVENTS = 10_000
"""Most events in one events sidecar: hours of holds and transfers are a few hundred."""
META_FIELD_CHARS = {"operator_id": 128, "customer_id": 128, "team": 128}
"""The meta fields stored in the catalog and their column sizes (pipeline/catalog/schema.py)."""
EVENT_FIELD_CHARS = 128  # agent_id and exit: String(128) in the catalog
KNOWN_FIELDS = frozenset({"type", "t_s", "agent_id", "exit"})
"""The fields of an event the contract names; any other is kept in the event's ``extra`` with a note."""
OTHER = "other"
"""The type an event of a type the contract does not know is kept as (its own type in ``extra``)."""
MAX_EXTRA_CHARS = 4096
"""Most characters of one event's fields beyond the contract, as JSON: the catalog keeps them beside it."""


class SidecarError(ValueError):
    """A sidecar cannot be used; the message names the file and what is wrong."""


_PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z_\-]{0,39}")


def _quoted(value: Any) -> str:
    """``value`` as a message may quote it: a word (``'coffee_break'``), a bool, a short number or None
    as written; anything else (a phone number, an e-mail, a name: personal data) by its type and length.

    >>> _quoted("late"), _quoted(float("nan")), _quoted("+7 916 123-45-67"), _quoted({"a": 1})
    ("'late'", 'nan', 'a string of 16 characters', 'a JSON object')
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and abs(value) >= 1e9:
        return f"a number of {len(str(int(abs(value))))} digits"  # a phone or card number written as a number
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if _PLAIN_WORD.fullmatch(value) else f"a string of {len(value)} characters"
    return f"a JSON {({dict: 'object', list: 'list'}).get(type(value), type(value).__name__)}"


def _field_name(part: Any) -> str:
    """A field name a message may show: a word as it is, a key that is not (it may be personal data) by its length."""
    return str(part) if isinstance(part, int) or _PLAIN_WORD.fullmatch(str(part)) else \
        f"<a key of {len(str(part))} characters>"


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator_id: str | None = None
    customer_id: str | None = None
    team: str | None = None
    started_at: AwareDatetime | None = None
    channel_map: dict[str, Speaker] = {}
    language: Literal["ru", "en"] | None = None
    roles: dict[str, ChatRole] = {}


@dataclass(frozen=True, slots=True)
class CallMeta:
    operator_id: str | None = None
    customer_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    channel_map: dict[str, Speaker] = field(default_factory=dict)
    language: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    """Chat author names and their roles (agent, customer, bot), for messenger exports."""


def _load_json(path: Path) -> Any:
    with path.open("rb") as file:
        data = file.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        raise SidecarError(f"{path.name}: more than {MAX_SIDECAR_BYTES} bytes; expected at most {MAX_SIDECAR_BYTES}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SidecarError(f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        return bounded_json(text)
    except json.JSONDecodeError as error:
        raise SidecarError(f"{path.name}: malformed JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    except JsonLimitError as error:
        raise SidecarError(f"{path.name}: line {error.line}: {error}") from None


def _field(path: Path, where: str, value: Any, max_chars: int) -> Any:
    """``value`` when it fits its catalog column; a SidecarError naming the field otherwise."""
    if value is None or isinstance(value, bool):
        return value
    try:
        return checked_field(where, str(value), max_chars=max_chars)
    except ValueError as error:
        raise SidecarError(f"{path.name}: {error}") from None


def parse_meta(path: Path, *, channels: int | None) -> CallMeta:
    """Read a meta sidecar for a recording with ``channels`` channels, or for a chat (``channels=None``)."""
    data = _load_json(path)
    if not isinstance(data, dict):
        raise SidecarError(f"{path.name}: expected a JSON object, got {type(data).__name__}")
    try:
        meta = _Meta.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(_field_name(p) for p in e['loc']) or 'top level'}: {e['msg']}" for e in error.errors()[:3]
        )
        raise SidecarError(f"{path.name}: {problems}") from None
    for name, max_chars in META_FIELD_CHARS.items():
        _field(path, name, getattr(meta, name), max_chars)
    sides = set() if channels is None else {"left", "right"} if channels == 2 else {"mono"}
    unknown = set(meta.channel_map) - sides
    if unknown:
        raise SidecarError(
            f"{path.name}: channel_map names [{', '.join(map(_quoted, sorted(unknown)))}]; "
            f"a {channels}-channel recording has {sorted(sides)}"
        )
    return CallMeta(
        operator_id=meta.operator_id,
        customer_id=meta.customer_id,
        team=meta.team,
        started_at=meta.started_at,
        channel_map=dict(meta.channel_map),
        language=meta.language,
        roles=dict(meta.roles),
    )


def _event(path: Path, index: int, item: Any) -> TelephonyEvent:
    where = f"{path.name}: event {index}"
    if not isinstance(item, dict):
        raise SidecarError(f"{where}: expected an object like {{\"type\": \"hold_start\", \"t_s\": 12.5}}")
    kind, t_s = item.get("type"), item.get("t_s")
    if not isinstance(kind, str) or not kind.strip():
        raise SidecarError(f"{where}: type={_quoted(kind)}; expected a string such as 'hold_start'")
    known = kind in EVENT_TYPES and kind != OTHER
    shown = kind if known else OTHER
    if isinstance(t_s, bool) or not isinstance(t_s, (int, float)) or not math.isfinite(t_s):
        raise SidecarError(f"{where} ({shown}): t_s={_quoted(t_s)}; expected seconds from the start of the recording")
    for name in ("agent_id", "exit"):
        if item.get(name) is not None and not isinstance(item[name], (str, int)):
            raise SidecarError(f"{where} ({shown}): {name}={_quoted(item[name])}; expected a string")
        _field(path, f"event {index} ({shown}): {name}", item.get(name), EVENT_FIELD_CHARS)
    if t_s < 0:
        raise SidecarError(f"{where} ({shown}) at {t_s:g} s is before the recording starts")
    # What the contract does not know is kept as written, and never read: a note, not an error.
    extra = {name: value for name, value in item.items() if name not in KNOWN_FIELDS or (name == "type" and not known)}
    try:
        written = json.dumps(extra, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise SidecarError(f"{where} ({shown}): a field beyond the contract holds NaN or Infinity; expected "
                           "JSON values") from None
    if len(written) > MAX_EXTRA_CHARS:
        raise SidecarError(f"{where} ({shown}): fields beyond the contract take {len(written)} characters as "
                           f"JSON; expected at most {MAX_EXTRA_CHARS}")
    return TelephonyEvent(
        type=shown,
        t_s=float(t_s),
        agent_id=None if item.get("agent_id") is None else str(item["agent_id"]),
        exit=None if item.get("exit") is None else str(item["exit"]),
        extra=extra,
    )


def event_notes(events: Sequence[TelephonyEvent]) -> list[str]:
    """One note for each event that carries what the contract does not know (kept, never used): an
    unknown type (kept as ``other``), unknown fields. Values are never quoted; a field name only as
    :func:`_quoted` allows.

    >>> event_notes([TelephonyEvent("hangup", 9.0, extra={"by": "customer"}),
    ...              TelephonyEvent("other", 9.5, extra={"type": "survey_offer"})])
    ["event 0 (hangup): unknown fields ['by'] kept, not used", "event 1: unknown type 'survey_offer' kept as other"]
    """
    notes = []
    for i, event in enumerate(events):
        fields = sorted(set(event.extra) - ({"type"} if event.type == OTHER else set()))
        listed = f"unknown fields [{', '.join(map(_quoted, fields))}]"
        if event.type == OTHER:
            notes.append(f"event {i}: unknown type {_quoted(event.extra.get('type'))} kept as other"
                         + (f", with {listed}" if fields else ""))
        elif fields:
            notes.append(f"event {i} ({event.type}): {listed} kept, not used")
    return notes


def parse_events(path: Path, *, duration_s: float) -> list[TelephonyEvent]:
    """Read an events sidecar for a recording of ``duration_s`` seconds."""
    data = _load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise SidecarError(f"{path.name}: expected an object with an \"events\" list")
    if len(data["events"]) > MAX_EVENTS:
        raise SidecarError(f"{path.name}: {len(data['events'])} events; expected at most {MAX_EVENTS}")
    events = [_event(path, i, item) for i, item in enumerate(data["events"])]
    for i, event in enumerate(events):
        if event.t_s > duration_s + END_TOLERANCE_S:
            raise SidecarError(
                f"{path.name}: event {i} ({event.type}) at {event.t_s:g} s is after the end of the "
                f"recording ({duration_s:.2f} s)"
            )
        if i and event.t_s < events[i - 1].t_s:
            previous = events[i - 1]
            raise SidecarError(
                f"{path.name}: events out of order: event {i} ({event.type} at {event.t_s:g} s) comes after "
                f"event {i - 1} ({previous.type} at {previous.t_s:g} s)"
            )
    open_spans: dict[str, int] = {}
    for i, event in enumerate(events):
        if event.type in _PAIRS.values():
            if event.type in open_spans:
                raise SidecarError(f"{path.name}: event {i}: {event.type} while the previous one is still open")
            open_spans[event.type] = i
        elif event.type in _PAIRS:
            if open_spans.pop(_PAIRS[event.type], None) is None:
                raise SidecarError(f"{path.name}: event {i}: {event.type} without a {_PAIRS[event.type]} before it")
    return events
