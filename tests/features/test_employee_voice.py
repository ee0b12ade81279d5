"""eNPS and the min_group rule of features.employee_voice: known answers and the subtraction leak."""

from __future__ import annotations

import itertools
import random

import pytest

from features.employee_voice import disclosed, enps, item_mean, period_of_month


def test_enps_known_answers():
    # 3 promoters (9, 10, 10), 2 passives (7, 8), 5 detractors (0..6) of 10: 30% - 50% = -20
    assert enps([9, 10, 10, 7, 8, 0, 3, 5, 6, 6]) == pytest.approx(-20.0)
    assert enps([10] * 4) == 100.0
    assert enps([6] * 7) == -100.0
    assert enps([7, 8]) == 0.0
    assert enps([]) is None


@pytest.mark.parametrize("bad", [11, -1, 3.5, True, "9", None])
def test_enps_refuses_answers_off_the_scale(bad):
    with pytest.raises(ValueError, match="eNPS answer .*expected whole numbers 0..10"):
        enps([9, bad])


def test_item_mean_and_scale():
    assert item_mean([1, 2, 3, 4, 5]) == 3.0
    assert item_mean([]) is None
    with pytest.raises(ValueError, match="1..5"):
        item_mean([0])


@pytest.mark.parametrize(("month", "period", "expected"), [
    ("2026-01", "quarter", "2026-Q1"), ("2026-03", "quarter", "2026-Q1"), ("2026-04", "quarter", "2026-Q2"),
    ("2026-12", "quarter", "2026-Q4"), ("2026-12", "year", "2026"), ("2026-07", "month", "2026-07"),
])
def test_period_of_month(month, period, expected):
    assert period_of_month(month, period) == expected


@pytest.mark.parametrize(("month", "period"), [("2026-13", "month"), ("26-01", "month"), ("2026-01", "week")])
def test_period_of_month_refuses_bad_input(month, period):
    with pytest.raises(ValueError, match="expected"):
        period_of_month(month, period)


def test_small_team_hidden_and_the_total_that_would_give_it_away_hidden_too():
    counts = {("A", "2026-03"): 12, ("B", "2026-03"): 8, ("C", "2026-03"): 3}
    assert disclosed([("A", "2026-03")], counts, min_group=5)
    assert disclosed([("B", "2026-03")], counts, min_group=5)
    assert not disclosed([("C", "2026-03")], counts, min_group=5)
    # total - A - B = C: the total must not be shown
    assert not disclosed(list(counts), counts, min_group=5)
    # nor A + C (then A + C - A = C)
    assert not disclosed([("A", "2026-03"), ("C", "2026-03")], counts, min_group=5)


def test_total_shown_when_the_hidden_teams_together_reach_min_group():
    counts = {("A", "2026-03"): 12, ("B", "2026-03"): 3, ("C", "2026-03"): 2}
    assert not disclosed([("B", "2026-03")], counts, min_group=5)
    assert not disclosed([("C", "2026-03")], counts, min_group=5)
    assert disclosed(list(counts), counts, min_group=5)  # total - A = B + C: 5 people, allowed


def test_a_quarter_with_a_small_month_is_hidden():
    counts = {("A", "2026-01"): 6, ("A", "2026-02"): 6, ("A", "2026-03"): 2, ("B", "2026-03"): 9}
    quarter = [("A", "2026-01"), ("A", "2026-02"), ("A", "2026-03")]
    assert sum(counts[c] for c in quarter) >= 5
    assert not disclosed(quarter, counts, min_group=5)  # quarter - Jan - Feb = March of A: 2 people
    assert disclosed(quarter[:2], counts, min_group=5)


def _units(counts, min_group):
    pools = {}
    for cell, n in counts.items():
        if 0 < n < min_group:
            pools.setdefault(cell[1], set()).add(cell)
    units = [{c} for c, n in counts.items() if n >= min_group]
    units += [pool for pool in pools.values() if sum(counts[c] for c in pool) >= min_group]
    return units


def test_every_shown_aggregate_is_a_union_of_units_of_min_group_or_more():
    """The property that makes subtraction safe: on random catalogs, each shown aggregate (any set of cells)
    is a disjoint union of units that each hold >= min_group answers, so differences of shown figures are too."""
    rng = random.Random(7)
    teams, months = ["A", "B", "C"], ["2026-01", "2026-02", "2026-03"]
    cells = list(itertools.product(teams, months))
    for _ in range(40):
        counts = {c: rng.choice([0, 1, 2, 3, 4, 5, 6, 9]) for c in cells}
        units = _units(counts, 5)
        for size in (1, 2, 3, 4):
            for aggregate in itertools.combinations(cells, size):
                if disclosed(aggregate, counts, min_group=5):
                    rest = {c for c in aggregate if counts[c]}
                    for unit in units:
                        if unit <= rest:
                            rest -= unit
                    assert not rest, (aggregate, counts)
                    assert sum(counts[c] for c in aggregate) >= 5


def test_min_group_must_be_a_whole_number():
    with pytest.raises(ValueError, match="min_group"):
        disclosed([], {}, min_group=0)
