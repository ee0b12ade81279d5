"""Mystery comparisons: answers as written become numbers or refusals, points on 0..100, gaps and flags."""

from __future__ import annotations

import math

import pytest

from features.mystery import answer_value, disagrees, gap, mean_or_none, share_points


@pytest.mark.parametrize("text,value", [("yes", 1.0), (" Да ", 1.0), ("1", 1.0), ("+", 1.0), ("нет", 0.0),
                                        ("No", 0.0), ("0", 0.0), ("n/a", None), ("Н/П", None)])
def test_yes_no_words(text, value):
    assert answer_value(text, scale=(0, 1), yes_no=True) == value


@pytest.mark.parametrize("text", ["maybe", "2", "", "yess", "1.5"])
def test_yes_no_refusals_say_what_is_expected(text):
    with pytest.raises(ValueError, match="expected yes or no"):
        answer_value(text, scale=(0, 1), yes_no=True)


@pytest.mark.parametrize("text,value", [("1", 1.0), ("5", 5.0), ("4,0", 4.0), ("-", None)])
def test_scale_points(text, value):
    assert answer_value(text, scale=(1, 5), yes_no=False) == value


@pytest.mark.parametrize("text", ["0", "6", "4.5", "nan", "inf", "1e400", "five", "да"])
def test_scale_refusals(text):
    with pytest.raises(ValueError, match=r"expected a whole number 1\.\.5"):
        answer_value(text, scale=(1, 5), yes_no=False)


def test_points_gaps_and_flags_known_answers():
    assert [share_points(v, scale=(1, 5)) for v in (1, 2, 3, 4, 5)] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert share_points(7, scale=(0, 10)) == 70.0
    with pytest.raises(ValueError):
        share_points(6, scale=(1, 5))
    assert gap(50.0, 100.0) == -50.0 and gap(100.0, None) is None
    assert disagrees(50, 100) and not disagrees(80, 100) and not disagrees(80.0, 100.0, threshold_points=20)
    assert disagrees(79.9, 100.0, threshold_points=20) and not disagrees(None, None)
    assert mean_or_none([0, 100, 50]) == 50.0 and mean_or_none([]) is None
    for bad in (-1, 101, math.nan, True):
        with pytest.raises(ValueError, match="threshold_points"):
            disagrees(1, 2, threshold_points=bad)
