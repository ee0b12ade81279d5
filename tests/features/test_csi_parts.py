"""CSI's three parts (features.csi_parts): known answers at the ends of each scale, and clear errors."""

from __future__ import annotations

import pytest

from features.csi_parts import PART_SCALES, csi_part, emotion, goal_reached
from features.surveys import csi


@pytest.mark.parametrize("part", list(PART_SCALES))
def test_each_scale_runs_from_0_at_its_worst_to_100_at_its_best(part):
    low, high = PART_SCALES[part]
    worst, best = (high, low) if part == "effort" else (low, high)
    assert csi_part([worst], part=part) == 0.0 and csi_part([best], part=part) == 100.0
    assert csi_part([worst, best], part=part) == 50.0


def test_effort_is_the_ces_part_of_csi():
    assert csi_part([1, 4, 6], part="effort") == pytest.approx(csi(ces=[1, 4, 6]))


def test_goal_reached_counts_only_a_full_yes_and_emotion_is_the_mean():
    assert goal_reached([1, 1, 1]) == 0.0 and goal_reached([2]) == 1.0 and goal_reached([]) is None
    assert emotion([1, 2]) == 1.5 and emotion([]) is None


@pytest.mark.parametrize(("call", "message"), [
    (lambda: csi_part([3], part="goal"), "goal answer 3; expected an integer 0..2"),
    (lambda: csi_part([1.5], part="emotion"), "emotion answer 1.5; expected an integer 1..5"),
    (lambda: csi_part([0], part="effort"), "effort answer 0; expected an integer 1..7"),
    (lambda: csi_part([1], part="mood"), "part 'mood'; expected one of ['goal', 'effort', 'emotion']"),
    (lambda: emotion([[1, 2]]), "emotion answers of shape (1, 2)"),
    (lambda: goal_reached(["yes"]), "goal answers of type <U3; expected integers 0..2"),
])
def test_bad_answers_are_refused_with_what_was_expected(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert message in str(caught.value)
