"""Checklist YAML: the shipped examples load, and every mistake is reported at its file and line."""

from __future__ import annotations

import textwrap

import pytest

from pipeline.checklists.forms import Item
from pipeline.checklists.rules import AllRule, FeatureRule, HoldsAnnouncedRule, SentimentRule, TagRule
from pipeline.checklists.schema import (ChecklistError, checklist_problems, load_checklist, parse_checklist,
                                        shipped_checklist_paths, shipped_checklists)

GOOD = """\
id: demo
title: Demo form
version: 2
applies_to:
  channels: [call]
  languages: [ru]
  teams: [cards]
sections:
  - id: culture
    title: Culture
    weight: 40
    items:
      - id: greeting
        text: Greeted
        weight: 2
        critical: form
        rule: {tag: greeting, speaker: agent, within_turns: 2}
      - id: polite
        text: Polite
        type: scale
        scale: [1, 10]
  - id: discipline
    weight: 60
    items:
      - id: holds
        text: Holds announced
        na_allowed: true
        rule: {every_hold_announced: {within_s: 15}}
      - id: calm
        text: Calm end
        critical: true
        rule:
          all:
            - {sentiment: customer, not: [negative], last_turns: 1}
            - {csi: {min: 40}}
"""


def _write(tmp_path, text: str, name: str = "form.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(tmp_path, text: str, **kwargs) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_a_good_checklist_is_read_into_sections_items_and_rules(tmp_path):
    form = load_checklist(_write(tmp_path, GOOD))
    assert (form.id, form.title, form.version, form.line) == ("demo", "Demo form", "2", 1)
    assert form.applies_to.channels == {"call"} and form.applies_to.languages == {"ru"}
    assert form.applies_to.teams == {"cards"}
    assert [(s.id, s.title, s.weight) for s in form.sections] == [("culture", "Culture", 40.0),
                                                                  ("discipline", "discipline", 60.0)]
    greeting, polite, holds, calm = form.items
    assert (greeting.weight, greeting.critical, greeting.type, greeting.scale, greeting.line) == (
        2.0, "form", "yes_no", (0, 1), 13)
    assert greeting.rule == TagRule("greeting", "agent", within_turns=2)
    assert (polite.type, polite.scale, polite.rule, polite.critical) == ("scale", (1, 10), None, "no")
    assert holds.na_allowed and holds.rule == HoldsAnnouncedRule(within_s=15.0)
    assert calm.critical == "section"
    assert calm.rule == AllRule((SentimentRule("customer", not_=frozenset({"negative"}), last_turns=1),
                                 FeatureRule("csi", min=40.0)))
    assert form.tags() == {"greeting", "hold_announcement"}
    assert form.section_of("holds").id == "discipline"


def test_the_shipped_examples_are_valid_and_realistic():
    forms = shipped_checklists()
    assert [f.id for f in forms] == ["en_service_call", "ru_bank_call", "ru_bank_chat", "ru_bank_desk"]
    assert checklist_problems(shipped_checklist_paths()) == []
    for form in forms:
        assert 8 <= len(form.items) <= 15, form.id
        assert len(form.sections) >= 3
        assert any(item.rule is None for item in form.items), "some items are left to reviewers"
        assert any(item.critical != "no" for item in form.items)


def test_every_problem_is_reported_at_its_line(tmp_path):
    found = _problems(tmp_path, """\
        id: Bad-Id
        title: t
        version: 1
        colour: red
        applies_to: {channels: [call, fax]}
        sections:
          - id: a
            weight: 0
            items:
              - id: x
                text: X
                weight: -1
              - id: x
                text: dup
                type: scale
                scale: [1, 20]
              - id: y
                text: Y
                critical: form
                type: scale
                scale: [1, 5]
                rule: {greet: hello}
              - id: z
                text: Z
                rule: {tag: greting, speaker: boss, within_turns: 0}
              - id: w
                txt: W
        """)
    f = str(tmp_path / "form.yaml")
    assert found == [
        f"{f}:1: checklist: id 'Bad-Id'; expected lowercase letters, digits and _, starting with a letter, "
        "at most 54 characters",
        f"{f}:4: checklist: unknown key 'colour'; expected some of "
        "['id', 'title', 'version', 'description', 'applies_to', 'sections']",
        f"{f}:5: applies_to: channels 'fax'; expected some of ['call', 'chat', 'desk']",
        f"{f}:8: section a: weight 0; expected > 0",
        f"{f}:12: item x: weight -1; expected > 0",
        f"{f}:13: item x: duplicate id (first at line 10)",
        f"{f}:16: item x: scale [1, 20]; expected [low, high], whole numbers with 0 <= low < high <= 10, e.g. [1, 5]",
        f"{f}:19: item y: critical on a scale item; expected critical only on yes_no items (failing = answered no)",
        f"{f}:22: item y: rule: unknown kind 'greet'; expected one of "
        "['all', 'any', 'csi', 'every_hold_announced', 'feature', 'no_tag', 'sentiment', 'tag']",
        f"{f}:25: item z: rule: tag 'greting'; expected a phrase tag, one of ['anything_else', 'apology', "
        "'asks_for_operator', 'farewell', 'greeting', 'hold_announcement', 'hold_return', 'identity_check', "
        "'introduced_by_name', 'offer', 'profanity', 'thanks']",
        f"{f}:25: item z: rule: speaker 'boss'; expected one of ['agent', 'bot', 'customer', 'ivr', 'unknown']",
        f"{f}:25: item z: rule: within_turns 0; expected a whole number of turns >= 1",
        f"{f}:26: item w: no text; expected text: ...",
        f"{f}:27: item w: unknown key 'txt'; expected some of "
        "['id', 'text', 'type', 'scale', 'weight', 'critical', 'na_allowed', 'rule']",
    ]


def test_rule_problems_inside_combinators_point_at_their_lines(tmp_path):
    found = _problems(tmp_path, """\
        id: demo
        title: Demo
        version: "1"
        sections:
          - id: s
            items:
              - id: w
                text: W
                rule:
                  all:
                    - {feature: x}
                    - {sentiment: customer, not: angry}
                    - any:
                        - {every_hold_announced: {within_s: -3}}
                        - {csi: {min: 50, max: 40}}
                    - {tag: greeting, no_tag: profanity}
                    - {feature: hold_s, max: 60, speaker: agent}
                    - {sentiment: customer, not: negative, is: positive}
                    - greeting
                    - {tag: farewell, within_turns: 1, last_turns: 2}
        """)
    messages = [p.split(":", 1)[1] for p in found]
    assert messages == [
        "11: item w: rule: feature: no min or max; expected at least one bound",
        "12: item w: rule: not 'angry'; expected one or more of ['negative', 'neutral', 'positive']",
        "14: item w: rule: within_s -3; expected a number > 0",
        "15: item w: rule: csi: max 40 < min 50",
        "16: item w: rule: tag and no_tag in one rule; expected one kind (combine rules with all: or any:)",
        "17: item w: rule: feature: unknown option 'speaker'; expected some of ['feature', 'min', 'max']",
        "18: item w: rule: sentiment: expected exactly one of not: or is:",
        "19: item w: rule: 'greeting'; expected a mapping such as {tag: greeting, speaker: agent}",
        "20: item w: rule: within_turns and last_turns together; expected one of them",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("id: a\nid: b\n", "2: duplicate key 'id' (first at line 1)"),
    ("id: demo\ntitle: [unclosed\n", "3: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("- just\n- a list\n", "1: expected a mapping with id, title, version, sections"),
    ("id: demo\ntitle: T\nversion: 1\nsections: []\n", "4: sections []; expected a non-empty list of sections"),
    ("id: demo\ntitle: T\nversion: 1\nsections:\n  - id: s\n    items: []\n",
     "6: section s: items []; expected a non-empty list of items"),
    ("id: demo\ntitle: T\nversion: 1\nsections:\n  - id: s\n    items:\n      - {id: a, text: A, type: rating}\n",
     "7: item a: type 'rating'; expected yes_no or scale"),
    ("id: demo\ntitle: T\nversion: 1\nsections:\n  - id: s\n    items:\n      - {id: a, text: A, type: scale}\n",
     "7: item a: type scale without scale; expected e.g. scale: [1, 5]"),
    ("id: demo\ntitle: T\nversion: 1\nsections:\n  - id: s\n    items:\n      - {id: a, text: A, scale: [1, 5]}\n",
     "7: item a: scale on a yes_no item; expected it only with type: scale"),
    ("id: demo\ntitle: T\nversion: 1\nsections:\n  - id: s\n    items:\n      - {id: a, text: A, critical: always}\n",
     "7: item a: critical 'always'; expected false, section (or true) or form"),
    ("id: demo\ntitle: T\nversion: 1\nsections:\n  - {id: s, items: [{id: a, text: A}]}\n"
     "  - {id: s, items: [{id: b, text: B}]}\n", "6: section s: duplicate id (first at line 5)"),
])
def test_structural_mistakes(tmp_path, text, expected):
    found = _problems(tmp_path, text)
    assert f"{tmp_path / 'form.yaml'}:{expected}" in found, found


def test_an_unreadable_file_is_one_problem_at_line_1(tmp_path):
    with pytest.raises(ChecklistError) as caught:
        load_checklist(tmp_path / "missing.yaml")
    assert str(caught.value).startswith(f"{tmp_path / 'missing.yaml'}:1: cannot be read:")


def test_a_sites_own_phrase_tags_are_accepted_when_named(tmp_path):
    text = "id: demo\ntitle: T\nversion: 1\nsections:\n  - {id: s, items: [{id: a, text: A, rule: {tag: upsell}}]}\n"
    assert "rule: tag 'upsell'" in _problems(tmp_path, text)[0]
    form = parse_checklist(text, extra_tags={"upsell"})
    assert form.items[0].rule == TagRule("upsell")


def test_two_files_with_one_id_are_a_problem(tmp_path):
    first = _write(tmp_path, GOOD, "a.yaml")
    second = _write(tmp_path, GOOD, "b.yaml")
    [problem] = checklist_problems([first, second])
    assert str(problem) == f"{second}:1: checklist id 'demo' is also the id in {first}"


def test_answers_must_fit_the_item():
    scale = Item("polite", "Polite", type="scale", scale=(1, 5))
    scale.check_answer(3)
    for wrong in (0, 6, 2.5, True):
        with pytest.raises(ValueError, match="expected a whole number 1..5"):
            scale.check_answer(wrong)
    with pytest.raises(ValueError, match=r"expected 0 \(no\) or 1 \(yes\)"):
        Item("x", "X").check_answer(2)
    with pytest.raises(ValueError, match="critical only on yes_no"):
        Item("x", "X", type="scale", scale=(1, 5), critical="form")


def test_a_list_where_a_speaker_or_sentiment_belongs_is_a_problem_not_a_crash(tmp_path):
    found = _problems(tmp_path, """\
        id: demo
        title: Demo
        version: "1"
        sections:
          - id: s
            items:
              - id: a
                text: A
                rule: {tag: greeting, speaker: [agent]}
              - id: b
                text: B
                rule: {sentiment: {who: customer}, not: negative}
              - id: c
                text: C
                rule: {sentiment: customer, is: [[negative]]}
        """)
    messages = [p.split(":", 1)[1] for p in found]
    assert messages == [
        "9: item a: rule: speaker ['agent']; expected one of ['agent', 'bot', 'customer', 'ivr', 'unknown']",
        "12: item b: rule: sentiment {'who': 'customer'}; expected one of ['agent', 'bot', 'customer', 'ivr', 'unknown']",
        "15: item c: rule: is [['negative']]; expected one or more of ['negative', 'neutral', 'positive']",
    ]


# bounded input (issue 11) ------------------------------------------------------------------------------

def test_a_billion_laughs_checklist_is_a_problem_at_its_line(tmp_path):
    laughs = "id: x\ntitle: t\nversion: '1'\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
    assert _problems(tmp_path, laughs) == [
        f"{tmp_path / 'form.yaml'}:4: more than 100000 values with aliases expanded; expected at most 100000 "
        f"(write values out instead of nesting aliases)"]


def test_a_deeply_nested_checklist_is_a_problem_at_its_line(tmp_path):
    deep = "id: x\ntitle: t\nversion: '1'\nsections:\n  - " + "[" * 5000 + "]" * 5000 + "\n"
    assert _problems(tmp_path, deep) == [f"{tmp_path / 'form.yaml'}:5: nested more than 64 deep; expected at most 64"]


def test_a_checklist_file_larger_than_the_limit_is_refused_unparsed(tmp_path):
    huge = "id: x\ndescription: " + "x" * 1_000_000 + "\n"
    assert _problems(tmp_path, huge) == [f"{tmp_path / 'form.yaml'}: 1000020 characters; expected at most 1000000"]
