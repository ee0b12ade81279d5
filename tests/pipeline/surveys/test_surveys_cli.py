"""`cxmon surveys invite` and `cxmon surveys consent` as a user runs them, and survey files through `cxmon ingest`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pipeline.cli import main
from tests.pipeline.surveys.samples import CONSENTS_CSV, SURVEYS_CSV
from tests.pipeline.surveys.test_survey_ingest import CHAT_1042


def _inbox(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "registry.consents.csv").write_text(CONSENTS_CSV)
    (inbox / "crm.surveys.csv").write_bytes(SURVEYS_CSV.encode("cp1251"))
    for name, customer, started in [("chat-1042", "cust-1042", "10:15"), ("chat-3003", "cust-3003", "12:00"),
                                    ("chat-4004", "cust-4004", "13:00"), ("chat-2001", "cust-2001", "11:00")]:
        lines = [{**m, "chat_id": name, "ts": m["ts"].replace("10:15", started)} for m in CHAT_1042]
        (inbox / f"{name}.jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in lines))
        (inbox / f"{name}.meta.json").write_text(json.dumps({"customer_id": customer}))
    return inbox


def test_ingest_then_invite_lists_only_consenting_uninvited_contacts(home, tmp_path):
    runner = CliRunner()
    ingest = runner.invoke(main, ["ingest", str(_inbox(tmp_path)), "--json"])
    assert ingest.exit_code == 1  # the bad rows
    document = json.loads(ingest.stdout)
    assert len(document["new"]) == 4
    # The row about CALL3003 (lines 4-5) names a contact this store does not hold: a bad row, not stored.
    assert document["added"] == {"survey_invitations": 3, "survey_answers": 2, "consent_changes": 6}
    assert ("crm.surveys.csv: line 4: contact_id 'CALL3003': no such contact in the store; ingest the call or "
            "chat first, then this file") in [e["message"] for e in document["errors"]]

    invite = runner.invoke(main, ["surveys", "invite", "--json"])
    assert invite.exit_code == 0, invite.output
    # 1042: invited about its chat already (the survey was linked to it); 2001: never asked;
    # 4004: replied STOP; 3003: granted, and its survey (about CALL3003, not in the store) was refused
    assert [row["customer_id"] for row in json.loads(invite.stdout)] == ["cust-3003"]
    assert json.loads(runner.invoke(main, ["surveys", "invite", "--since", "2026-11-20T13:00", "--json"]).stdout) == []
    text = runner.invoke(main, ["surveys", "invite"]).stdout
    assert "cust-3003" in text and "contact_id" in text


def test_consent_shows_the_history_and_the_state(home, tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["ingest", str(_inbox(tmp_path))])
    result = runner.invoke(main, ["surveys", "consent", "cust-4004", "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert (document["granted"], document["state"]) == (False, "withdrawn")
    assert [(c["granted"], c["source"]) for c in document["history"]] == [(True, "consent registry"),
                                                                            (False, "survey reply")]
    text = runner.invoke(main, ["surveys", "consent", "cust-4004"]).stdout
    assert text.startswith("cust-4004: consent withdrawn (may not be surveyed)") and "survey reply" in text
    never = json.loads(runner.invoke(main, ["surveys", "consent", "nobody", "--json"]).stdout)
    assert (never["granted"], never["state"], never["history"]) == (None, "never asked", [])


def test_a_bad_since_is_bad_input(home):
    result = CliRunner().invoke(main, ["surveys", "invite", "--since", "last tuesday"])
    assert result.exit_code == 2 and "--since 'last tuesday'" in result.output


def test_report_prints_metrics_per_operator_and_writes_the_files(home, tmp_path):
    from PIL import Image  # matplotlib's own dependency

    runner = CliRunner()
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "crm.surveys.csv").write_bytes(SURVEYS_CSV.encode("cp1251"))
    (inbox / "registry.consents.csv").write_text(CONSENTS_CSV)
    runner.invoke(main, ["ingest", str(inbox)])

    result = runner.invoke(main, ["report", "--until", "2026-11-30", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {row["operator"]: row for row in document["rows"]}
    # op-17: cust-1042 answered CSAT 2 and NPS 3; cust-2001 never answered and its 7 days are over
    # (lines 7 and 8 of the file were bad and are not counted)
    op17 = rows["op-17"]
    assert (op17["invited"], op17["answered"], op17["ignored"]) == (2, 1, 1)
    assert op17["nps"] == -100.0 and op17["csat"] == 0.0 and op17["detractors"] == 1
    assert op17["response_rate"] == 0.5 and op17["ignore_rate"] == 0.5
    # op-21: cust-4004 replied STOP
    assert rows["op-21"]["stopped"] == 1
    names = sorted(p.rsplit("/", 1)[1] for p in document["files"])
    assert names == ["surveys.csv", "surveys.parquet", "surveys.xlsx", "surveys_distribution.png",
                     "surveys_operators.png", "surveys_trend.png"]
    width, height = Image.open(tmp_path / "out" / "surveys_operators.png").size
    assert width >= 400 and height >= 200

    human = runner.invoke(main, ["report", "--until", "2026-11-30", "--no-files", "--by", "channel"])
    assert human.exit_code == 0 and "sms" in human.output and "wrote" not in human.output
    assert runner.invoke(main, ["report", "--since", "yesterday"]).exit_code == 2
