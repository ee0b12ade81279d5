"""Customer survey metrics from answer values and invitation counts.

Scales of the answers (integers): CSAT 1..5, NPS 0..10, CES 1..7 (1 = very easy, 7 = very hard).

Units of the results:

- scores keep their usual scale: ``nps`` -100..100, ``csat`` and ``cdsat`` in percent 0..100,
  ``ces`` in scale points 1..7, ``csi`` 0..100;
- ``*_rate`` and ``*_share`` are fractions 0..1;
- ``money_at_risk`` is in the currency of the average check.

A metric of no answers (or a rate of no invitations) is None, never a division by zero.

Dissatisfied ("critical") answers: CSAT 1-2, NPS 0-6 (detractors), CES 6-7.

WoMI (Temkin's word-of-mouth index, :func:`womi`) pairs NPS with a second 0..10 question, "how likely are
you to discourage others from ...": percent of promoters (NPS 9-10) minus percent who would actively
discourage (9-10), over the respondents who answered both. It is -100..100 and never above NPS's
promoter share; NPS minus WoMI is how much NPS overstates the harm detractors do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
"""Lowest and highest answer of each survey kind."""

CRITICAL: dict[str, tuple[int, int]] = {"csat": (1, 2), "nps": (0, 6), "ces": (6, 7)}
"""The answers (inclusive range) that count as dissatisfied for each kind."""

DISCOURAGE_SCALE = (0, 10)
"""The "would you discourage others" answer of WoMI: 0 (not at all likely) .. 10 (extremely likely)."""
DISCOURAGERS = (9, 10)
"""Discourage answers of respondents who would actively discourage others."""


def _answers(values: Sequence[float], kind: str) -> np.ndarray:
    """``values`` as an int array after checking they are whole numbers on the kind's scale."""
    low, high = SCALES[kind]
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{kind} answers of shape {array.shape}; expected a flat sequence of integers {low}..{high}")
    if array.size == 0:
        return array.astype(int)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{kind} answers of type {array.dtype}; expected integers {low}..{high}")
    bad = ~np.isfinite(array) | (array != np.round(array)) | (array < low) | (array > high)
    if bad.any():
        raise ValueError(f"{kind} answer {array[bad][0].item()!r}; expected an integer {low}..{high}")
    return array.astype(int)


def _critical_mask(values: np.ndarray, kind: str) -> np.ndarray:
    low, high = CRITICAL[kind]
    return (values >= low) & (values <= high)


def nps(values: Sequence[int]) -> float | None:
    """Net Promoter Score: percent of promoters (9-10) minus percent of detractors (0-6).

    Parameters
    ----------
    values : NPS answers, integers 0..10, in any order.

    Returns
    -------
    A score in -100..100; None when there are no answers.

    Examples
    --------
    5 promoters, 3 passives and 2 detractors out of 10 answers:

    >>> nps([10, 9, 9, 10, 9, 8, 7, 8, 6, 0])
    30.0
    >>> nps([]) is None
    True
    """
    array = _answers(values, "nps")
    if array.size == 0:
        return None
    return float(100.0 * (np.count_nonzero(array >= 9) - np.count_nonzero(array <= 6)) / array.size)


def _paired(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    checked = []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"WoMI pair {pair!r}; expected (nps, discourage), two integers 0..10")
        for name, value in zip(("nps", "discourage"), pair):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= 10:
                raise ValueError(f"WoMI {name} answer {value!r}; expected an integer 0..10")
        checked.append((int(pair[0]), int(pair[1])))
    return checked


def womi(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Word-of-mouth index (Temkin): percent of promoters (NPS 9-10) minus percent who would actively
    discourage others (discourage 9-10), over respondents who answered both questions.

    Parameters
    ----------
    pairs : one ``(nps, discourage)`` pair per respondent, integers 0..10 each. A respondent who
        answered only one of the two questions is left out by the caller.

    Returns
    -------
    An index in -100..100; None when nobody answered both.

    Examples
    --------
    4 respondents: 2 promoters, 1 of the 4 would actively discourage (a detractor, NPS 3), the other
    detractor (NPS 5) would not. NPS is 0, WoMI 25: NPS counts every detractor as harm, WoMI only
    those who would speak against:

    >>> womi([(10, 0), (9, 1), (3, 9), (5, 2)])
    25.0
    >>> nps([10, 9, 3, 5])
    0.0
    >>> womi([]) is None
    True
    """
    checked = _paired(pairs)
    if not checked:
        return None
    low, high = DISCOURAGERS
    promoters = sum(n >= 9 for n, _ in checked)
    discouragers = sum(low <= d <= high for _, d in checked)
    return float(100.0 * (promoters - discouragers) / len(checked))


def csat(values: Sequence[int]) -> float | None:
    """Customer satisfaction: percent of CSAT answers that are 4 or 5.

    Parameters
    ----------
    values : CSAT answers, integers 1..5.

    Returns
    -------
    Percent 0..100; None when there are no answers.

    Examples
    --------
    >>> csat([5, 4, 3, 1])
    50.0
    """
    array = _answers(values, "csat")
    if array.size == 0:
        return None
    return float(100.0 * np.count_nonzero(array >= 4) / array.size)


def ces(values: Sequence[int]) -> float | None:
    """Customer effort score: the mean CES answer (1 = very easy .. 7 = very hard; lower is better).

    Parameters
    ----------
    values : CES answers, integers 1..7.

    Returns
    -------
    Mean in 1..7; None when there are no answers.

    Examples
    --------
    >>> ces([1, 2, 6])
    3.0
    """
    array = _answers(values, "ces")
    if array.size == 0:
        return None
    return float(array.mean())


def _by_kind(csat_values: Sequence[int], nps_values: Sequence[int], ces_values: Sequence[int]) -> dict[str, np.ndarray]:
    return {"csat": _answers(csat_values, "csat"), "nps": _answers(nps_values, "nps"),
            "ces": _answers(ces_values, "ces")}


def csi(*, csat: Sequence[int] = (), nps: Sequence[int] = (), ces: Sequence[int] = ()) -> float | None:
    """Customer satisfaction index: every answer of every kind rescaled to 0..100, then averaged.

    Each answer is put on 0 (worst) .. 100 (best) from its own scale: CSAT ``100 * (v - 1) / 4``,
    NPS ``100 * v / 10``, CES ``100 * (7 - v) / 6`` (low effort is good). Every answer weighs the
    same, so a kind with more answers weighs more.

    Parameters
    ----------
    csat : CSAT answers, integers 1..5.
    nps : NPS answers, integers 0..10.
    ces : CES answers, integers 1..7.

    Returns
    -------
    Index 0..100; None when there are no answers at all.

    Examples
    --------
    CSAT 5 -> 100, NPS 5 -> 50, CES 7 -> 0:

    >>> csi(csat=[5], nps=[5], ces=[7])
    50.0
    >>> csi() is None
    True
    """
    kinds = _by_kind(csat, nps, ces)
    scaled = np.concatenate([
        100.0 * (kinds["csat"] - 1) / 4, 100.0 * kinds["nps"] / 10, 100.0 * (7 - kinds["ces"]) / 6,
    ])
    return float(scaled.mean()) if scaled.size else None


def _critical_counts(csat_values, nps_values, ces_values) -> tuple[int, int]:
    kinds = _by_kind(csat_values, nps_values, ces_values)
    critical = sum(int(np.count_nonzero(_critical_mask(v, k))) for k, v in kinds.items())
    return critical, sum(v.size for v in kinds.values())


def cdsat(*, csat: Sequence[int] = (), nps: Sequence[int] = (), ces: Sequence[int] = ()) -> float | None:
    """Customer dissatisfaction: percent of all answers that are dissatisfied.

    Dissatisfied: CSAT 1-2, NPS 0-6, CES 6-7.

    Parameters
    ----------
    csat : CSAT answers, integers 1..5.
    nps : NPS answers, integers 0..10.
    ces : CES answers, integers 1..7.

    Returns
    -------
    Percent 0..100; None when there are no answers at all.

    Examples
    --------
    >>> cdsat(csat=[1, 2, 3, 5], nps=[6, 7, 10], ces=[7])
    50.0
    """
    critical, total = _critical_counts(csat, nps, ces)
    return 100.0 * critical / total if total else None


def critical_share(*, csat: Sequence[int] = (), nps: Sequence[int] = (), ces: Sequence[int] = ()) -> float | None:
    """Share of answers that are critical (dissatisfied, as in :func:`cdsat`): a fraction 0..1.

    Parameters
    ----------
    csat : CSAT answers, integers 1..5.
    nps : NPS answers, integers 0..10.
    ces : CES answers, integers 1..7.

    Returns
    -------
    Fraction 0..1 (``cdsat / 100``); None when there are no answers at all.

    Examples
    --------
    >>> critical_share(csat=[1, 5], nps=[0, 9])
    0.5
    """
    critical, total = _critical_counts(csat, nps, ces)
    return critical / total if total else None


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name}={value!r}; expected a count, an integer >= 0")


def _share(part_name: str, part: int, invited: int, *, at_most_invited: bool = True) -> float | None:
    _check_count("invited", invited)
    _check_count(part_name, part)
    if at_most_invited and part > invited:
        raise ValueError(f"{part_name}={part} is more than invited={invited}")
    return float(part / invited) if invited else None


def response_rate(invited: int, answered: int) -> float | None:
    """Share of invitations that got an answer: ``answered / invited``, a fraction 0..1.

    Parameters
    ----------
    invited : invitations sent (>= 0).
    answered : of them, the ones answered (0..invited).

    Returns
    -------
    Fraction 0..1; None when nobody was invited.

    Examples
    --------
    >>> response_rate(8, 2)
    0.25
    >>> response_rate(0, 0) is None
    True
    """
    return _share("answered", answered, invited)


def ignore_rate(invited: int, ignored: int) -> float | None:
    """Share of invitations left unanswered past the answer window: ``ignored / invited``, 0..1.

    Parameters
    ----------
    invited : invitations sent (>= 0).
    ignored : of them, the ones nobody answered within the answer window (0..invited).

    Returns
    -------
    Fraction 0..1; None when nobody was invited.

    Examples
    --------
    >>> ignore_rate(4, 3)
    0.75
    """
    return _share("ignored", ignored, invited)


def stop_rate(invited: int, stopped: int) -> float | None:
    """Share of invitations the customer answered by opting out ("STOP"): ``stopped / invited``, 0..1.

    Parameters
    ----------
    invited : invitations sent (>= 0).
    stopped : of them, the ones followed by a withdrawal of consent (0..invited).

    Returns
    -------
    Fraction 0..1; None when nobody was invited.

    Examples
    --------
    >>> stop_rate(20, 1)
    0.05
    """
    return _share("stopped", stopped, invited)


def money_at_risk(detractors: int, *, average_check: float | None) -> float | None:
    """Revenue that dissatisfied customers may take away: ``detractors * average_check``.

    Parameters
    ----------
    detractors : customers who gave a dissatisfied answer (>= 0).
    average_check : what one customer brings on average, in any currency (>= 0); None or 0 means
        it is not known.

    Returns
    -------
    Money in the currency of ``average_check``; None when the average check is not known.

    Examples
    --------
    >>> money_at_risk(3, average_check=1500.0)
    4500.0
    >>> money_at_risk(3, average_check=0) is None
    True
    """
    _check_count("detractors", detractors)
    if average_check is None:
        return None
    if (isinstance(average_check, bool) or not isinstance(average_check, (int, float, np.integer, np.floating))
            or not math.isfinite(average_check) or average_check < 0):
        raise ValueError(f"average_check={average_check!r}; expected a finite amount >= 0, or None")
    return float(detractors * average_check) if average_check else None
