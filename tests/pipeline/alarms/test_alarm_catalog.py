"""Alarms and customer flags in the catalog, on SQLite and the live PostgreSQL server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.catalog import Catalog
from pipeline.catalog.alarms import alarm_id
from pipeline.records import Alarm, Contact, FeatureSet, Score, SurveyAnswer
from tests.pipeline.alarms.helpers import NOW, contact

MSK = timezone(timedelta(hours=3))


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def _alarm(rule="complaint", minutes=0, contact_id="c1", **kwargs):
    values = dict(contact_id=contact_id, rule=rule, severity="warning", message=f"{rule} on {contact_id}",
                  raised_at=NOW + timedelta(minutes=minutes), customer_id="cu-1", operator_id="op-1",
                  dedup_key=f"contact:{contact_id}")
    values.update(kwargs)
    return Alarm(**values)


def test_alarms_roundtrip_with_details_and_deliveries(catalog):
    raised = _alarm(raised_at=NOW.astimezone(MSK), details={"values": {"survey.csat": 2}, "source": "r.yaml:2"})
    stored = catalog.add_alarm(raised)
    assert stored.alarm_id == alarm_id(raised) and len(stored.alarm_id) == 16
    assert catalog.alarms() == [stored]
    assert catalog.alarms()[0].raised_at == NOW and catalog.alarms()[0].raised_at.utcoffset() == timedelta(0)
    delivered = ({"sink": "log", "ok": True, "attempts": 1, "status": None, "error": None, "at": NOW.isoformat()},
                 {"sink": "webhook", "ok": False, "attempts": 2, "status": 500, "error": "HTTP 500", "at": "x"})
    catalog.set_alarm_deliveries(stored.alarm_id, delivered)
    [again] = catalog.alarms()
    assert again.deliveries == delivered and again.details == {"values": {"survey.csat": 2}, "source": "r.yaml:2"}
    with pytest.raises(KeyError):
        catalog.set_alarm_deliveries("nope", [])
    # the same alarm stored twice is one row; the first stays
    assert catalog.add_alarm(raised) == again and len(catalog.alarms()) == 1


def test_explicit_dedup_key_details_and_deliveries_replace_the_alarms_own(catalog):
    stored = catalog.add_alarm(_alarm(dedup_key=""), "operator:op-1", {"why": 1}, [{"sink": "log", "ok": True}])
    assert (stored.dedup_key, stored.details, stored.deliveries) == ("operator:op-1", {"why": 1},
                                                                    ({"sink": "log", "ok": True},))
    assert catalog.alarms() == [stored]
    with pytest.raises(ValueError, match="no dedup_key"):
        catalog.add_alarm(_alarm(dedup_key=""))


def test_alarms_filter_by_time_rule_contact_and_the_last_one_per_key(catalog):
    first = catalog.add_alarm(_alarm(minutes=0, dedup_key="operator:op-1"))
    second = catalog.add_alarm(_alarm(minutes=10, contact_id="c2", dedup_key="operator:op-1"))
    other = catalog.add_alarm(_alarm(rule="low_csi", minutes=5))
    share = catalog.add_alarm(_alarm(rule="share", minutes=20, contact_id=None, customer_id=None, operator_id=None,
                                     dedup_key="rule", severity="critical"))
    assert catalog.alarms() == [first, other, second, share]  # oldest first
    assert catalog.alarms(since=NOW + timedelta(minutes=5)) == [other, second, share]
    assert catalog.alarms(until=NOW + timedelta(minutes=10)) == [first, other]
    assert catalog.alarms(rule="complaint") == [first, second]
    assert catalog.alarms(contact_id="c1") == [first, other]
    assert catalog.alarms(rule="complaint", contact_id="c2") == [second]
    assert catalog.last_alarm("complaint", "operator:op-1") == second
    assert catalog.last_alarm("share", "rule") == share and share.contact_id is None
    assert catalog.last_alarm("complaint", "operator:op-2") is None


def test_a_flag_runs_until_its_time_and_setting_it_never_shortens_it(catalog):
    until = NOW + timedelta(days=30)
    flag = catalog.set_customer_flag("cu-1", "do_not_sell", until, "do_not_sell: CSAT 1", "c1", set_at=NOW)
    assert (flag.until, flag.set_at, flag.contact_id) == (until, NOW, "c1")
    assert catalog.customer_flags("cu-1", at=NOW) == [flag]
    assert catalog.customer_flags("cu-1", at=until - timedelta(seconds=1)) == [flag]
    assert catalog.customer_flags("cu-1", at=until) == []  # expired
    assert catalog.customer_flags("cu-2", at=NOW) == []
    # a shorter one keeps the longer
    kept = catalog.set_customer_flag("cu-1", "do_not_sell", NOW + timedelta(days=3), "other", "c2",
                                     set_at=NOW + timedelta(days=1))
    assert kept == flag
    # a longer one replaces it
    later = catalog.set_customer_flag("cu-1", "do_not_sell", NOW + timedelta(days=40), "do_not_sell: NPS 2", "c3",
                                      set_at=NOW + timedelta(days=10))
    assert catalog.customer_flags("cu-1", at=NOW + timedelta(days=35)) == [later]
    other = catalog.set_customer_flag("cu-1", "vip_callback", NOW + timedelta(days=1), "", None, set_at=NOW)
    assert [f.flag for f in catalog.customer_flags("cu-1", at=NOW + timedelta(hours=12))] == ["do_not_sell",
                                                                                             "vip_callback"]
    assert other.contact_id is None
    with pytest.raises(ValueError, match="timezone"):
        catalog.set_customer_flag("cu-1", "x", datetime(2026, 12, 1), "", None)


def test_contacts_started_in_a_window_and_their_results_in_bulk(catalog):
    for cid, minutes in [("a", -120), ("b", -30), ("c", 0), ("d", 10)]:
        catalog.add_contact(contact(cid, minutes=minutes))
    catalog.add_contact(Contact(contact_id="nostart", channel="chat", source="x.jsonl", object_key="raw/x"))
    window = catalog.contacts_started(NOW - timedelta(hours=1), NOW)
    assert [c.contact_id for c in window] == ["b"]
    assert [c.contact_id for c in catalog.contacts_started(NOW - timedelta(hours=3), NOW + timedelta(hours=1))] == [
        "a", "b", "c", "d"]
    catalog.put_feature_set(FeatureSet("b", "call", {"hold_s": 130.0}))
    catalog.put_feature_set(FeatureSet("b", "csi", {"csi": 38.0}))
    catalog.put_score(Score("b", "csi", 38.0, "model"))
    catalog.add_survey_answer(SurveyAnswer("cu-1", "csat", 2, NOW, contact_id="b"))
    results = catalog.results_of(["b", "c", "b"])
    assert sorted(results) == ["b", "c"] and results["c"] == ([], [], [])
    feature_sets, scores, answers = results["b"]
    assert [f.name for f in feature_sets] == ["call", "csi"] and feature_sets[0].values == {"hold_s": 130.0}
    assert [(s.name, s.value) for s in scores] == [("csi", 38.0)]
    assert [(a.kind, a.value) for a in answers] == [("csat", 2)]


def test_contacts_with_answers_after_their_alarm_stage(catalog):
    for cid in ("early", "late", "never", "failed"):
        catalog.add_contact(contact(cid))
    catalog.add_survey_answer(SurveyAnswer("cu-1", "csat", 5, NOW, contact_id="early"))
    time.sleep(0.01)
    catalog.record_stage_run("early", "alarms", ok=True, seconds=0.0)
    catalog.record_stage_run("late", "alarms", ok=True, seconds=0.0)
    catalog.record_stage_run("failed", "alarms", ok=False, seconds=0.0)
    time.sleep(0.01)
    catalog.add_survey_answers([SurveyAnswer("cu-6", "csat", 2, NOW, contact_id="late"),
                                SurveyAnswer("cu-2", "nps", 3, NOW, contact_id="never"),
                                SurveyAnswer("cu-3", "nps", 3, NOW, contact_id="failed"),
                                SurveyAnswer("cu-4", "nps", 3, NOW, contact_id="not-ingested"),
                                SurveyAnswer("cu-5", "nps", 3, NOW)])
    due = catalog.contacts_with_new_answers("alarms")
    assert set(due) == {"late", "never", "failed"}  # not "early": its answer came before its evaluation
    assert due["never"] is None and due["failed"] is None and due["late"] <= datetime.now(UTC)
    catalog.record_stage_run("late", "alarms", ok=True, seconds=0.0)
    assert "late" not in catalog.contacts_with_new_answers("alarms")
