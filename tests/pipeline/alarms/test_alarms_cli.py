"""`cxmon alarms`, `alarms check`, `alarms validate` and `alarms flags` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.records import Contact, FeatureSet, SurveyAnswer

RULES = """rules:
  - id: complaint
    severity: warning
    message: "CSAT {csat} on {contact_id}"
    when: {csat: {max: 3}}
    flag: {name: do_not_sell, for: 30d}
  - id: share
    severity: critical
    message: "{value:.0%}"
    aggregate: {metric: share, of: {csat: {max: 2}}, over: 1d, min_count: 1, gt: 0.5}
    sinks: [log, webhook]
"""


def _store(home):
    from pipeline.settings import Settings
    from pipeline.store import open_store

    return open_store(Settings(home=home))


def test_validate_lists_good_rules_and_warns_about_unconfigured_sinks(home, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    result = CliRunner().invoke(main, ["alarms", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "complaint  contact    warning   log" in result.stdout and "do_not_sell" in result.stdout
    assert f"! {path}:7: rule share: webhook: alarm_webhook_url is not set (its deliveries will fail)" in result.stdout
    document = json.loads(CliRunner().invoke(main, ["alarms", "validate", str(path), "--json"]).stdout)
    assert [(r["id"], r["kind"], r["source"]) for r in document["rules"]] == [
        ("complaint", "contact", f"{path}:2"), ("share", "aggregate", f"{path}:7")]
    assert document["ok"] is True and document["problems"] == []


def test_validate_prints_every_problem_with_file_and_line_and_exits_2(home, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - id: a\n    severity: loud\n    message: m\n    when: {csi: {below: 40}}\n")
    result = CliRunner().invoke(main, ["alarms", "validate", str(path), str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:3: severity 'loud'; expected one of info, warning, critical",
        f"{path}:5: csi: unknown comparison 'below'; expected one of min, max, lt, gt, eq, ne, in "
        f"(min is >=, max is <=)",
        f"{tmp_path / 'none.yaml'}: no such file; expected a YAML file of alarm rules"]
    document = json.loads(CliRunner().invoke(main, ["alarms", "validate", str(path), "--json"]).stdout)
    assert document["ok"] is False and len(document["problems"]) == 2


def test_check_then_list_and_flags(home, tmp_path, monkeypatch):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    monkeypatch.setenv("CXMON_ALARM_RULES", json.dumps([str(path)]))
    store = _store(home)
    started = datetime.now(UTC) - timedelta(hours=1)
    store.catalog.add_contact(Contact("c1", "call", "c1.wav", "raw/c1", started_at=started, operator_id="op-1",
                                      customer_id="cu-1"))
    store.catalog.put_feature_set(FeatureSet("c1", "call", {"hold_s": 10.0}))
    store.catalog.record_stage_run("c1", "alarms", ok=True, seconds=0.0)
    store.catalog.add_survey_answer(SurveyAnswer("cu-1", "csat", 2, started + timedelta(minutes=30), contact_id="c1"))

    runner = CliRunner()
    check = runner.invoke(main, ["alarms", "check", "--json"])
    assert check.exit_code == 1, check.output  # the share alarm could not reach its webhook
    document = json.loads(check.stdout)
    assert (document["evaluated"], document["waiting"], document["failed"]) == (["c1"], [], {})
    assert [(a["rule"], a["message"]) for a in document["raised"]] == [("complaint", "CSAT 2 on c1"),
                                                                     ("share", "100%")]
    assert document["raised"][1]["deliveries"][1]["error"] == "alarm_webhook_url is not set"

    again = runner.invoke(main, ["alarms", "check"])
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("0 contacts with new survey answers evaluated, 0 waiting to be processed, "
                                   "0 alarms raised")

    listed = json.loads(runner.invoke(main, ["alarms", "--json"]).stdout)
    assert sorted(a["rule"] for a in listed) == ["complaint", "share"]
    assert json.loads(runner.invoke(main, ["alarms", "list", "--rule", "share", "--json"]).stdout)[0]["contact_id"] \
        is None
    assert json.loads(runner.invoke(main, ["alarms", "list", "--since", "2999-01-01", "--json"]).stdout) == []
    text = runner.invoke(main, ["alarms"]).stdout
    assert "CSAT 2 on c1" in text and "webhook FAILED (alarm_webhook_url is not set)" in text

    flags = json.loads(runner.invoke(main, ["alarms", "flags", "cu-1", "--json"]).stdout)
    assert [f["flag"] for f in flags["flags"]] == ["do_not_sell"] and flags["flags"][0]["contact_id"] == "c1"
    assert runner.invoke(main, ["alarms", "flags", "cu-2"]).stdout == "cu-2: no flag in force\n"


def test_a_bad_since_and_bad_rules_are_bad_input(home, tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["alarms", "--since", "yesterday"]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: 3\n")
    monkeypatch.setenv("CXMON_ALARM_RULES", json.dumps([str(bad)]))
    result = runner.invoke(main, ["alarms", "check"])
    assert result.exit_code == 2 and f"{bad}:1: rules is int 3; expected a list of rules" in result.output
    assert runner.invoke(main, ["alarms"]).stdout == "no alarms\n"
