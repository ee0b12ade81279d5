"""The rule language of checklist items: a few named checks over :class:`~pipeline.facts.ContactFacts`.

A rule is a YAML mapping with exactly one of these keys (its kind), plus that kind's options::

    {tag: greeting, speaker: agent, within_turns: 2}   a turn carries the phrase tag
    {tag: farewell, speaker: agent, last_turns: 2}      (within_turns / last_turns: of that speaker)
    {no_tag: profanity, speaker: agent}                 no turn carries it
    {feature: longest_silence_s, max: 10}               min <= value <= max
    {csi: {min: 40}}                                    the predicted CSI, the same way
    {sentiment: customer, not: negative, last_turns: 1} no turn in the window has that sentiment
    {sentiment: agent, is: [neutral, positive]}         every turn in the window has one of those
    {every_hold_announced: {within_s: 10}}              each hold_start has an agent turn tagged
                                                        hold_announcement in the 10 s before it
    {all: [rule, ...]}, {any: [rule, ...]}              combinators

Nothing is evaluated as Python. Each rule gives an outcome and the evidence that decided it:

- ``pass`` / ``fail``;
- ``na``: the rule cannot apply (no holds in the call, no agent turns in a bot-only chat, a
  feature that cannot exist for this contact);
- ``unknown``: the data is missing (no transcript, a feature not computed), so a reviewer decides.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.checklists.located import LList, LMap, Problems
from pipeline.facts import ContactFacts
from pipeline.records import SENTIMENTS, SPEAKERS, FeatureValue, Turn

Outcome = Literal["pass", "fail", "na", "unknown"]
EXCERPT_CHARS = 120
EVIDENCE_TURNS = 3
"""At most this many turns are quoted as evidence of one failure (the rest are counted)."""
HOLD_ANNOUNCEMENT_TAG = "hold_announcement"
DEFAULT_HOLD_WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """What decided a rule: a sentence, and the turn, time, excerpt or feature value behind it."""

    note: str
    turn: int | None = None
    """Index of the turn in the contact's transcript (0 = first)."""
    t_s: float | None = None
    text: str | None = None
    feature: str | None = None
    value: FeatureValue = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"note": self.note}
        for key in ("turn", "t_s", "text", "feature", "value"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class RuleResult:
    outcome: Outcome
    evidence: tuple[Evidence, ...] = ()


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _turn_evidence(note: str, index: int, turn: Turn) -> Evidence:
    return Evidence(note, turn=index, t_s=round(turn.start_s, 2), text=excerpt(turn.text))


def _window(turns: Sequence[Turn], speaker: str | None, within_turns: int | None,
            last_turns: int | None) -> list[tuple[int, Turn]]:
    """(index, turn) of the speaker's turns (anyone's when None), cut to the first or last N."""
    mine = [(i, t) for i, t in enumerate(turns) if speaker is None or t.speaker == speaker]
    if within_turns is not None:
        mine = mine[:within_turns]
    if last_turns is not None:
        mine = mine[-last_turns:]
    return mine


def _where(speaker: str | None, within_turns: int | None, last_turns: int | None) -> str:
    who = f"the {speaker}'s" if speaker else "the"
    if within_turns is not None:
        return f"{who} first {within_turns} turn{'s' * (within_turns != 1)}"
    if last_turns is not None:
        return f"{who} last {last_turns} turn{'s' * (last_turns != 1)}"
    return f"{who} turns" if speaker else "any turn"


def _no_turns(facts: ContactFacts, speaker: str | None) -> RuleResult | None:
    """``unknown`` without a transcript, ``na`` when the speaker never spoke, else None (go on)."""
    if not facts.turns:
        return RuleResult("unknown", (Evidence("no transcript: nothing was said or it was not transcribed"),))
    if speaker is not None and not any(t.speaker == speaker for t in facts.turns):
        return RuleResult("na", (Evidence(f"no {speaker} turns in this contact"),))
    return None


# --- the rules -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TagRule:
    """Some turn in the window carries ``tag`` (or, with ``absent``, none does: ``no_tag``)."""

    tag: str
    speaker: str | None = None
    within_turns: int | None = None
    last_turns: int | None = None
    absent: bool = False

    def check(self, facts: ContactFacts) -> RuleResult:
        missing = _no_turns(facts, self.speaker)
        if missing is not None:
            return missing
        window = _window(facts.turns, self.speaker, self.within_turns, self.last_turns)
        where = _where(self.speaker, self.within_turns, self.last_turns)
        hits = [(i, t) for i, t in window if self.tag in t.tags]
        if self.absent:
            if not hits:
                return RuleResult("pass", (Evidence(f"no {self.tag} in {where} ({len(window)} checked)"),))
            quoted = tuple(_turn_evidence(f"{t.speaker} turn {i} carries {self.tag}", i, t)
                           for i, t in hits[:EVIDENCE_TURNS])
            more = (Evidence(f"and {len(hits) - EVIDENCE_TURNS} more turns"),) if len(hits) > EVIDENCE_TURNS else ()
            return RuleResult("fail", quoted + more)
        if hits:
            i, t = hits[0]
            return RuleResult("pass", (_turn_evidence(f"{t.speaker} turn {i} carries {self.tag}", i, t),))
        evidence = [Evidence(f"no {self.tag} in {where}")]
        if window and (self.within_turns or self.last_turns):  # what was said there instead, for the reviewer
            i, t = window[0] if self.last_turns is None else window[-1]
            evidence.append(_turn_evidence(f"{t.speaker} turn {i} says", i, t))
        return RuleResult("fail", tuple(evidence))

    def tags(self) -> set[str]:
        return {self.tag}


def _number(value: FeatureValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class FeatureRule:
    """``min <= values[feature] <= max`` (either bound may be left out)."""

    feature: str
    min: float | None = None
    max: float | None = None

    def check(self, facts: ContactFacts) -> RuleResult:
        if self.feature not in facts.values:
            return RuleResult("unknown", (Evidence(f"{self.feature} was not computed for this contact",
                                                   feature=self.feature),))
        raw = facts.values[self.feature]
        if raw is None:
            return RuleResult("na", (Evidence(f"{self.feature} cannot exist for this contact",
                                              feature=self.feature),))
        value = _number(raw)
        if value is None:
            return RuleResult("unknown", (Evidence(f"{self.feature} = {raw!r} is not a number",
                                                   feature=self.feature, value=raw),))
        shown = f"{round(value, 2):g}"
        if self.min is not None and value < self.min:
            return RuleResult("fail", (Evidence(f"{self.feature} = {shown} < {self.min:g} (min)",
                                                feature=self.feature, value=raw),))
        if self.max is not None and value > self.max:
            return RuleResult("fail", (Evidence(f"{self.feature} = {shown} > {self.max:g} (max)",
                                                feature=self.feature, value=raw),))
        bounds = " and ".join(b for b in (f">= {self.min:g}" if self.min is not None else "",
                                          f"<= {self.max:g}" if self.max is not None else "") if b)
        return RuleResult("pass", (Evidence(f"{self.feature} = {shown}, {bounds}", feature=self.feature,
                                            value=raw),))

    def tags(self) -> set[str]:
        return set()


@dataclass(frozen=True, slots=True)
class SentimentRule:
    """No turn of ``speaker`` in the window is one of ``not_``; or every one is one of ``is_``."""

    speaker: str
    not_: frozenset[str] = frozenset()
    is_: frozenset[str] = frozenset()
    within_turns: int | None = None
    last_turns: int | None = None

    def check(self, facts: ContactFacts) -> RuleResult:
        missing = _no_turns(facts, self.speaker)
        if missing is not None:
            return missing
        window = _window(facts.turns, self.speaker, self.within_turns, self.last_turns)
        rated = [(i, t) for i, t in window if t.sentiment is not None]
        where = _where(self.speaker, self.within_turns, self.last_turns)
        if not rated:
            return RuleResult("unknown", (Evidence(f"no sentiment on {where}: text analytics have not run"),))
        if self.not_:
            bad = [(i, t) for i, t in rated if t.sentiment in self.not_]
            wanted = f"none {'/'.join(sorted(self.not_))}"
        else:
            bad = [(i, t) for i, t in rated if t.sentiment not in self.is_]
            wanted = f"all {'/'.join(sorted(self.is_))}"
        if bad:
            return RuleResult("fail", tuple(_turn_evidence(f"{t.speaker} turn {i} is {t.sentiment}", i, t)
                                            for i, t in bad[:EVIDENCE_TURNS]))
        i, t = rated[-1]
        note = f"{where}: {len(rated)} rated, {wanted}"
        return RuleResult("pass", (_turn_evidence(note, i, t),))

    def tags(self) -> set[str]:
        return set()


@dataclass(frozen=True, slots=True)
class HoldsAnnouncedRule:
    """Each ``hold_start`` event has an agent turn carrying ``tag`` that starts before the hold and
    ends at most ``within_s`` seconds before it (or runs into it)."""

    within_s: float = DEFAULT_HOLD_WINDOW_S
    tag: str = HOLD_ANNOUNCEMENT_TAG

    def check(self, facts: ContactFacts) -> RuleResult:
        holds = [e.t_s for e in facts.events if e.type == "hold_start"]
        if not holds:
            return RuleResult("na", (Evidence("no holds in this contact"),))
        if not facts.turns:
            return RuleResult("unknown", (Evidence(f"{len(holds)} holds but no transcript to find announcements in"),))
        announced, silent = [], []
        for t_s in holds:
            said = [(i, t) for i, t in enumerate(facts.turns)
                    if t.speaker == "agent" and self.tag in t.tags and t.start_s <= t_s and t.end_s >= t_s - self.within_s]
            if said:
                i, t = said[-1]
                announced.append(_turn_evidence(f"hold at {t_s:g} s announced by agent turn {i}", i, t))
            else:
                silent.append(Evidence(f"hold at {t_s:g} s: no {self.tag} by the agent in the {self.within_s:g} s "
                                       "before it", t_s=t_s))
        if silent:
            return RuleResult("fail", tuple(silent + announced))
        return RuleResult("pass", tuple(announced))

    def tags(self) -> set[str]:
        return {self.tag}


@dataclass(frozen=True, slots=True)
class AllRule:
    """Fails when any part fails; passes when every part that applies passes; ``na`` when none applies."""

    rules: tuple[Rule, ...]

    def check(self, facts: ContactFacts) -> RuleResult:
        results = [rule.check(facts) for rule in self.rules]
        for outcome in ("fail", "unknown"):
            decisive = [r for r in results if r.outcome == outcome]
            if decisive:
                return RuleResult(outcome, tuple(e for r in decisive for e in r.evidence))
        if all(r.outcome == "na" for r in results):
            return RuleResult("na", tuple(e for r in results for e in r.evidence))
        return RuleResult("pass", tuple(e for r in results if r.outcome == "pass" for e in r.evidence))

    def tags(self) -> set[str]:
        return set().union(*(rule.tags() for rule in self.rules))


@dataclass(frozen=True, slots=True)
class AnyRule:
    """Passes when some part passes; else ``unknown`` if a part lacks data, ``fail`` if one failed, else ``na``."""

    rules: tuple[Rule, ...]

    def check(self, facts: ContactFacts) -> RuleResult:
        results = [rule.check(facts) for rule in self.rules]
        for outcome in ("pass", "unknown", "fail"):
            decisive = [r for r in results if r.outcome == outcome]
            if decisive:
                chosen = decisive[:1] if outcome == "pass" else decisive
                return RuleResult(outcome, tuple(e for r in chosen for e in r.evidence))
        return RuleResult("na", tuple(e for r in results for e in r.evidence))

    def tags(self) -> set[str]:
        return set().union(*(rule.tags() for rule in self.rules))


Rule = TagRule | FeatureRule | SentimentRule | HoldsAnnouncedRule | AllRule | AnyRule


def evaluate_rule(rule: Rule, facts: ContactFacts) -> RuleResult:
    """The rule's outcome on one contact and the evidence for it."""
    return rule.check(facts)


# --- parsing ---------------------------------------------------------------------------------

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
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or (positive and value <= 0):
            self.bad(rule.value_line(key), f"{key} {value!r}; expected a number{' > 0' if positive else ''}")
            return None
        return float(value)

    def speaker(self, rule: LMap, key: str = "speaker") -> str | None:
        value = rule.get(key)
        if value is None:
            return None
        if value not in SPEAKERS:
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
    wrong = [v for v in values if v not in SENTIMENTS]
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
