"""Time intervals ``(start_s, end_s)``: union, intersection, clipping, gaps.

Every function returns sorted, non-overlapping intervals and accepts them in any order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Span = tuple[float, float]


def check_spans(spans: Iterable[Span], *, name: str = "spans") -> list[Span]:
    """The spans as a list, after checking each is finite with ``0 <= start_s <= end_s``."""
    checked = []
    for i, span in enumerate(spans):
        if len(span) != 2:
            raise ValueError(f"{name}[{i}]={span!r}; expected (start_s, end_s)")
        start, end = float(span[0]), float(span[1])
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            raise ValueError(f"{name}[{i}]=({start}, {end}); expected finite 0 <= start_s <= end_s")
        checked.append((start, end))
    return checked


def merge(spans: Iterable[Span], *, gap_s: float = 0.0) -> list[Span]:
    """Union of the spans; spans closer than ``gap_s`` are joined too.

    >>> merge([(3, 4), (0, 1), (0.5, 2), (4.1, 5)], gap_s=0.2)
    [(0.0, 2.0), (3.0, 5.0)]
    """
    merged: list[Span] = []
    for start, end in sorted(check_spans(spans)):
        if merged and start <= merged[-1][1] + gap_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total_s(spans: Iterable[Span]) -> float:
    """Time covered by the union of the spans, in seconds.

    >>> total_s([(0, 2), (1, 3), (5, 6)])
    4.0
    """
    return float(sum(end - start for start, end in merge(spans)))


def clip(spans: Iterable[Span], start_s: float, end_s: float) -> list[Span]:
    """The parts of the spans inside ``[start_s, end_s]`` (empty parts dropped).

    >>> clip([(0, 2), (3, 5)], 1, 4)
    [(1.0, 2.0), (3.0, 4.0)]
    """
    start_s, end_s = float(start_s), float(end_s)
    return [(max(s, start_s), min(e, end_s)) for s, e in merge(spans) if min(e, end_s) > max(s, start_s)]


def intersect(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """Time covered by both ``a`` and ``b``.

    >>> intersect([(0, 3), (5, 8)], [(2, 6)])
    [(2.0, 3.0), (5.0, 6.0)]
    """
    a, b = merge(a), merge(b)
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """Time covered by ``a`` and not by ``b``.

    >>> subtract([(0, 10)], [(2, 3), (5, 6)])
    [(0.0, 2.0), (3.0, 5.0), (6.0, 10.0)]
    """
    out: list[Span] = []
    b = merge(b)
    for start, end in merge(a):
        cursor = start
        for b_start, b_end in b:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                out.append((cursor, b_start))
            cursor = max(cursor, b_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def gaps(spans: Sequence[Span], start_s: float, end_s: float) -> list[Span]:
    """Stretches of ``[start_s, end_s]`` that no span covers.

    >>> gaps([(1, 2), (4, 5)], 0, 6)
    [(0.0, 1.0), (2.0, 4.0), (5.0, 6.0)]
    """
    return subtract([(float(start_s), float(end_s))], spans)
