"""Reading a checklist item's rule from its located YAML (see :mod:`pipeline.checklists.rules` for the language).

Every mistake is reported at its line with the item's name in front (``item greeting: rule: ...``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.checklists.rules import (DEFAULT_HOLD_WINDOW_S, HOLD_ANNOUNCEMENT_TAG, AllRule, AnyRule, FeatureRule,
                                       HoldsAnnouncedRule, Rule, SentimentRule, TagRule)
from pipeline.records import SENTIMENTS, SPEAKERS
from pipeline.rules.conditions import number
from pipeline.rules.located import LList, LMap, Problems


class _Reader:
    """Reads a rule mapping, reporting each mistake at its line with the item's name in front."""

    def __init__(self, problems: Problems, where: str, known_tags: frozenset[str]) -> None:
        self.problems, self.where, self.known_tags = problems, where, known_tags

    def bad(self, line: int, message: str) -> None:
        self.problems.add(line, f"{self.where}: rule: {message}")

    def mapping_keys(self, rule: LMap, allowed: Sequence[str], kind: str) -> bool:
        extra = [k for k in rule if k not in allowed]
        for key in extra:
            self.bad(rule.key_line(key), f"{kind}: unknown option {key!r}; expected some of {list(allowed)}")
        return not extra

    def count(self, rule: LMap, key: str) -> int | None:
        value = rule.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.bad(rule.value_line(key), f"{key} {value!r}; expected a whole number of turns >= 1")
            return None
        return value

    def number(self, rule: LMap, key: str, *, positive: bool = False) -> float | None:
        value = rule.get(key)
        if value is None:
            return None
        found = number(value)
        if found is None or (positive and found <= 0):
            self.bad(rule.value_line(key), f"{key} {value!r}; expected a number{' > 0' if positive else ''}")
            return None
        return found

    def speaker(self, rule: LMap, key: str = "speaker") -> str | None:
        value = rule.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or value not in SPEAKERS:  # a list or mapping is no speaker (nor hashable)
            self.bad(rule.value_line(key), f"{key} {value!r}; expected one of {sorted(SPEAKERS)}")
            return None
        return value

    def tag(self, rule: LMap, key: str) -> str | None:
        value = rule[key]
        if not isinstance(value, str) or value not in self.known_tags:
            self.bad(rule.value_line(key), f"{key} {value!r}; expected a phrase tag, one of {sorted(self.known_tags)}")
            return None
        return value

    def window(self, rule: LMap) -> tuple[int | None, int | None]:
        within, last = self.count(rule, "within_turns"), self.count(rule, "last_turns")
        if "within_turns" in rule and "last_turns" in rule:
            self.bad(rule.key_line("last_turns"), "within_turns and last_turns together; expected one of them")
        return within, last


def _tag_rule(r: _Reader, rule: LMap, kind: str) -> Rule | None:
    if not r.mapping_keys(rule, (kind, "speaker", "within_turns", "last_turns"), kind):
        return None
    tag, speaker, (within, last) = r.tag(rule, kind), r.speaker(rule), r.window(rule)
    return TagRule(tag, speaker, within, last, absent=kind == "no_tag") if tag else None


def _bounds(r: _Reader, rule: LMap, kind: str, feature: str) -> Rule | None:
    low, high = r.number(rule, "min"), r.number(rule, "max")
    if "min" not in rule and "max" not in rule:
        r.bad(rule.line, f"{kind}: no min or max; expected at least one bound")
        return None
    if low is not None and high is not None and low > high:
        r.bad(rule.value_line("max"), f"{kind}: max {high:g} < min {low:g}")
        return None
    return FeatureRule(feature, low, high)


def _feature_rule(r: _Reader, rule: LMap, kind: str) -> Rule | None:
    if not r.mapping_keys(rule, ("feature", "min", "max"), kind):
        return None
    name = rule["feature"]
    if not isinstance(name, str) or not name:
        r.bad(rule.value_line("feature"), f"feature {name!r}; expected a feature name")
        return None
    return _bounds(r, rule, kind, name)


def _csi_rule(r: _Reader, rule: LMap, kind: str) -> Rule | None:
    if not r.mapping_keys(rule, ("csi",), kind):
        return None
    inner = rule["csi"]
    if not isinstance(inner, LMap):
        r.bad(rule.value_line("csi"), f"csi {inner!r}; expected {{min: N}} and/or {{max: N}}")
        return None
    if not r.mapping_keys(inner, ("min", "max"), kind):
        return None
    return _bounds(r, inner, kind, "csi")


def _sentiments(r: _Reader, rule: LMap, key: str) -> frozenset[str]:
    value = rule[key]
    values = list(value) if isinstance(value, list) else [value]
    wrong = [v for v in values if not isinstance(v, str) or v not in SENTIMENTS]
    if wrong or not values:
        r.bad(rule.value_line(key), f"{key} {value!r}; expected one or more of {sorted(SENTIMENTS)}")
        return frozenset()
    return frozenset(values)


def _sentiment_rule(r: _Reader, rule: LMap, kind: str) -> Rule | None:
    if not r.mapping_keys(rule, ("sentiment", "not", "is", "within_turns", "last_turns"), kind):
        return None
    speaker = r.speaker(rule, "sentiment")
    if "sentiment" in rule and rule["sentiment"] is None:
        r.bad(rule.value_line("sentiment"), "sentiment: no speaker; expected e.g. {sentiment: customer, not: negative}")
    if ("not" in rule) == ("is" in rule):
        r.bad(rule.line, "sentiment: expected exactly one of not: or is:")
        return None
    key = "not" if "not" in rule else "is"
    values = _sentiments(r, rule, key)
    within, last = r.window(rule)
    if speaker is None or not values:
        return None
    return SentimentRule(speaker, values if key == "not" else frozenset(), values if key == "is" else frozenset(),
                         within, last)


def _holds_rule(r: _Reader, rule: LMap, kind: str) -> Rule | None:
    if not r.mapping_keys(rule, (kind,), kind):
        return None
    options = rule[kind]
    if options is True or options is None:
        return HoldsAnnouncedRule()
    if not isinstance(options, LMap):
        r.bad(rule.value_line(kind), f"{kind} {options!r}; expected {{within_s: N}} (and optionally tag: NAME)")
        return None
    if not r.mapping_keys(options, ("within_s", "tag"), kind):
        return None
    within = r.number(options, "within_s", positive=True)
    tag = r.tag(options, "tag") if "tag" in options else HOLD_ANNOUNCEMENT_TAG
    if tag is None or ("within_s" in options and within is None):
        return None
    return HoldsAnnouncedRule(DEFAULT_HOLD_WINDOW_S if within is None else within, tag)


def _combined(r: _Reader, rule: LMap, kind: str) -> Rule | None:
    if not r.mapping_keys(rule, (kind,), kind):
        return None
    parts = rule[kind]
    if not isinstance(parts, LList) or not parts:
        r.bad(rule.value_line(kind), f"{kind}: expected a non-empty list of rules")
        return None
    rules = [_parse(r, part, parts.lines[n]) for n, part in enumerate(parts)]
    if any(p is None for p in rules):
        return None
    return (AllRule if kind == "all" else AnyRule)(tuple(rules))


RULE_KINDS: dict[str, Callable[[_Reader, LMap, str], Rule | None]] = {
    "tag": _tag_rule,
    "no_tag": _tag_rule,
    "feature": _feature_rule,
    "csi": _csi_rule,
    "sentiment": _sentiment_rule,
    "every_hold_announced": _holds_rule,
    "all": _combined,
    "any": _combined,
}
"""The rule kinds a checklist may name, and how each is read."""


def _parse(r: _Reader, rule: object, line: int) -> Rule | None:
    if not isinstance(rule, LMap):
        r.bad(line, f"{rule!r}; expected a mapping such as {{tag: greeting, speaker: agent}}")
        return None
    kinds = [k for k in rule if k in RULE_KINDS]
    if len(kinds) != 1:
        if kinds:
            r.bad(rule.key_line(kinds[1]), f"{kinds[0]} and {kinds[1]} in one rule; expected one kind "
                                           "(combine rules with all: or any:)")
        else:
            first = next(iter(rule), None)
            r.bad(rule.key_line(first) if first is not None else rule.line,
                  f"unknown kind {first!r}; expected one of {sorted(RULE_KINDS)}")
        return None
    return RULE_KINDS[kinds[0]](r, rule, kinds[0])


def parse_rule(rule: object, line: int, *, problems: Problems, where: str, known_tags: frozenset[str]) -> Rule | None:
    """The rule written in a checklist (a located mapping), or None with its problems added.

    ``where`` prefixes every message (``item greeting``); tags outside ``known_tags`` are errors.
    """
    before = len(problems.found)
    parsed = _parse(_Reader(problems, where, known_tags), rule, line)
    return parsed if len(problems.found) == before else None
