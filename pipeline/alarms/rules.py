"""Alarm rules: read from YAML files, checked on load, matched against a contact's values.

A rule file holds ``rules:``, a list of rules (see README, "Alarms"). Loading checks every rule
and reports every problem at once, each as ``FILE:LINE: what is wrong; what was expected``
(:class:`RuleError`), so a site never runs with half its rules silently ignored.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml

from pipeline.records import FeatureValue

SEVERITIES = ("info", "warning", "critical")
DEDUP_BY = ("contact", "customer", "operator", "rule")
SINK_NAMES = ("log", "webhook", "email")
OPERATORS = {"min": ">=", "max": "<=", "lt": "<", "gt": ">", "eq": "==", "ne": "!=", "in": "in"}
NUMERIC_OPERATORS = frozenset({"min", "max", "lt", "gt"})
METRICS = ("share", "count", "mean")
GROUPS = ("operator", "team", "channel")
SURVEY_ALIASES = {"csat": "survey.csat", "nps": "survey.nps", "ces": "survey.ces"}
"""Short names for survey answers: ``csat`` reads ``survey.csat`` (the contact's most critical answer)."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RULE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_FLAG_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_RULE_KEYS = {"id", "severity", "message", "description", "when", "aggregate", "cooldown", "dedup_by", "sinks",
              "flag"}
_AGGREGATE_KEYS = {"metric", "of", "value", "where", "over", "min_count", "by"} | set(OPERATORS)


class RuleError(ValueError):
    """Rule files that cannot be used; ``problems`` holds one ``FILE:LINE: message`` each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# conditions ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Compare:
    """``name OP operand``: ``{hold_s: {gt: 120}}`` is ``Compare("hold_s", "gt", 120)``."""

    name: str
    op: str
    operand: float | str | bool | tuple[float | str | bool, ...]

    def holds(self, value: FeatureValue) -> bool:
        """Whether the value passes; a missing value (None) never does, nor text in a numeric comparison."""
        if value is None:
            return False
        if self.op == "in":
            return any(_equal(value, o) for o in self.operand)
        if self.op == "eq":
            return _equal(value, self.operand)
        if self.op == "ne":
            return not _equal(value, self.operand)
        number = _number(value)
        if number is None:
            return False
        return {"min": number >= self.operand, "max": number <= self.operand, "lt": number < self.operand,
                "gt": number > self.operand}[self.op]


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


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _equal(value: object, operand: object) -> bool:
    a, b = _number(value), _number(operand)
    if a is not None and b is not None:
        return a == b
    return str(value) == str(operand)


def lookup(values: Mapping[str, FeatureValue], name: str) -> FeatureValue:
    """The value a rule's ``name`` reads: the name itself, else its survey alias (``csat``); None if absent."""
    if name in values:
        return values[name]
    alias = SURVEY_ALIASES.get(name)
    return values.get(alias) if alias else None


def matches(condition: Condition, values: Mapping[str, FeatureValue]) -> dict[str, FeatureValue] | None:
    """The values that made the condition true (name -> value, in the rule's order), or None if it is false.

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


# rules --------------------------------------------------------------------------------------

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


def _template_problem(template: str) -> str | None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as error:
        return f"message {template!r}: {error}; write a literal brace as {{{{ or }}}}"
    for field_name in fields:
        if not field_name or field_name[0].isdigit():
            return f"message {template!r}: field {{{field_name}}}; expected a name such as {{contact_id}} or {{value}}"
    return None


# loading ------------------------------------------------------------------------------------

def parse_duration(text: object) -> float | None:
    """Seconds in ``30m``, ``2h``, ``1d``, ``1w``, ``90s`` or a plain number of seconds; None if unreadable."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) and text >= 0 else None
    found = _DURATION.match(str(text))
    return float(found.group(1)) * _UNIT_S[found.group(2)] if found else None


_constructor = yaml.constructor.SafeConstructor()


class _Reader:
    """Walks the YAML node tree of one file, collecting problems as ``FILE:LINE: message``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def where(self, node: yaml.Node) -> str:
        return f"{self.path}:{node.start_mark.line + 1}"

    def error(self, node: yaml.Node, message: str) -> None:
        self.problems.append(f"{self.where(node)}: {message}")

    def value(self, node: yaml.Node) -> Any:
        return _constructor.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} is {_kind(node)}; expected a mapping")
            return None
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = self.value(key) if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str):
                self.error(key, f"{what}: key {name!r}; expected a name")
            elif name in entries:
                first = entries[name][0].start_mark.line + 1
                self.error(key, f"{what}: {name!r} appears twice (first at line {first})")
            else:
                entries[name] = (key, value)
        return entries

    def text(self, node: yaml.Node, what: str) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            self.error(node, f"{what} is {_kind(node)}; expected text")
            return None
        return value

    def duration(self, node: yaml.Node, what: str, *, positive: bool = False) -> float | None:
        seconds = parse_duration(self.value(node)) if isinstance(node, yaml.ScalarNode) else None
        if seconds is None or (positive and seconds <= 0):
            self.error(node, f"{what} {_show(self, node)}; expected a duration such as 30m, 2h, 1d, 1w or 90s")
            return None
        return seconds

    # conditions

    def condition(self, node: yaml.Node, what: str = "condition") -> Condition | None:
        entries = self.mapping(node, what)
        if not entries:
            if entries == {}:
                self.error(node, f"{what} is empty; expected e.g. {{csi: {{lt: 40}}}}")
            return None
        parts: list[Condition] = []
        ok = True
        for name, (key, value) in entries.items():
            part: Condition | None
            if name in ("all", "any"):
                if not isinstance(value, yaml.SequenceNode) or not value.value:
                    kind = "an empty list" if isinstance(value, yaml.SequenceNode) else _kind(value)
                    self.error(value, f"{name} is {kind}; expected a non-empty list of conditions")
                    ok = False
                    continue
                members = [self.condition(item, f"{name}[{i}]") for i, item in enumerate(value.value)]
                if any(m is None for m in members):
                    ok = False
                    continue
                part = (AllOf if name == "all" else AnyOf)(tuple(members))
            elif name == "not":
                inner = self.condition(value, "not")
                part = Not(inner) if inner is not None else None
            else:
                part = self.comparisons(name, value)
            if part is None:
                ok = False
            else:
                parts.append(part)
        if not ok:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def comparisons(self, name: str, node: yaml.Node) -> Condition | None:
        if isinstance(node, yaml.ScalarNode):  # {bot_handoff: 1} is {bot_handoff: {eq: 1}}
            operand = self.value(node)
            if operand is None or isinstance(operand, datetime):
                self.error(node, f"{name}: {_show(self, node)}; expected a number, text or {{OP: value}} "
                                 f"with OP one of {', '.join(OPERATORS)}")
                return None
            return Compare(name, "eq", operand)
        ops = self.mapping(node, name)
        if not ops:
            if ops == {}:
                self.error(node, f"{name}: no comparison; expected {{OP: value}} with OP one of {', '.join(OPERATORS)}")
            return None
        found = []
        for op, (key, value) in ops.items():
            compare = self.compare(name, op, key, value)
            if compare is None:
                return None
            found.append(compare)
        return found[0] if len(found) == 1 else AllOf(tuple(found))

    def compare(self, name: str, op: str, key: yaml.Node, node: yaml.Node) -> Compare | None:
        if op not in OPERATORS:
            self.error(key, f"{name}: unknown comparison {op!r}; expected one of {', '.join(OPERATORS)} "
                            f"(min is >=, max is <=)")
            return None
        operand = self.value(node)
        if op in NUMERIC_OPERATORS:
            if _number(operand) is None or isinstance(operand, bool):
                self.error(node, f"{name}: {op} {_show(self, node)}; expected a number")
                return None
            return Compare(name, op, float(operand))
        if op == "in":
            if not isinstance(operand, list) or not operand or any(
                    isinstance(o, (list, dict)) or o is None for o in operand):
                self.error(node, f"{name}: in {_show(self, node)}; expected a non-empty list of numbers or texts")
                return None
            return Compare(name, op, tuple(operand))
        if operand is None or isinstance(operand, (list, dict, datetime)):
            self.error(node, f"{name}: {op} {_show(self, node)}; expected a number or a text")
            return None
        return Compare(name, op, operand)

    # rules

    def aggregate(self, node: yaml.Node) -> Aggregate | None:
        entries = self.mapping(node, "aggregate")
        if entries is None:
            return None
        for name, (key, _) in entries.items():
            if name not in _AGGREGATE_KEYS:
                self.error(key, f"aggregate: unknown key {name!r}; expected {', '.join(sorted(_AGGREGATE_KEYS))}")
                return None
        if "metric" not in entries:
            self.error(node, f"aggregate: no metric; expected metric: one of {', '.join(METRICS)}")
            return None
        metric = self.value(entries["metric"][1])
        if metric not in METRICS:
            self.error(entries["metric"][1], f"aggregate: metric {metric!r}; expected one of {', '.join(METRICS)}")
            return None
        tests = []
        for op in OPERATORS:
            if op in entries:
                compare = self.compare(metric, op, *entries[op])
                if compare is None:
                    return None
                tests.append(compare)
        if not tests:
            self.error(node, f"aggregate: no threshold; expected one of {', '.join(OPERATORS)} (e.g. gt: 0.2)")
            return None
        of = value = where = None
        if metric in ("share", "count"):
            if "of" not in entries or "value" in entries:
                self.error(node, f"aggregate: metric {metric} needs `of: CONDITION` (and no `value`)")
                return None
            of = self.condition(entries["of"][1], "of")
            if of is None:
                return None
        else:
            if "value" not in entries or "of" in entries:
                self.error(node, "aggregate: metric mean needs `value: NAME` (and no `of`)")
                return None
            value = self.text(entries["value"][1], "value")
            if value is None:
                return None
        if "where" in entries:
            where = self.condition(entries["where"][1], "where")
            if where is None:
                return None
        over_s: float | None = 86400.0
        if "over" in entries:
            over_node = entries["over"][1]
            if isinstance(over_node, yaml.ScalarNode) and self.value(over_node) == "today":
                over_s = None
            else:
                over_s = self.duration(over_node, "over", positive=True)
                if over_s is None:
                    return None
        min_count = 1
        if "min_count" in entries:
            min_count = self.value(entries["min_count"][1])
            if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
                self.error(entries["min_count"][1], f"aggregate: min_count {min_count!r}; expected an integer >= 1")
                return None
        by = None
        if "by" in entries:
            by = self.value(entries["by"][1])
            if by not in GROUPS:
                self.error(entries["by"][1], f"aggregate: by {by!r}; expected one of {', '.join(GROUPS)}")
                return None
        return Aggregate(metric=metric, tests=tuple(tests), of=of, value=value, where=where, over_s=over_s,
                         min_count=min_count, by=by)

    def rule(self, node: yaml.Node) -> Rule | None:
        before = len(self.problems)
        entries = self.mapping(node, "rule")
        if entries is None:
            return None
        for name, (key, _) in entries.items():
            if name not in _RULE_KEYS:
                self.error(key, f"rule: unknown key {name!r}; expected {', '.join(sorted(_RULE_KEYS))}")
        for name in ("id", "severity", "message"):
            if name not in entries:
                self.error(node, f"rule: no {name}")
        if ("when" in entries) == ("aggregate" in entries):
            self.error(node, "rule: expected either `when` (a condition on one contact) or `aggregate` "
                             "(a number over recent contacts), not both or neither")
        # go on past a problem: every problem of the rule is reported at once
        rule_id = self.text(entries["id"][1], "id") if "id" in entries else None
        if rule_id is not None and not _RULE_ID.match(rule_id):
            self.error(entries["id"][1], f"id {rule_id!r}; expected letters, digits, _ . - (at most 128)")
        severity = self.value(entries["severity"][1]) if "severity" in entries else None
        if "severity" in entries and severity not in SEVERITIES:
            self.error(entries["severity"][1], f"severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
        message = self.text(entries["message"][1], "message") if "message" in entries else None
        if message is not None and (problem := _template_problem(message)):
            self.error(entries["message"][1], problem)
        when = self.condition(entries["when"][1], "when") if "when" in entries else None
        aggregate = self.aggregate(entries["aggregate"][1]) if "aggregate" in entries else None
        description = self.text(entries["description"][1], "description") if "description" in entries else ""
        cooldown_s: float | None = 0.0
        if "cooldown" in entries:
            cooldown_s = self.duration(entries["cooldown"][1], "cooldown")
        elif aggregate is not None:  # else every contact processed would raise it again
            cooldown_s = aggregate.over_s or 86400.0
        # an aggregate rule counts its cooldown per group (operator, team, channel) when it has one
        allowed = DEDUP_BY if "aggregate" not in entries else ("rule", *([aggregate.by] if aggregate and aggregate.by
                                                                         else []))
        dedup_by = allowed[-1] if "aggregate" in entries else "contact"
        if "dedup_by" in entries:
            dedup_node = entries["dedup_by"][1]
            dedup_by = self.value(dedup_node)
            if dedup_by not in allowed:
                kind = " on an aggregate rule" if "aggregate" in entries else ""
                self.error(dedup_node, f"dedup_by {dedup_by!r}{kind}; expected one of {', '.join(allowed)}")
        sinks: tuple[str, ...] = ("log",)
        if "sinks" in entries:
            sinks_node = entries["sinks"][1]
            listed = self.value(sinks_node)
            if isinstance(listed, str):
                listed = [listed]
            if not isinstance(listed, list) or not listed or any(s not in SINK_NAMES for s in listed):
                self.error(sinks_node, f"sinks {_show(self, sinks_node)}; expected a list of "
                                       f"{', '.join(SINK_NAMES)}")
            else:
                sinks = tuple(dict.fromkeys(listed))
        flag = None
        if "flag" in entries:
            flag = self.flag(entries["flag"][1], aggregate="aggregate" in entries)
        if len(self.problems) > before:
            return None
        return Rule(id=rule_id, severity=severity, message=message, when=when, aggregate=aggregate,
                    cooldown_s=cooldown_s, dedup_by=dedup_by, sinks=sinks, flag=flag, description=description or "",
                    source=self.where(node))

    def flag(self, node: yaml.Node, *, aggregate: bool) -> Flag | None:
        if aggregate:
            self.error(node, "flag on an aggregate rule; a flag is set on the customer of one contact")
            return None
        entries = self.mapping(node, "flag")
        if entries is None:
            return None
        unknown = set(entries) - {"name", "for"}
        if unknown or "name" not in entries or "for" not in entries:
            self.error(node, "flag: expected {name: NAME, for: DURATION}, e.g. {name: do_not_sell, for: 30d}")
            return None
        name = self.value(entries["name"][1])
        if not isinstance(name, str) or not _FLAG_NAME.match(name):
            self.error(entries["name"][1], f"flag name {name!r}; expected lower-case letters, digits and _")
            return None
        seconds = self.duration(entries["for"][1], "flag for", positive=True)
        return Flag(name, seconds) if seconds is not None else None

    def rules(self, text: str) -> list[Rule]:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(error, "problem", None) or str(error)
            self.problems.append(f"{self.path}{line}: not valid YAML: {problem}")
            return []
        if root is None:
            return []  # an empty file: no rules
        items: yaml.Node = root
        if isinstance(root, yaml.MappingNode):
            entries = self.mapping(root, "the file")
            if entries is None or set(entries) != {"rules"}:
                self.error(root, "the file: expected one key, `rules:`, holding a list of rules")
                return []
            items = entries["rules"][1]
        if not isinstance(items, yaml.SequenceNode):
            self.error(items, f"rules is {_kind(items)}; expected a list of rules")
            return []
        return [r for r in (self.rule(item) for item in items.value) if r is not None]


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    value = _constructor.construct_object(node, deep=True)
    return "empty" if value is None else f"{type(value).__name__} {value!r}"


def _show(reader: _Reader, node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return _kind(node)
    shown = repr(reader.value(node))
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _line_of(problem: str) -> int:
    found = re.search(r":(\d+): ", problem)
    return int(found.group(1)) if found else 0


def load_rules(paths: Sequence[Path | str]) -> RuleSet:
    """Read and check the rule files; raises :class:`RuleError` with every problem in them."""
    problems: list[str] = []
    rules: list[Rule] = []
    for path in map(Path, paths):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(f"{path}: no such file; expected a YAML file of alarm rules")
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{path}: cannot be read: {error}")
            continue
        reader = _Reader(path)
        rules += reader.rules(text)
        problems += sorted(reader.problems, key=_line_of)  # in the order a person reads the file
    first: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in first:
            problems.append(f"{rule.source}: rule id {rule.id!r} is used already at {first[rule.id].source}; "
                            f"expected ids to be unique")
        else:
            first[rule.id] = rule
    if problems:
        raise RuleError(problems)
    return RuleSet(rules=tuple(rules), files=tuple(map(Path, paths)))


def default_rules_path() -> Path:
    """The rules shipped with cxmon (used when the ``alarm_rules`` setting is empty)."""
    return Path(str(resources.files("pipeline.alarms") / "default_rules.yaml"))


def _signature(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return str(path), -1, -1
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _cached_rules(signatures: tuple[tuple[str, int, int], ...]) -> RuleSet:
    return load_rules([Path(s[0]) for s in signatures])


def rules_for(paths: Sequence[Path]) -> RuleSet:
    """:func:`load_rules`, read again only when a file changed (every contact processed asks)."""
    return _cached_rules(tuple(_signature(Path(p).expanduser()) for p in (paths or [default_rules_path()])))
