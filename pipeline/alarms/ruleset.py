"""What an alarm rule is once read: :class:`Rule`, its :class:`Aggregate` and :class:`Flag`, the
:class:`RuleSet` of a site, and the message template a rule fills when it fires.

The conditions a rule holds are :mod:`pipeline.rules.conditions`'; reading a rule file is
:mod:`pipeline.alarms.schema`'s job.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pipeline.rules.conditions import Compare, Condition

SEVERITIES = ("info", "warning", "critical")
DEDUP_BY = ("contact", "customer", "operator", "rule")
SINK_NAMES = ("log", "webhook", "email")
METRICS = ("share", "count", "mean")
GROUPS = ("operator", "team", "channel")


@dataclass(frozen=True, slots=True)
class Flag:
    """``flag: {name: do_not_sell, for: 30d}``: set the flag on the contact's customer for ``duration_s``."""

    name: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A number over the contacts that started in a window, compared with thresholds (``tests``).

    ``share``: of the contacts on which every value ``of`` reads is known, the fraction where it holds;
    ``count``: contacts where ``of`` holds; ``mean``: mean of ``value`` over contacts that have it.
    ``where`` narrows the contacts first; ``by`` computes one number per operator, team or channel.
    ``over_s`` is the window's length; None means since local midnight ("today").
    """

    metric: Literal["share", "count", "mean"]
    tests: tuple[Compare, ...]
    of: Condition | None = None
    value: str | None = None
    where: Condition | None = None
    over_s: float | None = 86400.0
    min_count: int = 1
    by: str | None = None

    def window(self, now: datetime, timezone: str = "UTC") -> tuple[datetime, datetime]:
        """``[since, until)`` of the contacts the number is over, ending at ``now``."""
        if self.over_s is None:
            local = now.astimezone(ZoneInfo(timezone))
            return local.replace(hour=0, minute=0, second=0, microsecond=0), now
        return now - timedelta(seconds=self.over_s), now


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str
    message: str
    when: Condition | None = None
    aggregate: Aggregate | None = None
    cooldown_s: float = 0.0
    dedup_by: str = "contact"
    sinks: tuple[str, ...] = ("log",)
    flag: Flag | None = None
    description: str = ""
    source: str = ""
    """``FILE:LINE`` where the rule starts."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    files: tuple[Path, ...] = ()

    @property
    def contact_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.when is not None)

    @property
    def aggregate_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.aggregate is not None)


# messages -----------------------------------------------------------------------------------

class _Template(string.Formatter):
    """``str.format`` where a field is looked up whole first (``{survey.csat}``), a missing one prints ``-``
    and a value that does not fit the format spec prints as it is."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[Any, str]:
        if field_name in kwargs:
            return kwargs[field_name], field_name
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, AttributeError, IndexError, TypeError):
            return None, field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return "-"
        try:
            return format(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill a rule's message: ``render("CSAT {value} on {contact_id}", {...})``."""
    return _Template().vformat(template, (), dict(context))


def template_problem(template: str) -> str | None:
    """What is wrong with a message template (a stray brace, a numbered field), or None."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as error:
        return f"message {template!r}: {error}; write a literal brace as {{{{ or }}}}"
    for field_name in fields:
        if not field_name or field_name[0].isdigit():
            return f"message {template!r}: field {{{field_name}}}; expected a name such as {{contact_id}} or {{value}}"
    return None
