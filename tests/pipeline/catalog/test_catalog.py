"""The catalog contract, run against SQLite and the live PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.catalog import Catalog
from pipeline.records import Contact, ErrorRecord, FeatureSet, TelephonyEvent

MSK = timezone(timedelta(hours=3))


def _contact(contact_id: str = "c1", **kwargs) -> Contact:
    values = dict(contact_id=contact_id, channel="call", source=f"/calls/{contact_id}.wav",
                  object_key=f"raw/00/{contact_id}", ingested_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    values.update(kwargs)
    return Contact(**values)


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def test_contact_roundtrip_keeps_every_field_and_the_instant(catalog):
    contact = _contact(started_at=datetime(2026, 11, 20, 10, 15, tzinfo=MSK), operator_id="op-1",
                       customer_id="cu-9", team="cards", channel_map={"left": "agent", "right": "customer"},
                       language="en")
    assert catalog.add_contact(contact) is True
    stored = catalog.get_contact("c1")
    assert stored.started_at == contact.started_at  # same instant, returned in UTC
    assert stored.started_at.tzinfo is not None and stored.started_at.utcoffset() == timedelta(0)
    assert (stored.operator_id, stored.customer_id, stored.team) == ("op-1", "cu-9", "cards")
    assert dict(stored.channel_map) == {"left": "agent", "right": "customer"}
    assert stored.object_key == "raw/00/c1" and stored.language == "en"


def test_adding_a_contact_twice_keeps_one_and_its_events(catalog):
    events = [TelephonyEvent("ivr_start", 0.0), TelephonyEvent("ivr_end", 4.5, exit="operator"),
              TelephonyEvent("agent_answer", 9.0, agent_id="op-1")]
    assert catalog.add_contact(_contact(), events) is True
    assert catalog.add_contact(_contact(), [TelephonyEvent("hangup", 1.0)]) is False
    assert [c.contact_id for c in catalog.contacts()] == ["c1"]
    assert catalog.events("c1") == events


def test_concurrent_adds_of_the_same_contact_create_one(catalog):
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(catalog.add_contact(_contact()))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert len(catalog.contacts()) == 1


def test_find_contacts_by_prefix(catalog):
    for cid in ["abc1", "abc2", "abd3", "a_c4"]:
        catalog.add_contact(_contact(cid))
    assert {c.contact_id for c in catalog.find_contacts("abc")} == {"abc1", "abc2"}
    assert [c.contact_id for c in catalog.find_contacts("a_")] == ["a_c4"]  # "_" is not a wildcard
    assert catalog.find_contacts("zzz") == []


def test_error_records_are_idempotent_and_filterable(catalog):
    error = ErrorRecord(error_id="e1", source="/in/bad.wav", stage="ingest", message="bad.wav: empty file",
                        created_at=datetime.now(UTC), quarantine_key="quarantine/aa/aa/bad.wav")
    assert catalog.add_error(error) is True
    assert catalog.add_error(error) is False
    catalog.add_contact(_contact())
    catalog.add_error(ErrorRecord(error_id="e2", source="x", stage="probe", message="m",
                                  created_at=datetime.now(UTC), contact_id="c1"))
    assert [e.error_id for e in catalog.errors()] == ["e1", "e2"]
    assert [e.error_id for e in catalog.errors("c1")] == ["e2"]
    assert catalog.errors()[0].message == "bad.wav: empty file"


def test_feature_sets_are_replaced_not_duplicated(catalog):
    catalog.add_contact(_contact())
    catalog.put_feature_set(FeatureSet("c1", "probe", {"duration_s": 1.5, "format": "WAV"}))
    catalog.put_feature_set(FeatureSet("c1", "probe", {"duration_s": 2.5, "format": "WAV"}))
    [features] = catalog.feature_sets("c1")
    assert features.values == {"duration_s": 2.5, "format": "WAV"}


def test_contacts_needing_stages_and_stage_statuses(catalog):
    for cid in ["c1", "c2", "c3"]:
        catalog.add_contact(_contact(cid))
    catalog.record_stage_run("c1", "probe", ok=True, seconds=0.1)
    catalog.record_stage_run("c2", "probe", ok=False, seconds=0.1, error_id="e9")
    assert catalog.contacts_needing(["probe"]) == ["c3"]
    assert catalog.contacts_needing(["probe", "speech"]) == ["c1", "c3"]  # c2 failed: it waits for a person
    assert catalog.stage_statuses() == {"c1": {"probe": "ok"}, "c2": {"probe": "failed"}}
    catalog.record_stage_run("c2", "probe", ok=True, seconds=0.2)
    assert catalog.stage_statuses("c2") == {"c2": {"probe": "ok"}}


def test_scores_are_replaced_per_name_and_source_and_keep_their_reasons(catalog):
    from pipeline.records import Score

    catalog.add_contact(_contact("s1"))
    catalog.add_contact(_contact("s2"))
    catalog.put_score(Score("s1", "csi", 61.5, "model", reasons={"customer_sentiment": -12.25}))
    catalog.put_score(Score("s1", "csi", 58.0, "model", reasons={"customer_sentiment": -15.0, "agent_words": 2.5}))
    catalog.put_score(Score("s1", "csi", 40.0, "survey"))
    catalog.put_score(Score("s2", "csi", 90.0, "model"))
    mine = catalog.scores("s1")
    assert [(s.source, s.value) for s in mine] == [("model", 58.0), ("survey", 40.0)]
    assert mine[0].reasons == {"customer_sentiment": -15.0, "agent_words": 2.5}
    assert [s.contact_id for s in catalog.scores(name="csi") if s.source == "model"] == ["s1", "s2"]
    assert catalog.scores(name="checklist") == []


def test_the_catalog_never_shows_a_password_of_its_url(tmp_path):
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}?password=s3cr3t&mode=rw", upgrade=False)
    assert "s3cr3t" not in repr(catalog) and "password=***" in repr(catalog)
    catalog.close()
