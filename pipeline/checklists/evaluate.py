"""Answering a checklist's items for one contact from its facts, with evidence.

An item with a rule that passes or fails is answered (``state="auto"``: 1/0 for yes/no, the top
or bottom of a scale); one whose rule cannot apply is not applicable when the item allows it. Every
other item waits for a reviewer (``state="pending"``): no rule, data missing (no transcript, a
feature not computed), or "not applicable" on an item that does not allow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pipeline.checklists.forms import Checklist, Item
from pipeline.checklists.rules import Evidence, RuleResult, evaluate_rule
from pipeline.checklists.schema import checklist_phrase_path, checklist_phrase_tags
from pipeline.records import ChecklistResult
from pipeline.rules.facts import ContactFacts


def with_checklist_tags(facts: ContactFacts, language: str, *, tags: Iterable[str] | None = None) -> ContactFacts:
    """The facts with the checklists' own phrase tags (hold_announcement, ...) added to each turn's tags.

    ``tags``: only look for these (e.g. :meth:`Checklist.tags`); nothing is done when none of them
    is a checklist tag, so contacts whose checklists need none skip the lemmatiser.
    """
    from pipeline.text.phrases import tag_turns

    wanted = checklist_phrase_tags() if tags is None else checklist_phrase_tags() & set(tags)
    if not wanted or not facts.turns:
        return facts
    rules = [r for r in _dictionary(language) if r.tag in wanted]
    found: dict[int, list[str]] = {}
    for hit in tag_turns(facts.turns, language, rules):
        found.setdefault(hit.turn_index, []).append(hit.tag)
    turns = tuple(replace(t, tags=tuple(dict.fromkeys([*t.tags, *found.get(i, ())]))) if i in found else t
                  for i, t in enumerate(facts.turns))
    return replace(facts, turns=turns)


def _dictionary(language: str):
    from pipeline.text.phrases import load_phrase_rules

    return load_phrase_rules(language, checklist_phrase_path(language))


def item_result(item: Item, outcome: RuleResult | None) -> tuple[str, float | None, bool, tuple[Evidence, ...]]:
    """(state, value, not_applicable, evidence) of an item given its rule's result (None: no rule)."""
    if outcome is None:
        return "pending", None, False, (Evidence("no rule: a reviewer answers this item"),)
    low, high = item.scale
    if outcome.outcome == "pass":
        return "auto", float(high), False, outcome.evidence
    if outcome.outcome == "fail":
        return "auto", float(low), False, outcome.evidence
    if outcome.outcome == "na":
        if item.na_allowed:
            return "auto", None, True, outcome.evidence
        return "pending", None, False, (*outcome.evidence, Evidence("the rule does not apply here and the item "
                                                                     "does not allow N/A: a reviewer decides"))
    return "pending", None, False, outcome.evidence


def evaluate_checklist(checklist: Checklist, facts: ContactFacts) -> list[ChecklistResult]:
    """One result per item of the checklist, in form order, for the contact the facts describe.

    The facts' turns must already carry the tags the rules read (see :func:`with_checklist_tags`).
    """
    results = []
    for item in checklist.items:
        outcome = evaluate_rule(item.rule, facts) if item.rule is not None else None
        state, value, not_applicable, evidence = item_result(item, outcome)
        results.append(ChecklistResult(
            contact_id=facts.contact.contact_id, checklist_id=checklist.id, item_id=item.id, value=value,
            source="rule", checklist_version=checklist.version, not_applicable=not_applicable, state=state,
            evidence=tuple(e.as_dict() for e in evidence),
        ))
    return results
