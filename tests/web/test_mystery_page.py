"""The mystery shopper page (`/mystery`) and `GET /api/mystery/report` over real HTTP, on SQLite and PostgreSQL:
the comparison `cxmon report mystery` computes, checked against figures worked out by hand; who sees which
evaluations; bad filters refused with 422 and a reason; the empty state.

The store is tests/pipeline/mystery/world.py's (checklist ``mq``: greet, polite 1-5, offer; no_rudeness
critical for the form; contacts of team T) beside tests/web/conftest.py's (op1's call c-a1 in team A, with
no ``mq`` answers). Four visits are posted through ``POST /api/mystery``:

| shopper | operator | team          | answers                   | score | automatic (Nov.) | reviewer |
|---------|----------|---------------|---------------------------|-------|------------------|----------|
| S1      | op_ok    | A (given)     | all best                  | 100   | 100 (2 contacts) | —        |
| S2      | op_bad   | — (T's)       | greet no, polite 1, no offer | 50 | 100 (2 contacts) | 83.3     |
| S3      | op1      | — (A's)       | all best                  | 100   | — (no answers)   | —        |
| S4      | op_ok    | k-ok1's (T)   | all best, contact k-ok1   | 100   | 100              | —        |

op_bad: gaps -50 (automatic) and -33.3 (reviewer): disagrees at the default 20 points, not at 60. Its items
greet, polite and offer disagree (0 against 100); no_rudeness does not. Without dates October's worst contact
counts too: automatic (100 + 100 + 50) / 3 = 83.3. Supervisor sam (team A) sees S1 and S3 only.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from pipeline.mystery.compare import OPERATOR_COLUMNS
from tests.pipeline.mystery.world import seed, write_checklist

WINDOW = "since=2026-11-01&until=2026-11-30"
BEST = {"greet": "yes", "polite": 5, "offer": "yes", "no_rudeness": "yes"}
VISITS = [
    {"shopper_id": "S1", "operator_id": "op_ok", "team": "A", "at": "2026-11-12T10:00:00+03:00", "answers": BEST,
     "comment": "friendly <b>and</b> quick"},
    {"shopper_id": "S2", "operator_id": "op_bad", "at": "2026-11-13T11:00:00+03:00",
     "answers": {"greet": "нет", "polite": 1, "offer": "no", "no_rudeness": "yes"}, "comment": "rude and slow"},
    {"shopper_id": "S3", "operator_id": "op1", "at": "2026-11-14T09:00:00+00:00", "answers": BEST},
    {"shopper_id": "S4", "contact_id": "k-ok1", "answers": BEST, "evaluation_id": "visit-k-ok1"},
]


@pytest.fixture(scope="module")
def shopped(world):
    write_checklist(world.client.app.state.settings.home)
    seed(world.store.catalog)
    for visit in VISITS:
        answer = world.client.post("/api/mystery", json={"checklist_id": "mq", "channel": "call", **visit},
                                   headers={"Authorization": f"Bearer {world.tokens['rita']}"})
        assert answer.status_code == 201, answer.text
    return world


def _row(rows, operator):
    [row] = [r for r in rows if r["operator_id"] == operator]
    return row


def _cells(html: str, attribute: str, key: str) -> list[str]:
    row = re.search(rf'<tr {attribute}="{re.escape(key)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={key!r}"
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)]


def test_api_report_is_the_comparison_worked_out_by_hand(shopped):
    response = shopped.get(f"/api/mystery/report?{WINDOW}", "rita")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["threshold"] == 20.0 and report["checklists_not_configured"] == []
    assert report["since"].startswith("2026-11-01T00:00:00") and report["until"].startswith("2026-12-01T00:00:00")
    assert [r["operator_id"] for r in report["operators"]] == ["op1", "op_bad", "op_ok"]
    bad, ok, op1 = (_row(report["operators"], o) for o in ("op_bad", "op_ok", "op1"))
    assert (bad["mystery"], bad["automatic"], bad["reviewer"], bad["gap_automatic"], bad["gap_reviewer"]) == (
        50.0, 100.0, 83.3, -50.0, -33.3)
    assert bad["disagrees"] and (bad["contacts_automatic"], bad["contacts_reviewed"]) == (2, 1)
    assert (ok["evaluations"], ok["mystery"], ok["automatic"], ok["gap_automatic"], ok["disagrees"]) == (
        2, 100.0, 100.0, 0.0, False)
    assert (op1["mystery"], op1["automatic"], op1["contacts_automatic"], op1["disagrees"]) == (100.0, None, 0, False)
    flagged = {r["item_id"]: r for r in report["items"] if r["disagrees"]}
    assert set(flagged) == {"greet", "polite", "offer"} and all(r["operator_id"] == "op_bad" for r in flagged.values())
    assert (flagged["greet"]["mystery"], flagged["greet"]["automatic"], flagged["greet"]["reviewer"]) == (0.0, 100.0, 0.0)
    [visit] = report["visits"]
    assert (visit["contact_id"], visit["mystery"], visit["automatic"], visit["disagrees"]) == ("k-ok1", 100.0, 100.0,
                                                                                             False)
    assert [e["shopper_id"] for e in report["evaluations"]] == ["S3", "S2", "S1", "S4"]  # newest first


def test_the_period_and_the_threshold_change_the_figures(shopped):
    everything = shopped.get("/api/mystery/report", "rita").json()
    assert _row(everything["operators"], "op_bad")["automatic"] == 83.3  # October's worst contact counts
    lenient = shopped.get(f"/api/mystery/report?{WINDOW}&threshold=60", "rita").json()
    assert lenient["threshold"] == 60.0 and not any(r["disagrees"] for r in lenient["operators"])
    october = shopped.get("/api/mystery/report?since=2026-10-01&until=2026-10-31", "rita").json()
    assert october["operators"] == [] and october["evaluations"] == []


def test_a_supervisor_sees_their_teams_evaluations_only(shopped):
    report = shopped.get(f"/api/mystery/report?{WINDOW}", "sam").json()
    assert [r["operator_id"] for r in report["operators"]] == ["op1", "op_ok"]  # op_bad is team T's
    assert sorted(e["shopper_id"] for e in report["evaluations"]) == ["S1", "S3"]
    assert _row(report["operators"], "op_ok")["evaluations"] == 1  # S4 was team T's (its contact's)
    page = shopped.get(f"/mystery?{WINDOW}&lang=en", "sam").text
    assert "Showing team A&#39;s evaluations." in page and "op_bad" not in page and "rude and slow" not in page


@pytest.mark.parametrize("who", ["olga", "oleg"])
def test_operators_get_404_and_read_their_own_on_me(shopped, who):
    assert shopped.get("/api/mystery/report", who).status_code == 404
    page = shopped.get("/mystery", who)
    assert page.status_code == 404 and ">Mystery shoppers</a>" not in page.text
    own = shopped.get("/api/mystery", who).json()["items"]  # the list stays theirs
    assert [e["shopper_id"] for e in own] == (["S3"] if who == "olga" else [])


def test_signed_out(shopped):
    assert shopped.get("/api/mystery/report", None).status_code == 401
    page = shopped.get("/mystery", None, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")


def test_page_shows_the_headline_chart_and_tables(shopped):
    response = shopped.get(f"/mystery?{WINDOW}&lang=en", "rita")
    assert response.status_code == 200, response.text
    html = response.text
    for name, value in (("visits", "4"), ("operators", "3"), ("disagree-operators", "1"), ("disagree-items", "3"),
                        ("matched", "1")):
        assert re.search(rf'id="{name}">{value}<', html), name
    assert "of 12" in html  # items compared: four of each operator's
    chart = re.search(r'id="chart-scores">(.*?)</div>', html, re.S)[1]
    assert chart.count(">!</text>") == 1 and "mystery op_bad · mq: 50" in chart
    assert "automatic op_bad · mq: 100" in chart and "automatic op1 · mq: n/a" in chart
    assert _cells(html, "data-row", "op_bad/mq") == ["op_bad", "mq", "1", "50.0", "2", "100.0", "1", "83.3", "-50.0",
                                                     "-33.3", "! yes"]
    assert _cells(html, "data-row", "op1/mq")[4:6] == ["0", "—"]
    assert _cells(html, "data-item", "op_bad/mq/greet") == ["op_bad", "mq", "greet", "0.0", "100.0", "0.0", "-100.0",
                                                           "1 · 1 · 1"]
    assert 'data-item="op_bad/mq/no_rudeness"' not in html
    assert _cells(html, "data-visit", "visit-k-ok1")[2:] == ["k-ok1", "mq", "100.0", "100.0", "—", "+0.0", ""]
    assert "friendly &lt;b&gt;and&lt;/b&gt; quick" in html  # the shopper's comment, escaped
    assert _cells(html, "data-visit", "visit-k-ok1")[0] == "2026-11-10 12:00"  # the site's time zone: UTC
    assert f'href="/api/mystery/report?{WINDOW.replace("&", "&amp;")}&amp;part=items&amp;format=csv"' in html
    assert '<a href="/mystery?lang=en">Mystery shoppers</a>' in html  # the nav link


def test_page_speaks_russian_and_flags_by_the_threshold(shopped):
    html = shopped.get(f"/mystery?{WINDOW}&threshold=100&lang=ru", "ann").text  # the gaps are at most 100
    assert "Тайный покупатель" in html and re.search(r'id="disagree-operators">0<', html)
    assert 'id="no-flagged-items"' in html


def test_csv_download_has_the_cli_columns_and_is_audited(shopped):
    response = shopped.get(f"/api/mystery/report?{WINDOW}&part=operators&format=csv", "rita")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == OPERATOR_COLUMNS
    assert [(r["operator_id"], r["gap_automatic"]) for r in rows] == [("op1", ""), ("op_bad", "-50.0"),
                                                                      ("op_ok", "0.0")]
    entries = shopped.get("/api/audit", "ann").json()
    items = entries["items"] if isinstance(entries, dict) else entries
    assert any(e["action"] == "export.mystery" and e["detail"]["part"] == "operators" for e in items)


def test_an_empty_period_says_how_to_enter_evaluations(shopped):
    html = shopped.get("/mystery?since=2026-10-01&until=2026-10-31&lang=en", "rita").text
    assert 'id="no-evaluations"' in html and "<code>cxmon mystery import NAME.mystery.csv</code>" in html
    assert 'id="headline"' not in html and "<table" not in html


@pytest.mark.parametrize(("query", "reason"), [
    ("since=March", "since 'March': expected a date YYYY-MM-DD"),
    ("since=2026-11-30&until=2026-11-01", "since 2026-11-30 is after until 2026-11-01"),
    ("until=9999-12-31", "until '9999-12-31' is out of range"),
    ("threshold=abc", "threshold 'abc'; expected a number of points 0..100"),
    ("threshold=101", "threshold '101'; expected a number of points 0..100"),
    ("threshold=nan", "threshold 'nan'"),
    ("threshold=-1", "threshold '-1'"),
])
def test_bad_filters_are_422_with_the_reason(shopped, query, reason):
    api = shopped.get(f"/api/mystery/report?{query}", "rita")
    assert api.status_code == 422 and reason in api.json()["detail"]
    page = shopped.get(f"/mystery?{query}&lang=en", "rita")
    assert page.status_code == 422 and 'id="filter-error"' in page.text and "Traceback" not in page.text
    assert reason.replace("'", "&#39;") in page.text


@pytest.mark.parametrize("query", ["format=csv", "part=everything&format=csv", "format=pdf&part=items",
                                   f"since={'9' * 5000}", "threshold=%00", "until=x%00y"])
def test_hostile_api_input_is_422(shopped, query):
    response = shopped.get(f"/api/mystery/report?{query}", "ann")
    assert response.status_code == 422 and response.json()["detail"]


def test_times_are_shown_in_the_sites_time_zone(tmp_path):
    from fastapi.testclient import TestClient

    from pipeline.settings import Settings
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app

    app = create_app(Settings(home=tmp_path, catalog_url=f"sqlite:///{tmp_path / 'catalog.sqlite3'}",
                              timezone="Asia/Vladivostok"))
    _, token = add_user(app.state.store.catalog, "vera", "reviewer", language="en")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with TestClient(app, base_url="http://testserver") as client:
            posted = client.post("/api/mystery", headers=headers, json={
                "checklist_id": "ru_bank_call", "shopper_id": "S9", "operator_id": "op9", "channel": "call",
                "at": "2026-11-30T20:30:00+00:00", "answers": {"greeting": "yes"}})
            assert posted.status_code == 201, posted.text
            html = client.get("/mystery?since=2026-12-01&until=2026-12-01", headers=headers).text
            # 20:30 UTC on 30 November is 06:30 on 1 December in Vladivostok (UTC+10): in that day, shown so
            assert _cells(html, "data-evaluation", posted.json()["evaluation_id"])[0] == "2026-12-01 06:30"
            assert "Date (Asia/Vladivostok)" in html
    finally:
        app.state.store.catalog.close()
