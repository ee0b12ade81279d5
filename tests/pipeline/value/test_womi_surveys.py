"""WoMI in the surveys: the ``discourage`` answer kind read from survey files and campaign definitions, stored
on SQLite and PostgreSQL, and the survey report's ``womi`` beside ``nps`` on known answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from pipeline.campaigns.definitions import read_campaigns
from pipeline.catalog import Catalog
from pipeline.cli import main
from pipeline.records import SurveyAnswer
from pipeline.surveys.files import parse_survey_file
from pipeline.surveys.metrics import survey_metrics
from pipeline.surveys.report import format_report

AT = datetime(2026, 3, 10, 12, tzinfo=UTC)
AS_OF = datetime(2026, 4, 1, tzinfo=UTC)

SURVEY_CSV = """customer_id,channel,sent_at,operator_id,answered_at,nps,discourage,csat
c1,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,10,0,5
c2,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,9,1,
c3,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,3,10,1
c4,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,5,2,
c5,sms,2026-03-10T10:00:00+03:00,anna,2026-03-10T11:00:00+03:00,8,,4
c6,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,0,9,
c7,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,,10,
c8,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,10,11,
"""


def test_survey_file_reads_discourage_and_refuses_it_off_the_scale():
    parsed = parse_survey_file("march.surveys.csv", SURVEY_CSV.encode())
    kinds = [(a.customer_id, a.kind, a.value) for row in parsed.rows for a in row.answers]
    assert ("c1", "discourage", 0) in kinds and ("c7", "discourage", 10) in kinds
    [problem] = parsed.problems
    assert problem.line == 9 and "discourage=11; expected an integer 0..10" in problem.message


def _rows(by=("operator",)):
    parsed = parse_survey_file("march.surveys.csv", SURVEY_CSV.encode())
    answers = [a for row in parsed.rows for a in row.answers]
    invitations = [row.invitation for row in parsed.rows]
    return survey_metrics(answers, invitations, by=by, as_of=AS_OF)


def test_womi_per_operator_known_answers():
    anna, boris = _rows()
    # anna: pairs (10,0) (9,1) (3,10) (5,2): 2 promoters, 1 active discourager of 4; c5 answered NPS only
    assert anna["womi"] == 25.0 and anna["answers_discourage"] == 4
    # NPS over all 5 NPS answers (10, 9, 3, 5, 8): (2 - 2) / 5
    assert anna["nps"] == 0.0
    # discourage answers are no satisfaction score: answers, CSI, CDSAT leave them out
    assert anna["answers"] == 5 + 3 and anna["answers_nps"] == 5 and anna["csat"] == pytest.approx(200 / 3)
    # boris: c6 (0, 9): 0 promoters - 1 discourager of 1; c7 answered discourage only: counted, not in WoMI
    assert boris["womi"] == -100.0 and boris["answers_discourage"] == 2 and boris["nps"] == -100.0
    assert "womi" in format_report([anna, boris]).splitlines()[0]


def test_womi_is_none_where_the_survey_does_not_ask_it():
    answers = [SurveyAnswer("c1", "nps", 10, AT), SurveyAnswer("c2", "nps", 0, AT)]
    [row] = survey_metrics(answers, [], by=(), as_of=AS_OF)
    assert row["womi"] is None and row["nps"] == 0.0 and row["answers_discourage"] == 0


def test_answers_without_invitation_pair_by_customer_and_instant():
    later = datetime(2026, 3, 11, tzinfo=UTC)
    answers = [SurveyAnswer("c1", "nps", 10, AT), SurveyAnswer("c1", "discourage", 0, AT),
               SurveyAnswer("c1", "discourage", 10, later)]  # another reply: no NPS beside it
    [row] = survey_metrics(answers, [], by=(), as_of=AS_OF)
    assert row["womi"] == 100.0 and row["answers_discourage"] == 2


def test_discourage_answers_are_stored_and_reported(home, catalog_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    path = tmp_path / "march.surveys.csv"
    path.write_text(SURVEY_CSV.replace("c8,sms,2026-03-10T10:00:00+03:00,boris,2026-03-10T11:00:00+03:00,10,11,\n",
                                       ""))
    result = CliRunner().invoke(main, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    catalog = Catalog(catalog_url)
    stored = [a for a in catalog.survey_answers() if a.kind == "discourage"]
    catalog.close()
    assert sorted((a.customer_id, a.value) for a in stored) == [("c1", 0), ("c2", 1), ("c3", 10), ("c4", 2),
                                                                 ("c6", 9), ("c7", 10)]
    report = CliRunner().invoke(main, ["report", "--by", "operator", "--no-files", "--json",
                                       "--until", "2026-04-01"])
    assert report.exit_code == 0, report.output
    rows = {r["operator"]: r for r in json.loads(report.stdout)["rows"]}
    assert (rows["anna"]["womi"], rows["boris"]["womi"]) == (25.0, -100.0)


CAMPAIGNS = """\
sinks:
  file: {path: outbox/invitations.jsonl}
campaigns:
  - id: relationship
    trigger: {schedule: {every_days: 90}}
    sink: file
    questions:
      - {kind: nps, text: "Would you recommend us?"}
      - {kind: discourage, text: "Would you discourage others from using us?"}
"""


def test_campaign_questions_accept_discourage():
    [campaign] = read_campaigns(CAMPAIGNS, "c.yaml").campaigns
    assert [q.kind for q in campaign.questions] == ["nps", "discourage"]


def test_a_campaign_asks_discourage_and_its_reply_gives_womi(catalog_url, tmp_path):
    """The relationship campaign above sends both questions; the replies come back as answers; WoMI follows."""
    from datetime import timedelta

    from pipeline.campaigns.replies import apply_replies
    from pipeline.campaigns.run import run_campaigns
    from pipeline.records import ConsentChange
    from pipeline.store import LocalObjectStore, Store

    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    catalog = Catalog(catalog_url)
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.add_consent_changes([ConsentChange(c, True, now - timedelta(days=9), "registry") for c in ("c1", "c2")])
    definitions = read_campaigns(CAMPAIGNS.replace("path: outbox/invitations.jsonl", "path: out.jsonl")
                                 + "defaults: {quiet_hours: none, cap_days: 30}\n", "c.yaml")
    sent = run_campaigns(store, definitions, now=now, base=tmp_path).sent
    assert sorted(s["customer_id"] for s in sent) == ["c1", "c2"]
    [line] = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()][:1]
    assert [q["kind"] for q in line["questions"]] == ["nps", "discourage"]
    invitation = {s["customer_id"]: s["invitation_id"] for s in sent}
    replies = apply_replies(store, definitions, [
        ("r1", {"invitation_id": invitation["c1"], "answers": {"nps": 10, "discourage": 0}}),
        ("r2", {"invitation_id": invitation["c2"], "answers": {"nps": 8, "discourage": 10}}),
        ("r3", {"invitation_id": invitation["c2"], "answers": {"discourage": 12}}),
    ], now=now + timedelta(hours=1), base=tmp_path)
    assert replies["answered"] == 2
    assert replies["problems"] == ["r3: discourage 12; expected a whole number 0..10"]
    answers = catalog.survey_answers()
    catalog.close()
    assert sorted((a.customer_id, a.kind, a.value) for a in answers) == [
        ("c1", "discourage", 0), ("c1", "nps", 10), ("c2", "discourage", 10), ("c2", "nps", 8)]
    [row] = survey_metrics(answers, [], by=(), as_of=now + timedelta(days=1))
    assert (row["nps"], row["womi"]) == (50.0, 0.0)  # 1 promoter, 1 passive who would discourage, of 2
