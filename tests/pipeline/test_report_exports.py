"""Every report's files on one small store (SQLite and PostgreSQL): `cxmon report` (surveys), `cxmon report
--desk`, `cxmon report process`, `cxmon report drivers`, `cxmon report employees`, `cxmon review grades` and
`cxmon report campaigns` each write CSV, Parquet and XLSX of the same rows their --json prints, and PNG plots; each file is read back
(csv, pyarrow, openpyxl, the PNG header) and compared cell by cell with the JSON rows."""

from __future__ import annotations

import csv
import json
import struct
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.records import Contact, Score
from pipeline.report_files import cell_value
from tests.pipeline.desk.metric_samples import DAY_1, add_desk_visit, desk_values
from tests.pipeline.test_drivers_store import fill as fill_drivers
from tests.pipeline.test_employees import wave_csv
from tests.pipeline.test_process_report import CONTACTS as PROCESS_CONTACTS, T0 as PROCESS_T0

PNG = b"\x89PNG\r\n\x1a\n"
FORMATS = ("csv", "parquet", "xlsx")


@pytest.fixture
def shop(home, catalog_url, monkeypatch, tmp_path):
    """48 surveyed contacts of operator "op" with checklist answers, features and tags (the driver set), the 7
    process contacts of op-1/op-2 with telephony events, checklist scores for grades, 4 desk visits and an
    employee survey wave."""
    from pipeline.settings import Settings
    from pipeline.store import open_store

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        fill_drivers(catalog)
        for cid, channel, hours, customer, operator, team, events, _tag in PROCESS_CONTACTS:
            catalog.add_contact(Contact(contact_id=cid, channel=channel, source=f"{cid}.wav", object_key=f"raw/{cid}",
                                        started_at=PROCESS_T0 + timedelta(hours=hours), customer_id=customer,
                                        operator_id=operator, team=team), events)
        for cid, value in (("c001", 80.0), ("c002", 40.0), ("k1", 90.0)):
            catalog.put_score(Score(cid, "checklist:qa", value, "rule"))
    finally:
        catalog.close()
    store = open_store(Settings())
    try:
        for i, button in enumerate(("5", "1", None, "good")):
            add_desk_visit(store, f"desk-{i}", desk_values(button=button, end="angry" if i == 2 else "happy"),
                           started_at=DAY_1 + timedelta(minutes=10 * i), operator="op-1")
    finally:
        store.catalog.close()
    from pipeline.cli.employees import employees

    assert CliRunner().invoke(employees, ["import", str(wave_csv(tmp_path / "wave.csv"))]).exit_code == 0
    return home


def _json(command, args: list[str]):
    result = CliRunner().invoke(command, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR", f"{path.name}: not a PNG"
    return struct.unpack(">II", data[16:24])


def _text(value) -> str:
    """A JSON value as its CSV cell."""
    cell = cell_value(value)
    return "" if cell is None else str(cell)


def assert_files_hold(folder: Path, basename: str, rows: list[dict], columns: list[str] | None = None) -> None:
    """``basename``.csv, .parquet and .xlsx in ``folder`` hold exactly ``rows`` (as --json printed them)."""
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with open(folder / f"{basename}.csv", newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == columns
        read = list(reader)
    assert read == [{c: _text(r.get(c)) for c in columns} for r in rows]

    table = pq.read_table(folder / f"{basename}.parquet")
    assert table.column_names == columns and table.num_rows == len(rows)
    for got, want in zip(table.to_pylist(), rows):
        for c in columns:
            value = want.get(c)
            if isinstance(value, (list, dict)):  # lists and mappings are JSON text in a file
                assert json.loads(got[c]) == value, (basename, c)
            elif isinstance(value, float):
                assert got[c] == pytest.approx(value), (basename, c)
            else:
                assert got[c] == value, (basename, c, got[c], value)

    sheet = list(load_workbook(folder / f"{basename}.xlsx").active.iter_rows(values_only=True))
    assert list(sheet[0]) == columns
    assert [list(r) for r in sheet[1:]] == [[cell_value(r.get(c)) for c in columns] for r in rows]


def assert_pngs(paths: list[str], *names: str) -> None:
    pngs = [Path(p) for p in paths if p.endswith(".png")]
    assert sorted(p.name for p in pngs) == sorted(names)
    for png in pngs:
        width, height = png_size(png)
        assert width >= 400 and height >= 200 and png.stat().st_size > 5_000, png.name


def _names(paths: list[str]) -> list[str]:
    return sorted(Path(p).name for p in paths)


def test_survey_report_files_hold_the_json_rows(shop, tmp_path):
    from pipeline.cli.surveys import report

    out = tmp_path / "surveys"
    document = _json(report, ["--out", str(out), "--by", "operator"])
    assert _names(document["files"]) == ["surveys.csv", "surveys.parquet", "surveys.xlsx", "surveys_distribution.png",
                                         "surveys_operators.png", "surveys_trend.png"]
    assert sum(r["answers_csat"] for r in document["rows"]) == 49 and sum(r["detractors"] for r in document["rows"]) == 12
    assert_files_hold(out, "surveys", document["rows"])
    assert_pngs(document["files"], "surveys_distribution.png", "surveys_operators.png", "surveys_trend.png")
    default = _json(report, [])  # no --out: {home}/reports/surveys
    assert all(Path(p).parent == shop / "reports" / "surveys" for p in default["files"])


def test_desk_report_files_hold_the_json_rows(shop, tmp_path):
    from pipeline.cli.surveys import report

    out = tmp_path / "desk"
    document = _json(report, ["--desk", "--by", "operator", "--out", str(out)])
    assert [(r["operator"], r["visitors"], r["rated"], r["silent"]) for r in document["rows"]] == [("op-1", 4, 3, 1)]
    assert _names(document["files"]) == ["desk.csv", "desk.parquet", "desk.xlsx", "desk_dissatisfied.png",
                                         "desk_visitors.png"]
    assert_files_hold(out, "desk", document["rows"])
    assert_pngs(document["files"], "desk_dissatisfied.png", "desk_visitors.png")


@pytest.mark.parametrize("by", ["operator", "team", "day", "contacts"])
def test_process_report_files_hold_the_json_rows(shop, tmp_path, by):
    from pipeline.cli.process_report import process_report

    out = tmp_path / "process"
    args = ["--contacts"] if by == "contacts" else ["--by", by]
    document = _json(process_report, [*args, "--out", str(out), "--now", "2026-12-31"])
    assert _names(document["files"]) == ["process.csv", "process.parquet", "process.png", "process.xlsx"]
    assert_files_hold(out, "process", document["rows"])
    assert_pngs(document["files"], "process.png")
    if by == "operator":
        rows = {r["operator_id"]: r for r in document["rows"]}
        assert rows["op-1"]["aht_s"] == 147.5 and rows["op-1"]["ivr_exits"] == {"operator": 1}  # the known answers
        assert rows["op"]["contacts"] == 48


def test_process_report_single_files_for_scripts_and_no_files(shop, tmp_path):
    import pyarrow.parquet as pq

    from pipeline.cli.process_report import process_report

    document = _json(process_report, ["--by", "team", "--out", str(tmp_path / "rows.parquet")])
    assert document["files"] == [document["file"]] == [str(tmp_path / "rows.parquet")]
    assert pq.read_table(tmp_path / "rows.parquet").column("team").to_pylist() == [r["team"] for r in document["rows"]]
    assert not (shop / "reports").exists()
    assert _json(process_report, ["--no-files"])["files"] == []
    assert not (shop / "reports").exists()
    document = _json(process_report, [])
    assert _names(document["files"]) == ["process.csv", "process.parquet", "process.png", "process.xlsx"]
    assert all(Path(p).parent == shop / "reports" / "process" for p in document["files"])
    human = CliRunner().invoke(process_report, ["--out", str(tmp_path / "folder")])
    assert human.exit_code == 0 and f"wrote {tmp_path / 'folder' / 'process.png'}" in human.output
    bad = CliRunner().invoke(process_report, ["--out", str(tmp_path / "rows.txt")])
    assert bad.exit_code == 2 and "expected a folder, or a .csv, .xlsx or .parquet file" in bad.output
    (tmp_path / "taken").write_text("a file, not a folder")
    taken = CliRunner().invoke(process_report, ["--out", str(tmp_path / "taken")])
    assert taken.exit_code == 1 and "cannot write" in taken.output and "Traceback" not in taken.output


def test_driver_report_files_hold_the_json_factors(shop, tmp_path):
    from pipeline.cli.drivers_report import drivers

    out = tmp_path / "drivers"
    document = _json(drivers, ["--out", str(out), "--plot", str(tmp_path / "m.png")])
    assert _names(document["files"]) == ["drivers_csat.csv", "drivers_csat.parquet", "drivers_csat.xlsx",
                                         "drivers_csat_matrix.png"]
    top = document["factors"][0]
    assert top["name"] in ("checklist:qa/solved", "reason:not solved") and abs(top["importance"]) > 0.8  # planted
    flat = [{"name": f["name"], "kind": f["kind"], "importance": f["importance"],
             "importance_low": f["importance_ci"][0], "importance_high": f["importance_ci"][1],
             "performance": f["performance"], "quadrant": f["quadrant"], "mean": f["mean"], "contacts": f["contacts"]}
            for f in document["factors"]]
    assert_files_hold(out, "drivers_csat", flat)
    assert_pngs(document["files"], "drivers_csat_matrix.png")
    assert png_size(tmp_path / "m.png")[0] >= 400  # --plot still writes its own PNG
    nps = _json(drivers, ["--target", "nps", "--no-files"])
    assert nps["files"] == [] and nps["factors"] and not (shop / "reports").exists()


def test_employee_report_files_hold_the_json_rows(shop, tmp_path):
    from pipeline.cli.employees import employees

    out = tmp_path / "employees"
    document = _json(employees, ["report", "--out", str(out)])
    assert _names(document["files"]) == ["employees.csv", "employees.parquet", "employees.png", "employees.xlsx"]
    items = list(document["rows"][0]["items"])
    assert sorted(items) == ["manager support", "workload"]
    flat = [{"period": r["period"], "team": r["team"], "answers": r["answers"], "enps": r["enps"],
             "engagement": r["engagement"], **{f"item:{i}": r["items"][i] for i in items},
             "customer_nps": r["customer_nps"], "customer_csi": r["customer_csi"],
             "customer_answers": r["customer_answers"], "suppressed": r["suppressed"]} for r in document["rows"]]
    hidden = [r for r in flat if r["suppressed"]]
    assert hidden and all(r["enps"] is None and r["answers"] is None for r in hidden)  # small groups stay hidden
    assert_files_hold(out, "employees", flat)
    assert_pngs(document["files"], "employees.png")


def test_grades_files_hold_the_json_rows(shop, tmp_path):
    from pipeline.cli.review import review

    out = tmp_path / "grades"
    rows = _json(review, ["grades", "--period", "month", "--out", str(out)])  # --json stays the list of rows
    assert sorted(p.name for p in out.iterdir()) == ["grades.csv", "grades.parquet", "grades.png", "grades.xlsx"]
    op1 = next(r for r in rows if r["operator_id"] == "op-1")
    assert op1["form_score"] == 90.0 and op1["form_scores"] == {"qa": 90.0}
    checklists = sorted({c for r in rows for c in r["form_scores"]})
    columns = ["period", "operator_id", "contacts", "reviewed", "disputed", "form_score",
               *(f"form_score:{c}" for c in checklists), "items_failed", "answers", "nps", "csi_survey",
               "csi_predicted"]
    flat = [{**{k: v for k, v in r.items() if k != "form_scores"},
             **{f"form_score:{c}": r["form_scores"].get(c) for c in checklists}} for r in rows]
    assert_files_hold(out, "grades", flat, columns)
    assert_pngs([str(out / "grades.png")], "grades.png")
    human = CliRunner().invoke(review, ["grades", "--period", "month"])
    assert human.exit_code == 0 and f"wrote {shop / 'reports' / 'grades' / 'grades.xlsx'}" in human.output
    assert CliRunner().invoke(review, ["grades", "--no-files", "--json"]).exit_code == 0


def test_an_empty_store_still_writes_headers_and_says_so(home, catalog_url, monkeypatch, tmp_path):
    """No data: the files are still there with their header rows, the plots say there is nothing to draw."""
    import pyarrow.parquet as pq

    from pipeline.cli.process_report import process_report
    from pipeline.cli.review import review
    from pipeline.cli.surveys import report

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    surveys = _json(report, ["--out", str(tmp_path / "s")])
    assert surveys["rows"] == [] and pq.read_table(tmp_path / "s" / "surveys.parquet").num_rows == 0
    assert (tmp_path / "s" / "surveys.csv").read_text(encoding="utf-8-sig").startswith("invited,answered,")
    process = _json(process_report, ["--out", str(tmp_path / "p")])
    assert process["rows"] == [] and png_size(tmp_path / "p" / "process.png")[0] > 0
    assert _json(review, ["grades", "--out", str(tmp_path / "g")]) == []
    assert (tmp_path / "g" / "grades.csv").read_text(encoding="utf-8-sig").startswith("period,operator_id,")


def test_the_file_modules_doctests_hold():
    import doctest

    import pipeline.campaigns.results
    import pipeline.drivers.report_files
    import pipeline.employees.plots
    import pipeline.review.grades_files

    for module in (pipeline.campaigns.results, pipeline.drivers.report_files, pipeline.employees.plots,
                   pipeline.review.grades_files):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_campaign_results_are_known_counts_in_every_file(home, catalog_url, monkeypatch, tmp_path):
    """Campaign "nps-after-call": 4 sent (answered, ignored, opted out, delivered and reminded), 2 skipped (consent,
    cap), 1 task; "welcome": 1 sent, 1 skipped as late."""
    from pipeline.campaigns import store as rows_of
    from pipeline.cli.campaign_results import campaigns_report

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    at = PROCESS_T0
    plan = [("nps-after-call", "answered", None), ("nps-after-call", "ignored", None),
            ("nps-after-call", "opted_out", None), ("nps-after-call", "delivered", None),
            ("nps-after-call", "skipped", "consent"), ("nps-after-call", "skipped", "cap"),
            ("welcome", "sent", None), ("welcome", "skipped", "late")]
    catalog = Catalog(catalog_url)
    try:
        rows_of.record(catalog.engine, [
            {"invitation_id": f"i{n}", "campaign": campaign, "customer_id": f"cust{n}", "trigger_key": "t",
             "contact_id": None, "state": state, "skip_reason": reason, "sink": None if reason else "file",
             "decided_at": at, "sent_at": None if reason else at, "reminded_at": at if n == 3 else None,
             "closed_at": None} for n, (campaign, state, reason) in enumerate(plan)])
        [first] = rows_of.invitations(catalog.engine, invitation_id="i0")
        assert rows_of.open_task(catalog.engine, first, "call back", "we will call you", at)
    finally:
        catalog.close()
    out = tmp_path / "campaigns"
    document = _json(campaigns_report, ["--out", str(out)])
    nps, welcome = document["rows"]
    assert {k: nps[k] for k in ("campaign", "invitations", "answered", "ignored", "opted_out", "delivered", "reminded",
                                "skipped", "skipped_consent", "skipped_cap", "tasks")} == {
        "campaign": "nps-after-call", "invitations": 4, "answered": 1, "ignored": 1, "opted_out": 1, "delivered": 1,
        "reminded": 1, "skipped": 2, "skipped_consent": 1, "skipped_cap": 1, "tasks": 1}
    assert nps["response_rate"] == 0.25 and nps["opt_out_rate"] == 0.25
    assert (welcome["invitations"], welcome["sent"], welcome["skipped_late"], welcome["response_rate"]) == (1, 1, 1, 0.0)
    assert _names(document["files"]) == ["campaigns.csv", "campaigns.parquet", "campaigns.png", "campaigns.xlsx"]
    assert_files_hold(out, "campaigns", document["rows"])
    assert_pngs(document["files"], "campaigns.png")
    human = CliRunner().invoke(campaigns_report, ["--no-files"])
    assert human.exit_code == 0 and "nps-after-call" in human.output and "25.0%" in human.output
    assert "wrote" not in human.output
