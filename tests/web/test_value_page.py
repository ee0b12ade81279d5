"""The customer value page (`/value`) and `GET /api/value` over real HTTP, on SQLite and PostgreSQL: the report
`cxmon report value` computes, checked against figures worked out by hand below; who may see it; bad filters
refused with 422 and a reason; the empty state.

Five customers stored the way `cxmon value import` stores them (:func:`pipeline.value.store.save_values`), each
with a CLV, so the value is the CLV (8,600 in all). Default tiers: the top 20 % (1 of 5) is w1, the bottom 20 % w5.

| customer | CLV   | segment | November 2026 (the window below)                                  | at risk       |
|----------|-------|---------|-------------------------------------------------------------------|---------------|
| w1       | 5,000 | premium | NPS 3 (reason late) + discourage 9, one response                  | detractor     |
| w2       | 2,000 | premium | NPS 10 + discourage 0; contact v2: CSI 30, greeting "no", tag wait | low CSI       |
| w3       | 1,000 | mass    | desk visit v3: silent and dissatisfied, tag wait                  | silent        |
| w4       |   500 | mass    | NPS 9 (reason price), CSAT 5; contact v4: CSI 80                  | no            |
| w5       |   100 | —       | NPS 0 on 1 October only (before the window)                       | no (yes: all time) |

In the window: value at risk 5,000 + 2,000 + 1,000 = 8,000 of 8,600 (93.0 %), 3 of 5 customers; NPS over
3, 10, 9 = 100 * (2 - 1) / 3 = 33.3; WoMI over (3, 9), (10, 0) = 100 * (1 - 1) / 2 = 0; CSAT 100; CSI (30 + 80) / 2 = 55.
Middle tier (w2, w3, w4): value 3,500, at risk 3,000 (85.7 %), NPS over 10, 9 = 100, WoMI over (10, 0) = 100.
Drivers: reason:late 5,000 (62.5 % of 8,000), tag:wait 3,000 (w2 and w3, 37.5 %), checklist:qa/greeting 2,000
(25 %); reason:price is w4's, who is not at risk: no row. All time, w5 is a detractor too: 8,100 at risk.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from tests.web.conftest import T0

WINDOW = "since=2026-11-01&until=2026-11-30"


@pytest.fixture(scope="module")
def world_with_values(world):
    from pipeline.records import ChecklistResult, Contact, FeatureSet, Score, SurveyAnswer, Transcript, Turn
    from pipeline.value.files import CustomerValue
    from pipeline.value.store import save_values

    catalog = world.store.catalog
    as_of = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
    save_values(catalog.engine, [CustomerValue("w1", 500.0, as_of, clv=5000.0, segment="premium"),
                                 CustomerValue("w2", 200.0, as_of, clv=2000.0, segment="premium"),
                                 CustomerValue("w3", 100.0, as_of, clv=1000.0, segment="mass"),
                                 CustomerValue("w4", 50.0, as_of, clv=500.0, segment="mass"),
                                 CustomerValue("w5", 10.0, as_of, clv=100.0)], "crm.customer-value.csv")
    catalog.add_survey_answers([
        SurveyAnswer("w1", "nps", 3, T0, invitation_id="iw1", reason="late"),
        SurveyAnswer("w1", "discourage", 9, T0, invitation_id="iw1"),
        SurveyAnswer("w2", "nps", 10, T0, invitation_id="iw2"),
        SurveyAnswer("w2", "discourage", 0, T0, invitation_id="iw2"),
        SurveyAnswer("w4", "nps", 9, T0, invitation_id="iw4", reason="price"),
        SurveyAnswer("w4", "csat", 5, T0, invitation_id="iw4"),
        SurveyAnswer("w5", "nps", 0, datetime(2026, 10, 1, 12, tzinfo=UTC), invitation_id="iw5"),
    ])
    for contact_id, customer, channel in (("v2", "w2", "call"), ("v3", "w3", "desk"), ("v4", "w4", "call")):
        catalog.add_contact(Contact(contact_id, channel, f"/in/{contact_id}", f"raw/{contact_id}",
                                    started_at=T0.replace(day=10), customer_id=customer, operator_id="op1", team="A"))
    catalog.put_score(Score("v2", "csi", 30.0, "model"))
    catalog.put_score(Score("v4", "csi", 80.0, "model"))
    catalog.put_feature_set(FeatureSet("v3", "desk", {"silent": 1, "dissatisfied": 1}))
    catalog.put_checklist_results([ChecklistResult("v2", "qa", "greeting", 0.0, "rule")])
    catalog.put_transcript(Transcript("v2", "ru", (Turn("customer", 0.0, 1.0, "долго", tags=("wait",)),)))
    catalog.put_transcript(Transcript("v3", "ru", (Turn("customer", 0.0, 1.0, "долго", tags=("wait",)),)))
    return world


def _row(rows, key, group):
    [row] = [r for r in rows if r[key] == group]
    return row


def _cells(html: str, attribute: str, group: str) -> list[str]:
    """The texts of the cells of the table row marked ``attribute="group"``."""
    row = re.search(rf'<tr {attribute}="{re.escape(group)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={group!r}"
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)]


def test_api_by_tier_is_the_report_worked_out_by_hand(world_with_values):
    response = world_with_values.get(f"/api/value?{WINDOW}", "rita")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["by"], report["basis"], report["low_csi"]) == ("tier", "clv", 50.0)
    totals = report["totals"]
    assert (totals["customers"], totals["value"], totals["at_risk_customers"], totals["value_at_risk"]) == (
        5, 8600.0, 3, 8000.0)
    assert totals["value_at_risk_share"] == round(8000 / 8600, 4)
    assert (totals["detractor_value"], totals["low_csi_value"], totals["silent_dissatisfied_value"]) == (
        5000.0, 2000.0, 1000.0)
    assert (totals["nps"], totals["womi"], totals["csat"], totals["csi_predicted"], totals["contacts"]) == (
        33.3, 0.0, 100.0, 55.0, 3)
    assert [r["tier"] for r in report["rows"]] == ["top", "middle", "bottom", "(all)"]
    top, middle, bottom = report["rows"][:3]
    assert (top["customers"], top["value"], top["nps"], top["womi"], top["value_at_risk"]) == (1, 5000.0, -100.0,
                                                                                              -100.0, 5000.0)
    assert (middle["customers"], middle["value"], middle["contacts"], middle["at_risk_customers"],
            middle["value_at_risk"], middle["value_at_risk_share"]) == (3, 3500.0, 3, 2, 3000.0, 0.8571)
    assert (middle["nps"], middle["womi"], middle["csat"], middle["csi_predicted"]) == (100.0, 100.0, 100.0, 55.0)
    assert (bottom["customers"], bottom["value"], bottom["nps"], bottom["value_at_risk"]) == (1, 100.0, None, 0.0)


def test_api_by_segment_and_driver(world_with_values):
    segments = world_with_values.get(f"/api/value?{WINDOW}&by=segment", "ann").json()["rows"]
    assert [r["segment"] for r in segments] == ["mass", "premium", "(no segment)", "(all)"]
    assert (_row(segments, "segment", "premium")["value_at_risk"], _row(segments, "segment", "mass")["value_at_risk"],
            _row(segments, "segment", "mass")["value_at_risk_share"]) == (7000.0, 1000.0, round(1000 / 1500, 4))
    drivers = world_with_values.get(f"/api/value?{WINDOW}&by=driver", "ann").json()["rows"]
    assert [(r["driver"], r["at_risk_customers"], r["value_at_risk"], r["value_at_risk_share"]) for r in drivers] == [
        ("reason:late", 1, 5000.0, 0.625), ("tag:wait", 2, 3000.0, 0.375), ("checklist:qa/greeting", 1, 2000.0, 0.25)]


def test_without_dates_the_whole_history_counts(world_with_values):
    totals = world_with_values.get("/api/value", "rita").json()["totals"]
    assert (totals["at_risk_customers"], totals["value_at_risk"], totals["nps"]) == (4, 8100.0, 0.0)
    october = world_with_values.get("/api/value?since=2026-10-01&until=2026-10-01", "rita").json()["totals"]
    assert (october["at_risk_customers"], october["value_at_risk"], october["answers_nps"]) == (1, 100.0, 1)


def test_page_shows_the_headline_charts_and_tables(world_with_values):
    response = world_with_values.get(f"/value?{WINDOW}&lang=en", "rita")
    assert response.status_code == 200, response.text
    html = response.text
    assert re.search(r'id="value-at-risk">8,000\.00<', html)
    assert "of 8,600.00 (93.0%)" in html
    assert re.search(r'id="customers-at-risk">3<', html) and "of 5" in html
    assert re.search(r'id="detractor-value">5,000\.00<', html) and re.search(r'id="silent-value">1,000\.00<', html)
    assert re.search(r'id="nps-womi">33\.3 · 0\.0<', html)
    assert _cells(html, "data-group", "middle") == ["middle", "3", "3,500.00", "3", "100.0", "100.0", "100.0", "55.0",
                                                    "0 · 0.00", "1 · 2,000.00", "1 · 1,000.00", "2", "3,000.00",
                                                    "85.7%"]
    assert _cells(html, "data-group", "bottom")[:5] == ["bottom", "1", "100.00", "0", "—"]
    assert _cells(html, "data-driver", "tag:wait") == ["wait", "phrase tag", "2", "3,000.00", "37.5%", "2", "3,000.00"]
    groups = re.search(r'id="chart-tier">(.*?)</div>', html, re.S)[1]
    assert groups.count("<rect") == 3 and "middle: 3000" in groups and "top: 5000" in groups
    drivers = re.search(r'id="chart-driver">(.*?)</div>', html, re.S)[1]
    assert drivers.count("<rect") == 3 and "reason:late: 5000" in drivers
    assert f'href="/api/value?{WINDOW.replace("&", "&amp;")}&amp;by=tier&amp;format=csv"' in html
    assert '<a href="/value?lang=en">Customer value</a>' in html  # the nav link for reviewers


def test_page_by_driver_puts_the_drivers_first_and_speaks_russian(world_with_values):
    html = world_with_values.get(f"/value?{WINDOW}&by=driver&lang=ru", "ann").text
    assert html.index('id="table-driver"') < html.index('id="table-tier"')
    assert "Ценность под риском" in html and _cells(html, "data-group", "top")[0] == "верхний"


def test_csv_download_has_the_cli_columns_and_is_audited(world_with_values):
    response = world_with_values.get(f"/api/value?{WINDOW}&by=segment&format=csv", "rita")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    from pipeline.value.report import report_columns

    assert list(rows[0]) == report_columns("segment")
    assert [(r["segment"], r["value_at_risk"]) for r in rows] == [("mass", "1000.0"), ("premium", "7000.0"),
                                                                 ("(no segment)", "0.0"), ("(all)", "8000.0")]
    entries = world_with_values.get("/api/audit", "ann").json()
    items = entries["items"] if isinstance(entries, dict) else entries
    assert any(e["action"] == "export.value" for e in items)


@pytest.mark.parametrize("who", ["sam", "olga", "oleg"])
def test_supervisors_and_operators_get_404(world_with_values, who):
    assert world_with_values.get("/api/value", who).status_code == 404
    page = world_with_values.get("/value", who)
    assert page.status_code == 404 and "8,000.00" not in page.text
    assert ">Customer value</a>" not in page.text  # no nav link either


def test_signed_out(world_with_values):
    assert world_with_values.get("/api/value", None).status_code == 401
    page = world_with_values.get("/value", None, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")


@pytest.mark.parametrize(("query", "reason"), [
    ("since=March", "since 'March': expected a date YYYY-MM-DD"),
    ("since=2026-11-30&until=2026-11-01", "since 2026-11-30 is after until 2026-11-01"),
    ("until=2026-02-30", "until '2026-02-30': expected a date YYYY-MM-DD"),
    ("since=%00", "expected a date YYYY-MM-DD"),
    ("until=9999-12-31", "until '9999-12-31' is out of range"),
])
def test_bad_dates_are_422_with_the_reason(world_with_values, query, reason):
    api = world_with_values.get(f"/api/value?{query}", "rita")
    assert api.status_code == 422 and reason in api.json()["detail"]
    page = world_with_values.get(f"/value?{query}&lang=en", "rita")
    assert page.status_code == 422 and 'id="filter-error"' in page.text and "Traceback" not in page.text
    assert reason.replace("'", "&#39;") in page.text


@pytest.mark.parametrize("query", ["by=customer", "by=%00", "format=pdf", f"since={'9' * 5000}", "until=x%00y"])
def test_hostile_api_input_is_422(world_with_values, query):
    response = world_with_values.get(f"/api/value?{query}", "ann")
    assert response.status_code == 422 and response.json()["detail"]


@pytest.mark.parametrize(("query", "reason"), [("by=customer", "by=&#39;customer&#39;; expected one of tier, segment, driver"),
                                               (f"since={'2026-11-01' * 1000}", "expected a date YYYY-MM-DD")])
def test_hostile_page_input_is_422(world_with_values, query, reason):
    page = world_with_values.get(f"/value?{query}&lang=en", "ann")
    assert page.status_code == 422 and reason in page.text and 'id="headline"' not in page.text


@pytest.fixture(scope="module")
def empty_world(tmp_path_factory):
    """A store with no customer value imported and one reviewer."""
    from fastapi.testclient import TestClient

    from pipeline.settings import Settings
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app

    home = tmp_path_factory.mktemp("cxmon-empty")
    app = create_app(Settings(home=home, catalog_url=f"sqlite:///{home / 'catalog.sqlite3'}"))
    _, token = add_user(app.state.store.catalog, "vera", "reviewer", language="en")
    with TestClient(app, base_url="http://testserver") as client:
        yield client, {"Authorization": f"Bearer {token}"}
    app.state.store.catalog.close()


def test_without_imported_values_the_page_says_how_to_import(empty_world):
    client, headers = empty_world
    page = client.get("/value", headers=headers)
    assert page.status_code == 200
    assert 'id="no-values"' in page.text and "<code>cxmon value import FILE</code>" in page.text
    assert 'id="headline"' not in page.text and "<table" not in page.text
    report = client.get("/api/value", headers=headers).json()
    assert report["totals"]["customers"] == 0 and [r["tier"] for r in report["rows"]] == [
        "top", "middle", "bottom", "(all)"]
