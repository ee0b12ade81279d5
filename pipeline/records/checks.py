"""The checks every record runs in ``__post_init__``: each raises a ValueError naming the field and what is expected."""

from __future__ import annotations

import math
from datetime import datetime


def check_aware(name: str, value: datetime | None, *, error: type[ValueError] = ValueError) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise error(f"{name}={value.isoformat()} has no timezone; expected an aware datetime")


def check_seconds(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}={value!r}; expected a finite number of seconds >= 0")


def check_span(start_s: float, end_s: float) -> None:
    check_seconds("start_s", start_s)
    check_seconds("end_s", end_s)
    if end_s < start_s:
        raise ValueError(f"end_s={end_s} is before start_s={start_s}")


def check_member(name: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r}; expected one of {sorted(allowed)}")
