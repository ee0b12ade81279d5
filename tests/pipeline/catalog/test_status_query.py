"""``cxmon status``'s numbers from the catalog, on SQLite and PostgreSQL: known counts, and a constant
number of queries however many contacts there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog
from pipeline.catalog.schema import contact_leases, contacts, stage_runs
from pipeline.catalog.status_query import work_status
from pipeline.records import Contact

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
STAGES = {"call": ["probe", "call", "csi", "checklist", "alarms"], "chat": ["chat", "csi", "checklist", "alarms"]}
CALL_STAGES = STAGES["call"]


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def _contact(catalog: Catalog, contact_id: str, channel: str = "call") -> None:
    catalog.add_contact(Contact(contact_id=contact_id, channel=channel, source=f"{contact_id}.x",
                                object_key=f"raw/{contact_id}", started_at=NOW - timedelta(days=1),
                                ingested_at=NOW - timedelta(days=1)))


def _runs(catalog: Catalog, contact_id: str, stages, *, status: str = "ok", ago: timedelta, seconds: float = 1.0,
          attempts: int = 1) -> None:
    with catalog.engine.begin() as conn:
        conn.execute(stage_runs.insert(), [{"contact_id": contact_id, "stage": s, "status": status, "seconds": seconds,
                                            "finished_at": NOW - ago, "attempts": attempts} for s in stages])


def _lease(catalog: Catalog, contact_id: str, owner: str, expires_in: timedelta) -> None:
    with catalog.engine.begin() as conn:
        conn.execute(contact_leases.insert().values(contact_id=contact_id, owner=owner, expires_at=NOW + expires_in))


def _known(catalog: Catalog) -> None:
    """Eight contacts whose every number is worked out by hand in the test below."""
    for contact_id in ("a1", "a2", "a3", "a4", "a5"):
        _contact(catalog, contact_id)
    for contact_id in ("b1", "b2"):
        _contact(catalog, contact_id, "chat")
    _contact(catalog, "d1", "desk")  # a channel the mapping does not name: counted, never waiting
    _runs(catalog, "a1", CALL_STAGES, ago=timedelta(minutes=30), seconds=2.0)  # done
    _runs(catalog, "a2", ["probe"], ago=timedelta(hours=2))  # waits for call and after, held by w1
    _lease(catalog, "a2", "w1", timedelta(hours=1))
    _runs(catalog, "a3", ["probe"], status="failed", ago=timedelta(hours=3))  # waits for a person
    _lease(catalog, "a4", "w2", timedelta(minutes=-1))  # nothing run; its lease expired
    _runs(catalog, "a5", ["probe"], ago=timedelta(hours=25), seconds=4.0)  # older than a day
    _runs(catalog, "a5", ["call"], status="outage", ago=timedelta(minutes=5), attempts=2)
    _runs(catalog, "b1", ["chat", "csi", "checklist"], ago=timedelta(minutes=10), seconds=0.5)
    _runs(catalog, "b1", ["alarms"], status="failed", ago=timedelta(hours=30))
    _lease(catalog, "b2", "w1", timedelta(hours=2))


def test_status_counts_known_contacts(catalog):
    _known(catalog)
    status = work_status(catalog.engine, STAGES, now=NOW, lease_limit=2)
    assert status["at"] == NOW.isoformat()
    queue = status["queue"]
    assert (queue["contacts"], queue["waiting"], queue["leased"], queue["failed"]) == (8, 4, 2, 2)
    assert [(r["channel"], r["stage"], r["waiting"], r["leased"]) for r in queue["stages"]] == [
        ("call", "probe", 1, 0), ("call", "call", 3, 1), ("call", "csi", 3, 1), ("call", "checklist", 3, 1),
        ("call", "alarms", 3, 1),
        ("chat", "chat", 1, 1), ("chat", "csi", 1, 1), ("chat", "checklist", 1, 1), ("chat", "alarms", 1, 1)]
    # the queue counts what contacts_needing finds
    needing = catalog.contacts_needing(STAGES)
    assert sorted(needing) == ["a2", "a4", "a5", "b2"] and len(needing) == queue["waiting"]

    leases = status["leases"]
    assert (leases["held"], leases["expired"]) == (2, 1)
    assert leases["owners"] == [
        {"owner": "w1", "held": 2, "expired": 0, "next_expiry": (NOW + timedelta(hours=1)).isoformat()},
        {"owner": "w2", "held": 0, "expired": 1, "next_expiry": (NOW - timedelta(minutes=1)).isoformat()}]
    assert leases["leases"] == [  # soonest to expire first, two of three
        {"owner": "w2", "contact_id": "a4", "expires_at": (NOW - timedelta(minutes=1)).isoformat(), "expired": True},
        {"owner": "w1", "contact_id": "a2", "expires_at": (NOW + timedelta(hours=1)).isoformat(), "expired": False}]

    assert status["failures"] == [{"stage": "alarms", "last_24h": 0, "total": 1},
                                  {"stage": "probe", "last_24h": 1, "total": 1}]
    assert status["outages"] == [{"stage": "call", "contacts": 1, "most_attempts": 2}]

    def window(n, hours, mean_s):
        return {"contacts": n, "per_hour": round(n / hours, 3), "mean_s": mean_s}

    assert {t["stage"]: (t["last_hour"], t["last_24h"]) for t in status["throughput"]} == {
        "alarms": (window(1, 1, 2.0), window(1, 24, 2.0)),
        "call": (window(1, 1, 2.0), window(1, 24, 2.0)),
        "chat": (window(1, 1, 0.5), window(1, 24, 0.5)),
        "checklist": (window(2, 1, 1.25), window(2, 24, 1.25)),
        "csi": (window(2, 1, 1.25), window(2, 24, 1.25)),
        "probe": (window(1, 1, 2.0), window(2, 24, 1.5)),  # a2's probe 2 h ago; a5's 25 h ago is out
    }
    assert [t["stage"] for t in status["throughput"]] == ["alarms", "call", "chat", "checklist", "csi", "probe"]


def test_an_empty_catalog_and_bad_arguments(catalog):
    status = work_status(catalog.engine, STAGES, now=NOW)
    assert status["queue"] == {"contacts": 0, "waiting": 0, "leased": 0, "failed": 0, "stages": [
        {"channel": ch, "stage": s, "waiting": 0, "leased": 0} for ch, stages in STAGES.items() for s in stages]}
    assert status["leases"] == {"held": 0, "expired": 0, "owners": [], "leases": []}
    assert status["failures"] == status["outages"] == status["throughput"] == []
    with pytest.raises(ValueError, match="no timezone"):
        work_status(catalog.engine, STAGES, now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="lease_limit=-1"):
        work_status(catalog.engine, STAGES, now=NOW, lease_limit=-1)


def _statements(catalog: Catalog) -> int:
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    sa.event.listen(catalog.engine, "before_cursor_execute", listener)
    try:
        work_status(catalog.engine, STAGES, now=NOW)
    finally:
        sa.event.remove(catalog.engine, "before_cursor_execute", listener)
    return len([s for s in seen if not s.lstrip().upper().startswith("PRAGMA")])


def test_the_number_of_queries_does_not_grow_with_the_catalog(catalog):
    _known(catalog)
    few = _statements(catalog)
    rows = [{"contact_id": f"x{i:05d}", "channel": "call" if i % 3 else "chat", "source": "x", "object_key": "x",
             "channel_map": {}, "ingested_at": NOW} for i in range(2000)]
    with catalog.engine.begin() as conn:
        conn.execute(contacts.insert(), rows)
        conn.execute(stage_runs.insert(), [{"contact_id": r["contact_id"], "stage": "probe", "status": "ok",
                                            "seconds": 1.0, "finished_at": NOW, "attempts": 1} for r in rows[::2]])
    assert _statements(catalog) == few <= 10
    status = work_status(catalog.engine, STAGES, now=NOW)
    assert status["queue"]["contacts"] == 2008
    assert status["queue"]["waiting"] == 2004  # 4 before, and every new one
    probe = next(r for r in status["queue"]["stages"] if r["stage"] == "probe")
    assert probe["waiting"] == 1 + sum(1 for i in range(1, 2000, 2) if i % 3)  # calls without a probe run
