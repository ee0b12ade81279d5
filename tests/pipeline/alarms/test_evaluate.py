"""Raising alarms on stored contacts: de-duplication, cooldown, aggregate rules, customer flags, the stage
and the check for survey answers that come later."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from pipeline.alarms.evaluate import (aggregate_number, evaluate_aggregates, evaluate_contact, flat_values,
                                      window_values)
from pipeline.alarms.sinks import Sinks
from pipeline.alarms.stage import alarm_stage, evaluate_new_answers
from pipeline.records import SurveyAnswer
from pipeline.rules.conditions import AllOf, Compare, matches
from pipeline.rules.facts import contact_facts
from pipeline.settings import Settings
from tests.pipeline.alarms.helpers import NOW, Recorder, add_contact, contact, rules

OPERATOR_RULES = """
rules:
  - id: angry
    severity: warning
    message: "{contact_id}: {customer_negative_turns} negative turns"
    when: {customer_negative_turns: {min: 2}}
    dedup_by: operator
    cooldown: 30m
  - id: complaint
    severity: critical
    message: "CSAT {csat} on {contact_id}"
    when: {csat: {max: 3}}
"""


def _sinks():
    recorder = Recorder()
    return Sinks({"log": recorder}), recorder


def _evaluate(store, ruleset, contact_, sinks, minutes=0.0):
    return evaluate_contact(store, contact_facts(store, contact_), ruleset.contact_rules, sinks,
                            now=NOW + timedelta(minutes=minutes))


def test_cooldown_per_operator_and_once_per_contact(alarm_store, tmp_path):
    ruleset = rules(tmp_path, OPERATOR_RULES)
    sinks, recorder = _sinks()
    angry = {"customer_negative_turns": 3}
    c1 = add_contact(alarm_store, contact("c1", minutes=-5), features=angry)
    c2 = add_contact(alarm_store, contact("c2", minutes=5), features=angry)
    c3 = add_contact(alarm_store, contact("c3", minutes=40), features=angry)
    other = add_contact(alarm_store, contact("c4", minutes=6, operator="op-2"), features=angry)
    calm = add_contact(alarm_store, contact("c5", minutes=7), features={"customer_negative_turns": 1})

    first = _evaluate(alarm_store, ruleset, c1, sinks, minutes=0)
    assert [(a.rule, a.contact_id, a.dedup_key) for a in first.raised] == [("angry", "c1", "operator:op-1")]
    assert first.raised[0].message == "c1: 3 negative turns"
    held = _evaluate(alarm_store, ruleset, c2, sinks, minutes=10)  # same operator, 10 min later
    assert held.raised == [] and held.held[0][1].startswith("cooldown 30m: operator:op-1 raised at 2026-11-20T15:00")
    assert [a.contact_id for a in _evaluate(alarm_store, ruleset, other, sinks, minutes=11).raised] == ["c4"]
    assert _evaluate(alarm_store, ruleset, calm, sinks, minutes=12).held == []  # nothing matched
    assert [a.contact_id for a in _evaluate(alarm_store, ruleset, c3, sinks, minutes=45).raised] == ["c3"]
    # the same contact evaluated again (a survey answer arrived): no second alarm, whatever the cooldown
    again = _evaluate(alarm_store, ruleset, c1, sinks, minutes=120)
    assert again.raised == [] and again.held[0][1] == "already raised for this contact"
    assert [a.contact_id for a in alarm_store.catalog.alarms(rule="angry")] == ["c1", "c4", "c3"]
    assert [a.contact_id for a in recorder.sent] == ["c1", "c4", "c3"]
    assert all(a.deliveries == ({"sink": "log", "ok": True, "attempts": 1, "status": None, "error": None,
                                 "at": "now"},) for a in alarm_store.catalog.alarms())


def test_dedup_by_contact_customer_and_rule(alarm_store, tmp_path):
    ruleset = rules(tmp_path, """
        rules:
          - {id: per_customer, severity: info, message: m, when: {csi: {lt: 40}}, dedup_by: customer, cooldown: 1d}
          - {id: per_rule, severity: info, message: m, when: {csi: {lt: 40}}, dedup_by: rule, cooldown: 1h}
          - {id: per_contact, severity: info, message: m, when: {csi: {lt: 40}}}
    """)
    sinks, _ = _sinks()
    a = add_contact(alarm_store, contact("a", customer="cu-1"), csi=30.0)
    b = add_contact(alarm_store, contact("b", customer="cu-1", operator="op-2"), csi=30.0)
    c = add_contact(alarm_store, contact("c", customer="cu-2", operator="op-3"), csi=30.0)
    anonymous = add_contact(alarm_store, contact("d", customer=None), csi=30.0)
    for minutes, item in [(0, a), (5, b), (10, c), (15, anonymous), (90, a), (95, b)]:
        _evaluate(alarm_store, ruleset, item, sinks, minutes=minutes)
    raised = {rule: [(x.contact_id, x.dedup_key) for x in alarm_store.catalog.alarms(rule=rule)]
              for rule in ("per_customer", "per_rule", "per_contact")}
    assert raised["per_customer"] == [("a", "customer:cu-1"), ("c", "customer:cu-2"), ("d", "contact:d")]
    assert raised["per_rule"] == [("a", "rule"), ("b", "rule")]  # b again after the hour; a never twice
    assert raised["per_contact"] == [("a", "contact:a"), ("b", "contact:b"), ("c", "contact:c"), ("d", "contact:d")]


def test_a_negative_score_flags_the_customer_do_not_sell_until_it_expires(alarm_store, tmp_path):
    ruleset = rules(tmp_path, """
        rules:
          - id: do_not_sell
            severity: critical
            message: "customer {customer_id}: NPS {nps}"
            when: {any: [{csat: {max: 2}}, {nps: {max: 6}}]}
            dedup_by: customer
            cooldown: 1d
            flag: {name: do_not_sell, for: 30d}
    """)
    sinks, _ = _sinks()
    first = add_contact(alarm_store, contact("c1"), answers={"nps": 4})
    happy = add_contact(alarm_store, contact("c2", customer="cu-2"), answers={"nps": 10})
    outcome = _evaluate(alarm_store, ruleset, first, sinks)
    assert [a.message for a in outcome.raised] == ["customer cu-1: NPS 4"]
    [flag] = alarm_store.catalog.customer_flags("cu-1", at=NOW)
    assert (flag.flag, flag.until, flag.contact_id, flag.set_at) == ("do_not_sell", NOW + timedelta(days=30), "c1",
                                                                    NOW)
    assert flag.reason == "do_not_sell: customer cu-1: NPS 4"
    assert alarm_store.catalog.customer_flags("cu-1", at=NOW + timedelta(days=30)) == []
    assert _evaluate(alarm_store, ruleset, happy, sinks).flags == []
    assert alarm_store.catalog.customer_flags("cu-2", at=NOW) == []
    # a second dissatisfied contact within the cooldown: no alarm, but the flag runs 30 days from it
    second = add_contact(alarm_store, contact("c3", minutes=60), answers={"csat": 1})
    outcome = _evaluate(alarm_store, ruleset, second, sinks, minutes=120)
    assert outcome.raised == [] and outcome.held[0][1].startswith("cooldown 1d")
    [flag] = alarm_store.catalog.customer_flags("cu-1", at=NOW + timedelta(days=30))
    assert (flag.until, flag.contact_id) == (NOW + timedelta(days=30, minutes=120), "c3")


SHARE = """
rules:
  - id: dissatisfied_share
    severity: critical
    message: "{matched} of {count} dissatisfied ({value:.0%}) in {window}"
    aggregate: {metric: share, of: {survey.csat: {max: 2}}, over: 1d, min_count: 5, gt: 0.2}
    cooldown: 6h
"""


def _share_contacts(store):
    # today: 10 answered contacts, 3 of them dissatisfied (CSAT 1-2), and 2 without an answer
    for i, csat in enumerate([1, 2, 5, 5, 4, 2, 3, 5, 5, 5]):
        add_contact(store, contact(f"t{i}", minutes=-60 * i - 10, customer=f"cu-{i}",
                                   operator="op-1" if i < 5 else "op-2"), answers={"csat": csat})
    add_contact(store, contact("quiet1", minutes=-30, customer="q1"), csi=20.0)
    add_contact(store, contact("quiet2", minutes=-40, customer="q2"))
    # before the window: dissatisfied, but yesterday's
    for i in range(5):
        add_contact(store, contact(f"y{i}", minutes=-60 * 25 - i, customer=f"old-{i}"), answers={"csat": 1})


def test_the_share_of_dissatisfied_contacts_over_a_day(alarm_store, tmp_path):
    ruleset = rules(tmp_path, SHARE)
    sinks, recorder = _sinks()
    _share_contacts(alarm_store)
    outcome = evaluate_aggregates(alarm_store, ruleset.aggregate_rules, sinks, now=NOW)
    [alarm] = outcome.raised
    assert alarm.message == "3 of 10 dissatisfied (30%) in 1d"
    assert (alarm.contact_id, alarm.dedup_key, alarm.severity) == (None, "rule", "critical")
    assert {k: alarm.details[k] for k in ("metric", "value", "matched", "count", "window")} == {
        "metric": "share", "value": 0.3, "matched": 3, "count": 10, "window": "1d"}
    assert alarm.details["since"] == (NOW - timedelta(days=1)).isoformat()
    # within the cooldown: computed, held; after it: raised again
    assert evaluate_aggregates(alarm_store, ruleset.aggregate_rules, sinks, now=NOW + timedelta(hours=1)).raised == []
    later = evaluate_aggregates(alarm_store, ruleset.aggregate_rules, sinks, now=NOW + timedelta(hours=6, minutes=1))
    assert [a.details["count"] for a in later.raised] == [10]  # t9 started 9 h 10 min ago: still in the day
    assert len(recorder.sent) == 2


def test_the_share_needs_min_count_and_stays_quiet_at_or_below_the_threshold(alarm_store, tmp_path):
    rule = rules(tmp_path, SHARE).rules[0]
    aggregate = rule.aggregate
    assert aggregate_number(aggregate, [{"survey.csat": v} for v in (1, 1, 1, 1)]) == (None, 4, 4)
    assert aggregate_number(aggregate, [{"survey.csat": v} for v in (1, 5, 5, 5, 5)]) == (0.2, 1, 5)
    assert aggregate_number(aggregate, [{"survey.csat": v} for v in (1, 5, 5, 5, 5)] + [{"csi": 10.0}]) == (0.2, 1, 5)
    sinks, _ = _sinks()
    for i, csat in enumerate([1, 5, 5, 5, 5]):
        add_contact(alarm_store, contact(f"t{i}", minutes=-10 - i, customer=f"cu-{i}"), answers={"csat": csat})
    assert evaluate_aggregates(alarm_store, [rule], sinks, now=NOW).raised == []  # 20 % is not over 20 %


def test_count_and_mean_by_operator_today(alarm_store, tmp_path):
    ruleset = rules(tmp_path, """
        rules:
          - id: low_csi_calls
            severity: warning
            message: "{operator_id}: {value:.0f} low-CSI calls today"
            aggregate: {metric: count, of: {csi: {lt: 40}}, where: {channel_is_call: 1}, over: today, by: operator,
                        min: 2}
          - id: mean_csi
            severity: info
            message: "team {team}: mean CSI {value:.1f} over {count}"
            aggregate: {metric: mean, value: csi, by: team, over: 2h, min_count: 2, lt: 50}
    """)
    sinks, _ = _sinks()
    for cid, operator, team, csi, minutes in [("a", "op-1", "cards", 30.0, -10), ("b", "op-1", "cards", 35.0, -20),
                                              ("c", "op-2", "loans", 30.0, -30), ("d", "op-2", "loans", 80.0, -40),
                                              ("e", "op-1", "cards", 20.0, -16 * 60)]:  # e: yesterday, before midnight
        add_contact(alarm_store, contact(cid, minutes=minutes, operator=operator, team=team), csi=csi,
                    features={"channel_is_call": 1})
    outcome = evaluate_aggregates(alarm_store, ruleset.aggregate_rules, sinks, now=NOW, timezone="UTC")
    assert sorted((a.rule, a.dedup_key, a.message) for a in outcome.raised) == [
        ("low_csi_calls", "operator:op-1", "op-1: 2 low-CSI calls today"),
        ("mean_csi", "team:cards", "team cards: mean CSI 32.5 over 2"),
    ]
    assert [a.operator_id for a in outcome.raised if a.rule == "low_csi_calls"] == ["op-1"]
    # after a contact of op-2's, only op-2's number is computed, and it is still 1
    c = alarm_store.catalog.get_contact("c")
    assert evaluate_aggregates(alarm_store, ruleset.aggregate_rules, sinks, now=NOW, contact=c).raised == []


def test_window_values_flatten_like_contact_facts(alarm_store):
    add_contact(alarm_store, contact("a", minutes=-10), features={"hold_s": 130.0, "csi": 1.0}, csi=38.5,
                answers={"csat": 2, "nps": 9, "ces": 6})
    add_contact(alarm_store, contact("b", minutes=-5, channel="chat"), features={"first_response_s": 30.0})
    rows = window_values(alarm_store, NOW - timedelta(hours=1), NOW)
    assert [c.contact_id for c, _ in rows] == ["a", "b"]
    for c, values in rows:
        assert values == contact_facts(alarm_store, c).values
    assert rows[0][1]["csi"] == 38.5 and rows[0][1]["survey.ces"] == 6
    assert flat_values([], [], []) == {}


def _settings(tmp_path, text, **kwargs):
    path = tmp_path / "site_rules.yaml"
    path.write_text(text)
    return Settings(home=tmp_path / "home", alarm_rules=[path], **kwargs)


def test_the_stage_raises_records_and_counts_and_a_dead_sink_does_not_fail_it(alarm_store, tmp_path):
    settings = _settings(tmp_path, """
rules:
  - {id: low_csi, severity: warning, message: "CSI {csi}", when: {csi: {lt: 40}}, sinks: [log, webhook, email]}
  - {id: long_hold, severity: info, message: "hold {hold_s}", when: {hold_s: {gt: 120}}}
""")
    c = add_contact(alarm_store, contact("c1"), csi=31.0, features={"hold_s": 60.0})
    features = alarm_stage(alarm_store, c, settings, now=NOW)
    assert (features.name, features.values) == ("alarms", {"alarms": 1, "alarm_rules": "low_csi"})
    [alarm] = alarm_store.catalog.alarms()
    assert alarm.message == "CSI 31.0" and alarm.raised_at == NOW
    assert [(d["sink"], d["ok"], d["error"]) for d in alarm.deliveries] == [
        ("log", True, None), ("webhook", False, "alarm_webhook_url is not set"),
        ("email", False, "smtp_host is not set")]
    quiet = add_contact(alarm_store, contact("c2"), csi=70.0)
    assert alarm_stage(alarm_store, quiet, settings, now=NOW).values == {"alarms": 0, "alarm_rules": None}


def test_the_stage_fails_loudly_on_a_bad_rule_file(alarm_store, tmp_path):
    from pipeline.alarms.rules import RuleError

    settings = _settings(tmp_path, "rules:\n  - {id: x, severity: loud, message: m, when: {csi: 1}}\n")
    with pytest.raises(RuleError, match=r"site_rules.yaml:2: severity 'loud'"):
        alarm_stage(alarm_store, add_contact(alarm_store, contact("c1")), settings, now=NOW)


def test_answers_that_arrive_later_raise_the_complaint_once(alarm_store, tmp_path):
    from pipeline.stages import STAGES, Stage, run_stage

    assert STAGES[-1].name == "alarms"  # last, after every stage whose results it reads
    settings = _settings(tmp_path, OPERATOR_RULES)
    stage = Stage("alarms", alarm_stage, channels=frozenset({"call", "chat"}))
    processed = add_contact(alarm_store, contact("c1"), features={"customer_negative_turns": 0})
    assert run_stage(alarm_store, processed, stage, settings).ok
    add_contact(alarm_store, contact("c2", customer="cu-2"))
    add_contact(alarm_store, contact("c3", customer="cu-3"))
    alarm_store.catalog.record_stage_run("c3", "call", ok=False, seconds=1.0)
    assert alarm_store.catalog.alarms() == []
    time.sleep(0.01)
    alarm_store.catalog.add_survey_answers([
        SurveyAnswer("cu-1", "csat", 3, NOW, contact_id="c1", invitation_id="i1"),
        SurveyAnswer("cu-2", "csat", 1, NOW, contact_id="c2", invitation_id="i2"),
        SurveyAnswer("cu-3", "csat", 2, NOW, contact_id="c3", invitation_id="i3"),
        SurveyAnswer("cu-4", "csat", 1, NOW, invitation_id="i4")])  # no contact: no contact alarm
    sinks, recorder = _sinks()
    report = evaluate_new_answers(alarm_store, settings, NOW + timedelta(hours=1), sinks=sinks)
    assert (report.evaluated, report.waiting, report.failed) == (["c1", "c3"], ["c2"], {})
    assert [(a.rule, a.contact_id, a.message) for a in report.raised] == [("complaint", "c1", "CSAT 3 on c1"),
                                                                          ("complaint", "c3", "CSAT 2 on c3")]
    assert report.undelivered == []
    summary = {fs.name: fs.values for fs in alarm_store.catalog.feature_sets("c1")}["alarms"]
    assert summary == {"alarms": 1, "alarm_rules": "complaint"}
    # run again: nothing new to read
    again = evaluate_new_answers(alarm_store, settings, NOW + timedelta(hours=2), sinks=sinks)
    assert (again.evaluated, again.raised) == ([], [])
    # the pending contact's own stage reads its answer; a later check adds nothing
    assert run_stage(alarm_store, alarm_store.catalog.get_contact("c2"), stage, settings).ok
    assert [a.contact_id for a in alarm_store.catalog.alarms(rule="complaint")] == ["c1", "c3", "c2"]
    assert evaluate_new_answers(alarm_store, settings, NOW + timedelta(hours=3), sinks=sinks).raised == []
    assert [a.contact_id for a in recorder.sent] == ["c1", "c3"]


# desk visits under the shipped rules -------------------------------------------------------------------

def _desk_visit(store, contact_id, values, minutes=-30):
    from pipeline.csi.stage import csi_stage
    from tests.pipeline.desk.metric_samples import add_desk_visit

    visit = add_desk_visit(store, contact_id, values, started_at=NOW + timedelta(minutes=minutes), operator="op-7")
    csi_stage(store, visit, Settings())
    return visit


def test_a_bad_press_or_an_angry_run_raises_a_desk_alarm_once(alarm_store, tmp_path):
    from tests.pipeline.desk.metric_samples import desk_values

    settings = Settings(home=tmp_path / "home")  # the shipped rules
    bad = _desk_visit(alarm_store, "desk-bad", desk_values(button="1", shares={"angry": 0.5, "neutral": 0.5},
                                                         end="angry", angry_run_s=3.0))
    assert alarm_stage(alarm_store, bad, settings, now=NOW).values == {"alarms": 1, "alarm_rules": "desk_bad_press"}
    [alarm] = alarm_store.catalog.alarms(contact_id="desk-bad")
    # CSI 0 from the press, but low_csi stays quiet on a rated visit: the press is the alarm
    assert alarm.message == "Bad rating at desk D1 (site S1) on desk-bad: pressed 1 (operator op-7)"
    assert (alarm.severity, alarm.operator_id, alarm.details["values"]) == ("warning", "op-7", {"desk.rating": "bad"})

    angry = _desk_visit(alarm_store, "desk-angry", desk_values(shares={"angry": 0.5, "neutral": 0.5}, end="angry",
                                                             angry_run_s=6.4))
    features = alarm_stage(alarm_store, angry, settings, now=NOW)
    assert features.values == {"alarms": 2, "alarm_rules": "desk_angry_face,low_csi"}  # silent: CSI 5 from the face
    messages = sorted(a.message for a in alarm_store.catalog.alarms(contact_id="desk-angry"))
    assert messages == ["Angry face for 6 s in a row at desk D1 (site S1) on desk-angry (operator op-7)",
                        "Low predicted CSI 5 on desk desk-angry (operator op-7)"]
    calm = _desk_visit(alarm_store, "desk-calm", desk_values(button="good", shares={"angry": 0.2, "neutral": 0.8},
                                                           angry_run_s=4.8))
    assert alarm_stage(alarm_store, calm, settings, now=NOW).values == {"alarms": 0, "alarm_rules": None}
    # evaluated again (a survey answer arrived, a rerun): nothing is raised twice
    alarm_stage(alarm_store, bad, settings, now=NOW + timedelta(minutes=5))
    alarm_stage(alarm_store, angry, settings, now=NOW + timedelta(minutes=5))
    assert len(alarm_store.catalog.alarms()) == 3


def test_a_day_with_too_many_dissatisfied_desk_visits_raises_once_a_day(alarm_store, tmp_path):
    from tests.pipeline.desk.metric_samples import desk_values

    settings = Settings(home=tmp_path / "home")
    for i in range(10):  # 2 bad presses and 1 silent sad end in 10 visits: 30 % > 20 %, each processed as it comes
        if i == 9:
            assert not alarm_store.catalog.alarms(rule="desk_dissatisfied_share_today")  # 9 visits: under min_count
        values = desk_values(button="2") if i < 2 else desk_values(end="sad") if i == 2 else desk_values()
        alarm_stage(alarm_store, _desk_visit(alarm_store, f"desk-{i}", values, minutes=-60 + i), settings, now=NOW)
    [alarm] = alarm_store.catalog.alarms(rule="desk_dissatisfied_share_today")
    assert alarm.message == "3 of 10 desk visits today left dissatisfied (30%)"
    assert (alarm.contact_id, alarm.severity, alarm.details["matched"], alarm.details["count"]) == (None, "critical",
                                                                                                  3, 10)
    later = _desk_visit(alarm_store, "desk-10", desk_values(button="1"), minutes=-5)
    alarm_stage(alarm_store, later, settings, now=NOW)
    assert len(alarm_store.catalog.alarms(rule="desk_dissatisfied_share_today")) == 1  # cooldown 1d


def test_every_survey_kind_is_a_value_with_its_most_critical_answer():
    answers = [SurveyAnswer("cust-1", kind, value, NOW) for kind, value in
               [("csat", 4), ("csat", 2), ("ces", 3), ("ces", 6), ("goal", 2), ("goal", 0), ("emotion", 5),
                ("emotion", 2), ("discourage", 1), ("discourage", 8)]]
    assert flat_values([], [], answers) == {"survey.csat": 2, "survey.ces": 6, "survey.goal": 0, "survey.emotion": 2,
                                           "survey.discourage": 8}
    values = flat_values([], [], answers)
    both = AllOf((Compare("goal", "max", 0), Compare("discourage", "min", 7)))
    assert matches(both, values) == {"goal": 0, "discourage": 8}
    assert matches(Compare("emotion", "min", 3), values) is None
