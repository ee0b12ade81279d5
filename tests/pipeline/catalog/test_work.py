"""Leases and retries in the catalog, against SQLite and the live PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.catalog import Catalog
from tests.pipeline.catalog.test_catalog import _contact

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    for contact_id in ("c1", "c2"):
        catalog.add_contact(_contact(contact_id))
    yield catalog
    catalog.close()


def test_a_held_contact_cannot_be_claimed_until_released_or_expired(catalog):
    assert catalog.claim_contact("c1", "run-a", lease_s=60, now=NOW)
    assert not catalog.claim_contact("c1", "run-b", lease_s=60, now=NOW + timedelta(seconds=59))
    assert catalog.claim_contact("c1", "run-a", lease_s=60, now=NOW + timedelta(seconds=30))  # a renewal
    assert catalog.leased_contacts(now=NOW + timedelta(seconds=60)) == {"c1": "run-a"}
    assert catalog.claim_contact("c1", "run-b", lease_s=60, now=NOW + timedelta(seconds=91))  # run-a's expired
    catalog.release_contact("c1", "run-a")  # not run-a's any more: nothing happens
    assert catalog.leased_contacts(now=NOW + timedelta(seconds=92)) == {"c1": "run-b"}
    catalog.release_contact("c1", "run-b")
    assert catalog.leased_contacts(now=NOW) == {}
    assert catalog.claim_contact("c1", "run-c", lease_s=60, now=NOW)


def test_two_runs_claiming_at_once_get_it_once(catalog):
    won: list[str] = []
    barrier = threading.Barrier(6)

    def claim(owner: str) -> None:
        barrier.wait()
        if catalog.claim_contact("c2", owner, lease_s=600):
            won.append(owner)

    threads = [threading.Thread(target=claim, args=(f"run-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and catalog.leased_contacts() == {"c2": won[0]}


def test_outages_are_tried_again_then_wait_for_a_person(catalog):
    statuses = [catalog.record_stage_run("c1", "call", ok=False, seconds=1.0, outage=True, attempts_allowed=3)
                for _ in range(3)]
    assert statuses == ["outage", "outage", "failed"]
    assert catalog.contacts_needing(["probe", "call"]) == ["c2"]


def test_an_outage_leaves_the_contact_waiting_for_the_next_run(catalog):
    catalog.record_stage_run("c1", "probe", ok=True, seconds=0.1)
    assert catalog.record_stage_run("c1", "call", ok=False, seconds=1.0, outage=True) == "outage"
    assert catalog.contacts_needing(["probe", "call"]) == ["c1", "c2"]
    assert catalog.record_stage_run("c1", "call", ok=True, seconds=1.0) == "ok"
    assert catalog.contacts_needing(["probe", "call"]) == ["c2"]


def test_retry_failed_hands_failed_contacts_back(catalog):
    catalog.record_stage_run("c1", "probe", ok=True, seconds=0.1)
    catalog.record_stage_run("c1", "call", ok=False, seconds=1.0)
    catalog.record_stage_run("c2", "probe", ok=True, seconds=0.1)
    assert catalog.failed_contacts() == ["c1"] and catalog.contacts_needing(["probe", "call"]) == ["c2"]
    assert catalog.retry_failed(["c2"]) == []  # nothing failed there
    assert catalog.retry_failed() == ["c1"]
    assert catalog.failed_contacts() == [] and catalog.contacts_needing(["probe", "call"]) == ["c1", "c2"]
    assert catalog.stage_statuses("c1") == {"c1": {"probe": "ok"}}  # what went well stays done


def test_owner_names_are_checked(catalog):
    with pytest.raises(ValueError, match="expected 1-128 characters"):
        catalog.claim_contact("c1", "", lease_s=60)
