"""Agreement measures on tables with known answers, against scikit-learn where it has the same measure."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from features.agreement import cohen_kappa, fleiss_kappa, mean_pairwise_kappa, percent_agreement


def _table_2x2(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list[str], list[str]]:
    """Two raters' labels from a 2x2 table (first rater's answer first)."""
    a = ["yes"] * (yes_yes + yes_no) + ["no"] * (no_yes + no_no)
    b = ["yes"] * yes_yes + ["no"] * yes_no + ["yes"] * no_yes + ["no"] * no_no
    return a, b


def test_cohen_kappa_of_the_textbook_2x2_table():
    # 50 subjects: p_o = (20 + 15) / 50 = 0.7, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4
    a, b = _table_2x2(20, 5, 10, 15)
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert percent_agreement(list(zip(a, b))) == pytest.approx(70.0)


def test_cohen_kappa_of_a_second_known_table():
    # yes-yes 45, yes-no 15, no-yes 25, no-no 35 (120 subjects): p_o = 0.6667, p_e = 0.5, kappa = 0.3333
    a, b = _table_2x2(45, 15, 25, 35)
    assert cohen_kappa(a, b) == pytest.approx(1 / 3)


def test_perfect_agreement_is_1_and_opposite_raters_below_0():
    assert cohen_kappa([1, 0, 1, 2], [1, 0, 1, 2]) == 1.0
    assert cohen_kappa([1, 0, 1, 0], [0, 1, 0, 1]) == pytest.approx(-1.0)
    assert fleiss_kappa([(0, 0, 0), (1, 1, 1), (2, 2, 2)]) == 1.0


def test_raters_guessing_at_random_agree_only_by_chance():
    rng = random.Random(7)
    a = [rng.choice("abc") for _ in range(5000)]
    b = [rng.choice("abc") for _ in range(5000)]
    assert abs(cohen_kappa(a, b)) < 0.03
    assert percent_agreement(list(zip(a, b))) == pytest.approx(100 / 3, abs=2)
    assert abs(fleiss_kappa(list(zip(a, b, [rng.choice("abc") for _ in range(5000)])))) < 0.03


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_scikit_learn(weights):
    rng = random.Random(3)
    a = [rng.randint(0, 4) for _ in range(200)]
    b = [min(4, max(0, x + rng.choice([-1, 0, 0, 1, 2]))) for x in a]
    assert cohen_kappa(a, b, weights=weights) == pytest.approx(cohen_kappa_score(a, b, weights=weights))


def test_weighted_kappa_counts_a_near_miss_as_less_of_a_disagreement():
    near = cohen_kappa([0, 1, 2, 3], [0, 1, 3, 3], weights="linear")
    far = cohen_kappa([0, 1, 2, 3], [0, 1, 0, 3], weights="linear")
    assert near > far
    assert cohen_kappa([0, 1, 2, 3], [0, 1, 3, 3]) == cohen_kappa([0, 1, 2, 3], [0, 1, 0, 3])  # nominal: a miss is a miss


def test_labels_give_the_whole_scale_for_weights():
    # on a 1-5 scale a 1-vs-2 miss is a quarter of the way; with only the seen labels it would be all of it
    whole = cohen_kappa([1, 2, 1, 2, 5], [2, 2, 1, 1, 5], weights="linear", labels=[1, 2, 3, 4, 5])
    seen = cohen_kappa([1, 2, 1, 2, 5], [2, 2, 1, 1, 5], weights="linear")
    assert whole == pytest.approx(cohen_kappa_score([1, 2, 1, 2, 5], [2, 2, 1, 1, 5], weights="linear",
                                                    labels=[1, 2, 3, 4, 5]))
    assert whole != pytest.approx(seen)


def test_fleiss_kappa_of_fleiss_1971_example():
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    ratings = [[label for label, n in enumerate(row) for _ in range(n)] for row in table]
    assert fleiss_kappa(ratings) == pytest.approx(0.20993, abs=1e-4)
    # P-bar = 0.37802 of that example, as percent agreement
    assert percent_agreement(ratings) == pytest.approx(37.802, abs=1e-3)


def test_fleiss_kappa_of_two_raters_is_close_to_cohen():
    a, b = _table_2x2(20, 5, 10, 15)
    # Fleiss pools both raters' label shares (Scott's pi for two raters): yes 0.55, no 0.45, so
    # p_e = 0.505 and (0.7 - 0.505) / (1 - 0.505) = 0.3939..., a little under Cohen's 0.4
    assert fleiss_kappa(list(zip(a, b))) == pytest.approx(0.195 / 0.495)


def test_undefined_kappas_are_none():
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["yes"] * 3, ["yes"] * 3) is None  # chance explains everything
    assert fleiss_kappa([]) is None
    assert fleiss_kappa([("a", "a"), ("a", "a")]) is None
    assert percent_agreement([]) is None
    assert mean_pairwise_kappa({"ann": {"c1": 1}, "bob": {"c1": 1}}) is None  # 1 subject in common < min_common


def test_mean_pairwise_kappa_skips_pairs_without_enough_common_subjects():
    ratings = {"ann": {"c1": 1, "c2": 0, "c3": 1, "c4": 0}, "bob": {"c1": 1, "c2": 0, "c3": 1, "c4": 1},
               "cid": {"c9": 1}}
    assert mean_pairwise_kappa(ratings) == pytest.approx(cohen_kappa([1, 0, 1, 0], [1, 0, 1, 1]))
    assert mean_pairwise_kappa(ratings) == pytest.approx(0.5)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: cohen_kappa([1, 2], [1]), "2 ratings from the first rater and 1 from the second"),
    (lambda: cohen_kappa(["a", "b"], ["a", "b"], weights="linear"), "needs numeric labels"),
    (lambda: cohen_kappa([1, 2], [1, 2], weights="cubic"), "weights='cubic'"),
    (lambda: cohen_kappa([1, 7], [1, 2], labels=[1, 2, 3]), "rating 7 is not one of labels"),
    (lambda: fleiss_kappa([("a", "b"), ("a",)]), "subject 1 has 1 rating(s); expected 2 or more"),
    (lambda: percent_agreement("ab"), "expected a sequence of per-subject ratings"),
    (lambda: mean_pairwise_kappa({}, min_common=0), "min_common=0"),
])
def test_bad_input_is_refused_with_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
