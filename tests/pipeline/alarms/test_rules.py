"""Alarm rules: loading errors that name the file and line, and every condition kind on hand-built facts."""

from __future__ import annotations

from datetime import UTC, datetime
from textwrap import dedent

import pytest

from pipeline.alarms.evaluate import contact_triggers
from pipeline.alarms.rules import RuleError, default_rules_path, load_rules, rules_for
from pipeline.alarms.ruleset import Aggregate, render
from pipeline.alarms.schema import parse_duration
from pipeline.rules.conditions import AllOf, AnyOf, Compare, Not, matches
from tests.pipeline.alarms.helpers import NOW, facts


def _write(tmp_path, text: str, name: str = "rules.yaml"):
    path = tmp_path / name
    path.write_text(dedent(text).lstrip("\n"))
    return path


def _problems(*paths) -> list[str]:
    with pytest.raises(RuleError) as caught:
        load_rules(paths)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


GOOD = """
rules:
  - id: complaint
    severity: warning
    message: "CSAT {csat} on {contact_id}"
    when: {csat: {max: 3}}
  - id: conflict
    severity: critical
    message: "{customer_negative_turns} negative turns, {interruptions_agent} interruptions"
    when:
      all:
        - {customer_negative_turns: {min: 1}}
        - {interruptions_agent: {min: 2}}
    cooldown: 30m
    dedup_by: operator
    sinks: [log, webhook]
  - id: dissatisfied_share
    severity: critical
    message: "{value:.0%} dissatisfied"
    aggregate: {metric: share, of: {survey.csat: {max: 2}}, over: 1d, min_count: 5, gt: 0.2}
  - id: no_sell
    severity: info
    message: "do not sell to {customer_id}"
    when: {nps: {max: 6}}
    flag: {name: do_not_sell, for: 30d}
"""


def test_a_good_file_loads_with_defaults_and_sources(tmp_path):
    path = _write(tmp_path, GOOD)
    rules = load_rules([path])
    assert [r.id for r in rules.rules] == ["complaint", "conflict", "dissatisfied_share", "no_sell"]
    assert [r.id for r in rules.contact_rules] == ["complaint", "conflict", "no_sell"]
    assert [r.id for r in rules.aggregate_rules] == ["dissatisfied_share"]
    complaint, conflict, share, no_sell = rules.rules
    assert complaint.source == f"{path}:2"
    assert (complaint.when, complaint.cooldown_s, complaint.dedup_by, complaint.sinks) == (
        Compare("csat", "max", 3.0), 0.0, "contact", ("log",))
    assert conflict.when == AllOf((Compare("customer_negative_turns", "min", 1.0),
                                   Compare("interruptions_agent", "min", 2.0)))
    assert (conflict.cooldown_s, conflict.dedup_by, conflict.sinks) == (1800.0, "operator", ("log", "webhook"))
    aggregate = share.aggregate
    assert (aggregate.metric, aggregate.of, aggregate.over_s, aggregate.min_count, aggregate.tests) == (
        "share", Compare("survey.csat", "max", 2.0), 86400.0, 5, (Compare("share", "gt", 0.2),))
    assert (share.cooldown_s, share.dedup_by) == (86400.0, "rule")  # an aggregate cools down for its window
    assert (no_sell.flag.name, no_sell.flag.duration_s) == ("do_not_sell", 30 * 86400.0)


def test_every_problem_is_reported_with_its_file_and_line(tmp_path):
    path = _write(tmp_path, """
        rules:
          - id: a
            severity: urgent
            message: "CSAT {value"
            when: {csat: {atmost: 3}}
          - id: b
            severity: info
            when: {hold_s: {gt: "long"}}
          - id: c
            severity: info
            message: ok
            when: {csi: {lt: 40}}
            aggregate: {metric: share, of: {csat: {max: 2}}, gt: 0.2}
          - id: d
            severity: info
            message: ok
            cooldown: soon
            dedup_by: team
            sinks: [log, pager]
            when: {csi: {lt: 40}}
            colour: red
          - id: e
            severity: info
            message: ok
            aggregate: {metric: share, of: {csat: {max: 2}}, over: 1d}
            flag: {name: do_not_sell, for: 30d}
          - id: f
            severity: info
            message: ok
            when: {all: []}
            flag: {name: Do-Not-Sell, for: 0d}
    """)
    assert _problems(path) == [
        f"{path}:3: severity 'urgent'; expected one of info, warning, critical",
        f"{path}:4: message 'CSAT {{value': expected '}}' before end of string; write a literal brace as {{{{ or }}}}",
        f"{path}:5: csat: unknown comparison 'atmost'; expected one of min, max, lt, gt, eq, ne, in (min is >=, "
        f"max is <=)",
        f"{path}:6: rule: no message",
        f"{path}:8: hold_s: gt 'long'; expected a number",
        f"{path}:9: rule: expected either `when` (a condition on one contact) or `aggregate` (a number over recent "
        f"contacts), not both or neither",
        f"{path}:17: cooldown 'soon'; expected a duration such as 30m, 2h, 1d, 1w or 90s",
        f"{path}:18: dedup_by 'team'; expected one of contact, customer, operator, rule",
        f"{path}:19: sinks ['log', 'pager']; expected a list of log, webhook, email",
        f"{path}:21: rule: unknown key 'colour'; expected aggregate, cooldown, dedup_by, description, flag, id, "
        f"message, severity, sinks, when",
        f"{path}:25: aggregate: no threshold; expected one of min, max, lt, gt, eq, ne, in (e.g. gt: 0.2)",
        f"{path}:26: flag on an aggregate rule; a flag is set on the customer of one contact",
        f"{path}:30: all is an empty list; expected a non-empty list of conditions",
        f"{path}:31: flag name 'Do-Not-Sell'; expected lower-case letters, digits and _",
    ]


def test_values_of_the_wrong_kind_name_their_line(tmp_path):
    path = _write(tmp_path, """
        rules:
          - id: d
            severity: info
            message: ok
            cooldown: 0
            dedup_by: contact
            sinks: log
            when: {hold_s: {gt: "long"}, queue_wait_s: {in: []}}
          - id: e
            severity: info
            message: "{0} and {}"
            aggregate: {metric: mean, of: {csi: {lt: 1}}, lt: 40, by: site}
          - id: f
            severity: info
            message: ok
            aggregate: {metric: mean, value: csi, lt: 40, over: yesterday, min_count: 0}
    """)
    assert _problems(path) == [
        f"{path}:8: hold_s: gt 'long'; expected a number",
        f"{path}:8: queue_wait_s: in []; expected a non-empty list of numbers or texts",
        f"{path}:11: message '{{0}} and {{}}': field {{0}}; expected a name such as {{contact_id}} or {{value}}",
        f"{path}:12: aggregate: metric mean needs `value: NAME` (and no `of`)",
        f"{path}:16: over 'yesterday'; expected a duration such as 30m, 2h, 1d, 1w or 90s",
    ]


def test_yaml_errors_duplicate_keys_and_ids_across_files(tmp_path):
    broken = _write(tmp_path, """
        rules:
          - id: a
            when: {csat: [1
            severity: info
    """, "broken.yaml")
    first = _write(tmp_path, GOOD, "first.yaml")
    again = _write(tmp_path, """
        rules:
          - id: complaint
            severity: info
            severity: warning
            message: again
            when: {csat: 1}
          - id: complaint
            severity: info
            message: again
            when: {csat: 1}
    """, "again.yaml")
    problems = _problems(broken, first, again, tmp_path / "missing.yaml")
    assert problems[0].startswith(f"{broken}:4: not valid YAML: ")
    assert problems[1:] == [
        f"{again}:4: rule: 'severity' appears twice (first at line 3)",
        f"{tmp_path / 'missing.yaml'}: no such file; expected a YAML file of alarm rules",
        f"{again}:7: rule id 'complaint' is used already at {first}:2; expected ids to be unique",
    ]


def test_file_shape_errors(tmp_path):
    assert _problems(_write(tmp_path, "rules: {id: a}\n")) == [
        f"{tmp_path / 'rules.yaml'}:1: rules is a mapping; expected a list of rules"]
    assert _problems(_write(tmp_path, "alarms: []\n")) == [
        f"{tmp_path / 'rules.yaml'}:1: the file: expected one key, `rules:`, holding a list of rules"]
    assert load_rules([_write(tmp_path, "# nothing yet\n")]).rules == ()
    assert [r.id for r in load_rules([_write(tmp_path, "- {id: a, severity: info, message: m, when: {x: 1}}\n")])
            .rules] == ["a"]  # a bare list is a list of rules too


def test_aggregate_dedup_by_is_rule_or_its_group(tmp_path):
    path = _write(tmp_path, """
        rules:
          - {id: a, severity: info, message: m, aggregate: {metric: count, of: {csi: {lt: 40}}, by: team, min: 3}}
          - {id: b, severity: info, message: m, aggregate: {metric: count, of: {csi: {lt: 40}}, min: 3},
             dedup_by: operator}
    """)
    assert _problems(path) == [f"{path}:4: dedup_by 'operator' on an aggregate rule; expected one of rule"]
    ok = load_rules([_write(tmp_path, """
        rules:
          - {id: a, severity: info, message: m, aggregate: {metric: count, of: {csi: {lt: 40}}, by: team, min: 3}}
    """, "ok.yaml")])
    assert ok.rules[0].dedup_by == "team"


def test_the_shipped_rules_load_and_read_the_documented_values():
    rules = load_rules([default_rules_path()])
    assert {r.id for r in rules.rules} >= {"complaint", "do_not_sell", "low_csi", "conflict", "long_hold",
                                           "dissatisfied_share_today"}
    assert rules_for([]) == rules  # an empty `alarm_rules` setting means the shipped file
    fired = contact_triggers(rules.contact_rules, facts({"survey.csat": 3, "csi": 55.0, "hold_s": 30.0}), now=NOW)
    assert [t.rule.id for t in fired] == ["complaint"]
    assert fired[0].alarm.message == "Complaint: CSAT 3 on call c1 (operator op-1, customer cu-1)"
    angry = facts({"survey.nps": 2, "csi": 31.4, "customer_negative_turns": 3, "interruptions_agent": 2,
                   "hold_s": 121.0})
    fired = {t.rule.id: t.alarm for t in contact_triggers(rules.contact_rules, angry, now=NOW)}
    assert sorted(fired) == ["conflict", "do_not_sell", "long_hold", "low_csi"]
    assert fired["low_csi"].message == "Low predicted CSI 31 on call c1 (operator op-1)"
    assert fired["long_hold"].details["values"] == {"hold_s": 121.0}


def test_rules_are_read_again_when_the_file_changes(tmp_path):
    path = _write(tmp_path, GOOD)
    assert len(rules_for([path]).rules) == 4
    path.write_text(dedent(GOOD).replace("  - id: no_sell", "  - id: no_sell_at_all"))
    assert rules_for([path]).rules[-1].id == "no_sell_at_all"


# conditions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "values", "expected"), [
    ({"csat": {"max": 3}}, {"survey.csat": 3}, {"csat": 3}),           # max is <=; csat reads survey.csat
    ({"csat": {"max": 3}}, {"survey.csat": 4}, None),
    ({"csat": {"max": 3}}, {}, None),                                   # no answer: never matches
    ({"survey.csat": {"max": 3}}, {"survey.csat": 1}, {"survey.csat": 1}),
    ({"csi": {"lt": 40}}, {"csi": 39.99}, {"csi": 39.99}),
    ({"csi": {"lt": 40}}, {"csi": 40.0}, None),
    ({"hold_s": {"gt": 120}}, {"hold_s": 120.0}, None),
    ({"hold_s": {"gt": 120}}, {"hold_s": 120.5}, {"hold_s": 120.5}),
    ({"hold_s": {"gt": 120}}, {"hold_s": None}, None),                  # a value that cannot exist
    ({"hold_s": {"min": 10, "max": 20}}, {"hold_s": 20}, {"hold_s": 20}),  # a range
    ({"hold_s": {"min": 10, "max": 20}}, {"hold_s": 21}, None),
    ({"bot_handoff": 1}, {"bot_handoff": 1}, {"bot_handoff": 1}),      # a bare value is eq
    ({"ivr_exit": {"eq": "operator"}}, {"ivr_exit": "operator"}, {"ivr_exit": "operator"}),
    ({"ivr_exit": {"ne": "operator"}}, {"ivr_exit": "balance"}, {"ivr_exit": "balance"}),
    ({"ivr_exit": {"in": ["cards", "loans"]}}, {"ivr_exit": "loans"}, {"ivr_exit": "loans"}),
    ({"ivr_exit": {"in": ["cards", "loans"]}}, {"ivr_exit": "other"}, None),
    ({"answer_source": {"gt": 1}}, {"answer_source": "events"}, None),  # text in a numeric comparison
    ({"all": [{"customer_negative_turns": {"min": 1}}, {"interruptions_agent": {"min": 2}}]},
     {"customer_negative_turns": 1, "interruptions_agent": 2},
     {"customer_negative_turns": 1, "interruptions_agent": 2}),
    ({"all": [{"customer_negative_turns": {"min": 1}}, {"interruptions_agent": {"min": 2}}]},
     {"customer_negative_turns": 4, "interruptions_agent": 1}, None),
    ({"any": [{"csat": {"max": 2}}, {"nps": {"max": 6}}]}, {"survey.csat": 5, "survey.nps": 6}, {"nps": 6}),
    ({"any": [{"csat": {"max": 2}}, {"nps": {"max": 6}}]}, {"survey.csat": 5}, None),
    ({"not": {"phrase_greeting": {"min": 1}}}, {"phrase_greeting": 0}, {}),
    ({"not": {"phrase_greeting": {"min": 1}}}, {"phrase_greeting": 2}, None),
    ({"csi": {"lt": 40}, "customer_sentiment": {"lt": -0.3}}, {"csi": 30, "customer_sentiment": -0.5},
     {"csi": 30, "customer_sentiment": -0.5}),                          # two names in one mapping: both
    ({"csi": {"lt": 40}, "customer_sentiment": {"lt": -0.3}}, {"csi": 30, "customer_sentiment": 0.1}, None),
])
def test_each_condition_kind(tmp_path, condition, values, expected):
    import yaml

    path = _write(tmp_path, yaml.safe_dump({"rules": [{"id": "r", "severity": "info", "message": "{value}",
                                                       "when": condition}]}))
    rule = load_rules([path]).rules[0]
    assert matches(rule.when, values) == expected
    fired = contact_triggers([rule], facts(values), now=NOW)
    assert len(fired) == (expected is not None)


def test_conditions_built_in_code_compose():
    condition = AnyOf((AllOf((Compare("csi", "lt", 50.0), Not(Compare("phrase_apology", "min", 1.0)))),
                       Compare("phrase_profanity", "min", 1.0)))
    assert matches(condition, {"csi": 45.0, "phrase_apology": 0, "phrase_profanity": 0}) == {"csi": 45.0}
    assert matches(condition, {"csi": 45.0, "phrase_apology": 1, "phrase_profanity": 0}) is None
    assert matches(condition, {"csi": 90.0, "phrase_apology": 1, "phrase_profanity": 2}) == {"phrase_profanity": 2}


def test_messages_fill_known_fields_and_survive_missing_ones():
    context = {"contact_id": "c1", "value": 0.25, "operator_id": None, "survey.csat": 2, "csi": 38.456}
    assert render("{contact_id}: {value:.0%} by {operator_id}", context) == "c1: 25% by -"
    assert render("CSAT {survey.csat}, CSI {csi:.1f}, {nowhere}", context) == "CSAT 2, CSI 38.5, -"
    assert render("{contact_id:.1f}", context) == "c1"  # a format that does not fit prints the value as it is


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800.0), ("2h", 7200.0), ("1d", 86400.0), ("1w", 604800.0),
                                               ("90s", 90.0), ("1.5h", 5400.0), (45, 45.0), ("0s", 0.0),
                                               ("soon", None), ("-1m", None), (True, None), (-5, None)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_today_is_since_local_midnight():
    rule_window = Aggregate(metric="count", tests=(), over_s=None).window
    now = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # 01:30 on the 21st in Moscow
    since, until = rule_window(now, "Europe/Moscow")
    assert (since.isoformat(), until) == ("2026-11-21T00:00:00+03:00", now)
    assert rule_window(now, "UTC")[0] == datetime(2026, 11, 20, tzinfo=UTC)


def _readme_alarms_section() -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    start = text.index("## Alarms\n")
    return text[start:text.index("\n## ", start + 1)]


def test_the_readme_example_is_a_valid_rule_file(tmp_path):
    section = _readme_alarms_section()
    example = section[section.index("```yaml\n") + len("```yaml\n"):]
    path = tmp_path / "readme.yaml"
    path.write_text(example[:example.index("```")])
    ruleset = load_rules([path])
    assert [r.id for r in ruleset.rules] == ["complaint", "do_not_sell", "conflict", "long_hold",
                                             "dissatisfied_share_today"]
    long_hold = ruleset.rules[3]
    assert matches(long_hold.when, {"hold_s": 150.0, "ivr_exit": "cards"}) == {"hold_s": 150.0}
    assert matches(long_hold.when, {"hold_s": 150.0, "ivr_exit": "loans"}) is None


# bounded input (issue 11) ------------------------------------------------------------------------------

_LAUGHS = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def test_a_billion_laughs_rule_file_is_a_problem_not_a_memory_error(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(_LAUGHS)
    assert _problems(path) == [f"{path}:1: more than 100000 values with aliases expanded; expected at most 100000 "
                               f"(write values out instead of nesting aliases)"]


@pytest.mark.parametrize(("text", "expected"), [
    ("rules:\n  - " + "[" * 10_000 + "]" * 10_000 + "\n", "2: nested more than 64 deep; expected at most 64"),
    ("rules:\n  - {id: a, when: " + "{x: " * 3000 + "1" + "}" * 3001 + "\n",
     "2: nested more than 64 deep; expected at most 64"),
    ("rules: &r\n  - *r\n", "1: nested more than 64 deep with aliases expanded (an alias that holds itself?); "
                            "expected at most 64"),
])
def test_deep_or_self_holding_rule_files_are_problems_not_recursion_errors(tmp_path, text, expected):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    assert _problems(path) == [f"{path}:{expected}"]


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_an_empty_rule_file_is_a_problem_not_zero_rules(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    assert _problems(path) == [f"{path}: an empty file: no rules; expected `rules:` and a list of rules"]


def test_alarms_validate_exits_2_on_an_empty_rule_file(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    path = tmp_path / "rules.yaml"
    path.write_bytes(b"")
    result = CliRunner().invoke(main, ["alarms", "validate", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"{path}: an empty file: no rules; expected `rules:` and a list of rules"
