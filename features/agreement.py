"""Agreement between raters: percent agreement, Cohen's kappa (plain and weighted), Fleiss' kappa.

A *rating* is a label: any hashable value (``1.0``, ``"yes"``, ``"n/a"``). A *subject* is what
was rated (one checklist item of one contact). Units of the results:

- ``percent_agreement`` is a percent 0..100;
- every kappa is -1..1: 1 is perfect agreement, 0 is what chance alone gives, below 0 is worse
  than chance.

A kappa that cannot exist is None, never a division by zero: no subjects, or chance agreement
of 1 (every rating is one and the same label, so chance already explains all of it).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

WEIGHTS = (None, "linear", "quadratic")
"""Kinds of disagreement weights for :func:`cohen_kappa`: nominal (None), linear, quadratic."""


def _subjects(ratings: Sequence[Sequence[Hashable]]) -> list[Counter]:
    """Each subject's ratings as label counts, after checking every subject has 2 or more."""
    if isinstance(ratings, (str, bytes)) or not isinstance(ratings, Sequence):
        raise ValueError(f"ratings of type {type(ratings).__name__}; expected a sequence of per-subject ratings")
    counts = []
    for index, subject in enumerate(ratings):
        if isinstance(subject, (str, bytes)) or not isinstance(subject, Sequence):
            raise ValueError(f"subject {index}: {subject!r}; expected a sequence of 2 or more labels")
        if len(subject) < 2:
            raise ValueError(f"subject {index} has {len(subject)} rating(s); expected 2 or more")
        counts.append(Counter(subject))
    return counts


def _pairwise_agreement(counts: Counter) -> float:
    """Share of the subject's pairs of ratings that agree."""
    n = sum(counts.values())
    return sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))


def percent_agreement(ratings: Sequence[Sequence[Hashable]]) -> float | None:
    """Percent of pairs of ratings that agree, averaged over subjects.

    For two raters this is the share of subjects they rated alike; with more raters each subject
    counts the pairs of its raters that agree (3 raters give 3 pairs).

    Parameters
    ----------
    ratings : per subject, the labels its raters gave (2 or more each; the number may vary). For
        two raters ``a`` and ``b``, pass ``list(zip(a, b))``.

    Returns
    -------
    Percent 0..100; None when there are no subjects.

    Examples
    --------
    Two raters who agree on 3 of 4 subjects:

    >>> percent_agreement([("yes", "yes"), ("yes", "no"), ("no", "no"), ("no", "no")])
    75.0

    Three raters on one subject, two of them alike: 1 of its 3 pairs agrees.

    >>> round(percent_agreement([(1, 1, 0)]), 2)
    33.33
    >>> percent_agreement([]) is None
    True
    """
    counts = _subjects(ratings)
    if not counts:
        return None
    return float(100.0 * np.mean([_pairwise_agreement(c) for c in counts]))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _scale(a: Sequence[Hashable], b: Sequence[Hashable], labels: Sequence[Hashable] | None,
           weights: str | None) -> list[Hashable]:
    """The ordered categories of the table: ``labels`` as given, else every label seen."""
    if labels is not None:
        scale = list(labels)
        if len(set(scale)) != len(scale):
            raise ValueError(f"labels={scale!r} repeat a label; expected each label once")
        unknown = [x for x in itertools.chain(a, b) if x not in set(scale)]
        if unknown:
            raise ValueError(f"rating {unknown[0]!r} is not one of labels={scale!r}")
    else:
        scale = list(dict.fromkeys(itertools.chain(a, b)))
    if weights is not None:
        wrong = [x for x in scale if not _is_number(x)]
        if wrong:
            raise ValueError(f"weights={weights!r} needs numeric labels on a scale; got {wrong[0]!r}")
        if labels is None:
            scale.sort()
    return scale


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable], *, weights: str | None = None,
                labels: Sequence[Hashable] | None = None) -> float | None:
    """Cohen's kappa: how much two raters agree beyond what chance gives.

    ``kappa = 1 - sum(w * observed) / sum(w * expected)`` over the table of label pairs, where
    ``expected`` is the outer product of each rater's label shares and ``w`` weighs a
    disagreement: 1 for any two different labels (nominal, ``weights=None``; then kappa is
    ``(p_o - p_e) / (1 - p_e)``), or by how far apart two labels lie on the ordered scale:
    ``|i - j| / (k - 1)`` (``"linear"``) or its square (``"quadratic"``) for category indices
    ``i, j`` of ``k``. Weighted kappa suits scale items (0..3 points), where 2 vs 3 is a smaller
    disagreement than 0 vs 3.

    Parameters
    ----------
    a, b : the two raters' labels for the same subjects, in the same order (equal lengths).
    weights : None (nominal), ``"linear"`` or ``"quadratic"``; the weighted kinds need numbers.
    labels : every category, in scale order for weighted kappa (default: the labels seen,
        sorted when weighted). Give the whole scale when some points were never used, so the
        distance between categories is right.

    Returns
    -------
    Kappa -1..1; None when there are no subjects or chance agreement is 1 (a single label used
    throughout by both raters).

    Examples
    --------
    The textbook table of 50 subjects: both said yes 20 times, both no 15, they differed 15
    times (p_o = 0.7, p_e = 0.5):

    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(cohen_kappa(a, b), 3)
    0.4
    >>> cohen_kappa([1, 0, 1], [1, 0, 1])
    1.0

    A near miss on a 0..3 scale costs less when weighted:

    >>> round(cohen_kappa([0, 1, 2, 3], [0, 1, 3, 3]), 3), round(cohen_kappa([0, 1, 2, 3], [0, 1, 3, 3], weights="linear"), 3)
    (0.667, 0.818)
    >>> cohen_kappa(["yes", "yes"], ["yes", "yes"]) is None
    True
    """
    if weights not in WEIGHTS:
        raise ValueError(f"weights={weights!r}; expected one of {list(WEIGHTS)}")
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"{len(a)} ratings from the first rater and {len(b)} from the second; expected one each "
                         f"for the same subjects")
    if not a:
        return None
    scale = _scale(a, b, labels, weights)
    k = len(scale)
    index = {label: i for i, label in enumerate(scale)}
    observed = np.zeros((k, k))
    for x, y in zip(a, b):
        observed[index[x], index[y]] += 1
    observed /= len(a)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((k, k))
    if weights is None:
        w = (i != j).astype(float)
    else:
        w = np.abs(i - j) / max(k - 1, 1)
        w = w if weights == "linear" else w**2
    chance = float((w * expected).sum())
    if chance <= 1e-12:
        return None
    return float(1.0 - (w * observed).sum() / chance)


def fleiss_kappa(ratings: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa: agreement of several raters beyond chance, on nominal labels.

    ``kappa = (P - P_e) / (1 - P_e)``: ``P`` is the mean over subjects of the share of agreeing
    pairs of ratings (as in :func:`percent_agreement`), ``P_e`` the sum of squared label shares
    over all ratings. The raters of one subject need not be those of another. With the same
    number of ratings per subject this is Fleiss (1971); when the number varies, each subject
    still counts once in ``P`` and each rating once in the label shares.

    Parameters
    ----------
    ratings : per subject, the labels its raters gave (2 or more each).

    Returns
    -------
    Kappa -1..1; None when there are no subjects or every rating is the same label.

    Examples
    --------
    Fleiss' example as printed in many textbooks: 10 subjects, 14 raters, 5 categories, given
    as counts per category.

    >>> table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    ...          [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> ratings = [[label for label, n in enumerate(row) for _ in range(n)] for row in table]
    >>> round(fleiss_kappa(ratings), 3)
    0.21
    >>> fleiss_kappa([("a", "a"), ("b", "b")])
    1.0
    """
    counts = _subjects(ratings)
    if not counts:
        return None
    observed = float(np.mean([_pairwise_agreement(c) for c in counts]))
    totals = sum(counts, Counter())
    n = sum(totals.values())
    chance = sum((v / n) ** 2 for v in totals.values())
    if chance >= 1.0 - 1e-12:
        return None
    return float((observed - chance) / (1.0 - chance))


def mean_pairwise_kappa(ratings: Mapping[Hashable, Mapping[Hashable, Hashable]], *, weights: str | None = None,
                        labels: Sequence[Hashable] | None = None, min_common: int = 2) -> float | None:
    """Mean of Cohen's kappa over every pair of raters (Light's kappa), each pair on the subjects both rated.

    Unlike :func:`fleiss_kappa` it works when raters rated different subjects, and it takes
    ``weights`` for scale items.

    Parameters
    ----------
    ratings : ``{rater: {subject: label}}``.
    weights, labels : as in :func:`cohen_kappa`.
    min_common : pairs of raters with fewer subjects in common are left out (>= 1).

    Returns
    -------
    Mean kappa -1..1; None when no pair has a kappa (too few subjects in common, one label only).

    Examples
    --------
    >>> ratings = {"ann": {"c1": 1, "c2": 0, "c3": 1, "c4": 0},
    ...            "bob": {"c1": 1, "c2": 0, "c3": 1, "c4": 1},
    ...            "eve": {"c1": 1, "c2": 0, "c3": 1, "c4": 0}}
    >>> round(mean_pairwise_kappa(ratings), 3)  # ann-eve 1.0, ann-bob and bob-eve 0.5
    0.667
    """
    if isinstance(min_common, bool) or not isinstance(min_common, int) or min_common < 1:
        raise ValueError(f"min_common={min_common!r}; expected an integer >= 1")
    kappas = []
    for first, second in itertools.combinations(list(ratings), 2):
        common = [s for s in ratings[first] if s in ratings[second]]
        if len(common) < min_common:
            continue
        kappa = cohen_kappa([ratings[first][s] for s in common], [ratings[second][s] for s in common],
                            weights=weights, labels=labels)
        if kappa is not None:
            kappas.append(kappa)
    return float(np.mean(kappas)) if kappas else None
