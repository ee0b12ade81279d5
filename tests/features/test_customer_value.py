"""Value tiers, value at risk and WoMI on known answers."""

from __future__ import annotations

import pytest

from features.customer_value import share, value_at_risk, value_basis, value_tiers
from features.surveys import nps, womi


def _members(tiers: dict[str, str], tier: str) -> list[str]:
    return sorted(c for c, t in tiers.items() if t == tier)


def test_quantile_tiers_take_the_top_and_bottom_fifth_by_rank():
    values = {f"c{v:03d}": float(v) for v in range(1, 101)}  # 100 customers worth 1..100
    tiers = value_tiers(values)
    assert _members(tiers, "top") == [f"c{v:03d}" for v in range(81, 101)]
    assert _members(tiers, "bottom") == [f"c{v:03d}" for v in range(1, 21)]
    assert len(_members(tiers, "middle")) == 60


def test_ties_at_the_cut_share_the_higher_tier_and_small_counts_round_up():
    # 7 customers: 20 % of 7 rounds up to 2; the two worth 50 tie with the 2nd: all three are top
    tiers = value_tiers({"a": 90.0, "b": 50.0, "c": 50.0, "d": 20.0, "e": 10.0, "f": 5.0, "g": 1.0})
    assert _members(tiers, "top") == ["a", "b", "c"]
    assert _members(tiers, "bottom") == ["f", "g"]
    assert value_tiers({"only": 3.0}) == {"only": "top"}  # 1 customer: the top tier comes first
    assert value_tiers({}) == {}


def test_equal_values_are_never_split_across_tiers():
    tiers = value_tiers({f"c{i}": 10.0 for i in range(10)})
    assert set(tiers.values()) == {"top"}


def test_site_thresholds():
    tiers = value_tiers({"a": 200.0, "b": 199.99, "c": 10.0, "d": 9.99, "e": -50.0}, top_from=200, bottom_under=10)
    assert tiers == {"a": "top", "b": "middle", "c": "middle", "d": "bottom", "e": "bottom"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"top_share": 0.7, "bottom_share": 0.4}, "is over 1"),
    ({"top_share": -0.1}, "expected a fraction"),
    ({"top_from": 10}, "both thresholds or neither"),
    ({"top_from": 10, "bottom_under": 20}, "expected bottom_under <= top_from"),
])
def test_bad_tier_options_say_what_is_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        value_tiers({"a": 1.0}, **kwargs)


def test_a_value_that_is_no_number_is_refused():
    with pytest.raises(ValueError, match="value of x"):
        value_tiers({"x": float("nan")})


def test_value_at_risk_counts_each_customer_once_and_ignores_unknown_ones():
    assert value_at_risk({"a": 100.0, "b": 50.0}, ["a", "a", "zzz"]) == 100.0
    assert value_at_risk({"a": 100.0}, []) == 0.0
    assert share(0.0, 0.0) is None and share(30.0, 120.0) == 0.25


def test_value_basis_is_clv_only_when_every_customer_has_one():
    assert value_basis({"a": 1.0, "b": 2.0}) == "clv"
    assert value_basis({"a": 1.0, "b": None}) == "revenue"


def test_womi_known_answers():
    # 10 respondents: 5 promoters; 3 would actively discourage (9, 10, 9), all of them detractors
    pairs = [(10, 0), (10, 1), (9, 0), (9, 2), (9, 0), (8, 3), (7, 5), (6, 9), (3, 10), (0, 9)]
    assert womi(pairs) == pytest.approx(100 * (5 - 3) / 10)
    assert nps([n for n, _ in pairs]) == pytest.approx(100 * (5 - 3) / 10)
    # the same NPS, but the detractors would not speak against: WoMI is higher than NPS
    quiet = [(n, 0 if n <= 6 else d) for n, d in pairs]
    assert womi(quiet) == 50.0 and nps([n for n, _ in quiet]) == 20.0
    # a promoter who would also discourage (it happens) counts on both sides
    assert womi([(10, 10)]) == 0.0
    assert womi([(10, 8), (0, 8)]) == 50.0  # 8 is not "actively": only 9-10
    assert womi([]) is None


@pytest.mark.parametrize("pair", [(11, 0), (5, -1), (5,), (True, 3), (5.5, 1)])
def test_womi_refuses_answers_off_the_scale(pair):
    with pytest.raises(ValueError, match="WoMI"):
        womi([pair])
