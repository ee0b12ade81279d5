"""The rule language of checklist items: a few named checks over :class:`~pipeline.rules.facts.ContactFacts`.

A rule is a YAML mapping with exactly one of these keys (its kind), plus that kind's options::

    {tag: greeting, speaker: agent, within_turns: 2}   a turn carries the phrase tag
    {tag: farewell, speaker: agent, last_turns: 2}      (within_turns / last_turns: of that speaker)
    {no_tag: profanity, speaker: agent}                 no turn carries it
    {feature: longest_silence_s, max: 10}               min <= value <= max
    {csi: {min: 40}}                                    the predicted CSI, the same way
    {sentiment: customer, not: negative, last_turns: 1} no turn in the window has that sentiment
    {sentiment: agent, is: [neutral, positive]}         every turn in the window has one of those
    {every_hold_announced: {within_s: 10}}              each hold (the events file's or heard in the
                                                        audio, as the call features count them) has an
                                                        agent turn tagged hold_announcement in the 10 s
                                                        before it
    {all: [rule, ...]}, {any: [rule, ...]}              combinators

Nothing is evaluated as Python. Each rule gives an outcome and the evidence that decided it:

- ``pass`` / ``fail``;
- ``na``: the rule cannot apply (no holds in the call, no agent turns in a bot-only chat, a
  feature that cannot exist for this contact);
- ``unknown``: the data is missing (no transcript, a feature not computed), so a reviewer decides.

A feature is read and compared as alarm rules read theirs (:mod:`pipeline.rules.conditions`:
``csat`` reads the survey answer ``survey.csat``). Reading a rule from a checklist file is
:mod:`pipeline.checklists.rule_schema`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.checklists.holds import contact_holds
from pipeline.records import FeatureValue, Turn
from pipeline.rules.conditions import OPERATORS, compares, number, value_name
from pipeline.rules.facts import ContactFacts

Outcome = Literal["pass", "fail", "na", "unknown"]
EXCERPT_CHARS = 120
EVIDENCE_TURNS = 3
"""At most this many turns are quoted as evidence of one failure (the rest are counted)."""
HOLD_ANNOUNCEMENT_TAG = "hold_announcement"
DEFAULT_HOLD_WINDOW_S = 10.0
_HOLD_SOURCES = {"events": "", "timeline": " (call timeline)", "audio": " (heard in the audio, no hold event)"}
_BROKEN = {"min": "<", "max": ">"}
"""How a value breaks a bound, in a failed feature rule's note."""


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


@dataclass(frozen=True, slots=True)
class FeatureRule:
    """``min <= values[feature] <= max`` (either bound may be left out), compared by the condition core."""

    feature: str
    min: float | None = None
    max: float | None = None

    def check(self, facts: ContactFacts) -> RuleResult:
        key = value_name(facts.values, self.feature)
        if key is None:
            return RuleResult("unknown", (Evidence(f"{self.feature} was not computed for this contact",
                                                   feature=self.feature),))
        raw = facts.values[key]
        if raw is None:
            return RuleResult("na", (Evidence(f"{self.feature} cannot exist for this contact",
                                              feature=self.feature),))
        value = number(raw)
        if value is None:
            return RuleResult("unknown", (Evidence(f"{self.feature} = {raw!r} is not a number",
                                                   feature=self.feature, value=raw),))
        shown = f"{round(value, 2):g}"
        bounds = [(op, bound) for op, bound in (("min", self.min), ("max", self.max)) if bound is not None]
        for op, bound in bounds:
            if not compares(value, op, bound):
                return RuleResult("fail", (Evidence(f"{self.feature} = {shown} {_BROKEN[op]} {bound:g} ({op})",
                                                    feature=self.feature, value=raw),))
        passed = " and ".join(f"{OPERATORS[op]} {bound:g}" for op, bound in bounds)
        return RuleResult("pass", (Evidence(f"{self.feature} = {shown}, {passed}", feature=self.feature,
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
    """Each hold has an agent turn carrying ``tag`` that starts before the hold and ends at most
    ``within_s`` seconds before it (or runs into it). The holds are those the call features
    counted: the events file's and those heard in the audio (:mod:`pipeline.checklists.holds`)."""

    within_s: float = DEFAULT_HOLD_WINDOW_S
    tag: str = HOLD_ANNOUNCEMENT_TAG

    def check(self, facts: ContactFacts) -> RuleResult:
        holds = contact_holds(facts.values, facts.events, facts.turns)
        if not holds:
            return RuleResult("na", (Evidence("no holds in this contact"),))
        if not facts.turns:
            return RuleResult("unknown", (Evidence(f"{len(holds)} holds but no transcript to find announcements in"),))
        announced, silent = [], []
        for hold in holds:
            t_s = hold.start_s
            where = f"hold at {t_s:g} s" + _HOLD_SOURCES[hold.source]
            said = [(i, t) for i, t in enumerate(facts.turns)
                    if t.speaker == "agent" and self.tag in t.tags and t.start_s <= t_s and t.end_s >= t_s - self.within_s]
            if said:
                i, t = said[-1]
                announced.append(_turn_evidence(f"{where} announced by agent turn {i}", i, t))
            else:
                silent.append(Evidence(f"{where}: no {self.tag} by the agent in the {self.within_s:g} s before it",
                                       t_s=t_s))
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
