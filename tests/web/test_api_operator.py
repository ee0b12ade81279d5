"""``GET /api/operators/{id}/summary`` and ``GET /api/me/summary`` on a known answer, SQLite and PostgreSQL.

Two operators of team T, two ISO weeks (2026-W41, 2026-W42), written into the ``world`` store here:

- opx1: x1a (W41; checklist basic: rule 0.5 and reviewer 1.0, the reviewer's wins; checklist extra: model
  0.2; CSI 60), x1b (W41; basic rule 0.6; CSI 80), x1c (W42; basic model 0.3; CSI 50);
- opx2: x2a (W41; basic rule 0.9; CSI 40), x2b (W42; basic rule 0.1; CSI 20).
- Survey answers: opx1 NPS 10, 9, 3 and CSAT 5, 2 in W41 (the answer names the operator), NPS 7 in W42 named
  only through its contact x1c; opx2 NPS 0 in W41.
- Reviews: x1a's greeting overridden and x1b's confirmed (both wait for opx1); x1c's greeting reviewed,
  disputed by opx1 and resolved with another value; x1c's solution failed (0).
- Mystery shopper evaluations: opx1 mx-1 (W41, 87.5) and mx-2 (W42, 40.0), opx2 mx-3 (W41, 20.0); none of
  them moves a figure above (the known answers hold with them stored).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from features import surveys

W41 = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)  # a Monday
W42 = W41 + timedelta(days=7)
SINCE, UNTIL = "2026-10-01T00:00:00Z", "2026-10-20T00:00:00Z"
Q = {"since": SINCE, "until": UNTIL}
CONTACTS = [  # contact, operator, started, {(checklist, source): value}, csi
    ("x1a", "opx1", W41, {("basic", "rule"): 0.5, ("basic", "reviewer"): 1.0, ("extra", "model"): 0.2}, 60.0),
    ("x1b", "opx1", W41 + timedelta(days=2), {("basic", "rule"): 0.6}, 80.0),
    ("x1c", "opx1", W42, {("basic", "model"): 0.3}, 50.0),
    ("x2a", "opx2", W41 + timedelta(hours=3), {("basic", "rule"): 0.9}, 40.0),
    ("x2b", "opx2", W42 + timedelta(days=1), {("basic", "rule"): 0.1}, 20.0),
]
OPX1_NPS, TEAM_NPS = [10, 9, 3, 7], [10, 9, 3, 7, 0]
MYSTERY = [  # evaluation, operator, at, score, the shopper's comment
    ("mx-1", "opx1", W41 + timedelta(days=1), 87.5, "greeted warmly, long hold"),
    ("mx-2", "opx1", W42 + timedelta(days=1), 40.0, "no farewell"),
    ("mx-3", "opx2", W41 + timedelta(hours=6), 20.0, "interrupted the shopper"),
]


@pytest.fixture(scope="module")
def data(world):
    from pipeline.records import ChecklistResult, Contact, ReviewEvent, Score, SurveyAnswer
    from pipeline.mystery.evaluation import MysteryEvaluation
    from pipeline.mystery.store import put_evaluations
    from pipeline.users.accounts import add_user

    catalog = world.store.catalog
    for cid, operator, at, checklists, csi in CONTACTS:
        catalog.add_contact(Contact(contact_id=cid, channel="chat", source=f"/in/{cid}.json",
                                    object_key=f"raw/{cid}.json", started_at=at, operator_id=operator, team="T",
                                    ingested_at=at), [])
        for (checklist, source), value in checklists.items():
            catalog.put_score(Score(cid, f"checklist:{checklist}", value, source))
        catalog.put_score(Score(cid, "csi", csi, "model"))
    catalog.put_checklist_results([ChecklistResult("x1a", "basic", "greeting", 1.0, "rule")])
    catalog.put_checklist_results([ChecklistResult("x1b", "basic", "greeting", 1.0, "rule")])
    catalog.put_checklist_results([ChecklistResult("x1c", "basic", "greeting", 1.0, "rule"),
                                   ChecklistResult("x1c", "basic", "solution", 0.0, "rule")])
    catalog.record_review([
        ReviewEvent("x1a", "basic", "greeting", actor="rita", role="reviewer", action="override", at=W41,
                    value=0.0, comment="the greeting came after the customer spoke"),
        ReviewEvent("x1b", "basic", "greeting", actor="rita", role="reviewer", action="confirm", at=W41,
                    comment="good"),
        ReviewEvent("x1c", "basic", "greeting", actor="rita", role="reviewer", action="override", at=W42,
                    value=0.0, comment="no greeting"),
        ReviewEvent("x1c", "basic", "greeting", actor="opx1", role="operator", action="dispute",
                    at=W42 + timedelta(hours=1), comment="I greeted at 0:03"),
        ReviewEvent("x1c", "basic", "greeting", actor="rita", role="reviewer", action="resolve",
                    at=W42 + timedelta(hours=2), value=1.0, comment="right, it was there"),
    ])
    answers = [SurveyAnswer(f"k1-{v}", "nps", v, W41 + timedelta(hours=1), operator_id="opx1", team="T")
               for v in (10, 9, 3)]
    answers += [SurveyAnswer(f"k2-{v}", "csat", v, W41 + timedelta(hours=2), operator_id="opx1", team="T") for v in (5, 2)]
    answers += [SurveyAnswer("k3", "nps", 7, W42 + timedelta(hours=5), contact_id="x1c"),
                SurveyAnswer("k4", "nps", 0, W41 + timedelta(hours=4), operator_id="opx2", team="T")]
    catalog.add_survey_answers(answers)
    put_evaluations(catalog.engine, [
        MysteryEvaluation(eid, f"S-{eid}", operator, "call", at, "ru_bank_call", "1", (("greeting", 1.0),), score,
                          comment=comment, team="T")
        for eid, operator, at, score, comment in MYSTERY])
    tokens = dict(world.tokens)
    for name, role, operator, team in (("xolga", "operator", "opx1", None), ("xoleg", "operator", "opx2", None),
                                       ("xsam", "supervisor", None, "T")):
        tokens[name] = add_user(catalog, name, role, operator_id=operator, team=team, language="en")[1]
    world.tokens.update(tokens)
    return world


def _summary(world, who: str, operator: str = "opx1", **params):
    return world.get(f"/api/operators/{operator}/summary", who, params={**Q, **params})


def test_weekly_means_follow_the_reviewer_first_rule(data):
    body = _summary(data, "rita").json()
    weeks = {w["period"]: w for w in body["weeks"]}
    assert list(weeks) == ["2026-W41", "2026-W42"]
    assert weeks["2026-W41"]["contacts"] == 2 and weeks["2026-W42"]["contacts"] == 1
    assert weeks["2026-W41"]["checklist"] == pytest.approx((1.0 + 0.2 + 0.6) / 3)  # not the rule's 0.5
    assert weeks["2026-W42"]["checklist"] == pytest.approx(0.3)
    assert weeks["2026-W41"]["csi_predicted"] == pytest.approx(70.0)
    assert weeks["2026-W42"]["csi_predicted"] == pytest.approx(50.0)
    assert body["totals"]["contacts"] == 3
    assert body["totals"]["checklist"] == pytest.approx((1.0 + 0.2 + 0.6 + 0.3) / 4)


def test_survey_scores_are_those_of_features_surveys(data):
    body = _summary(data, "rita").json()
    weeks = {w["period"]: w for w in body["weeks"]}
    assert weeks["2026-W41"]["nps"] == surveys.nps([10, 9, 3])
    assert weeks["2026-W42"]["nps"] == surveys.nps([7])  # through its contact: the answer names no operator
    assert body["totals"]["nps"] == surveys.nps(OPX1_NPS)
    assert body["totals"]["csat"] == surveys.csat([5, 2]) == 50.0
    assert body["totals"]["csi_survey"] == pytest.approx(surveys.csi(csat=[5, 2], nps=OPX1_NPS))
    assert body["totals"]["answers"] == 6


def test_team_average(data):
    team = _summary(data, "rita").json()["team"]
    assert team["team"] == "T" and team["operators"] == 2 and team["contacts"] == 5
    assert team["contacts_per_operator"] == pytest.approx(2.5)
    assert team["checklist"] == pytest.approx((1.0 + 0.2 + 0.6 + 0.3 + 0.9 + 0.1) / 6)
    assert team["csi_predicted"] == pytest.approx((60 + 80 + 50 + 40 + 20) / 5)
    assert team["nps"] == surveys.nps(TEAM_NPS)


def test_feedback_items_failed_and_disputes(data):
    body = _summary(data, "xolga").json()
    waiting = {(f["contact_id"], f["item_id"]) for f in body["feedback"]}
    assert waiting == {("x1a", "greeting"), ("x1b", "greeting")}  # x1c's was disputed and resolved
    comments = {f["contact_id"]: f["comment"] for f in body["feedback"]}
    assert comments["x1a"] == "the greeting came after the customer spoke"
    assert body["items_failed"] == [  # x1a's greeting overridden to 0; x1c's solution 0; ties by name
        {"checklist_id": "basic", "item_id": "greeting", "failed": 1, "answered": 3},
        {"checklist_id": "basic", "item_id": "solution", "failed": 1, "answered": 1}]
    [dispute] = body["disputes"]
    assert dispute["contact_id"] == "x1c" and dispute["comment"] == "I greeted at 0:03"
    assert dispute["outcome"] == "changed" and dispute["resolved_value"] == 1.0
    assert body["dispute_outcomes"] == {"changed": 1}


def test_months_and_a_narrow_period(data):
    body = _summary(data, "rita", period="month").json()
    assert [w["period"] for w in body["weeks"]] == ["2026-10"] and body["weeks"][0]["contacts"] == 3
    body = _summary(data, "rita", since="2026-10-12T00:00:00Z").json()
    assert [w["period"] for w in body["weeks"]] == ["2026-W42"]
    assert body["totals"]["nps"] == surveys.nps([7])


@pytest.mark.parametrize(("who", "operator", "status"), [
    ("xolga", "opx1", 200), ("xolga", "opx2", 404), ("xoleg", "opx1", 404), ("olga", "opx1", 404),
    ("xsam", "opx1", 200), ("xsam", "opx2", 200), ("sam", "opx1", 404), ("sam", "op1", 200),
    ("rita", "opx2", 200), ("ann", "opx1", 200), ("rita", "nobody", 404), (None, "opx1", 401),
    ("dan", "opx1", 401),
])
def test_who_may_see_whom(data, who, operator, status):
    assert _summary(data, who, operator).status_code == status


def test_me_summary_is_the_callers_own(data):
    mine = data.get("/api/me/summary", "xolga", params=Q)
    assert mine.status_code == 200 and mine.json()["operator_id"] == "opx1"
    assert mine.json()["totals"]["contacts"] == 3
    assert data.get("/api/me/summary", "rita", params=Q).status_code == 404


def test_supervisor_counts_only_their_teams_contacts(data):
    body = data.get("/api/operators/op2/summary", "sam").json()  # op2: c-a3 in team A, c-b2 in team B
    assert body["totals"]["contacts"] == 1 and body["team"]["team"] == "A"
    assert data.get("/api/operators/op2/summary", "rita").json()["totals"]["contacts"] == 2


@pytest.mark.parametrize("params", [{"period": "day"}, {"since": UNTIL, "until": SINCE}, {"format": "pdf"},
                                    {"since": "yesterday"}])
def test_bad_input_is_422(data, params):
    response = _summary(data, "rita", **params)
    assert response.status_code == 422, response.text


def test_weekly_rows_as_csv_and_xlsx(data):
    from openpyxl import load_workbook

    response = _summary(data, "xolga", format="csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["period"] for r in rows] == ["2026-W41", "2026-W42"]
    assert float(rows[0]["checklist"]) == pytest.approx(0.6) and rows[1]["nps"] == str(surveys.nps([7]))
    sheet = load_workbook(io.BytesIO(_summary(data, "xolga", format="xlsx").content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("period", "contacts", "checklist") and len(table) == 3
    entries, _ = data.store.catalog.audit_entries(action="export.operator")
    assert any(e["detail"]["operator_id"] == "opx1" and e["detail"]["format"] == "xlsx" for e in entries)


def test_pages_answer_by_role(data):
    page = data.get("/me?lang=en&since=2026-10-01&until=2026-10-19", "xolga")
    assert page.status_code == 200 and "My numbers" in page.text
    assert page.text.count('class="op-feedback"') == 2 and page.text.count('value="acknowledge"') == 2
    assert "<svg" in page.text and "2026-W42" in page.text and 'name="csrf"' in page.text
    other = data.get("/operators/opx1?lang=en&since=2026-10-01&until=2026-10-19", "xsam")
    assert other.status_code == 200 and "Operator opx1" in other.text
    assert 'value="acknowledge"' not in other.text  # only the operator answers the review of their contact
    assert data.get("/operators/opx1", "sam").status_code == 404
    assert data.get("/operators/opx2", "xolga").status_code == 404
    assert data.get("/me", "rita").status_code == 404
    assert data.get("/me", None, follow_redirects=False).status_code == 303
    assert "Мои показатели" in data.get("/me?lang=ru&since=not-a-day", "xolga").text  # a bad day: a notice, no 500


def _mystery_section(page: str) -> str:
    return page[page.index('id="mystery"'):]


def test_the_operator_page_lists_their_own_mystery_evaluations_apart(data):
    mine = data.get("/me?lang=en&since=2026-10-01&until=2026-10-19", "xolga")
    section = _mystery_section(mine.text)
    assert mine.status_code == 200 and "Mystery shopper evaluations (2)" in section
    assert "Apart from quality control: not counted in the figures above" in section
    rows = section.split('class="op-mystery-row"')[1:]
    assert [r.split('data-evaluation="')[1].split('"')[0] for r in rows] == ["mx-2", "mx-1"]  # newest first
    assert "2026-10-13 10:00" in rows[0] and "40.0" in rows[0] and "no farewell" in rows[0]
    assert "2026-10-06 10:00" in rows[1] and "87.5" in rows[1] and "ru_bank_call" in rows[1] and ">call<" in rows[1]
    assert "interrupted the shopper" not in mine.text and "mx-3" not in mine.text  # opx2's
    assert mine.text.index('id="headline"') < mine.text.index('id="mystery"')  # below the QA figures, apart
    theirs = _mystery_section(data.get("/me?lang=en&since=2026-10-01&until=2026-10-19", "xoleg").text)
    assert "Mystery shopper evaluations (1)" in theirs and "interrupted the shopper" in theirs
    assert "no farewell" not in theirs
    ru = _mystery_section(data.get("/me?lang=ru&since=2026-10-01&until=2026-10-19", "xolga").text)
    assert "Тайный покупатель: оценки (2)" in ru and "в цифры выше не входят" in ru and "звонок" in ru
    later = _mystery_section(data.get("/me?lang=en&since=2026-10-14&until=2026-10-19", "xolga").text)
    assert "No mystery shopper evaluation in this period" in later and "op-mystery-row" not in later
    supervisor = _mystery_section(data.get("/operators/opx1?lang=en&since=2026-10-01&until=2026-10-19", "xsam").text)
    assert supervisor.count('class="op-mystery-row"') == 2 and "interrupted the shopper" not in supervisor
    summary = data.get("/api/me/summary", "xolga", params=Q).json()
    assert [(m["evaluation_id"], m["kind"]) for m in summary["mystery"]] == [("mx-1", "mystery"), ("mx-2", "mystery")]
