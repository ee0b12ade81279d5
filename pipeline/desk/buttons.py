"""Button logs that come with a desk video: who pressed what, and when in the video or the day.

One JSON object per line, as a button box or hub logged each press::

    {"device_id": "box-3", "t_s": 12.5, "value": "good"}
    {"device_id": "box-3", "ts": "2026-12-03T09:15:02+03:00", "value": 4}

``t_s`` is seconds from the video's start; ``ts`` an ISO 8601 time with its zone (placed on the
video through its ``started_at``). ``value`` is a rating (good/neutral/bad or 1-5) or a button
name: with ``settings.device_registry`` set, a name the registry gives the device is mapped to its
rating, else it is kept as given. The device-events file's checks apply to ``device_id``, ``ts``
and ``value`` (:mod:`pipeline.devices.files`). A bad line is a ValueError naming the file and the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.devices.files import MAX_EVENT_CHARS, device_event
from pipeline.jsonlines import LineProblem, decoded_text, jsonl_objects
from pipeline.settings import Settings

MAX_LOG_BYTES = 16 * 1024 * 1024
"""Largest button log read: a busy desk presses a few hundred times a day."""
_PLACEHOLDER_TS = "1970-01-01T00:00:00+00:00"  # lets a t_s line go through the device-event checks


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """One press: seconds from the video's start (``t_s``) and/or a wall-clock time (``at``, aware)."""

    device_id: str
    value: str | None
    t_s: float | None = None
    at: datetime | None = None
    line: int = 0

    def __post_init__(self) -> None:
        if self.t_s is None and self.at is None:
            raise ValueError("a button press needs t_s or at")
        if self.at is not None and self.at.utcoffset() is None:
            raise ValueError("at: a naive time; expected an aware one")


def _t_s(fields: dict[str, Any]) -> float | None:
    t_s = fields.get("t_s")
    if t_s is None:
        return None
    if isinstance(t_s, bool) or not isinstance(t_s, int | float) or not math.isfinite(t_s) or t_s < 0:
        raise ValueError("t_s is not a number of seconds >= 0; expected seconds from the video's start, e.g. 12.5")
    return float(t_s)


def _press(fields: dict[str, Any], raw: str, line: int, ratings: Any) -> ButtonPress:
    t_s = _t_s(fields)
    if t_s is not None and "ts" not in fields:
        event = device_event({**fields, "ts": _PLACEHOLDER_TS}, raw)
        at = None
    else:
        if "ts" not in fields:
            raise ValueError("no t_s and no ts; expected t_s (seconds from the video's start) or ts (ISO 8601 "
                             "with its zone)")
        event = device_event(fields, raw)
        at = event.at
    value = event.value
    if ratings is not None and value is not None:
        value = ratings(event.device_id, value)
    return ButtonPress(device_id=event.device_id, value=value, t_s=t_s, at=at, line=line)


def _registry_ratings(settings: Settings | None):
    """``(device_id, value) -> rating`` from the device registry, or None when there is none."""
    if settings is None or settings.device_registry is None:
        return None
    from features.desk import rating_of
    from hardware.registry import KEY_CODES, UnknownDevice, load_registry

    registry = load_registry(settings.device_registry)

    def mapped(device_id: str, value: str) -> str:
        if rating_of(value) is not None:
            return value
        try:
            device = registry.device(device_id)
        except UnknownDevice:
            return value
        # A keyboard box's buttons are key codes in the registry; a log may name the key (KEY_3)
        return device.value_for(value) or device.value_for(KEY_CODES.get(value.upper(), "")) or value

    return mapped


def read_button_log(path: str | Path, *, settings: Settings | None = None) -> list[ButtonPress]:
    """The presses of a button log, in file order; ValueError ``NAME: line N: what is wrong`` for the
    first bad line, or naming the file when it is empty or not text. ``settings.device_registry`` maps
    button names to ratings (a RegistryError when that registry cannot be read)."""
    path = Path(path)
    with path.open("rb") as fh:
        data = fh.read(MAX_LOG_BYTES + 1)
    if len(data) > MAX_LOG_BYTES:
        raise ValueError(f"{path.name}: more than {MAX_LOG_BYTES} bytes; expected a button log of at most that")
    try:
        text, _ = decoded_text(data)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from None
    if not text.strip():
        raise ValueError(f"{path.name}: empty file; expected one button press (JSON object) per line")
    ratings = _registry_ratings(settings)
    problems: list[LineProblem] = []
    lines = text.split("\n")
    presses = []
    for number, fields in jsonl_objects(text, problems):
        if problems:
            break
        raw = lines[number - 1].strip()
        if len(raw) > MAX_EVENT_CHARS:
            raise ValueError(f"{path.name}: line {number}: {len(raw)} characters; expected at most {MAX_EVENT_CHARS}")
        try:
            presses.append(_press(fields, raw, number, ratings))
        except ValueError as error:
            raise ValueError(f"{path.name}: line {number}: {error}") from None
    if problems:
        first = min(problems, key=lambda p: p.line)
        raise ValueError(f"{path.name}: line {first.line}: {first.message}")
    return presses


def press_times_s(presses: list[ButtonPress], video_started_at: datetime | None, *,
                  name: str = "button log") -> list[float]:
    """Each press's seconds from the video's start; ValueError when a ``ts`` press meets a video of
    unknown start."""
    out = []
    for press in presses:
        if press.t_s is not None:
            out.append(press.t_s)
        elif video_started_at is None:
            raise ValueError(f"{name}: line {press.line}: a ts press, and the video's start time is unknown; "
                             "expected t_s, or started_at in the video's NAME.meta.json")
        else:
            out.append((press.at - video_started_at).total_seconds())
    return out
