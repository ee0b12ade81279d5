"""Driver analysis on generated data with planted effects: the strong factor ranks first with an interval that
excludes 0, a null factor's interval includes 0, quadrants follow importance and performance, and hostile
input (too few contacts, a constant factor or target) gives a clear message."""

from __future__ import annotations

import numpy as np
import pytest

from features.drivers import DriverError, correlation_ci, driver_analysis, performance, quadrant, regression_ci


def planted(n: int = 400, seed: int = 7) -> tuple[np.ndarray, dict[str, list]]:
    """CSAT-like target driven strongly by a yes/no item done badly (20% pass), mildly by a well-done item
    (90% pass), negatively by hold time, not at all by two null factors; one factor is often missing."""
    rng = np.random.default_rng(seed)
    strong = (rng.random(n) < 0.2).astype(float)       # "solved the problem": rarely done, matters a lot
    mild = (rng.random(n) < 0.9).astype(float)          # "greeting": nearly always done, matters a little
    hold = rng.exponential(60.0, n)                     # seconds on hold: more is worse
    null_binary = (rng.random(n) < 0.5).astype(float)
    null_continuous = rng.normal(size=n)
    y = 3.0 + 1.5 * strong + 0.3 * mild - 0.008 * hold + rng.normal(scale=0.6, size=n)
    sometimes = [None if i % 3 == 0 else float(v) for i, v in enumerate(null_continuous)]
    factors = {"checklist:qa/solved": strong, "checklist:qa/greeting": mild, "call:hold_s": hold,
               "tag:weather": null_binary, "call:null": sometimes}
    return y, factors


@pytest.mark.parametrize("method", ["correlation", "regression"])
def test_the_planted_strong_factor_ranks_first_and_nulls_include_zero(method):
    y, factors = planted()
    result = driver_analysis(y, factors, method=method, n_boot=300)
    by_name = {d.name: d for d in result.drivers}
    assert result.drivers[0].name == "checklist:qa/solved"
    low, high = by_name["checklist:qa/solved"].importance_ci
    assert 0 < low < by_name["checklist:qa/solved"].importance < high
    hold_low, hold_high = by_name["call:hold_s"].importance_ci
    assert hold_high < 0  # more hold, less satisfaction: the sign is kept
    for null in ("tag:weather", "call:null"):
        low, high = by_name[null].importance_ci
        assert low < 0 < high, (null, low, high)
        assert by_name[null].quadrant in ("less urgent", "possible overkill")
    assert by_name["call:null"].contacts == len(y) - len(y) // 3 - (1 if len(y) % 3 else 0)
    assert result.contacts == len(y)


def test_quadrants_of_the_planted_data():
    y, factors = planted()
    by_name = {d.name: d for d in driver_analysis(y, factors).drivers}
    solved = by_name["checklist:qa/solved"]
    assert solved.performance == pytest.approx(np.mean(factors["checklist:qa/solved"]))  # pass rate ~0.2
    assert solved.quadrant == "fix first"  # important and done badly
    hold = by_name["call:hold_s"]
    assert hold.performance > 0.5  # short holds are the good end, and most holds are short
    assert hold.quadrant in ("keep up", "fix first")


def test_performance_is_turned_to_the_good_end():
    assert performance([0, 0, 0, 1]) == 0.25
    assert performance([0, 0, 0, 1], good_high=False) == 0.75
    assert performance([5, 5, 5]) == 0.5  # no range: the middle


def test_quadrant_names():
    assert {quadrant(a, b) for a in (True, False) for b in (True, False)} == {
        "fix first", "keep up", "less urgent", "possible overkill"}


def test_analytic_interval_narrows_with_more_contacts():
    rng = np.random.default_rng(3)
    x = rng.normal(size=2000)
    y = 0.3 * x + rng.normal(size=2000)
    _, low_small, high_small = correlation_ci(x[:100], y[:100])
    r, low_big, high_big = correlation_ci(x, y)
    assert high_big - low_big < high_small - low_small
    assert low_big < 0.3 / np.sqrt(1.09) < high_big  # the true r is inside


def test_regression_separates_correlated_factors():
    rng = np.random.default_rng(5)
    cause = rng.normal(size=600)
    proxy = cause + rng.normal(scale=0.7, size=600)  # correlated with the target only through the cause
    y = cause + rng.normal(scale=0.5, size=600)
    beta, low, high = regression_ci(np.column_stack([cause, proxy]), y, n_boot=300)
    assert low[0] > 0.5
    assert low[1] < 0 < high[1]
    r_proxy = correlation_ci(proxy, y)[0]
    assert r_proxy > 0.5  # alone, the proxy looks important: the regression is what tells them apart


def test_too_few_contacts_is_a_clear_error():
    with pytest.raises(DriverError, match="only 5 surveyed contacts.*at least 20"):
        driver_analysis([1, 2, 3, 4, 5], {"a": [1, 0, 1, 0, 1]})


def test_a_constant_target_is_a_clear_error():
    with pytest.raises(DriverError, match="same target value"):
        driver_analysis([4.0] * 30, {"a": list(range(30))})


def test_constant_and_rare_factors_are_left_out_with_the_reason():
    y, factors = planted(n=60)
    factors = {"checklist:qa/solved": factors["checklist:qa/solved"], "flat": [1.0] * 60,
               "rare": [1.0 if i < 5 else None for i in range(60)], "empty": [None] * 60}
    result = driver_analysis(y, factors)
    assert [d.name for d in result.drivers] == ["checklist:qa/solved"]
    skipped = dict(result.skipped)
    assert skipped["flat"] == "constant (1 for every contact)"
    assert skipped["rare"].startswith("only 5 contacts have it")
    assert skipped["empty"].startswith("only 0 contacts")


def test_no_usable_factor_gives_an_empty_matrix_not_an_error():
    result = driver_analysis(list(range(30)), {"flat": [2.0] * 30}, method="regression")
    assert result.drivers == () and result.importance_cut is None


def test_bad_arguments_are_clear():
    with pytest.raises(DriverError, match="method 'anova'"):
        driver_analysis(list(range(30)), {}, method="anova")
    with pytest.raises(DriverError, match="3 values for 30 contacts"):
        driver_analysis(list(range(30)), {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match="confidence level"):
        correlation_ci(range(10), [1, 3, 2, 5, 4, 6, 8, 7, 9, 9], level=1.5)
