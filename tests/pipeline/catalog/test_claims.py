"""``claim_next``: workers taking the next contacts that need work, on SQLite and the live PostgreSQL server."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog
from tests.conftest import postgres_database
from tests.pipeline.catalog.test_catalog import _contact

STAGES = {"call": ["probe", "call"], "chat": ["chat"]}
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def _add(catalog: Catalog, count: int) -> list[str]:
    ids = [f"c{i:03d}" for i in range(count)]
    for i, contact_id in enumerate(ids):  # ingested one minute apart: c000 is the oldest
        catalog.add_contact(_contact(contact_id, ingested_at=T0 + timedelta(minutes=i)))
    return ids


def test_it_takes_the_oldest_free_contacts_that_need_work(catalog):
    ids = _add(catalog, 6)
    catalog.record_stage_run(ids[0], "probe", ok=True, seconds=1.0)
    catalog.record_stage_run(ids[0], "call", ok=True, seconds=1.0)  # done
    catalog.record_stage_run(ids[1], "probe", ok=False, seconds=1.0)  # failed: waits for a person
    assert catalog.claim_contact(ids[2], "other", lease_s=600)  # held by another worker
    assert catalog.claim_contact(ids[3], "gone", lease_s=1, now=datetime.now(UTC) - timedelta(seconds=5))  # expired

    assert catalog.claim_next("me", STAGES, n=2, lease_s=60) == [ids[3], ids[4]]
    assert catalog.leased_contacts()[ids[3]] == "me"
    assert catalog.claim_next("you", STAGES, n=5, lease_s=60) == [ids[5]]
    assert catalog.claim_next("they", STAGES, lease_s=60) == []
    catalog.release_contact(ids[4], "me")
    assert catalog.claim_next("they", STAGES, lease_s=60) == [ids[4]]
    assert catalog.claim_next("them", STAGES, lease_s=60) == []
    # a run's own list first: a free contact in it, else (none free there) the oldest free one anywhere
    more = [f"d{i}" for i in range(3)]
    for i, contact_id in enumerate(more):
        catalog.add_contact(_contact(contact_id, ingested_at=T0 + timedelta(minutes=10 + i)))
    assert catalog.claim_next("x1", STAGES, lease_s=60, among=[ids[0], "nobody", more[2]]) == [more[2]]
    assert catalog.claim_next("x2", STAGES, lease_s=60, among=[ids[0], ids[5], more[2]]) == [more[0]]
    with pytest.raises(ValueError, match="n=0"):
        catalog.claim_next("me", STAGES, n=0, lease_s=60)
    with pytest.raises(ValueError, match="owner"):
        catalog.claim_next("", STAGES, lease_s=60)


def test_workers_claiming_at_once_take_every_contact_exactly_once(catalog):
    ids = _add(catalog, 40)
    taken: list[tuple[str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        barrier.wait()
        try:
            for round_ in range(100):
                owner = f"w{number}-{round_}"  # a new run per claim, as each Dask task is
                among = ids[number * 5:number * 5 + 4] if round_ % 2 else None  # a run's list, or none
                got = catalog.claim_next(owner, STAGES, n=1 + number % 3, lease_s=600, among=among)
                if not got:
                    return
                with lock:
                    taken.extend((contact_id, owner) for contact_id in got)
        except BaseException as error:  # noqa: BLE001  (reported by the test thread)
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter(contact_id for contact_id, _ in taken)
    assert sorted(counts) == ids and set(counts.values()) == {1}
    assert catalog.leased_contacts() == dict(taken)  # each lease names the one owner that was told it won
    assert len({owner.split("-")[0] for _, owner in taken}) > 1  # the work was shared


@pytest.fixture
def pg_catalog():
    with postgres_database() as url:
        catalog = Catalog(url)
        yield catalog
        catalog.close()


def test_postgresql_passes_over_a_contact_another_claimer_has_locked(pg_catalog):
    """SKIP LOCKED (PostgreSQL only: SQLite serialises writers, and the test above covers it there)."""
    catalog = pg_catalog
    ids = _add(catalog, 2)
    with catalog.engine.connect() as other:  # a claimer in the middle of its transaction holds the oldest
        other.execute(sa.text("SELECT contact_id FROM contacts WHERE contact_id = :c FOR UPDATE"), {"c": ids[0]})
        started = time.monotonic()
        assert catalog.claim_next("me", STAGES, lease_s=60) == [ids[1]]
        assert time.monotonic() - started < 5  # it did not wait for the lock
        other.rollback()
    assert catalog.claim_next("you", STAGES, lease_s=60) == [ids[0]]
