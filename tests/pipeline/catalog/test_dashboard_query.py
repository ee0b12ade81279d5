"""The dashboards' figures on known sets, on SQLite and PostgreSQL: survey scores per week equal
features.surveys over the same answers, CSI histogram counts, worst reasons and their order, phrase
tags, alarms, desk rows, and the scope (a supervisor's numbers leave another team's contacts out)."""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from features import surveys
from pipeline.catalog import Catalog
from pipeline.catalog import dashboard_query as q
from pipeline.catalog.dashboard_query import DashboardFilter
from pipeline.records import Alarm, Contact, FeatureSet, Score, SurveyAnswer, Transcript, Turn
from pipeline.surveys.metrics import period_of
from pipeline.users.access import ContactScope
from pipeline.web import dashboard_figures as figures

EVERYONE = ContactScope()
TEAM_A = ContactScope(teams=frozenset({"A"}))
OP1 = ContactScope(operator_ids=frozenset({"op1"}))
# id, channel, operator, team, start, CSI (None: no score), reasons, tags
CONTACTS = [
    ("k1", "call", "op1", "A", datetime(2026, 3, 2, 9, tzinfo=UTC), 85.0, {"hold_s": -4.0, "polite": 2.0},
     ("greeting",)),
    ("k2", "chat", "op2", "A", datetime(2026, 3, 4, 23, 59, tzinfo=UTC), 35.0,
     {"hold_s": -2.0, "negative_share": -10.0}, ("complaint", "greeting")),
    ("k3", "call", "op3", "B", datetime(2026, 3, 9, 0, 0, tzinfo=UTC), 100.0,
     {"negative_share": -1.0, "silence": -3.0, "note": "not a number"}, ("greeting",)),
    ("k4", "desk", "op3", "B", datetime(2026, 3, 15, 23, 0, tzinfo=UTC), 5.0, {"hold_s": -6.0}, ()),
    ("k5", "call", "op1", "A", datetime(2026, 3, 16, 0, 1, tzinfo=UTC), None, {}, ("complaint",)),
]
TEAM_OF = {c[0]: c[3] for c in CONTACTS}
OPERATOR_OF = {c[0]: c[2] for c in CONTACTS}


def _answers() -> list[SurveyAnswer]:
    rng = random.Random(7)
    found = []
    for i in range(120):
        kind = ("nps", "csat", "ces")[i % 3]
        low, high = surveys.SCALES[kind]
        contact = rng.choice([c[0] for c in CONTACTS] + [None])
        at = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=rng.randrange(0, 21 * 24))
        value = rng.randint(low, high)
        reason = rng.choice(["wait", "rude", None]) if value in range(*(surveys.CRITICAL[kind][0],
                                                                        surveys.CRITICAL[kind][1] + 1)) else "fine"
        found.append(SurveyAnswer(f"cust{i}", kind, value, at, contact_id=contact,
                                  team=None if contact else "B", operator_id=None if contact else "op3",
                                  reason=reason))
    return found


ANSWERS = _answers()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    from tests.conftest import postgres_database

    with contextlib.ExitStack() as stack:
        url = (stack.enter_context(postgres_database()) if request.param == "postgresql"
               else f"sqlite:///{tmp_path_factory.mktemp('dash') / 'catalog.sqlite3'}")
        cat = Catalog(url)
        for cid, channel, operator, team, start, csi, reasons, tags in CONTACTS:
            cat.add_contact(Contact(contact_id=cid, channel=channel, source=cid, object_key=f"raw/{cid}",
                                    started_at=start, operator_id=operator, team=team, ingested_at=start))
            if csi is not None:
                cat.put_score(Score(cid, "csi", csi, "model", reasons=reasons))
            cat.put_score(Score(cid, "csi", 1.0, "survey", reasons={"hold_s": -50.0}))  # not predicted: not counted
            cat.put_transcript(Transcript(cid, "ru", (Turn("agent", 0.0, 1.0, "добрый день", tags=tags),)))
        cat.put_feature_set(FeatureSet("k4", "desk", {"desk_id": "d1", "rated": 1, "rating": "bad", "dwell_s": 30.0}))
        cat.add_survey_answers(ANSWERS)
        cat.add_alarm(Alarm("k1", "low_csi", "warning", "k1 low", datetime(2026, 3, 2, 12, tzinfo=UTC),
                            dedup_key="contact:k1"))
        cat.add_alarm(Alarm("k3", "angry", "critical", "k3 angry", datetime(2026, 3, 9, 12, tzinfo=UTC),
                            dedup_key="contact:k3"))
        cat.add_alarm(Alarm(None, "volume", "info", "many calls", datetime(2026, 3, 10, 12, tzinfo=UTC),
                            dedup_key="volume"))
        yield cat
        cat.close()


def _visible(answer: SurveyAnswer, scope: ContactScope) -> bool:
    team = answer.team or TEAM_OF.get(answer.contact_id)
    operator = answer.operator_id or OPERATOR_OF.get(answer.contact_id)
    return ((scope.teams is None or team in scope.teams)
            and (scope.operator_ids is None or operator in scope.operator_ids))


@pytest.mark.parametrize("scope", [EVERYONE, TEAM_A, OP1], ids=["everyone", "team A", "op1"])
def test_survey_scores_per_week_are_features_surveys_on_the_same_answers(catalog, scope):
    expected: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"nps": [], "csat": [], "ces": []})
    for answer in ANSWERS:
        if _visible(answer, scope):
            expected[period_of(answer.answered_at, period="week")][answer.kind].append(answer.value)
    rows = figures.survey_rows(catalog, DashboardFilter(period="week"), scope)
    assert [r["period"] for r in rows] == sorted(expected)
    for row in rows:
        values = expected[row["period"]]
        assert row["answers"] == sum(len(v) for v in values.values())
        assert row["nps"] == pytest.approx(surveys.nps(values["nps"]))
        assert row["csat"] == pytest.approx(surveys.csat(values["csat"]))
        assert row["ces"] == pytest.approx(surveys.ces(values["ces"]))
    assert len(rows) == 3  # weeks 10, 11 and 12 of 2026


def test_survey_rows_by_team_and_answer_distribution(catalog):
    rows = figures.survey_rows(catalog, DashboardFilter(), EVERYONE, by="team", per_period=False)
    by_team = {r["team"]: r for r in rows}
    for team in ("A", "B"):
        nps = [a.value for a in ANSWERS if a.kind == "nps" and (a.team or TEAM_OF.get(a.contact_id)) == team]
        assert by_team[team]["answers_nps"] == len(nps)
        assert by_team[team]["nps"] == pytest.approx(surveys.nps(nps))
    nps = figures.answer_distribution(catalog, DashboardFilter(), EVERYONE, "nps")
    assert [r["value"] for r in nps] == list(range(11))
    assert [r["answers"] for r in nps] == [sum(a.kind == "nps" and a.value == v for a in ANSWERS) for v in range(11)]


def test_csi_histogram_counts_the_predicted_csi_only(catalog):
    bins = {r["low"]: r["contacts"] for r in figures.csi_histogram(catalog, DashboardFilter(), EVERYONE)}
    assert bins == {0: 1, 10: 0, 20: 0, 30: 1, 40: 0, 50: 0, 60: 0, 70: 0, 80: 1, 90: 1}  # 100 is in the last
    team_a = {r["low"]: r["contacts"] for r in figures.csi_histogram(catalog, DashboardFilter(), TEAM_A)}
    assert sum(team_a.values()) == 2 and team_a[80] == 1 and team_a[30] == 1
    by_team = figures.csi_histogram(catalog, DashboardFilter(), EVERYONE, by="team")
    assert {(r["team"], r["low"]) for r in by_team if r["contacts"]} == {("A", 80), ("A", 30), ("B", 90), ("B", 0)}


def test_worst_reasons_in_order_with_mean_effect(catalog):
    rows = q.worst_reasons(catalog, DashboardFilter(), EVERYONE)
    assert [(r["reason"], r["contacts"]) for r in rows] == [("hold_s", 3), ("negative_share", 2), ("silence", 1)]
    assert rows[0]["mean_points"] == pytest.approx(-4.0) and rows[1]["mean_points"] == pytest.approx(-5.5)
    team_a = q.worst_reasons(catalog, DashboardFilter(), TEAM_A)
    assert [(r["reason"], r["contacts"], r["total_points"]) for r in team_a] == [("hold_s", 2, -6.0),
                                                                                 ("negative_share", 1, -10.0)]


def test_a_supervisors_numbers_leave_other_teams_out(catalog):
    everyone = q.contact_total(catalog, DashboardFilter(), EVERYONE)
    team_a = q.contact_total(catalog, DashboardFilter(), TEAM_A)
    assert (everyone["contacts"], team_a["contacts"]) == (5, 3)
    assert team_a["csi_mean"] == pytest.approx(60.0)
    assert q.contact_total(catalog, DashboardFilter(team="B"), TEAM_A)["contacts"] == 0  # a filter never widens
    tags = {r["tag"]: r["contacts"] for r in q.tag_counts(catalog, DashboardFilter(), TEAM_A)}
    assert tags == {"greeting": 2, "complaint": 2}
    assert [r["alarm_id"] and r["contact_id"] for r in q.alarm_list(catalog, DashboardFilter(), TEAM_A,
                                                                     unattached=False)] == ["k1"]


def test_contact_trend_by_week_and_period_filter(catalog):
    rows = figures.contact_trend(catalog, DashboardFilter(period="week"), EVERYONE)
    assert [(r["period"], r["contacts"], r["csi_contacts"]) for r in rows] == [
        ("2026-W10", 2, 2), ("2026-W11", 2, 2), ("2026-W12", 1, 0)]
    assert rows[0]["csi_mean"] == pytest.approx(60.0) and rows[2]["csi_mean"] is None
    days = figures.contact_trend(catalog, DashboardFilter(period="day", since=datetime(2026, 3, 4, tzinfo=UTC),
                                                          until=datetime(2026, 3, 16, tzinfo=UTC)), EVERYONE)
    assert [r["period"] for r in days] == ["2026-03-04", "2026-03-09", "2026-03-15"]
    months = figures.contact_trend(catalog, DashboardFilter(period="month"), EVERYONE)
    assert [(r["period"], r["contacts"]) for r in months] == [("2026-03", 5)]


def test_alarms_newest_first_and_unattached_only_when_allowed(catalog):
    everything = q.alarm_list(catalog, DashboardFilter(), EVERYONE, unattached=True)
    assert [a["rule"] for a in everything] == ["volume", "angry", "low_csi"]
    assert [a["rule"] for a in q.alarm_list(catalog, DashboardFilter(), EVERYONE, unattached=False)] == [
        "angry", "low_csi"]
    assert [a["rule"] for a in q.alarm_list(catalog, DashboardFilter(channel="call"), EVERYONE,
                                            unattached=True)] == ["angry", "low_csi"]
    later = q.alarm_list(catalog, DashboardFilter(), EVERYONE, unattached=True,
                         raised_since=datetime(2026, 3, 9, 12, tzinfo=UTC))
    assert [a["rule"] for a in later] == ["volume", "angry"]
    counts = q.alarm_counts(catalog, DashboardFilter(), EVERYONE, unattached=True)
    assert counts == [{"day": "2026-03-02", "rule": "low_csi", "alarms": 1},
                      {"day": "2026-03-09", "rule": "angry", "alarms": 1},
                      {"day": "2026-03-10", "rule": "volume", "alarms": 1}]


def test_group_summary_desk_and_survey_reasons(catalog):
    teams = {r["team"]: r for r in figures.group_summary(catalog, DashboardFilter(), EVERYONE, by="team")}
    assert (teams["A"]["contacts"], teams["B"]["contacts"], teams["A"]["alarms"], teams["B"]["alarms"]) == (3, 2, 1, 1)
    desk = figures.desk_rows(catalog, DashboardFilter(), EVERYONE)
    assert [(r["desk"], r["visitors"], r["bad"], r["csi_mean"]) for r in desk] == [("d1", 1, 1, 5.0)]
    assert figures.desk_rows(catalog, DashboardFilter(), TEAM_A) == []
    reasons = figures.survey_reasons(catalog, DashboardFilter(), EVERYONE)
    expected = defaultdict(int)
    for a in ANSWERS:
        low, high = surveys.CRITICAL[a.kind]
        if low <= a.value <= high and a.reason:
            expected[(a.kind, a.reason)] += 1
    assert {(r["kind"], r["reason"]): r["answers"] for r in reasons} == dict(expected)
    assert [r["answers"] for r in reasons] == sorted((r["answers"] for r in reasons), reverse=True)


def test_bad_filters_are_refused():
    with pytest.raises(ValueError, match="period"):
        DashboardFilter(period="year")
    with pytest.raises(ValueError, match="channel"):
        DashboardFilter(channel="fax")
    with pytest.raises(ValueError, match="since"):
        DashboardFilter(since=datetime(2026, 3, 2, tzinfo=UTC), until=datetime(2026, 3, 1, tzinfo=UTC))
