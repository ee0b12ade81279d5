"""Employee voice end to end on SQLite and PostgreSQL: `cxmon employees import` of CSV/JSONL files, the
stored rows keep no employee id, and `cxmon employees report` gives known eNPS beside the customers'
NPS/CSI, hides groups under min_group and the totals that would give them away."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli.employees import employees
from pipeline.records import SurveyAnswer, SurveyInvitation

# team -> month -> eNPS answers; every answer also rates "workload" (4) and, on even rows, "manager support" (5)
WAVE = {
    "cards": {"2026-03": [10, 10, 9, 7, 3, 0], "2026-04": [9, 9, 9, 9, 9]},
    "loans": {"2026-03": [9, 9, 9, 9, 8, 8, 6, 5], "2026-04": [0, 0, 0, 0, 10]},
    "desk": {"2026-03": [10, 10, 10], "2026-04": [0, 0]},
    "vip": {"2026-04": [10, 10, 10]},
}


def wave_csv(path, *, extra_bad: str | None = None):
    lines = ["employee_id;team;date;enps;workload;manager support;comment"]
    n = 0
    for team, months in WAVE.items():
        for month, scores in months.items():
            for score in scores:
                n += 1
                lines.append(f"E{n:03d};{team};{month}-{n % 27 + 1:02d};{score};4;{5 if n % 2 == 0 else ''};"
                             f"my name is Ivan {n}")
    if extra_bad:
        lines.append(extra_bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def env(home, catalog_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    catalog.add_survey_invitations([SurveyInvitation("inv-l", "c9", "sms", at, team="loans")])
    catalog.add_survey_answers([
        SurveyAnswer("c1", "nps", 10, at, team="cards"), SurveyAnswer("c2", "nps", 9, at, team="cards"),
        SurveyAnswer("c3", "nps", 0, at, team="cards"),
        SurveyAnswer("c9", "nps", 5, at, invitation_id="inv-l"),  # team from its invitation
    ])
    catalog.close()
    return catalog_url


def _invoke(*args):
    return CliRunner().invoke(employees, list(args))


def _report(*args) -> dict:
    result = _invoke("report", "--no-files", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _row(rows, period, team):
    [row] = [r for r in rows if r["period"] == period and r["team"] == team]
    return row


def test_import_keeps_no_employee_id_and_reports_known_enps(env, tmp_path):
    result = _invoke("import", str(wave_csv(tmp_path / "engagement-2026.csv")))
    assert result.exit_code == 0, result.output
    assert "wave engagement-2026: 32 answers" in result.output
    assert "not kept: employee_id, comment" in result.output
    engine = sa.create_engine(env)
    with engine.connect() as conn:
        columns = [c["name"] for c in sa.inspect(conn).get_columns("employee_answers")]
        stored = " ".join(str(v) for row in conn.execute(sa.text("SELECT * FROM employee_answers")) for v in row)
    engine.dispose()
    assert not {"employee_id", "respondent_id", "date", "comment"} & set(columns)
    assert "E001" not in stored and "Ivan" not in stored and "2026-03-0" not in stored  # no id, text, nor day

    rows = _report()["rows"]
    cards = _row(rows, "2026-03", "cards")
    # 3 promoters (10, 10, 9), 2 detractors (3, 0) of 6: 100 * (3 - 2) / 6
    assert cards["answers"] == 6 and cards["enps"] == pytest.approx(16.7)
    # manager support: answered on even rows only, 3 of cards' 6 in March: under min_group, hidden on its own
    assert cards["items"]["workload"] == 4.0 and cards["items"]["manager support"] is None
    assert cards["engagement"] == pytest.approx((4.0 * 3 + 4.5 * 3) / 6, abs=0.01)
    # customer NPS beside: 10, 9, 0 -> (2 - 1) / 3; CSI: mean of 100, 90, 0
    assert cards["customer_nps"] == pytest.approx(33.3) and cards["customer_csi"] == pytest.approx(63.3)
    loans = _row(rows, "2026-03", "loans")
    assert (loans["answers"], loans["enps"]) == (8, 25.0)
    assert (loans["customer_nps"], loans["customer_csi"], loans["customer_answers"]) == (-100.0, 50.0, 1)
    # manager support: 4 loans answerers in March (even rows): hidden too
    assert loans["items"]["manager support"] is None and loans["items"]["workload"] == 4.0


def test_small_groups_and_the_totals_that_would_reveal_them_are_hidden(env, tmp_path):
    assert _invoke("import", str(wave_csv(tmp_path / "wave.csv"))).exit_code == 0
    rows = _report()["rows"]
    desk = _row(rows, "2026-03", "desk")  # 3 answers
    assert desk["answers"] is None and desk["enps"] is None and "fewer than 5" in desk["suppressed"]
    # March: all teams minus cards minus loans would be desk's 3 people: the total is hidden too
    march = _row(rows, "2026-03", None)
    assert march["enps"] is None and march["answers"] is None and "reveal" in march["suppressed"]
    # April: desk (2) and vip (3) are hidden, but together they are 5: the total may show
    assert _row(rows, "2026-04", "desk")["suppressed"] and _row(rows, "2026-04", "vip")["suppressed"]
    april = _row(rows, "2026-04", None)
    assert april["suppressed"] is None and april["answers"] == 15
    assert april["enps"] == pytest.approx(100 * (5 + 1 + 3 - 4 - 2) / 15, abs=0.05)
    # the year of desk has 5 answers, but the year minus desk's April would give its 3 March answers away
    year = _report("--period", "year")["rows"]
    assert _row(year, "2026", "desk")["suppressed"] and _row(year, "2026", "desk")["enps"] is None
    assert _row(year, "2026", "cards")["answers"] == 11
    assert _row(year, "2026", None)["suppressed"]  # it contains March's pool of 3 answers
    # nothing shown ever stands for fewer than 5 people
    for row in rows + year:
        assert row["answers"] is None or row["answers"] >= 5


def test_min_group_is_not_an_option(env, tmp_path):
    """Two reports under different thresholds could be subtracted: only the setting decides."""
    result = _invoke("report", "--no-files", "--min-group", "2")
    assert result.exit_code == 2 and "No such option" in result.output


def test_reimporting_a_wave_replaces_it(env, tmp_path):
    path = wave_csv(tmp_path / "wave.csv")
    assert _invoke("import", str(path)).exit_code == 0
    again = _invoke("import", "--json", str(path))
    assert again.exit_code == 0
    stored = json.loads(again.output)["files"][0]
    assert (stored["answers"], stored["replaced"]) == (32, 32)
    assert _row(_report()["rows"], "2026-03", "cards")["answers"] == 6


def test_jsonl_file(env, tmp_path):
    path = tmp_path / "pulse.jsonl"
    path.write_text("\n".join(json.dumps({"respondent_id": i, "team": "cards", "date": "15.05.2026", "enps": 10,
                                          "growth": 3}) for i in range(5)) + "\n")
    result = _invoke("import", str(path))
    assert result.exit_code == 0, result.output
    row = _row(_report("--since", "2026-05", "--until", "2026-05")["rows"], "2026-05", "cards")
    assert (row["answers"], row["enps"], row["items"]) == (5, 100.0, {"growth": 3.0})


def test_report_writes_csv_and_png(env, tmp_path):
    assert _invoke("import", str(wave_csv(tmp_path / "wave.csv"))).exit_code == 0
    result = _invoke("report", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "no group of fewer than 5 employees is shown" in result.output
    png = (tmp_path / "out" / "employees.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    text = (tmp_path / "out" / "employees.csv").read_text()
    assert "item:workload" in text.splitlines()[0] and "fewer than 5 answers" in text


def test_empty_catalog_reports_clearly(env):
    result = _invoke("report", "--no-files")
    assert result.exit_code == 0 and "no employee survey answers" in result.output


def test_min_group_setting(env, tmp_path, monkeypatch):
    monkeypatch.setenv("CXMON_MIN_GROUP", "7")
    assert _invoke("import", str(wave_csv(tmp_path / "wave.csv"))).exit_code == 0
    report = _report()
    assert report["min_group"] == 7 and _row(report["rows"], "2026-03", "cards")["suppressed"]  # 6 < 7
    assert _row(report["rows"], "2026-03", "loans")["answers"] == 8
