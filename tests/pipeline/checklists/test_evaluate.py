"""Answering a checklist on a hand-built call: auto, N/A and pending items, and the checklists' own tags."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from pipeline.checklists.evaluate import evaluate_checklist, item_result, with_checklist_tags
from pipeline.checklists.forms import Item
from pipeline.checklists.rules import Evidence, RuleResult
from pipeline.checklists.schema import parse_checklist
from pipeline.checklists.score import score_checklist
from pipeline.records import Turn
from pipeline.rules.facts import ContactFacts
from tests.pipeline.checklists.facts import CONTACT, TURNS, call_facts

FORM = parse_checklist(textwrap.dedent("""\
    id: demo
    title: Demo
    version: "7"
    sections:
      - id: culture
        weight: 1
        items:
          - {id: greeting, text: Greeted, rule: {tag: greeting, speaker: agent, within_turns: 2}}
          - {id: polite, text: Polite, type: scale, scale: [1, 5]}
          - {id: silence, text: No dead air, type: scale, scale: [1, 4], rule: {feature: longest_silence_s, max: 10}}
      - id: process
        weight: 1
        items:
          - {id: holds, text: Holds announced, na_allowed: true, rule: {every_hold_announced: {within_s: 10}}}
          - {id: bot_polite, text: Bot polite, rule: {no_tag: profanity, speaker: bot}}
          - {id: bot_polite_na, text: Bot polite, na_allowed: true, rule: {no_tag: profanity, speaker: bot}}
          - {id: quick, text: Quick reply, rule: {feature: agent_first_response_s, max: 60}}
    """), source="demo.yaml")


def test_item_results_by_outcome():
    yes_no, scale = Item("a", "A"), Item("b", "B", type="scale", scale=(1, 5))
    why = (Evidence("because"),)
    assert item_result(yes_no, RuleResult("pass", why)) == ("auto", 1.0, False, why)
    assert item_result(yes_no, RuleResult("fail", why)) == ("auto", 0.0, False, why)
    assert item_result(scale, RuleResult("pass", why))[:2] == ("auto", 5.0)
    assert item_result(scale, RuleResult("fail", why))[:2] == ("auto", 1.0)
    assert item_result(replace(yes_no, na_allowed=True), RuleResult("na", why)) == ("auto", None, True, why)
    state, value, na, evidence = item_result(yes_no, RuleResult("na", why))
    assert (state, value, na) == ("pending", None, False) and "does not allow N/A" in evidence[-1].note
    assert item_result(yes_no, RuleResult("unknown", why)) == ("pending", None, False, why)
    assert item_result(yes_no, None)[:3] == ("pending", None, False)


def test_evaluate_checklist_answers_what_rules_decide_and_leaves_the_rest_pending():
    results = evaluate_checklist(FORM, call_facts())
    by_item = {r.item_id: r for r in results}
    assert [r.item_id for r in results] == [item.id for item in FORM.items]
    assert {r.contact_id for r in results} == {CONTACT.contact_id}
    assert {(r.checklist_id, r.checklist_version, r.source) for r in results} == {("demo", "7", "rule")}
    assert [(i, by_item[i].state, by_item[i].value, by_item[i].not_applicable) for i in by_item] == [
        ("greeting", "auto", 1.0, False),
        ("polite", "pending", None, False),        # no rule: a reviewer answers it
        ("silence", "auto", 1.0, False),           # 12.5 s > 10: the bottom of 1-4
        ("holds", "auto", 0.0, False),             # the hold at 60 s was not announced
        ("bot_polite", "pending", None, False),    # no bot turns, and N/A is not allowed
        ("bot_polite_na", "auto", None, True),
        ("quick", "pending", None, False),         # a chat feature, not computed for a call
    ]
    assert by_item["greeting"].evidence == ({"note": "agent turn 0 carries greeting", "turn": 0, "t_s": 0.0,
                                             "text": "Добрый день, меня зовут Анна"},)
    assert by_item["holds"].evidence[0] == {
        "note": "hold at 60 s: no hold_announcement by the agent in the 10 s before it", "t_s": 60.0}
    form = score_checklist(FORM, results)
    assert form.value == pytest.approx((100 * 1 / 2 + 0) / 2)  # culture: greeting yes, silence bottom; process 0
    assert form.pending == 3


def test_checklist_tags_are_found_on_the_turns_and_kept_with_theirs():
    bare = ContactFacts(contact=CONTACT, turns=tuple(replace(t, tags=()) for t in TURNS))
    tagged = with_checklist_tags(bare, "ru")
    assert {i: t.tags for i, t in enumerate(tagged.turns) if t.tags} == {2: ("hold_announcement",),
                                                                         3: ("hold_return",)}
    kept = with_checklist_tags(ContactFacts(contact=CONTACT, turns=TURNS), "ru")
    assert kept.turns[2].tags == ("hold_announcement",) and kept.turns[0].tags == ("greeting", "introduced_by_name")
    assert kept.turns[3].tags == ("thanks", "hold_return")
    assert with_checklist_tags(bare, "ru", tags={"greeting"}) is bare  # no checklist tag wanted: nothing to do


def test_english_hold_announcements():
    turns = (Turn("agent", 0.0, 2.0, "Let me check that for you, please hold."),
             Turn("customer", 2.5, 3.0, "Sure, hold on"),
             Turn("agent", 30.0, 32.0, "Thank you for your patience. Is there anything else?"))
    tagged = with_checklist_tags(ContactFacts(contact=CONTACT, turns=turns), "en")
    assert [t.tags for t in tagged.turns] == [("hold_announcement",), (), ("hold_return", "anything_else")]
