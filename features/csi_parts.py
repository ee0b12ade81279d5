"""CSI's three parts, each asked by its own survey question: goal reached, effort, emotion.

Scales of the answers (integers):

- ``goal`` "was the goal of your contact reached?": 0 = no, 1 = partly, 2 = yes;
- ``effort`` is CES, "how easy was it?": 1 = very easy .. 7 = very hard;
- ``emotion`` "how did you feel about the contact?": 1 = very bad .. 5 = very good.

:func:`csi_part` puts every answer of one part on 0 (worst) .. 100 (best) and averages them, as
:func:`features.surveys.csi` does for CSAT, NPS and CES; :func:`goal_reached` and :func:`emotion` are the
survey report's plain figures. A figure of no answers is None.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PART_SCALES: dict[str, tuple[int, int]] = {"goal": (0, 2), "effort": (1, 7), "emotion": (1, 5)}
"""Lowest and highest answer of each part's question (``effort``: the CES answer)."""


def _answers(values: Sequence[float], part: str) -> np.ndarray:
    if part not in PART_SCALES:
        raise ValueError(f"part {part!r}; expected one of {list(PART_SCALES)}")
    low, high = PART_SCALES[part]
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{part} answers of shape {array.shape}; expected a flat sequence of integers {low}..{high}")
    if array.size == 0:
        return array.astype(int)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{part} answers of type {array.dtype}; expected integers {low}..{high}")
    bad = ~np.isfinite(array) | (array != np.round(array)) | (array < low) | (array > high)
    if bad.any():
        raise ValueError(f"{part} answer {array[bad][0].item()!r}; expected an integer {low}..{high}")
    return array.astype(int)


def csi_part(values: Sequence[int], *, part: str) -> float | None:
    """One part of CSI: the answers rescaled to 0 (worst) .. 100 (best), then averaged.

    ``goal`` ``100 * v / 2``; ``effort`` (CES) ``100 * (7 - v) / 6`` (low effort is good); ``emotion``
    ``100 * (v - 1) / 4``.

    Parameters
    ----------
    values : the part's answers, integers on its scale (:data:`PART_SCALES`).
    part : ``goal``, ``effort`` or ``emotion``.

    Returns
    -------
    Index 0..100; None when there are no answers.

    Examples
    --------
    >>> csi_part([2, 1, 0, 2], part="goal")
    62.5
    >>> csi_part([1, 7], part="effort"), csi_part([5, 3], part="emotion"), csi_part([], part="goal")
    (50.0, 75.0, None)
    """
    array = _answers(values, part)
    if array.size == 0:
        return None
    low, high = PART_SCALES[part]
    scaled = (high - array) if part == "effort" else (array - low)
    return float(100.0 * scaled.mean() / (high - low))


def goal_reached(values: Sequence[int]) -> float | None:
    """Share of the goal answers that say the goal was reached (2 = yes; "partly" is not reached).

    Parameters
    ----------
    values : goal answers, integers 0..2.

    Returns
    -------
    Fraction 0..1; None when there are no answers.

    Examples
    --------
    >>> goal_reached([2, 2, 1, 0])
    0.5
    """
    array = _answers(values, "goal")
    return float(np.count_nonzero(array == 2) / array.size) if array.size else None


def emotion(values: Sequence[int]) -> float | None:
    """The mean emotion answer (1 = very bad .. 5 = very good; higher is better).

    Parameters
    ----------
    values : emotion answers, integers 1..5.

    Returns
    -------
    Mean in 1..5; None when there are no answers.

    Examples
    --------
    >>> emotion([5, 4, 3])
    4.0
    """
    array = _answers(values, "emotion")
    return float(array.mean()) if array.size else None
