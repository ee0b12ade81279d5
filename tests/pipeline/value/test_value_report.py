"""Customer value end to end on SQLite and PostgreSQL: `cxmon value import` (later as_of wins, bad files refused
with FILE:LINE), the ingest kind, and `cxmon report value` by tier, segment and driver on a planted store whose
answers are worked out by hand below."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli import main
from pipeline.records import ChecklistResult, Contact, FeatureSet, Score, SurveyAnswer, Transcript, Turn

# v1 .. v10: CLV 1000 .. 100 (revenue a tenth of it); v1-v5 premium, v6-v10 mass
CLV = {f"v{i}": 1100.0 - 100 * i for i in range(1, 11)}
MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 12, tzinfo=UTC)


def value_csv(path, *, as_of="2026-03-31", clv_of_v10=50.0):
    lines = ["customer;revenue;tenure_months;products;clv;segment;as_of"]
    for customer, clv in CLV.items():
        clv = clv_of_v10 if customer == "v10" else clv
        segment = "premium" if int(customer[1:]) <= 5 else "mass"
        lines.append(f"{customer};{clv / 10:.2f};12;2;{clv:.0f};{segment};{as_of}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _contact(catalog, contact_id, customer, *, channel="call", day=10):
    catalog.add_contact(Contact(contact_id, channel, f"/in/{contact_id}", f"raw/{contact_id}", started_at=_at(day),
                                customer_id=customer, operator_id="op1"))


def plant(catalog: Catalog) -> None:
    """What each customer lived through in March (see the expected figures in the tests)."""
    answers = [
        SurveyAnswer("v1", "nps", 3, MARCH, invitation_id="i1", reason="late"),        # detractor, would not
        SurveyAnswer("v1", "discourage", 5, MARCH, invitation_id="i1"),                # ... actively discourage
        SurveyAnswer("v2", "nps", 10, MARCH, invitation_id="i2"),
        SurveyAnswer("v2", "discourage", 0, MARCH, invitation_id="i2"),
        SurveyAnswer("v3", "nps", 9, _at(5), invitation_id="i3a"),
        SurveyAnswer("v3", "nps", 5, _at(20), invitation_id="i3b"),                    # latest: a detractor
        SurveyAnswer("v5", "csat", 5, MARCH, invitation_id="i5"),
        SurveyAnswer("v6", "nps", 6, MARCH, reason="not_resolved"),                    # no invitation: paired
        SurveyAnswer("v6", "discourage", 5, MARCH),                                    # by customer and instant
        SurveyAnswer("v9", "nps", 9, MARCH, invitation_id="i9"),
        SurveyAnswer("v9", "discourage", 9, MARCH, invitation_id="i9"),                # a promoter who discourages
        SurveyAnswer("v10", "nps", 0, datetime(2026, 2, 15, tzinfo=UTC), invitation_id="i10"),  # before March
    ]
    catalog.add_survey_answers(answers)
    for contact_id, customer in (("c2", "v2"), ("c6", "v6"), ("c7a", "v7"), ("c7b", "v7"), ("c9", "v9")):
        _contact(catalog, contact_id, customer)
    _contact(catalog, "c8", "v8", channel="desk")
    _contact(catalog, "c8b", "v8", channel="desk")
    _contact(catalog, "c10", "v10", day=1)
    _contact(catalog, "cx", None)  # no customer: never counted
    catalog.put_score(Score("c7a", "csi", 30.0, "model"))
    catalog.put_score(Score("c7b", "csi", 40.0, "model"))  # v7: mean 35 < 50
    catalog.put_score(Score("c9", "csi", 80.0, "model"))
    catalog.put_score(Score("c2", "csi", 20.0, "survey"))  # not the model's prediction: left out
    catalog.put_feature_set(FeatureSet("c8", "desk", {"silent": 1, "dissatisfied": 1}))
    catalog.put_feature_set(FeatureSet("c8b", "desk", {"silent": 0, "dissatisfied": 1}))
    catalog.put_checklist_results([ChecklistResult("c7a", "qa", "greeting", 0.0, "rule"),
                                   ChecklistResult("c7b", "qa", "farewell", 1.0, "rule"),
                                   ChecklistResult("c2", "qa", "greeting", 0.0, "rule")])
    catalog.put_transcript(Transcript("c6", "ru", (Turn("agent", 0.0, 1.0, "да", tags=("interruption",)),
                                                   Turn("customer", 1.0, 2.0, "нет"))))


@pytest.fixture
def env(home, catalog_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    plant(catalog)
    catalog.close()
    return catalog_url


def _invoke(*args):
    return CliRunner().invoke(main, list(args))


def _report(*args) -> dict:
    result = _invoke("report", "value", "--no-files", "--json", "--since", "2026-03-01", "--until", "2026-03-31",
                     *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _row(rows, key, group):
    [row] = [r for r in rows if r[key] == group]
    return row


def _imported(tmp_path) -> None:
    result = _invoke("value", "import", str(value_csv(tmp_path / "crm.customer-value.csv")))
    assert result.exit_code == 0, result.output
    assert "10 customers: 10 new" in result.output


def test_later_as_of_replaces_earlier_is_left_out(env, tmp_path):
    _imported(tmp_path)
    old = value_csv(tmp_path / "feb.customer-value.csv", as_of="2026-02-28", clv_of_v10=1.0)
    new = tmp_path / "april.customer-value.jsonl"
    new.write_text(json.dumps({"customer_id": "v10", "revenue": 10, "clv": 100, "as_of": "2026-04-01"}) + "\n")
    result = _invoke("value", "import", "--json", str(old), str(new))
    assert result.exit_code == 0, result.output
    feb, april = json.loads(result.stdout)["files"]
    assert (feb["added"], feb["replaced"], feb["older"]) == (0, 0, 10)
    assert (april["added"], april["replaced"], april["older"]) == (0, 1, 0)
    engine = sa.create_engine(env)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT customer_id, clv FROM customer_values")).all())
        segment = conn.execute(sa.text("SELECT segment FROM customer_values WHERE customer_id = 'v10'")).scalar()
    engine.dispose()
    assert rows["v10"] == 100.0 and rows["v1"] == 1000.0 and segment is None  # the newer row, whole
    again = _invoke("value", "import", "--json", str(new))
    assert json.loads(again.stdout)["files"][0]["replaced"] == 1  # the same as_of: idempotent


def test_a_file_with_a_bad_row_is_refused_whole_with_file_and_line(env, tmp_path):
    bad = tmp_path / "bad.customer-value.csv"
    bad.write_text("customer,revenue,as_of\nv1,10,2026-03-31\nv2,lots,2026-03-31\nv3,5,someday\n")
    result = _invoke("value", "import", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3: revenue is 'lots'" in result.output and f"{bad}:4: as_of 'someday'" in result.output
    wrong = tmp_path / "values.csv"
    wrong.write_text("customer,revenue,as_of\n")
    result = _invoke("value", "import", str(wrong))
    assert result.exit_code == 2 and "expected NAME.customer-value.csv" in result.output
    assert "Traceback" not in result.output
    assert _report()["totals"]["customers"] == 0


def test_report_by_tier_known_figures(env, tmp_path):
    _imported(tmp_path)
    report = _report()
    assert report["basis"] == "clv"  # every customer has a CLV
    rows = report["rows"]
    assert [r["tier"] for r in rows] == ["top", "middle", "bottom", "(all)"]
    top, middle, bottom, everyone = rows
    # top 20 %: v1 (1000) and v2 (900); v1 is a detractor
    assert (top["customers"], top["value"], top["value_at_risk"], top["detractor_customers"]) == (2, 1900.0, 1000.0, 1)
    # NPS: 3 and 10 -> 0; WoMI: 1 promoter, nobody actively discouraging, of 2 -> 50
    assert (top["nps"], top["womi"], top["answers_nps"]) == (0.0, 50.0, 2)
    # middle v3..v8: detractors v3 (latest 5) and v6, low CSI v7, silent dissatisfied v8
    assert (middle["customers"], middle["value"]) == (6, 3300.0)
    assert (middle["detractor_value"], middle["low_csi_value"], middle["silent_dissatisfied_value"]) == (
        1300.0, 400.0, 300.0)
    assert (middle["value_at_risk"], middle["at_risk_customers"], middle["value_at_risk_share"]) == (
        2000.0, 4, round(2000 / 3300, 4))
    assert (middle["nps"], middle["womi"], middle["csat"], middle["csi_predicted"]) == (-33.3, 0.0, 100.0, 35.0)
    assert middle["contacts"] == 5  # c6, c7a, c7b, c8, c8b
    # bottom v9 (200), v10 (50): v10's NPS 0 was in February; v9 promotes and discourages: WoMI 0
    assert (bottom["nps"], bottom["womi"], bottom["value_at_risk"], bottom["csi_predicted"]) == (100.0, 0.0, 0.0, 80.0)
    assert bottom["contacts"] == 2  # c9, and c10: it started on 1 March
    # all: NPS answers 3, 10, 9, 5, 6, 9 -> 0; WoMI pairs (3,5) (10,0) (6,5) (9,9) -> (2 - 1) / 4
    assert (everyone["value"], everyone["value_at_risk"], everyone["nps"], everyone["womi"]) == (5450.0, 3000.0, 0.0,
                                                                                                 25.0)
    assert report["totals"] == {k: v for k, v in everyone.items() if k != "tier"}


def test_report_by_segment_and_revenue_basis_and_thresholds(env, tmp_path):
    _imported(tmp_path)
    rows = _report("--by", "segment")["rows"]
    assert [r["segment"] for r in rows] == ["mass", "premium", "(all)"]
    premium, mass = _row(rows, "segment", "premium"), _row(rows, "segment", "mass")
    assert (premium["value"], premium["value_at_risk"]) == (4000.0, 1800.0)
    assert (mass["value"], mass["value_at_risk"], mass["at_risk_customers"]) == (1450.0, 1200.0, 3)
    revenue = _report("--basis", "revenue")
    assert revenue["basis"] == "revenue" and revenue["totals"]["value_at_risk"] == 300.0
    fixed = _report("--thresholds", "800,300")["rows"]
    assert [_row(fixed, "tier", t)["customers"] for t in ("top", "middle", "bottom")] == [3, 5, 2]


def test_report_by_driver_names_what_the_value_at_risk_sits_behind(env, tmp_path):
    _imported(tmp_path)
    rows = _report("--by", "driver")["rows"]
    assert [(r["driver"], r["at_risk_customers"], r["value_at_risk"]) for r in rows] == [
        ("reason:late", 1, 1000.0), ("reason:not_resolved", 1, 500.0), ("tag:interruption", 1, 500.0),
        ("checklist:qa/greeting", 1, 400.0)]
    greeting = _row(rows, "driver", "checklist:qa/greeting")
    # v2 failed the greeting too but is not at risk: in customers and value, not in the value at risk
    assert (greeting["customers"], greeting["value"], greeting["kind"]) == (2, 1300.0, "checklist")
    assert _row(rows, "driver", "reason:late")["value_at_risk_share"] == round(1000 / 3000, 4)


def test_low_csi_threshold_option(env, tmp_path):
    _imported(tmp_path)
    assert _report("--low-csi", "30")["totals"]["low_csi_customers"] == 0  # mean 35 is not under 30
    assert _report("--low-csi", "90")["totals"]["low_csi_customers"] == 2  # v7 (35) and v9 (80)


def test_report_writes_csv_parquet_xlsx_and_png(env, tmp_path):
    _imported(tmp_path)
    out = tmp_path / "out"
    result = _invoke("report", "value", "--since", "2026-03-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "value at risk: 3,000.00 of 5,450.00 (5 of 10 customers)" in result.output
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    table = pq.read_table(out / "value.parquet").to_pylist()
    assert [r["tier"] for r in table] == ["top", "middle", "bottom", "(all)"]
    assert table[1]["value_at_risk"] == 2000.0
    sheet = list(load_workbook(out / "value.xlsx").active.values)
    assert sheet[0][:3] == ("tier", "customers", "value") and sheet[1][0] == "top"
    assert (out / "value.csv").read_text(encoding="utf-8-sig").startswith("tier,customers,value")
    png = (out / "value.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    drivers = _invoke("value", "report", "--by", "driver", "--out", str(out / "d"))
    assert drivers.exit_code == 0 and (out / "d" / "value.png").read_bytes().startswith(b"\x89PNG")


def test_empty_store_and_bad_options_say_so(env):
    result = _invoke("report", "value", "--no-files")
    assert result.exit_code == 0 and "no customer values: import" in result.output
    for args, message in ((["--thresholds", "1"], "expected TOP,BOTTOM"), (["--thresholds", "1,5"], "above the top"),
                          (["--since", "March"], "expected a date"), (["--top-share", "0.6", "--bottom-share", "0.6"],
                                                                       "is over 1"),
                          (["--basis", "clv"], "no customer has a CLV")):
        result = _invoke("report", "value", "--no-files", *args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_ingest_takes_customer_value_files(env, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    value_csv(inbox / "crm.customer-value.csv")
    (inbox / "bad.customer-value.csv").write_text("customer,revenue,as_of\nv1,1,2026-05-01\nv2,x,2026-05-01\n")
    result = _invoke("ingest", str(inbox), "--json")
    assert result.exit_code in (0, 1), result.output
    assert "bad.customer-value.csv: line 3: revenue is 'x'" in result.output
    report = _report("--basis", "revenue")  # v1's newer figure from the bad file's good row was kept
    assert report["totals"]["customers"] == 10
    assert _row(report["rows"], "tier", "(all)")["value"] == 446.0  # 1 + 90 + 80 + ... + 20 + 5
