"""Desk camera zones and people: where a face is in the frame, the wait before service, age band and gender.

A zone is ``(x0, y0, x1, y1)``: frame fractions in settings (``desk_zone``, ``queue_zone``), pixels
once :func:`zone_px` has placed it on a frame. A track point is ``(t_s, box, probs)`` as in
:mod:`features.desk`. Numbers in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

AGE_BANDS = ((0, "0-17"), (18, "18-29"), (30, "30-44"), (45, "45-59"), (60, "60+"))

Zone = tuple[float, float, float, float]


def zone_px(fractions: Sequence[float], *, width_px: int, height_px: int) -> Zone:
    """A zone given as frame fractions, in pixels of a ``width_px`` x ``height_px`` frame.

    >>> zone_px((0.25, 0.0, 0.75, 0.5), width_px=640, height_px=480)
    (160.0, 0.0, 480.0, 240.0)
    """
    if len(fractions) != 4:
        raise ValueError(f"zone {fractions!r}; expected frame fractions (x0, y0, x1, y1)")
    x0, y0, x1, y1 = (float(v) for v in fractions)
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError(f"zone {fractions!r}; expected fractions with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1")
    if width_px < 1 or height_px < 1:
        raise ValueError(f"frame {width_px}x{height_px} px; expected at least 1x1")
    return (x0 * width_px, y0 * height_px, x1 * width_px, y1 * height_px)


def in_zone(box: Sequence[float], zone: Sequence[float]) -> bool:
    """True when the box's centre lies in the zone (both in pixels; the zone's edges count as in).

    >>> in_zone((100, 100, 140, 140), (0, 0, 120, 480)), in_zone((100, 100, 160, 140), (0, 0, 120, 480))
    (True, False)
    """
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return zone[0] <= cx <= zone[2] and zone[1] <= cy <= zone[3]


def points_in_zone(points: Sequence, zone: Sequence[float]) -> list:
    """The track points ``(t_s, box, probs)`` whose box centre is in the zone, in their order.

    >>> points_in_zone([(0.0, (0, 0, 10, 10), None), (1.0, (50, 0, 60, 10), None)], (0, 0, 20, 20))
    [(0.0, (0, 0, 10, 10), None)]
    """
    return [p for p in points if in_zone(p[1], zone)]


def wait_before_service_s(points: Sequence, queue_zone_px: Sequence[float],
                          desk_zone_px: Sequence[float]) -> float | None:
    """Seconds from one person's first point in the queue zone to their first point in the desk zone
    after it; None when never in the queue zone, or never at the desk after queueing.

    >>> queue, desk = (0, 0, 100, 480), (300, 0, 640, 480)
    >>> path = [(2.0, (10, 10, 50, 50), None), (9.5, (120, 10, 160, 50), None), (12.5, (400, 10, 440, 50), None)]
    >>> wait_before_service_s(path, queue, desk)
    10.5
    >>> wait_before_service_s(path[1:], queue, desk) is None
    True
    """
    ordered = sorted(points, key=lambda p: p[0])
    queued = next((p[0] for p in ordered if in_zone(p[1], queue_zone_px)), None)
    if queued is None:
        return None
    served = next((p[0] for p in ordered if p[0] >= queued and in_zone(p[1], desk_zone_px)), None)
    return None if served is None else float(served - queued)


def age_band(ages: Sequence[float]) -> str | None:
    """The age band of the median of one person's age readings (years): "0-17", "18-29", "30-44",
    "45-59" or "60+"; None without a finite reading.

    >>> age_band([31.0, 44.6, 29.0]), age_band([17.4]), age_band([59.9, 60.0, 61.0]), age_band([])
    ('30-44', '0-17', '60+', None)
    """
    finite = [float(a) for a in ages if a is not None and math.isfinite(a)]
    if any(a < 0 for a in finite):
        raise ValueError(f"ages {list(ages)!r}; expected years >= 0")
    if not finite:
        return None
    median = float(np.median(finite))
    return [label for start, label in AGE_BANDS if median >= start][-1]


def gender_of(p_females: Sequence[float], *, margin: float = 0.1) -> str | None:
    """"female" or "male" from one person's readings of the probability of female (0-1): their mean
    must be at least ``margin`` away from 0.5, else (or without a reading) None.

    >>> gender_of([0.97, 0.8]), gender_of([0.02, 0.3]), gender_of([0.9, 0.1]), gender_of([])
    ('female', 'male', None, None)
    """
    if not 0 <= margin < 0.5:
        raise ValueError(f"margin={margin}; expected 0 <= margin < 0.5")
    finite = [float(p) for p in p_females if p is not None and math.isfinite(p)]
    if any(not 0 <= p <= 1 for p in finite):
        raise ValueError(f"p_females {list(p_females)!r}; expected probabilities 0-1")
    if not finite:
        return None
    mean = sum(finite) / len(finite)
    if mean >= 0.5 + margin:
        return "female"
    if mean <= 0.5 - margin:
        return "male"
    return None
