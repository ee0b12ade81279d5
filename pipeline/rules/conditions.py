"""The one condition core: a contact's value, looked up by name, compared with a threshold.

Checklist rules (``{feature: hold_s, max: 120}``) and alarm rules (``{hold_s: {gt: 120}}``) read
the same values (:func:`pipeline.rules.facts.flat_values`) by the same names and compare them
here; each format keeps its own words on top. A condition is a :class:`Compare` or a combination
(:class:`AllOf`, :class:`AnyOf`, :class:`Not`); :func:`matches` says which values made it true.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.records import SURVEY_RANGES, FeatureValue

OPERATORS = {"min": ">=", "max": "<=", "lt": "<", "gt": ">", "eq": "==", "ne": "!=", "in": "in"}
NUMERIC_OPERATORS = frozenset({"min", "max", "lt", "gt"})
SURVEY_ALIASES = {kind: f"survey.{kind}" for kind in SURVEY_RANGES}
"""Short names for survey answers: ``csat`` reads ``survey.csat`` (the contact's most critical answer), and so
``nps``, ``ces``, ``goal``, ``emotion``, ``discourage``; a feature of the same name is read first."""


def number(value: object) -> float | None:
    """The value as a float when it is a finite number (not yes/no: True is no number); else None.

    >>> number(3), number(True), number("3"), number(float("nan"))
    (3.0, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _comparable(value: object) -> float | None:
    """A number to compare: yes/no counts as 1/0 (``{bot_handoff: {min: 1}}`` holds on True)."""
    return float(value) if isinstance(value, bool) else number(value)


def _equal(value: object, operand: object) -> bool:
    a, b = _comparable(value), _comparable(operand)
    if a is not None and b is not None:
        return a == b
    return str(value) == str(operand)


def compares(value: FeatureValue, op: str, operand: object) -> bool:
    """Whether ``value OP operand`` holds (OP one of :data:`OPERATORS`, ``in`` over a tuple of operands).

    A missing value (None) never holds, nor text in a numeric comparison.

    >>> compares(120.5, "gt", 120), compares("loans", "in", ("cards", "loans")), compares(None, "ne", 1)
    (True, True, False)
    """
    if value is None:
        return False
    if op == "in":
        return any(_equal(value, o) for o in operand)
    if op == "eq":
        return _equal(value, operand)
    if op == "ne":
        return not _equal(value, operand)
    found = _comparable(value)
    if found is None:
        return False
    return {"min": found >= operand, "max": found <= operand, "lt": found < operand, "gt": found > operand}[op]


def value_name(values: Mapping[str, FeatureValue], name: str) -> str | None:
    """The key ``name`` reads in ``values``: the name itself, else its survey alias (``csat``); None if neither."""
    if name in values:
        return name
    alias = SURVEY_ALIASES.get(name)
    return alias if alias in values else None


def lookup(values: Mapping[str, FeatureValue], name: str) -> FeatureValue:
    """The value a rule's ``name`` reads (see :func:`value_name`); None if absent."""
    key = value_name(values, name)
    return None if key is None else values[key]


@dataclass(frozen=True, slots=True)
class Compare:
    """``name OP operand``: ``{hold_s: {gt: 120}}`` is ``Compare("hold_s", "gt", 120)``."""

    name: str
    op: str
    operand: float | str | bool | tuple[float | str | bool, ...]

    def holds(self, value: FeatureValue) -> bool:
        """Whether the value passes (see :func:`compares`)."""
        return compares(value, self.op, self.operand)


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Condition


Condition = Compare | AllOf | AnyOf | Not


def matches(condition: Condition, values: Mapping[str, FeatureValue]) -> dict[str, FeatureValue] | None:
    """The values that made the condition true (name -> value, in the condition's order), or None if it is false.

    >>> matches(Compare("hold_s", "gt", 120), {"hold_s": 150.0})
    {'hold_s': 150.0}
    """
    if isinstance(condition, Compare):
        value = lookup(values, condition.name)
        return {condition.name: value} if condition.holds(value) else None
    if isinstance(condition, AllOf):
        evidence: dict[str, FeatureValue] = {}
        for part in condition.parts:
            found = matches(part, values)
            if found is None:
                return None
            evidence.update(found)
        return evidence
    if isinstance(condition, AnyOf):
        for part in condition.parts:
            found = matches(part, values)
            if found is not None:
                return found
        return None
    return {} if matches(condition.part, values) is None else None


def names(condition: Condition) -> tuple[str, ...]:
    """The value names the condition reads, in order, once each."""
    if isinstance(condition, Compare):
        return (condition.name,)
    parts = (condition.part,) if isinstance(condition, Not) else condition.parts
    seen: dict[str, None] = {}
    for part in parts:
        seen.update(dict.fromkeys(names(part)))
    return tuple(seen)
