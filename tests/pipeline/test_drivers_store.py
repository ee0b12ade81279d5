"""``cxmon report drivers`` over a real catalog (SQLite and PostgreSQL): the factor rows read from checklist
results, feature sets, transcript tags and survey reasons, the targets (CSAT, NPS, CSI, CES), the matrix
as JSON and PNG, and clear messages on hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli.drivers_report import drivers
from pipeline.drivers.collect import collect
from pipeline.records import ChecklistResult, Contact, FeatureSet, SurveyAnswer, Transcript, Turn

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
N = 48


def solved(i: int) -> bool:
    return i % 8 not in (0, 3)  # 36 of 48 solved, chats and calls alike


def csat(i: int) -> int:
    return (4 if i % 5 == 0 else 5) if solved(i) else (1 if i % 2 else 2)  # planted: solved -> 4-5, not -> 1-2


def fill(catalog: Catalog, n: int = N) -> None:
    for i in range(n):
        cid = f"c{i:03d}"
        channel = "call" if i % 2 else "chat"
        catalog.add_contact(Contact(contact_id=cid, channel=channel, source=f"{cid}.x", object_key=f"raw/{cid}",
                                    started_at=T0 + timedelta(hours=i), customer_id=f"cust{i}", operator_id="op"))
        catalog.put_checklist_results([
            ChecklistResult(contact_id=cid, checklist_id="qa", item_id="solved", value=1.0 if solved(i) else 0.0,
                            source="rule"),
            ChecklistResult(contact_id=cid, checklist_id="qa", item_id="greeting", value=1.0,
                            source="rule"),  # constant
            ChecklistResult(contact_id=cid, checklist_id="qa", item_id="upsell", value=None if i % 5 else 1.0,
                            not_applicable=bool(i % 5), source="rule"),  # mostly not applicable: too rare
        ])
        values = {"hold_s": float(i % 7) * 10, "bot_handoff": bool(i % 3 == 0), "label": "text is no factor"}
        catalog.put_feature_set(FeatureSet(contact_id=cid, name=channel, values=values))
        if i % 6 != 5:  # some contacts have no transcript: their tags are unknown, not 0
            tags = ("apology",) if not solved(i) else ()
            catalog.put_transcript(Transcript(cid, "ru", (
                Turn(speaker="agent", start_s=0.0, end_s=1.0, text="извините", tags=tags),)))
        at = T0 + timedelta(hours=i, minutes=30)
        reason = "not solved" if not solved(i) else None
        catalog.add_survey_answers([
            SurveyAnswer(customer_id=f"cust{i}", kind="csat", value=csat(i), answered_at=at, contact_id=cid,
                         reason=reason),
            SurveyAnswer(customer_id=f"cust{i}", kind="nps", value=10 if solved(i) else 3, answered_at=at,
                         contact_id=cid),
            SurveyAnswer(customer_id=f"cust{i}", kind="ces", value=2 if solved(i) else 6, answered_at=at,
                         contact_id=cid),
        ])
    catalog.add_survey_answers([SurveyAnswer(customer_id="walk-in", kind="csat", value=3, answered_at=T0)])


@pytest.fixture
def known(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        fill(catalog)
    finally:
        catalog.close()
    return catalog_url


def _run(*args: str) -> dict:
    result = CliRunner().invoke(drivers, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_collect_reads_every_kind_of_factor(known):
    catalog = Catalog(known)
    try:
        data = collect(catalog.engine, "csat")
        csi_data = collect(catalog.engine, "csi")
        ces_data = collect(catalog.engine, "ces", kinds=("reason",))
    finally:
        catalog.close()
    assert data.contact_ids == [f"c{i:03d}" for i in range(N)]
    assert data.values == [float(csat(i)) for i in range(N)]
    assert data.unlinked_answers == 1  # the walk-in's answer names no contact
    f = data.factors
    assert f["checklist:qa/solved"] == [1.0 if solved(i) else 0.0 for i in range(N)]
    assert f["checklist:qa/upsell"] == [None if i % 5 else 1.0 for i in range(N)]
    assert f["call:hold_s"][1] == 10.0 and f["call:hold_s"][0] is None  # c000 is a chat
    assert f["chat:bot_handoff"][0] == 1.0 and f["chat:bot_handoff"][2] == 0.0
    assert "call:label" not in f and "chat:label" not in f
    assert f["tag:apology"][0] == 1.0 and f["tag:apology"][1] == 0.0 and f["tag:apology"][5] is None
    assert f["reason:not solved"] == [0.0 if solved(i) else 1.0 for i in range(N)]
    assert data.kinds["tag:apology"] == "tag" and data.kinds["chat:hold_s"] == "feature"
    # CSI of one contact: CSAT 5 -> 100, NPS 10 -> 100, CES 2 -> 83.3
    assert csi_data.values[1] == pytest.approx((100 + 100 + 100 * 5 / 6) / 3)
    assert ces_data.values[0] == pytest.approx(100 * (7 - 6) / 6) and list(ces_data.factors) == ["reason:not solved"]


def test_report_ranks_the_planted_driver_first(known, tmp_path):
    report = _run("--factors", "checklist", "--factors", "feature", "--plot", str(tmp_path / "m.png"))
    assert report["target"] == "csat" and report["contacts"] == N
    top = report["factors"][0]
    assert set(top) >= {"name", "importance", "importance_ci", "performance", "quadrant"}
    assert top["name"] == "checklist:qa/solved" and top["importance_ci"][0] > 0.5
    assert top["performance"] == pytest.approx(36 / 48, abs=1e-4) and top["quadrant"] == "keep up"
    skipped = {s["name"]: s["why"] for s in report["skipped"]}
    assert skipped["checklist:qa/greeting"].startswith("constant")
    assert skipped["checklist:qa/upsell"].startswith("only 10 contacts")
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["csi_parts"] == {"goal": None, "effort": "ces", "emotion": None}


@pytest.mark.parametrize("target", ["nps", "csi", "ces"])
def test_other_targets(known, target):
    report = _run("--target", target, "--factors", "checklist", "--method", "regression", "--bootstrap", "100")
    assert report["target"] == target and report["method"] == "regression"
    assert report["factors"][0]["name"] == "checklist:qa/solved" and report["factors"][0]["importance"] > 0.9


def test_period_and_text_output(known):
    result = CliRunner().invoke(drivers, ["--since", "2026-11-02T00:00:00+00:00", "--until",
                                          "2026-11-03T12:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "drivers of csat (correlation, 95% intervals, 27 surveyed contacts)" in result.output
    solved_line = next(line for line in result.output.splitlines() if line.startswith("checklist:qa/solved"))
    assert "+0.952" in solved_line and solved_line.split()[-1] == "27", result.output
    assert "left out 6: call:bot_handoff: only 13 contacts have it (at least 20 needed)" in result.output


def test_too_few_surveyed_contacts_is_a_clear_message(home, catalog_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        fill(catalog, n=6)
    finally:
        catalog.close()
    report = _run()
    assert report["factors"] == [] and "only 6 surveyed contacts" in report["message"]
    empty = CliRunner().invoke(drivers, ["--until", "2026-01-01"])
    assert empty.exit_code == 0 and "only 0 surveyed contacts" in empty.output and "cxmon ingest" in empty.output


def test_bad_options_are_usage_errors(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    for args, said in ((["--target", "wow"], "wow"), (["--since", "yesterday"], "ISO 8601"),
                       (["--since", "2026-11-05", "--until", "2026-11-01"], "is not before"),
                       (["--plot", "m.svg"], "expected a .png")):
        result = CliRunner().invoke(drivers, args)
        assert result.exit_code == 2 and said in result.output, result.output
        assert "Traceback" not in result.output


def test_answers_that_name_no_contact_are_explained(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        catalog.add_survey_answers([SurveyAnswer(customer_id=f"walk-in{i}", kind="csat", value=1 + i % 5,
                                                 answered_at=T0 + timedelta(minutes=i)) for i in range(30)])
    finally:
        catalog.close()
    report = _run()
    assert report["contacts"] == 0 and "30 answers name no contact: give contact_id" in report["message"]


def test_registered_under_report(known):
    from pipeline.cli import main
    result = CliRunner().invoke(main, ["report", "drivers", "--factors", "checklist", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["factors"][0]["name"] == "checklist:qa/solved"
