"""Alarm rule files as YAML: read (by :mod:`pipeline.rules.located`) and checked, rule by rule.

A rule file holds ``rules:``, a list of rules (see README, "Alarms"). Every problem is collected,
each at its line, in the alarm rules' own words (``rule: no message``, ``csat: unknown comparison
'atmost'; expected one of ...``); the conditions built are :mod:`pipeline.rules.conditions`'.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pipeline.alarms.ruleset import (DEDUP_BY, GROUPS, METRICS, SEVERITIES, SINK_NAMES, Aggregate, Flag, Rule,
                                     template_problem)
from pipeline.rules.conditions import NUMERIC_OPERATORS, OPERATORS, AllOf, AnyOf, Compare, Condition, Not, number
from pipeline.rules.located import LList, LMap, Problems, load_located

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RULE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_FLAG_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_RULE_KEYS = {"id", "severity", "message", "description", "when", "aggregate", "cooldown", "dedup_by", "sinks",
              "flag"}
_AGGREGATE_KEYS = {"metric", "of", "value", "where", "over", "min_count", "by"} | set(OPERATORS)


def parse_duration(text: object) -> float | None:
    """Seconds in ``30m``, ``2h``, ``1d``, ``1w``, ``90s`` or a plain number of seconds; None if unreadable."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        seconds = number(text)
        return seconds if seconds is not None and seconds >= 0 else None
    found = _DURATION.match(str(text))
    return float(found.group(1)) * _UNIT_S[found.group(2)] if found else None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "empty" if value is None else f"{type(value).__name__} {value!r}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return _kind(value)
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def read_rules(text: str, problems: Problems) -> list[Rule]:
    """The rules written in ``text`` (a rule file: ``rules: [...]``, a bare list, or nothing); the
    problems of those that cannot be used go to ``problems``. A file with nothing in it at all is a
    problem (a copy cut short, not a choice); one that says so in a comment holds no rules."""
    if not text.strip():
        problems.add(None, "an empty file: no rules; expected `rules:` and a list of rules")
        return []
    root, root_line = load_located(text, problems, report_keys=False)
    if problems or root_line is None:
        return []  # not YAML, or an empty file: no rules
    reader = _Reader(problems)
    items, items_line = root, root_line
    if isinstance(root, LMap):
        entries = reader.mapping(root, root_line, "the file")
        if entries is None or set(entries) != {"rules"}:
            reader.error(root_line, "the file: expected one key, `rules:`, holding a list of rules")
            return []
        items, items_line = entries["rules"], entries.value_line("rules")
    if not isinstance(items, LList):
        reader.error(items_line, f"rules is {_kind(items)}; expected a list of rules")
        return []
    return [r for r in (reader.rule(item, items.lines[n]) for n, item in enumerate(items)) if r is not None]


class _Reader:
    """Checks the located values of one file, each problem at its line."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.add(line, message)

    def mapping(self, value: Any, line: int, what: str, *, empty: str | None = None) -> LMap | None:
        """The mapping with its keys that are names; each other key, and a name written twice, is a problem.

        With ``empty``, a mapping without names is one too (that message), and None.
        """
        if not isinstance(value, LMap):
            self.error(line, f"{what} is {_kind(value)}; expected a mapping")
            return None
        first: dict[str, int] = {}
        for name, key_line in value.pairs:
            if not isinstance(name, str):
                self.error(key_line, f"{what}: key {name!r}; expected a name")
            elif name in first:
                self.error(key_line, f"{what}: {name!r} appears twice (first at line {first[name]})")
            else:
                first[name] = key_line
        if empty is not None and not first:
            self.error(line, empty)
            return None
        return value if len(first) == len(value) else value.subset(first)

    def text(self, value: Any, line: int, what: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(line, f"{what} is {_kind(value)}; expected text")
            return None
        return value

    def duration(self, value: Any, line: int, what: str, *, positive: bool = False) -> float | None:
        seconds = None if isinstance(value, (dict, list)) else parse_duration(value)
        if seconds is None or (positive and seconds <= 0):
            self.error(line, f"{what} {_show(value)}; expected a duration such as 30m, 2h, 1d, 1w or 90s")
            return None
        return seconds

    # conditions

    def condition(self, value: Any, line: int, what: str = "condition") -> Condition | None:
        entries = self.mapping(value, line, what, empty=f"{what} is empty; expected e.g. {{csi: {{lt: 40}}}}")
        if entries is None:
            return None
        parts: list[Condition] = []
        ok = True
        for name, inner in entries.items():
            inner_line = entries.value_line(name)
            part: Condition | None
            if name in ("all", "any"):
                if not isinstance(inner, LList) or not inner:
                    kind = "an empty list" if isinstance(inner, LList) else _kind(inner)
                    self.error(inner_line, f"{name} is {kind}; expected a non-empty list of conditions")
                    ok = False
                    continue
                members = [self.condition(item, inner.lines[n], f"{name}[{n}]") for n, item in enumerate(inner)]
                if any(m is None for m in members):
                    ok = False
                    continue
                part = (AllOf if name == "all" else AnyOf)(tuple(members))
            elif name == "not":
                negated = self.condition(inner, inner_line, "not")
                part = Not(negated) if negated is not None else None
            else:
                part = self.comparisons(name, inner, inner_line)
            if part is None:
                ok = False
            else:
                parts.append(part)
        if not ok:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def comparisons(self, name: str, value: Any, line: int) -> Condition | None:
        if not isinstance(value, (dict, list)):  # {bot_handoff: 1} is {bot_handoff: {eq: 1}}
            if value is None or isinstance(value, datetime):
                self.error(line, f"{name}: {_show(value)}; expected a number, text or {{OP: value}} "
                                 f"with OP one of {', '.join(OPERATORS)}")
                return None
            return Compare(name, "eq", value)
        ops = self.mapping(value, line, name,
                           empty=f"{name}: no comparison; expected {{OP: value}} with OP one of {', '.join(OPERATORS)}")
        if ops is None:
            return None
        found = []
        for op in ops:
            compare = self.compare(name, op, ops)
            if compare is None:
                return None
            found.append(compare)
        return found[0] if len(found) == 1 else AllOf(tuple(found))

    def compare(self, name: str, op: str, ops: LMap) -> Compare | None:
        """``name OP ops[op]``, the operand checked for the comparison."""
        if op not in OPERATORS:
            self.error(ops.key_line(op), f"{name}: unknown comparison {op!r}; expected one of {', '.join(OPERATORS)} "
                                 f"(min is >=, max is <=)")
            return None
        operand, line = ops[op], ops.value_line(op)
        if op in NUMERIC_OPERATORS:
            if number(operand) is None:
                self.error(line, f"{name}: {op} {_show(operand)}; expected a number")
                return None
            return Compare(name, op, float(operand))
        if op == "in":
            if not isinstance(operand, list) or not operand or any(
                    isinstance(o, (list, dict)) or o is None for o in operand):
                self.error(line, f"{name}: in {_show(operand)}; expected a non-empty list of numbers or texts")
                return None
            return Compare(name, op, tuple(operand))
        if operand is None or isinstance(operand, (list, dict, datetime)):
            self.error(line, f"{name}: {op} {_show(operand)}; expected a number or a text")
            return None
        return Compare(name, op, operand)

    # rules

    def aggregate(self, value: Any, line: int) -> Aggregate | None:
        entries = self.mapping(value, line, "aggregate")
        if entries is None:
            return None
        for name in entries:
            if name not in _AGGREGATE_KEYS:
                self.error(entries.key_line(name),
                           f"aggregate: unknown key {name!r}; expected {', '.join(sorted(_AGGREGATE_KEYS))}")
                return None
        at = entries.value_line
        if "metric" not in entries:
            self.error(line, f"aggregate: no metric; expected metric: one of {', '.join(METRICS)}")
            return None
        metric = entries["metric"]
        if metric not in METRICS:
            self.error(at("metric"), f"aggregate: metric {metric!r}; expected one of {', '.join(METRICS)}")
            return None
        tests = []
        for op in OPERATORS:
            if op in entries:
                compare = self.compare(metric, op, entries)
                if compare is None:
                    return None
                tests.append(compare)
        if not tests:
            self.error(line, f"aggregate: no threshold; expected one of {', '.join(OPERATORS)} (e.g. gt: 0.2)")
            return None
        of = value_name = where = None
        if metric in ("share", "count"):
            if "of" not in entries or "value" in entries:
                self.error(line, f"aggregate: metric {metric} needs `of: CONDITION` (and no `value`)")
                return None
            of = self.condition(entries["of"], at("of"), "of")
            if of is None:
                return None
        else:
            if "value" not in entries or "of" in entries:
                self.error(line, "aggregate: metric mean needs `value: NAME` (and no `of`)")
                return None
            value_name = self.text(entries["value"], at("value"), "value")
            if value_name is None:
                return None
        if "where" in entries:
            where = self.condition(entries["where"], at("where"), "where")
            if where is None:
                return None
        over_s: float | None = 86400.0
        if "over" in entries:
            if entries["over"] == "today":
                over_s = None
            else:
                over_s = self.duration(entries["over"], at("over"), "over", positive=True)
                if over_s is None:
                    return None
        min_count = entries.get("min_count", 1)
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            self.error(at("min_count"), f"aggregate: min_count {min_count!r}; expected an integer >= 1")
            return None
        by = entries.get("by")
        if "by" in entries and by not in GROUPS:
            self.error(at("by"), f"aggregate: by {by!r}; expected one of {', '.join(GROUPS)}")
            return None
        return Aggregate(metric=metric, tests=tuple(tests), of=of, value=value_name, where=where, over_s=over_s,
                         min_count=min_count, by=by)

    def rule(self, value: Any, line: int) -> Rule | None:
        before = len(self.problems)
        entries = self.mapping(value, line, "rule")
        if entries is None:
            return None
        for name in entries:
            if name not in _RULE_KEYS:
                self.error(entries.key_line(name), f"rule: unknown key {name!r}; expected {', '.join(sorted(_RULE_KEYS))}")
        for name in ("id", "severity", "message"):
            if name not in entries:
                self.error(line, f"rule: no {name}")
        if ("when" in entries) == ("aggregate" in entries):
            self.error(line, "rule: expected either `when` (a condition on one contact) or `aggregate` "
                             "(a number over recent contacts), not both or neither")
        # go on past a problem: every problem of the rule is reported at once
        at = entries.value_line
        rule_id = self.text(entries["id"], at("id"), "id") if "id" in entries else None
        if rule_id is not None and not _RULE_ID.match(rule_id):
            self.error(at("id"), f"id {rule_id!r}; expected letters, digits, _ . - (at most 128)")
        severity = entries.get("severity")
        if "severity" in entries and severity not in SEVERITIES:
            self.error(at("severity"), f"severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
        message = self.text(entries["message"], at("message"), "message") if "message" in entries else None
        if message is not None and (problem := template_problem(message)):
            self.error(at("message"), problem)
        when = self.condition(entries["when"], at("when"), "when") if "when" in entries else None
        aggregate = self.aggregate(entries["aggregate"], at("aggregate")) if "aggregate" in entries else None
        description = self.text(entries["description"], at("description"), "description") \
            if "description" in entries else ""
        cooldown_s: float | None = 0.0
        if "cooldown" in entries:
            cooldown_s = self.duration(entries["cooldown"], at("cooldown"), "cooldown")
        elif aggregate is not None:  # else every contact processed would raise it again
            cooldown_s = aggregate.over_s or 86400.0
        # an aggregate rule counts its cooldown per group (operator, team, channel) when it has one
        allowed = DEDUP_BY if "aggregate" not in entries else ("rule", *([aggregate.by] if aggregate and aggregate.by
                                                                         else []))
        dedup_by = entries.get("dedup_by", allowed[-1] if "aggregate" in entries else "contact")
        if "dedup_by" in entries and dedup_by not in allowed:
            kind = " on an aggregate rule" if "aggregate" in entries else ""
            self.error(at("dedup_by"), f"dedup_by {dedup_by!r}{kind}; expected one of {', '.join(allowed)}")
        sinks: tuple[str, ...] = ("log",)
        if "sinks" in entries:
            listed = entries["sinks"]
            if isinstance(listed, str):
                listed = [listed]
            if not isinstance(listed, list) or not listed or any(s not in SINK_NAMES for s in listed):
                self.error(at("sinks"), f"sinks {_show(entries['sinks'])}; expected a list of "
                                        f"{', '.join(SINK_NAMES)}")
            else:
                sinks = tuple(dict.fromkeys(listed))
        flag = self.flag(entries["flag"], at("flag"), aggregate="aggregate" in entries) if "flag" in entries else None
        if len(self.problems) > before:
            return None
        return Rule(id=rule_id, severity=severity, message=message, when=when, aggregate=aggregate,
                    cooldown_s=cooldown_s, dedup_by=dedup_by, sinks=sinks, flag=flag, description=description or "",
                    source=f"{self.problems.source}:{line}")

    def flag(self, value: Any, line: int, *, aggregate: bool) -> Flag | None:
        if aggregate:
            self.error(line, "flag on an aggregate rule; a flag is set on the customer of one contact")
            return None
        entries = self.mapping(value, line, "flag")
        if entries is None:
            return None
        unknown = set(entries) - {"name", "for"}
        if unknown or "name" not in entries or "for" not in entries:
            self.error(line, "flag: expected {name: NAME, for: DURATION}, e.g. {name: do_not_sell, for: 30d}")
            return None
        name = entries["name"]
        if not isinstance(name, str) or not _FLAG_NAME.match(name):
            self.error(entries.value_line("name"), f"flag name {name!r}; expected lower-case letters, digits and _")
            return None
        seconds = self.duration(entries["for"], entries.value_line("for"), "flag for", positive=True)
        return Flag(name, seconds) if seconds is not None else None
