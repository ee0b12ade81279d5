"""Customer value: value tiers, CX per group of customers, and the value at risk.

Pure functions, numbers in, numbers out. A customer's *value* is the CRM's CLV (customer lifetime
value) when every customer has one, else the period revenue (:func:`value_basis`): one report never
mixes the two. Money is in the CRM's currency.

Tiers (:func:`value_tiers`): by default the top 20 % of customers by value are ``top``, the bottom
20 % ``bottom``, the rest ``middle``; customers of equal value share a tier (the higher one). A site
may give fixed thresholds instead: ``top`` from ``top_from`` up, ``bottom`` under ``bottom_under``.

Value at risk (:func:`value_at_risk`): the summed value of the customers flagged at risk (each counted
once, however many flags it has): a detractor (latest NPS 0-6), a low predicted CSI, a silent
dissatisfied desk visit.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

TIERS = ("top", "middle", "bottom")
DEFAULT_TOP_SHARE = 0.2
DEFAULT_BOTTOM_SHARE = 0.2
DEFAULT_LOW_CSI = 50.0
"""Predicted CSI (0..100) under which a customer's contacts count as at risk."""


def _amount(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r}; expected a finite amount")
    return float(value)


def value_basis(clv: Mapping[str, float | None]) -> str:
    """``"clv"`` when every customer has a CLV, else ``"revenue"`` (also for no customers).

    >>> value_basis({"a": 10.0, "b": 2.0}), value_basis({"a": 10.0, "b": None}), value_basis({})
    ('clv', 'revenue', 'revenue')
    """
    return "clv" if clv and all(v is not None for v in clv.values()) else "revenue"


def value_tiers(values: Mapping[str, float], *, top_share: float = DEFAULT_TOP_SHARE,
                bottom_share: float = DEFAULT_BOTTOM_SHARE, top_from: float | None = None,
                bottom_under: float | None = None) -> dict[str, str]:
    """Each customer's tier: ``top``, ``middle`` or ``bottom``.

    Parameters
    ----------
    values : customer -> value (finite; negative allowed: a loss-making customer).
    top_share, bottom_share : fractions 0..1 of customers (rounded up) in the top and bottom tiers, by
        rank; customers tied with the last one taken join it. Used when no thresholds are given.
    top_from, bottom_under : fixed thresholds (both or neither): value >= ``top_from`` is top, value
        < ``bottom_under`` bottom; ``bottom_under <= top_from``.

    Examples
    --------
    10 customers worth 1..10: the top 20 % are the two worth 9 and 10, the bottom two 1 and 2:

    >>> tiers = value_tiers({f"c{v}": float(v) for v in range(1, 11)})
    >>> [c for c, t in sorted(tiers.items()) if t == "top"], [c for c, t in sorted(tiers.items()) if t == "bottom"]
    (['c10', 'c9'], ['c1', 'c2'])
    >>> value_tiers({"a": 500.0, "b": 100.0, "c": 5.0}, top_from=200, bottom_under=10)
    {'a': 'top', 'b': 'middle', 'c': 'bottom'}
    """
    checked = {customer: _amount(f"value of {customer}", v) for customer, v in values.items()}
    if (top_from is None) != (bottom_under is None):
        raise ValueError("top_from and bottom_under: give both thresholds or neither")
    if top_from is not None and bottom_under is not None:
        top_from, bottom_under = _amount("top_from", top_from), _amount("bottom_under", bottom_under)
        if bottom_under > top_from:
            raise ValueError(f"bottom_under={bottom_under} is above top_from={top_from}; "
                             f"expected bottom_under <= top_from")
        return {c: "top" if v >= top_from else "bottom" if v < bottom_under else "middle" for c, v in checked.items()}
    for name, share in (("top_share", top_share), ("bottom_share", bottom_share)):
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValueError(f"{name}={share!r}; expected a fraction 0..1")
    if top_share + bottom_share > 1:
        raise ValueError(f"top_share={top_share} + bottom_share={bottom_share} is over 1")
    if not checked:
        return {}
    ranked = sorted(checked.values(), reverse=True)
    n = len(ranked)
    n_top, n_bottom = math.ceil(top_share * n - 1e-9), math.ceil(bottom_share * n - 1e-9)
    top_cut = ranked[n_top - 1] if n_top else math.inf
    bottom_cut = ranked[n - n_bottom] if n_bottom else -math.inf
    return {c: "top" if v >= top_cut else "bottom" if v <= bottom_cut else "middle" for c, v in checked.items()}


def value_at_risk(values: Mapping[str, float], at_risk: Collection[str]) -> float:
    """The summed value of the customers in ``at_risk`` (a customer without a value adds nothing).

    >>> value_at_risk({"a": 100.0, "b": 50.0, "c": 1.0}, {"a", "c", "x"})
    101.0
    """
    return float(sum(_amount(f"value of {c}", values[c]) for c in set(at_risk) if c in values))


def share(part: float, whole: float) -> float | None:
    """``part / whole`` as a fraction; None when ``whole`` is 0.

    >>> share(25.0, 100.0), share(1.0, 0.0) is None
    (0.25, True)
    """
    return None if whole == 0 else float(part) / float(whole)
