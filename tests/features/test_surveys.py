"""Known answers for the survey metrics, their empty cases and the values they refuse."""

from __future__ import annotations

import numpy as np
import pytest

from features.surveys import (
    cdsat,
    ces,
    critical_share,
    csat,
    csi,
    ignore_rate,
    money_at_risk,
    nps,
    response_rate,
    stop_rate,
)


def test_nps_is_promoters_minus_detractors_in_percent():
    answers = [10, 10, 9, 9, 9] + [7, 8, 8] + [6, 0]  # 5 promoters, 3 passives, 2 detractors
    assert nps(answers) == 30.0
    assert nps([9, 10]) == 100.0
    assert nps([0, 6, 5]) == -100.0
    assert nps([7, 8]) == 0.0
    assert nps(np.array([10, 6, 6])) == pytest.approx(-100 / 3)


def test_csat_is_percent_of_fours_and_fives():
    assert csat([5, 4, 3, 2, 1]) == 40.0
    assert csat([4]) == 100.0
    assert csat([3, 3]) == 0.0


def test_ces_is_the_mean_answer():
    assert ces([1, 7]) == 4.0
    assert ces([2, 2, 5]) == 3.0


def test_csi_rescales_every_answer_to_0_100_and_averages():
    assert csi(csat=[1]) == 0.0 and csi(csat=[5]) == 100.0 and csi(csat=[3]) == 50.0
    assert csi(nps=[0]) == 0.0 and csi(nps=[10]) == 100.0 and csi(nps=[7]) == 70.0
    assert csi(ces=[7]) == 0.0 and csi(ces=[1]) == 100.0 and csi(ces=[4]) == 50.0
    # every answer weighs the same: (100 + 0 + 0 + 50) / 4
    assert csi(csat=[5], nps=[0, 5], ces=[7]) == pytest.approx((100 + 0 + 50 + 0) / 4)


def test_cdsat_and_critical_share_count_dissatisfied_answers_of_every_kind():
    kinds = {"csat": [1, 2, 3, 4, 5], "nps": [0, 6, 7, 9], "ces": [5, 6, 7]}  # 2 + 2 + 2 of 12
    assert cdsat(**kinds) == pytest.approx(100 * 6 / 12)
    assert critical_share(**kinds) == pytest.approx(6 / 12)
    assert cdsat(csat=[3], nps=[7, 8], ces=[5]) == 0.0
    assert critical_share(ces=[6, 7]) == 1.0


@pytest.mark.parametrize("metric", [nps, csat, ces])
def test_one_kind_metrics_of_no_answers_are_none(metric):
    assert metric([]) is None
    assert metric(np.array([], dtype=int)) is None


@pytest.mark.parametrize("metric", [csi, cdsat, critical_share])
def test_all_kind_metrics_of_no_answers_are_none(metric):
    assert metric() is None
    assert metric(csat=[], nps=[], ces=[]) is None


@pytest.mark.parametrize(("metric", "bad"), [
    (nps, [11]), (nps, [-1]), (nps, [8.5]), (nps, [float("nan")]), (nps, ["9"]), (nps, [True]), (nps, [[9]]),
    (csat, [0]), (csat, [6]), (ces, [0]), (ces, [8]),
])
def test_answers_off_the_scale_are_refused(metric, bad):
    with pytest.raises(ValueError, match="expected"):
        metric(bad)


def test_answers_off_the_scale_are_refused_by_the_all_kind_metrics_too():
    with pytest.raises(ValueError, match=r"csat answer 0; expected an integer 1..5"):
        csi(csat=[0])
    with pytest.raises(ValueError, match="ces"):
        cdsat(ces=[9])
    with pytest.raises(ValueError, match="nps"):
        critical_share(nps=[10, 12])


def test_whole_floats_are_answers():
    assert nps([9.0, 0.0]) == 0.0


def test_rates_are_fractions_of_the_invited():
    assert response_rate(8, 2) == 0.25
    assert ignore_rate(8, 6) == 0.75
    assert stop_rate(8, 1) == 0.125
    assert response_rate(3, 3) == 1.0 and ignore_rate(3, 0) == 0.0
    assert response_rate(np.int64(4), np.int64(1)) == 0.25


@pytest.mark.parametrize("rate", [response_rate, ignore_rate, stop_rate])
def test_rates_of_nobody_invited_are_none(rate):
    assert rate(0, 0) is None


@pytest.mark.parametrize("rate", [response_rate, ignore_rate, stop_rate])
@pytest.mark.parametrize(("invited", "part"), [(-1, 0), (2, -1), (2, 3), (2.0, 1), (2, 0.5), (True, 0)])
def test_rates_refuse_bad_counts(rate, invited, part):
    with pytest.raises(ValueError, match="expected|more than"):
        rate(invited, part)


def test_money_at_risk_is_detractors_times_the_average_check():
    assert money_at_risk(4, average_check=2500) == 10_000.0
    assert money_at_risk(0, average_check=2500) == 0.0
    assert money_at_risk(4, average_check=None) is None
    assert money_at_risk(4, average_check=0) is None


@pytest.mark.parametrize(("detractors", "check"), [(-1, 100), (1.5, 100), (2, -5), (2, float("inf")), (2, "100")])
def test_money_at_risk_refuses_bad_input(detractors, check):
    with pytest.raises(ValueError, match="expected"):
        money_at_risk(detractors, average_check=check)
