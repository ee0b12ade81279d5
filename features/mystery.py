"""Mystery shoppers beside the automatic and reviewer scores: answer values, means, gaps and flags.

Pure functions, numbers in, numbers out. Every score compared is on 0..100: a checklist form's total,
or an item's share of its best answer times 100 (yes 100, no 0; 4 on a 1-5 scale 75). A *gap* is
mystery minus the other score, so a negative gap says the shopper saw worse than the other source.
A pair *disagrees* when the absolute gap is more than ``threshold_points``; a missing score never
disagrees (there is nothing to compare).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_THRESHOLD_POINTS = 20.0
"""Mystery and automatic scores further apart than this (0..100 points) are flagged."""

YES = frozenset({"yes", "y", "true", "1", "да", "д", "+"})
NO = frozenset({"no", "n", "false", "0", "нет", "н"})
NOT_APPLICABLE = frozenset({"n/a", "na", "-", "not applicable", "н/п", "н/д", "неприменимо"})


def answer_value(text: str, *, scale: tuple[int, int], yes_no: bool) -> float | None:
    """A shopper's answer as written (``yes``, ``нет``, ``4``, ``n/a``) as a number; None for "not applicable".

    A yes/no item takes yes/no words or 1/0; a scale item a whole number within ``scale``. Raises
    ValueError saying what was expected; the caller names the item.

    >>> answer_value("да", scale=(0, 1), yes_no=True), answer_value("4", scale=(1, 5), yes_no=False)
    (1.0, 4.0)
    >>> answer_value("n/a", scale=(1, 5), yes_no=False) is None
    True
    >>> answer_value("7", scale=(1, 5), yes_no=False)
    Traceback (most recent call last):
    ...
    ValueError: answer '7'; expected a whole number 1..5 (or n/a)
    """
    if not isinstance(text, str):
        raise ValueError(f"answer {text!r}; expected text")
    word = text.strip().lower()
    if word in NOT_APPLICABLE:
        return None
    low, high = scale
    if yes_no:
        if word in YES:
            return 1.0
        if word in NO:
            return 0.0
        raise ValueError(f"answer {text.strip()[:20]!r}; expected yes or no (да/нет, 1/0, or n/a)")
    try:
        number = float(word.replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise ValueError(f"answer {text.strip()[:20]!r}; expected a whole number {low}..{high} (or n/a)")
    return number


def share_points(value: float, *, scale: tuple[int, int]) -> float:
    """An answer as points of its item's best, 0..100.

    >>> share_points(4, scale=(1, 5)), share_points(0, scale=(0, 1))
    (75.0, 0.0)
    """
    low, high = scale
    if high <= low:
        raise ValueError(f"scale={scale!r}; expected (low, high) with low < high")
    if not low <= value <= high:
        raise ValueError(f"value={value!r}; expected {low}..{high}")
    return 100.0 * (value - low) / (high - low)


def mean_or_none(values: Sequence[float]) -> float | None:
    """The mean, or None for no values.

    >>> mean_or_none([50, 100]), mean_or_none([])
    (75.0, None)
    """
    return sum(values) / len(values) if values else None


def gap(mystery: float | None, other: float | None) -> float | None:
    """``mystery - other`` in points, None when either is missing.

    >>> gap(40.0, 90.0), gap(None, 90.0)
    (-50.0, None)
    """
    if mystery is None or other is None:
        return None
    return mystery - other


def disagrees(mystery: float | None, other: float | None, *,
              threshold_points: float = DEFAULT_THRESHOLD_POINTS) -> bool:
    """True when both scores exist and lie more than ``threshold_points`` apart.

    >>> disagrees(40, 90), disagrees(80, 90), disagrees(None, 90), disagrees(70, 90, threshold_points=20)
    (True, False, False, False)
    """
    if isinstance(threshold_points, bool) or not isinstance(threshold_points, (int, float)) \
            or not 0 <= threshold_points <= 100:
        raise ValueError(f"threshold_points={threshold_points!r}; expected a number 0..100")
    difference = gap(mystery, other)
    return difference is not None and abs(difference) > threshold_points


def rounded(value: float | None, digits: int = 1) -> float | None:
    """``round(value, digits)``, None kept.

    >>> rounded(66.666), rounded(None)
    (66.7, None)
    """
    return None if value is None else round(value, digits)
