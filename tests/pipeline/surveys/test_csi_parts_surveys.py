"""CSI's goal-reached and emotion parts as survey answer kinds: read from survey files and campaign
definitions and replies, stored on SQLite and PostgreSQL, counted apart in the survey report (``answers_goal``,
``goal_reached``, ``answers_emotion``, ``emotion``), and left out of CSAT/NPS/CSI/detractors, the web dashboard
and the team figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline.campaigns.definitions import CampaignFileError, read_campaigns
from pipeline.catalog import Catalog
from pipeline.cli import main
from pipeline.records import Contact, SurveyAnswer
from pipeline.surveys.files import parse_survey_file
from pipeline.surveys.metrics import survey_metrics
from pipeline.surveys.report import format_report

AT = datetime(2026, 3, 10, 12, tzinfo=UTC)
AS_OF = datetime(2026, 4, 1, tzinfo=UTC)

SURVEY_CSV = """customer_id,channel,sent_at,operator_id,answered_at,csat,goal,ces,emotion
c1,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,5,2,1,5
c2,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,4,2,2,4
c3,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,2,1,5,2
c4,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,,0,,1
c5,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,5,,,
c6,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,,,,3
c7,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,3,3,,
c8,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,3,,,0
"""


def _parsed():
    return parse_survey_file("march.surveys.csv", SURVEY_CSV.encode())


def test_survey_file_reads_goal_and_emotion_and_refuses_them_off_the_scale():
    parsed = _parsed()
    kinds = [(a.customer_id, a.kind, a.value) for row in parsed.rows for a in row.answers]
    assert ("c1", "goal", 2) in kinds and ("c4", "goal", 0) in kinds and ("c6", "emotion", 3) in kinds
    assert [k for k in kinds if k[0] == "c4"] == [("c4", "goal", 0), ("c4", "emotion", 1)]  # no CSAT: still a row
    messages = {p.line: p.message for p in parsed.problems}
    assert "goal=3; expected an integer 0..2" in messages[8]
    assert "emotion=0; expected an integer 1..5" in messages[9]


def _rows(by=("operator",)):
    parsed = _parsed()
    answers = [a for row in parsed.rows for a in row.answers]
    return survey_metrics(answers, [row.invitation for row in parsed.rows], by=by, as_of=AS_OF)


def test_goal_and_emotion_per_operator_known_answers():
    anna, boris = _rows()
    # anna: goal 2, 2, 1, 0 -> 2 of 4 reached (partly is not); emotion 5, 4, 2, 1 -> mean 3
    assert (anna["answers_goal"], anna["goal_reached"]) == (4, 0.5)
    assert (anna["answers_emotion"], anna["emotion"]) == (4, 3.0)
    # they are no satisfaction score: answers, CSI and detractors see CSAT 5, 4, 2 and CES 1, 2, 5 only
    assert anna["answers"] == 6 and anna["detractors"] == 1  # c3's CSAT 2; c4's goal 0 / emotion 1 are not
    assert anna["csi"] == pytest.approx((100 + 75 + 25 + 100 + 100 * 5 / 6 + 100 * 2 / 6) / 6)
    # boris: c5 CSAT only, c6 emotion only (c7 and c8 refused)
    assert (boris["answers_goal"], boris["goal_reached"]) == (0, None)
    assert (boris["answers_emotion"], boris["emotion"]) == (1, 3.0)
    assert boris["answers"] == 1 and boris["csi"] == 100.0
    header = format_report([anna, boris]).splitlines()[0].split()
    assert header[-2:] == ["goal%", "emotion"]
    assert "50.0%" in format_report([anna]).splitlines()[2] and "3.00" in format_report([anna]).splitlines()[2]


def test_the_text_report_leaves_the_parts_out_where_the_survey_does_not_ask_them():
    [row] = survey_metrics([SurveyAnswer("c1", "csat", 5, AT)], [], by=(), as_of=AS_OF)
    assert (row["answers_goal"], row["goal_reached"], row["answers_emotion"], row["emotion"]) == (0, None, 0, None)
    assert "goal%" not in format_report([row]) and "emotion" not in format_report([row])


def test_goal_and_emotion_answers_are_stored_and_reported(home, catalog_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    path = tmp_path / "march.surveys.csv"
    path.write_text("\n".join(SURVEY_CSV.splitlines()[:7]) + "\n")  # the good rows
    result = CliRunner().invoke(main, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    catalog = Catalog(catalog_url)
    stored = sorted((a.customer_id, a.kind, a.value) for a in catalog.survey_answers() if a.kind in ("goal", "emotion"))
    catalog.close()
    assert stored == [("c1", "emotion", 5), ("c1", "goal", 2), ("c2", "emotion", 4), ("c2", "goal", 2),
                      ("c3", "emotion", 2), ("c3", "goal", 1), ("c4", "emotion", 1), ("c4", "goal", 0),
                      ("c6", "emotion", 3)]
    report = CliRunner().invoke(main, ["report", "--by", "operator", "--no-files", "--json", "--until", "2026-04-01"])
    assert report.exit_code == 0, report.output
    rows = {r["operator"]: r for r in json.loads(report.stdout)["rows"]}
    assert (rows["anna"]["goal_reached"], rows["anna"]["emotion"], rows["anna"]["answers"]) == (0.5, 3.0, 6)
    assert (rows["boris"]["answers_emotion"], rows["boris"]["detractors"]) == (1, 0)


CAMPAIGNS = """\
sinks:
  file: {path: out.jsonl}
defaults: {quiet_hours: none, cap_days: 30}
campaigns:
  - id: csi_parts
    trigger: {schedule: {every_days: 90}}
    sink: file
    questions:
      - {kind: goal, text: "Did you get what you came for? 0 no, 1 partly, 2 yes"}
      - {kind: ces, text: "How easy was it? 1 very easy .. 7 very hard"}
      - {kind: emotion, text: "How did you feel? 1 very bad .. 5 very good"}
"""


def test_campaign_questions_accept_goal_and_emotion_and_refuse_a_typo():
    [campaign] = read_campaigns(CAMPAIGNS, "c.yaml").campaigns
    assert [q.kind for q in campaign.questions] == ["goal", "ces", "emotion"]
    with pytest.raises(CampaignFileError, match=r"c.yaml:11: .*kind 'emotions'; expected one of .*'goal', 'emotion'"):
        read_campaigns(CAMPAIGNS.replace("kind: emotion,", "kind: emotions,"), "c.yaml")


def test_a_campaign_asks_the_three_parts_and_the_replies_are_stored(catalog_url, tmp_path):
    from pipeline.campaigns.replies import apply_replies
    from pipeline.campaigns.run import run_campaigns
    from pipeline.records import ConsentChange
    from pipeline.store import LocalObjectStore, Store

    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    catalog = Catalog(catalog_url)
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.add_consent_changes([ConsentChange(c, True, now - timedelta(days=9), "registry") for c in ("c1", "c2")])
    definitions = read_campaigns(CAMPAIGNS, "c.yaml")
    sent = run_campaigns(store, definitions, now=now, base=tmp_path).sent
    line = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert [q["kind"] for q in line["questions"]] == ["goal", "ces", "emotion"]
    invitation = {s["customer_id"]: s["invitation_id"] for s in sent}
    replies = apply_replies(store, definitions, [
        ("r1", {"invitation_id": invitation["c1"], "answers": {"goal": 2, "ces": 2, "emotion": 5}}),
        ("r2", {"invitation_id": invitation["c2"], "answers": {"goal": 5}}),
        ("r3", {"invitation_id": invitation["c2"], "answers": {"mood": 3}}),
        ("r4", {"invitation_id": invitation["c2"], "answers": {"goal": 0, "emotion": 2}}),
    ], now=now + timedelta(hours=1), base=tmp_path)
    assert replies["answered"] == 2
    assert replies["problems"] == [
        "r2: goal 5; expected a whole number 0..2",
        "r3: answer 'mood'; expected csat, nps, ces, discourage, goal, emotion, reason, text"]
    answers = catalog.survey_answers()
    catalog.close()
    assert sorted((a.customer_id, a.kind, a.value) for a in answers) == [
        ("c1", "ces", 2), ("c1", "emotion", 5), ("c1", "goal", 2), ("c2", "emotion", 2), ("c2", "goal", 0)]
    [row] = survey_metrics(answers, [], by=(), as_of=now + timedelta(days=1))
    assert (row["goal_reached"], row["emotion"], row["answers"], row["detractors"]) == (0.5, 3.5, 1, 0)


PART_KEYS = {"answers_goal", "answers_emotion", "goal_reached", "emotion", "csi_goal", "csi_emotion"}


def _without_parts(value):
    """The dashboard's figures without CSI's goal and emotion parts (which the dashboard shows apart)."""
    if isinstance(value, dict):
        return {k: _without_parts(v) for k, v in value.items() if k not in PART_KEYS}
    if isinstance(value, list):
        return [_without_parts(v) for v in value]
    return value


def test_goal_and_emotion_move_no_satisfaction_figure_of_the_dashboards_and_teams(catalog_url):
    from pipeline.catalog.dashboard_query import DashboardFilter
    from pipeline.employees.report import customer_scores
    from pipeline.users.access import ContactScope
    from pipeline.web.dashboard_figures import dashboard

    catalog = Catalog(catalog_url)
    try:
        for i in range(4):
            catalog.add_contact(Contact(contact_id=f"k{i}", channel="call", source=f"k{i}", object_key=f"raw/k{i}",
                                        started_at=AT + timedelta(hours=i), operator_id="op1", team="A",
                                        ingested_at=AT))
        scores = [SurveyAnswer(f"c{i}", kind, value, AT + timedelta(hours=i, minutes=5), contact_id=f"k{i}",
                               reason="slow") for i, (kind, value) in enumerate(
                                   [("csat", 5), ("csat", 2), ("nps", 9), ("ces", 6)])]
        catalog.add_survey_answers(scores)
        window = DashboardFilter(since=AT - timedelta(days=1), until=AT + timedelta(days=1))
        before = dashboard(catalog, window, ContactScope(), unattached=True)
        parts = [SurveyAnswer(f"c{i}", kind, value, AT + timedelta(hours=i, minutes=5), contact_id=f"k{i}",
                              reason="rude") for i, (kind, value) in enumerate(
                                  [("goal", 0), ("emotion", 1), ("goal", 2), ("emotion", 5)])]
        catalog.add_survey_answers(parts)
        after = dashboard(catalog, window, ContactScope(), unattached=True)
    finally:
        catalog.close()
    assert before["kpi"]["answers"] == 4 and before["kpi"]["csat"] == 50.0
    assert _without_parts(after) == _without_parts(before)  # no count, score, distribution or reason moved
    assert (after["kpi"]["answers_goal"], after["kpi"]["goal_reached"], after["kpi"]["csi_goal"]) == (2, 0.5, 50.0)
    assert (after["kpi"]["answers_emotion"], after["kpi"]["emotion"], after["kpi"]["csi_emotion"]) == (2, 3.0, 50.0)
    assert before["kpi"]["answers_goal"] == 0 and before["kpi"]["goal_reached"] is None
    teams = [a.team or "A" for a in scores + parts]
    assert customer_scores(scores + parts, teams, period="month", tz=UTC) == \
        customer_scores(scores, teams[:4], period="month", tz=UTC)
