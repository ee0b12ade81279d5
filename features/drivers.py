"""Driver analysis: which factors move satisfaction most, and how well each one is done today.

Input: one target value per surveyed contact (CSAT, NPS, CSI, ...) and, per factor, one value per
contact (None where the factor does not exist for that contact: a chat has no hold time, an item
was not applicable). Output, per factor:

- ``importance``: the standardized effect of the factor on the target, signed. ``correlation``
  (default): Pearson r over the contacts where the factor has a value, with the analytic
  (Fisher z) confidence interval. ``regression``: the coefficient of a least-squares fit of the
  standardized target on all standardized factors at once (missing values set to the factor's
  mean), with a percentile bootstrap interval (contacts resampled with replacement). Correlation
  shows each factor alone; regression shows what a factor adds with the others held, and is
  unstable when factors are nearly collinear or contacts are few.
- ``performance``: the factor's mean rescaled to 0..1 over its observed range (min..max), turned so
  that 1 is the good end: for a factor whose importance is negative (more of it, less
  satisfaction) it is ``1 - scaled mean``. A yes/no checklist item's performance is its pass
  rate; a phrase tag that lowers satisfaction has performance ``1 - share of contacts with it``.
- ``quadrant`` of the importance x performance matrix. A factor is *important* when its interval
  excludes 0 and ``|importance|`` is at least the mean ``|importance|`` of all analysed factors;
  performance is *high* when it is at least the mean performance of all analysed factors:

  ===========  =================  ==================================================
  important    high performance   quadrant
  ===========  =================  ==================================================
  yes          no                 ``fix first``
  yes          yes                ``keep up``
  no           no                 ``less urgent``
  no           yes                ``possible overkill``
  ===========  =================  ==================================================

A factor is skipped, with the reason, when fewer than ``min_contacts`` contacts have a value for it
or its value never changes (a constant cannot explain anything). Nothing here reads the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

METHODS = ("correlation", "regression")
QUADRANTS = ("fix first", "keep up", "less urgent", "possible overkill")
MIN_CONTACTS = 20
"""Fewest contacts (with a target and a value of the factor) an importance is computed from."""


class DriverError(ValueError):
    """The data cannot give a driver analysis (too few contacts, a constant target); the message says why."""


@dataclass(frozen=True, slots=True)
class Driver:
    """One factor's place in the importance x performance matrix."""

    name: str
    importance: float
    importance_ci: tuple[float, float]
    performance: float
    quadrant: str
    mean: float
    """The factor's raw mean over the contacts that have it."""
    contacts: int
    """Contacts the importance was computed from."""


@dataclass(frozen=True, slots=True)
class DriverResult:
    drivers: tuple[Driver, ...]
    """Most important first (by ``|importance|``)."""
    skipped: tuple[tuple[str, str], ...]
    """``(factor, why)`` for each factor left out."""
    contacts: int
    """Contacts with a target value."""
    method: str
    level: float
    importance_cut: float | None = None
    """The mean ``|importance|`` of the analysed factors (None without any)."""
    performance_cut: float | None = None
    """The mean performance of the analysed factors (None without any)."""


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level={level}; expected a confidence level between 0 and 1, e.g. 0.95")
    return NormalDist().inv_cdf((1.0 + level) / 2.0)


def correlation_ci(x: Sequence[float], y: Sequence[float], *, level: float = 0.95) -> tuple[float, float, float]:
    """Pearson r of ``x`` and ``y`` and its confidence interval (Fisher z, normal approximation).

    >>> r, low, high = correlation_ci([1, 2, 3, 4, 5, 6], [1.1, 1.9, 3.2, 3.8, 5.1, 6.0])
    >>> round(r, 3), low > 0.8, high <= 1.0
    (0.997, True, True)
    >>> correlation_ci([1, 2, 3], [3, 2, 1])[0]
    -1.0
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(xs)
    if n != len(ys) or n < 3:
        raise DriverError(f"a correlation needs at least 3 pairs of equal length; got {n} and {len(ys)}")
    if xs.std() == 0 or ys.std() == 0:
        raise DriverError("a correlation of a constant is undefined")
    r = float(np.clip(np.corrcoef(xs, ys)[0, 1], -1.0, 1.0))
    if n <= 3 or abs(r) >= 1.0:
        return r, r, r
    z, se = math.atanh(r), 1.0 / math.sqrt(n - 3)
    q = _z(level)
    return r, math.tanh(z - q * se), math.tanh(z + q * se)


def _standardize(columns: np.ndarray) -> np.ndarray:
    return (columns - columns.mean(axis=0)) / columns.std(axis=0)


def regression_ci(factors: np.ndarray, target: Sequence[float], *, level: float = 0.95, n_boot: int = 500,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardized least-squares coefficients of ``target`` on the columns of ``factors`` (no missing
    values), and their percentile bootstrap interval: ``(beta, low, high)``, one entry per column.

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 2))
    >>> beta, low, high = regression_ci(x, 2 * x[:, 0] + rng.normal(size=200), n_boot=200)
    >>> bool(low[0] > 0.7), bool(low[1] < 0 < high[1])
    (True, True)
    """
    X, y = np.asarray(factors, dtype=float), np.asarray(target, dtype=float)
    n = len(y)
    _z(level)

    def fit(rows: np.ndarray) -> np.ndarray:
        xs, ys = X[rows], y[rows]
        sx, sy = xs.std(axis=0), ys.std()
        if sy == 0:
            return np.full(X.shape[1], np.nan)
        safe = np.where(sx == 0, 1.0, sx)
        beta = np.linalg.lstsq((xs - xs.mean(axis=0)) / safe, (ys - ys.mean()) / sy, rcond=None)[0]
        return np.where(sx == 0, np.nan, beta)  # a column constant in this sample says nothing

    beta = fit(np.arange(n))
    rng = np.random.default_rng(seed)
    boot = np.array([fit(rng.integers(0, n, n)) for _ in range(n_boot)]) if n_boot else beta[None, :]
    tail = 100.0 * (1.0 - level) / 2.0
    low = np.nanpercentile(boot, tail, axis=0)
    high = np.nanpercentile(boot, 100.0 - tail, axis=0)
    return beta, low, high


def performance(values: Sequence[float], *, good_high: bool = True) -> float:
    """The mean of ``values`` rescaled to 0..1 over their range; ``1 -`` that when low values are the good end.

    >>> performance([0, 1, 1, 1])
    0.75
    >>> performance([0, 1, 1, 1], good_high=False)
    0.25
    >>> performance([10.0, 20.0, 30.0])
    0.5
    """
    xs = np.asarray(values, dtype=float)
    low, high = float(xs.min()), float(xs.max())
    scaled = 0.5 if high == low else (float(xs.mean()) - low) / (high - low)
    return scaled if good_high else 1.0 - scaled


def quadrant(important: bool, high_performance: bool) -> str:
    """The matrix quadrant of a factor.

    >>> quadrant(True, False), quadrant(True, True), quadrant(False, False), quadrant(False, True)
    ('fix first', 'keep up', 'less urgent', 'possible overkill')
    """
    if important:
        return "keep up" if high_performance else "fix first"
    return "possible overkill" if high_performance else "less urgent"


def _usable(name: str, column: Sequence[float | None], target: np.ndarray,
            min_contacts: int) -> tuple[np.ndarray, np.ndarray] | str:
    """The factor's (values, targets) over the contacts that have it, or why it is left out."""
    keep = np.array([v is not None and not (isinstance(v, float) and math.isnan(v)) for v in column], dtype=bool)
    if len(column) != len(target):
        raise DriverError(f"factor {name}: {len(column)} values for {len(target)} contacts")
    values = np.array([float(v) for v in column if v is not None and not (isinstance(v, float) and math.isnan(v))])
    if len(values) < min_contacts:
        return f"only {len(values)} contacts have it (at least {min_contacts} needed)"
    if values.min() == values.max():
        return f"constant ({values[0]:g} for every contact)"
    if target[keep].min() == target[keep].max():
        return "the target is constant over the contacts that have it"
    return values, target[keep]


def driver_analysis(target: Sequence[float], factors: Mapping[str, Sequence[float | None]], *,
                    method: str = "correlation", level: float = 0.95, min_contacts: int = MIN_CONTACTS,
                    n_boot: int = 500, seed: int = 0) -> DriverResult:
    """Importance (with its interval), performance and quadrant of every usable factor.

    ``target`` holds one value per contact; each ``factors[name]`` one value (or None) per contact,
    in the same order. Raises :class:`DriverError` when the target cannot carry an analysis.

    >>> rng = np.random.default_rng(0)
    >>> strong, null = rng.normal(size=100), rng.normal(size=100)
    >>> target = 3 + strong + 0.5 * rng.normal(size=100)
    >>> result = driver_analysis(target, {"strong": strong, "null": null, "flat": [1.0] * 100})
    >>> [d.name for d in result.drivers], result.skipped
    (['strong', 'null'], (('flat', 'constant (1 for every contact)'),))
    >>> strong_ci, null_ci = (d.importance_ci for d in result.drivers)
    >>> bool(strong_ci[0] > 0.7), bool(null_ci[0] < 0 < null_ci[1]), result.drivers[0].quadrant in QUADRANTS[:2]
    (True, True, True)
    """
    if method not in METHODS:
        raise DriverError(f"method {method!r}; expected one of {', '.join(METHODS)}")
    y = np.asarray(target, dtype=float)
    if len(y) < min_contacts:
        raise DriverError(f"only {len(y)} surveyed contacts with the target; a driver analysis needs at least "
                          f"{min_contacts}")
    if y.min() == y.max():
        raise DriverError(f"every surveyed contact has the same target value ({y[0]:g}): nothing to explain")
    usable: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    skipped: list[tuple[str, str]] = []
    for name, column in factors.items():
        got = _usable(name, list(column), y, min_contacts)
        if isinstance(got, str):
            skipped.append((name, got))
        else:
            usable[name] = got
    effects: dict[str, tuple[float, float, float]] = {}
    if method == "correlation":
        for name, (x, yy) in usable.items():
            effects[name] = correlation_ci(x, yy, level=level)
    elif usable:
        names = list(usable)
        matrix = np.column_stack([_filled(factors[name]) for name in names])
        beta, low, high = regression_ci(matrix, y, level=level, n_boot=n_boot, seed=seed)
        effects = {name: (float(b), float(lo), float(hi)) for name, b, lo, hi in zip(names, beta, low, high)}
    return _matrix(usable, effects, skipped, contacts=len(y), method=method, level=level)


def _filled(column: Sequence[float | None]) -> np.ndarray:
    """The column as floats, a missing value replaced by the mean of the present ones."""
    values = np.array([np.nan if v is None else float(v) for v in column], dtype=float)
    return np.where(np.isnan(values), np.nanmean(values), values)


def _matrix(usable: Mapping[str, tuple[np.ndarray, np.ndarray]], effects: Mapping[str, tuple[float, float, float]],
            skipped: list[tuple[str, str]], *, contacts: int, method: str, level: float) -> DriverResult:
    if not effects:
        return DriverResult((), tuple(skipped), contacts, method, level)
    perf = {name: performance(usable[name][0], good_high=effects[name][0] >= 0) for name in effects}
    importance_cut = float(np.mean([abs(e[0]) for e in effects.values()]))
    performance_cut = float(np.mean(list(perf.values())))
    drivers = []
    for name, (effect, low, high) in effects.items():
        important = (low > 0 or high < 0) and abs(effect) >= importance_cut * (1 - 1e-9)  # ties: in
        drivers.append(Driver(name=name, importance=effect, importance_ci=(low, high), performance=perf[name],
                              quadrant=quadrant(important, perf[name] >= performance_cut * (1 - 1e-9)),
                              mean=float(usable[name][0].mean()), contacts=len(usable[name][0])))
    drivers.sort(key=lambda d: (-abs(d.importance), d.name))
    return DriverResult(tuple(drivers), tuple(skipped), contacts, method, level, importance_cut, performance_cut)
