"""Device files: a day's export from a button hub (``NAME.device-events.jsonl``) through ``cxmon ingest``.

One JSON object per line, as the hub logged each press::

    {"device_id": "box-3", "ts": "2026-12-03T09:15:02+03:00", "value": "good"}

``device_id`` and ``ts`` (ISO 8601 with its zone) are required; ``kind`` (default ``press``),
``value`` (text or a number), ``event_id`` (the hub's own id), ``desk_id``, ``site_id`` and
``operator_id`` are optional and stored as the line says (the device registry is not consulted
here). The line itself is the event's ``raw`` (personal data in it tagged when ``pii_redaction`` is
on, as in chat text), so the same line read again -- the same file
ingested twice, or the same press in two exports -- is the same event (its id derived from
device, time, kind, value and line when the hub gave none), stored once. A line with only
``t_s`` (seconds from a video's start) has no time of day: it is a bad line here (``cxmon analyze
VIDEO --buttons FILE`` reads that form). Each bad line is an error record naming the file and the
line, the file's bytes kept in quarantine; the good lines are stored. :data:`DEVICE_FILES` is the
input kind that :data:`pipeline.ingest.INPUT_KINDS` lists.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.jsonlines import LineProblem, checked_field, decoded_text, jsonl_objects
from pipeline.personal_data import redacted
from pipeline.records import DeviceEvent
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.intake import IngestReport, InputKind, keeps_redacted, quarantine, quarantine_problems

DEVICE_FILE_SUFFIX = ".device-events.jsonl"
_TEXT_FIELDS = {"device_id": 128, "kind": 32, "event_id": 128, "desk_id": 128, "site_id": 128, "operator_id": 128}
_VALUE_CHARS = 128
MAX_EVENT_CHARS = 4096
"""Longest line taken as one event (a hub writes a few hundred characters); the line is stored as ``raw``."""


def _text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} is a JSON {type(value).__name__}; expected text")
    return checked_field(name, value.strip(), max_chars=_TEXT_FIELDS[name]) or None


def _at(fields: dict[str, Any]) -> datetime:
    ts = fields.get("ts")
    if ts is None:
        if "t_s" in fields:
            raise ValueError("t_s (seconds from a video's start) and no ts; expected ts, an ISO 8601 time with "
                             "its zone (a t_s log goes with its video: cxmon analyze VIDEO --buttons FILE)")
        raise ValueError("no ts; expected ts, an ISO 8601 time with its zone")
    if not isinstance(ts, str) or len(ts) > 64:
        raise ValueError(f"ts is {'a JSON ' + type(ts).__name__ if not isinstance(ts, str) else 'too long'}; "
                         f"expected an ISO 8601 time with its zone")
    try:
        at = datetime.fromisoformat(ts.strip())
    except ValueError:
        raise ValueError(f"ts {ts[:40]!r} is not an ISO 8601 time; expected e.g. 2026-12-03T09:15:02+03:00") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"ts {ts[:40]!r} has no zone; expected an ISO 8601 time with its zone (+03:00, Z)")
    return at


def _value(fields: dict[str, Any]) -> str | None:
    value = fields.get("value")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"value is a JSON {type(value).__name__}; expected text or a number")
    return checked_field("value", str(value).strip(), max_chars=_VALUE_CHARS) or None


def device_event(fields: dict[str, Any], raw: str) -> DeviceEvent:
    """The event one line of a device file holds; ValueError saying what is wrong with it."""
    if len(raw) > MAX_EVENT_CHARS:
        raise ValueError(f"{len(raw)} characters; expected at most {MAX_EVENT_CHARS} for one device event")
    device_id = _text(fields, "device_id")
    if device_id is None:
        raise ValueError("no device_id; expected the id of the device that sent the event")
    return DeviceEvent(device_id=device_id, kind=_text(fields, "kind") or "press", at=_at(fields),
                       value=_value(fields), event_id=_text(fields, "event_id") or "",
                       desk_id=_text(fields, "desk_id"), site_id=_text(fields, "site_id"),
                       operator_id=_text(fields, "operator_id"), raw=raw)


def parse_device_file(name: str, data: bytes, *, redact_pii: bool = False) -> tuple[list[DeviceEvent],
                                                                                   list[LineProblem]]:
    """The events of a device file and its bad lines; with ``redact_pii`` each event's ``raw`` line has
    personal data tagged (a feedback comment may hold a phone number). ValueError when the file cannot
    be read at all."""
    try:
        text, _ = decoded_text(data)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
    if not text.strip():
        raise ValueError(f"{name}: empty file; expected one device event (JSON object) per line")
    lines = text.split("\n")
    problems: list[LineProblem] = []
    events = []
    for number, fields in jsonl_objects(text, problems):
        try:
            raw = lines[number - 1].strip()
            events.append(device_event(fields, redacted(raw) if redact_pii else raw))
        except ValueError as error:
            problems.append(LineProblem(number, str(error)))
    return events, problems


def ingest_device_file(store: Store, path: Path, report: IngestReport, settings: Settings | None = None) -> None:
    """Ingest one ``.device-events.jsonl`` file into the catalog, adding what happened to ``report``.

    ``settings`` say whether personal data is tagged (default: ``Settings()``)."""
    settings = settings or Settings()
    try:
        events, problems = parse_device_file(path.name, path.read_bytes(), redact_pii=settings.pii_redaction)
    except ValueError as error:
        report.errors.append(quarantine(store, path, stage="ingest", message=str(error),
                                        redact_pii=keeps_redacted(settings)))
        return
    quarantine_problems(store, path, sorted(problems, key=lambda p: p.line), report,
                        redact_pii=keeps_redacted(settings))
    added = store.catalog.add_device_events(events)
    report.added["device_events"] = report.added.get("device_events", 0) + added


DEVICE_FILES = InputKind(
    name="device events",
    noun="device events file",
    expected=f"a device events file ({DEVICE_FILE_SUFFIX})",
    suffixes=(DEVICE_FILE_SUFFIX,),
    input_of=lambda path, sidecars: path,
    ingest=ingest_device_file,
    personal_text=True,
)
