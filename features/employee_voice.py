"""Employee voice: eNPS, engagement means, and which groups may be shown without exposing anyone.

Pure functions, numbers in, numbers out. Employee answers are anonymous by design: a group is
shown only when at least ``min_group`` people answered in it, and no shown group may let a hidden
group be worked out by subtraction (see :func:`disclosed`).

The disclosure rule
-------------------
Answers are counted in *cells*: one team in one month (the finest grain ever stored). A cell with
fewer than ``min_group`` answers is *small*. The small cells of one month together form that
month's *pool*. Every figure shown (a team in a month, a team over a quarter, all teams in a
month, ...) is an *aggregate* of cells, and it is shown only when

1. it holds at least ``min_group`` answers, and
2. every small cell in it comes with its whole pool, and that pool holds at least ``min_group``
   answers.

Then every figure shown is a sum of *units*: cells of ``min_group`` or more, and whole pools of
``min_group`` or more; units never overlap, so no difference of shown figures (a month's total
minus its shown teams, a quarter minus its months, ...) can isolate fewer than ``min_group``
people. E.g. with ``min_group=5``: teams A (12 answers), B (3) and C (1) in March: A is shown, B
and C are not, and the March total is not shown either (it minus A would give B + C, 4 people);
with C at 2 answers, B + C hold 5 and the March total is shown. B's quarter is never shown while
one of its months is small (the quarter minus its other months would give that month).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence

ENPS_SCALE = (0, 10)
ITEM_SCALE = (1, 5)
DEFAULT_MIN_GROUP = 5
PERIODS = ("month", "quarter", "year")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

Cell = tuple[Hashable, str]
"""``(team, month)``: the finest grain of employee answers; ``month`` is ``YYYY-MM``."""


def _scores(values: Sequence[int], scale: tuple[int, int], name: str) -> list[int]:
    low, high = scale
    checked = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} answer {value!r}; expected whole numbers {low}..{high}")
        checked.append(value)
    return checked


def enps(values: Sequence[int]) -> float | None:
    """Employee Net Promoter Score: percent of promoters (9-10) minus percent of detractors (0-6).

    Parameters
    ----------
    values : answers to "would you recommend working here", integers 0..10.

    Returns
    -------
    A score in -100..100; None when there are no answers.

    Examples
    --------
    >>> enps([10, 9, 9, 8, 7, 6, 3, 0])
    0.0
    >>> enps([10, 10, 9, 8])
    75.0
    >>> enps([]) is None
    True
    """
    scores = _scores(values, ENPS_SCALE, "eNPS")
    if not scores:
        return None
    return 100.0 * (sum(v >= 9 for v in scores) - sum(v <= 6 for v in scores)) / len(scores)


def item_mean(values: Sequence[int]) -> float | None:
    """Mean of an engagement item's answers, integers 1..5 (5: agree fully); None when there are none.

    >>> item_mean([5, 4, 3])
    4.0
    """
    scores = _scores(values, ITEM_SCALE, "engagement item")
    return sum(scores) / len(scores) if scores else None


def period_of_month(month: str, period: str) -> str:
    """The period a ``YYYY-MM`` month falls in: ``2026-03`` (month), ``2026-Q1`` (quarter), ``2026`` (year).

    >>> period_of_month("2026-05", "quarter")
    '2026-Q2'
    """
    found = _MONTH.match(month) if isinstance(month, str) else None
    if not found:
        raise ValueError(f"month {month!r}; expected YYYY-MM, e.g. 2026-03")
    if period == "month":
        return month
    if period == "quarter":
        return f"{found[1]}-Q{(int(found[2]) - 1) // 3 + 1}"
    if period == "year":
        return found[1]
    raise ValueError(f"period {period!r}; expected one of {list(PERIODS)}")


def _check_min_group(min_group: int) -> None:
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise ValueError(f"min_group={min_group!r}; expected a whole number of people >= 1")


def disclosed(aggregate: Collection[Cell], counts: Mapping[Cell, int], *, min_group: int) -> bool:
    """Whether a figure over the cells ``aggregate`` may be shown (the rule in the module docstring).

    Parameters
    ----------
    aggregate : the ``(team, month)`` cells the figure sums over.
    counts : answers in every cell there is (all teams, all months: the pools need them); a cell
        missing from it holds none.
    min_group : the fewest people a shown figure may stand for (>= 1).

    Examples
    --------
    >>> counts = {("A", "2026-03"): 12, ("B", "2026-03"): 3, ("C", "2026-03"): 1}
    >>> disclosed([("A", "2026-03")], counts, min_group=5), disclosed([("B", "2026-03")], counts, min_group=5)
    (True, False)
    >>> disclosed(list(counts), counts, min_group=5)  # the total minus A would give B + C: 4 people
    False
    >>> disclosed(list(counts), {**counts, ("C", "2026-03"): 2}, min_group=5)  # B + C: 5 people
    True
    """
    _check_min_group(min_group)
    cells = set(aggregate)
    if sum(counts.get(cell, 0) for cell in cells) < min_group:
        return False
    pools: dict[str, set[Cell]] = defaultdict(set)
    for cell, n in counts.items():
        if 0 < n < min_group:
            pools[cell[1]].add(cell)
    for cell in cells:
        n = counts.get(cell, 0)
        if 0 < n < min_group:
            pool = pools[cell[1]]
            if not pool <= cells or sum(counts[c] for c in pool) < min_group:
                return False
    return True


def rounded(value: float | None, digits: int = 1) -> float | None:
    """``value`` rounded for a report; None and NaN stay None.

    >>> rounded(33.33333), rounded(None)
    (33.3, None)
    """
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)
