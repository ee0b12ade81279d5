"""The metrics API and the dashboard page over real HTTP, on SQLite and PostgreSQL: who sees what, exports
that parse, bad filters refused with 422 and a reason.

The world (tests/web/conftest.py): c-a1 (call, op1, team A), c-b2 (call, op2, team B), c-a3 (chat, op2,
team A), CSI 80/40/60, an alarm on c-a1. Added here: survey answers and an alarm on no contact.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.web.conftest import T0

EVERYTHING = "since=2026-11-01&until=2026-11-30"


@pytest.fixture(scope="module")
def world_with_answers(world):
    from pipeline.records import Alarm, SurveyAnswer

    catalog = world.store.catalog
    catalog.add_survey_answers([
        SurveyAnswer("cust-1", "nps", 10, T0 + timedelta(days=1), contact_id="c-a1"),
        SurveyAnswer("cust-2", "nps", 0, T0 + timedelta(days=2), contact_id="c-b2", reason="rude"),
        SurveyAnswer("cust-3", "nps", 6, T0 + timedelta(days=3), contact_id="c-a3", reason="slow"),
        SurveyAnswer("cust-3", "csat", 5, T0 + timedelta(days=3), contact_id="c-a3"),
    ])
    catalog.add_alarm(Alarm(None, "volume_spike", "info", "calls up 40%", T0 + timedelta(days=5),
                            dedup_key="volume_spike"))
    return world


@pytest.mark.parametrize(("who", "contacts", "nps", "alarms"), [
    ("ann", 3, 100 * (1 - 2) / 3, 2), ("rita", 3, 100 * (1 - 2) / 3, 2), ("sam", 2, 0.0, 1),
    ("olga", 1, 100.0, 1), ("oleg", 2, -100.0, 0)])
def test_dashboard_numbers_stay_within_each_role(world_with_answers, who, contacts, nps, alarms):
    response = world_with_answers.get(f"/api/dashboard?{EVERYTHING}", who)
    assert response.status_code == 200, response.text
    kpi = response.json()["kpi"]
    assert (kpi["contacts"], kpi["alarms"]) == (contacts, alarms)
    assert kpi["nps"] == pytest.approx(nps)


def test_default_window_is_the_90_days_up_to_the_newest_contact(world_with_answers):
    body = world_with_answers.get("/api/dashboard", "rita").json()
    assert body["filter"]["until"].startswith("2026-11-05") and body["filter"]["since"].startswith("2026-08-07")
    assert body["kpi"]["contacts"] == 3
    assert [r["reason"] for r in body["worst_reasons"]] == ["silence_ratio"]
    assert {r["value"]: r["answers"] for r in body["nps_answers"]}[0] == 1


def test_alarms_newest_first_and_contactless_only_for_reviewers(world_with_answers):
    rita = world_with_answers.get("/api/alarms", "rita").json()
    assert [a["rule"] for a in rita] == ["volume_spike", "negative_customer"]
    assert [a["contact_id"] for a in world_with_answers.get("/api/alarms", "sam").json()] == ["c-a1"]
    assert world_with_answers.get("/api/alarms", "oleg").json() == []
    later = world_with_answers.get(f"/api/alarms?since={quote((T0 + timedelta(days=1)).isoformat())}", "ann").json()
    assert [a["rule"] for a in later] == ["volume_spike"]
    assert [a["rule"] for a in world_with_answers.get("/api/alarms?rule=negative_customer", "ann").json()] == [
        "negative_customer"]


def test_survey_metrics_by_team_within_scope(world_with_answers):
    rows = world_with_answers.get(f"/api/metrics/surveys?{EVERYTHING}&by=team&period=month", "rita").json()
    assert {(r["period"], r["team"], r["answers"]) for r in rows} == {("2026-11", "A", 3), ("2026-11", "B", 1)}
    sam = world_with_answers.get(f"/api/metrics/surveys?{EVERYTHING}&by=team&period=month", "sam").json()
    assert [(r["team"], r["nps"], r["csat"]) for r in sam] == [("A", 0.0, 100.0)]


@pytest.mark.parametrize("path", ["/api/metrics/surveys?by=operator", "/api/alarms", "/api/metrics/desk"])
def test_exports_parse(world_with_answers, path):
    from openpyxl import load_workbook

    sep = "&" if "?" in path else "?"
    as_csv = world_with_answers.get(f"{path}{sep}format=csv", "rita")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    as_json = world_with_answers.get(path, "rita").json()
    assert len(rows) - 1 == len(as_json) or (not as_json and len(rows) <= 1)
    as_xlsx = world_with_answers.get(f"{path}{sep}format=xlsx", "rita")
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet.max_row - 1 == len(as_json) or not as_json


def test_an_operators_export_holds_only_their_alarms(world_with_answers):
    rows = list(csv.DictReader(io.StringIO(world_with_answers.get("/api/alarms?format=csv", "olga")
                                           .content.decode("utf-8-sig"))))
    assert [r["contact_id"] for r in rows] == ["c-a1"]


@pytest.mark.parametrize("query", ["/api/dashboard?period=year", "/api/dashboard?since=yesterday",
                                   "/api/dashboard?channel=fax", "/api/dashboard?since=2026-11-05&until=2026-11-01",
                                   "/api/metrics/surveys?by=customer", "/api/alarms?limit=0", "/api/alarms?since=x%00",
                                   "/api/alarms?format=pdf", "/api/dashboard?team=" + "x" * 300,
                                   "/api/dashboard?until=9999-12-31", "/api/alarms?since=0001-01-01T00:00%2B05:00",
                                   "/api/contacts?since=0001-01-01T00:00%2B05:00"])
def test_bad_filters_are_422_with_a_reason(world_with_answers, query):
    response = world_with_answers.get(query, "rita")
    assert response.status_code == 422, response.text
    assert "detail" in response.json() and "Traceback" not in response.text


def test_without_credentials_401_and_disabled_user_refused(world_with_answers):
    assert world_with_answers.get("/api/dashboard", None).status_code == 401
    assert world_with_answers.get("/api/alarms", "dan").status_code == 401


def test_dashboard_page_per_role_and_filters_in_the_form(world_with_answers):
    assert world_with_answers.get("/dashboard", "olga").status_code == 404
    page = world_with_answers.get(f"/dashboard?{EVERYTHING}&channel=call&period=day", "sam")
    assert page.status_code == 200
    html = page.text
    assert '<option value="call" selected>' in html and '<option value="day" selected>' in html
    assert 'id="kpi-contacts">1<' in html  # sam's team A has one call
    assert "<svg" in html and "<script src=\"/static/dashboard.js\">" in html and "c-b2" not in html
    assert "/api/metrics/surveys?period=day&amp;since=2026-11-01&amp;until=2026-11-30&amp;channel=call" in html
    bad = world_with_answers.get("/dashboard?since=nonsense", "rita")
    assert bad.status_code == 422 and "filter-error" in bad.text and "Traceback" not in bad.text
    assert world_with_answers.get("/dashboard", None, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("query", ["/api/dashboard?team=a%00b", "/api/alarms?rule=x%00", "/dashboard?operator=%00"])
def test_a_nul_in_a_filter_is_refused_not_a_server_error(world_with_answers, query):
    response = world_with_answers.get(query, "rita")
    assert response.status_code == 422, response.text


def test_csi_parts_appear_on_the_dashboard_where_the_surveys_ask_them(world_with_answers):
    """Last in this module: it adds goal and emotion answers to the module's world."""
    from pipeline.records import SurveyAnswer

    before = world_with_answers.get(f"/dashboard?{EVERYTHING}", "rita").text
    assert 'id="kpi-goal"' not in before and 'id="csi-parts"' not in before
    world_with_answers.store.catalog.add_survey_answers([
        SurveyAnswer("cust-1", "goal", 2, T0 + timedelta(days=1), contact_id="c-a1"),
        SurveyAnswer("cust-1", "emotion", 4, T0 + timedelta(days=1), contact_id="c-a1"),
        SurveyAnswer("cust-2", "goal", 0, T0 + timedelta(days=2), contact_id="c-b2"),
        SurveyAnswer("cust-2", "emotion", 2, T0 + timedelta(days=2), contact_id="c-b2"),
    ])
    kpi = world_with_answers.get(f"/api/dashboard?{EVERYTHING}", "rita").json()["kpi"]
    assert (kpi["answers_goal"], kpi["goal_reached"], kpi["csi_goal"]) == (2, 0.5, 50.0)
    assert (kpi["answers_emotion"], kpi["emotion"], kpi["csi_emotion"]) == (2, 3.0, 50.0)  # (75 + 25) / 2
    assert kpi["answers"] == 4  # still the satisfaction scores only
    html = world_with_answers.get(f"/dashboard?{EVERYTHING}", "rita").text
    assert 'id="kpi-goal">50<' in html and 'id="kpi-emotion">3.0<' in html and 'id="csi-parts"' in html
    team_a = world_with_answers.get(f"/dashboard?{EVERYTHING}", "sam").text  # sees c-a1, not c-b2
    assert 'id="kpi-goal">100<' in team_a and 'id="kpi-emotion">4.0<' in team_a
    assert "Goal reached" in html or "Цель достигнута" in html
