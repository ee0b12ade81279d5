"""Erasing a customer: nothing of theirs left in any table or object, the other customer untouched, an
audit entry without the id, a second run a no-op, and an object store outage finished by the next run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pipeline.catalog.erasure import ERASE_ACTION, customer_digest, pending_objects
from pipeline.catalog.schema import metadata
from pipeline.catalog.users import audit_log
from pipeline.records.alarms import Alarm
from pipeline.retention.erase import ObjectsUnreachable, erase_customer
from pipeline.settings import Settings
from tests.pipeline.retention.store_sample import KEPT, OWNER_COLUMNS, T0, add_customer, rows_naming, snapshot

A, B = "cust-79160000001", "cust-79160000002"


@pytest.fixture
def two(store, tmp_path):
    settings = Settings(_env_file=None, desk_images="crops", desk_image_retention_days=30)
    a = add_customer(store, tmp_path, settings, A, "A", visit_s=10.0)
    b = add_customer(store, tmp_path, settings, B, "B", visit_s=400.0)
    # an alarm on nobody's contact that quotes A's id (an aggregate rule's message)
    store.catalog.add_alarm(Alarm(contact_id=None, rule="repeat", severity="warning", raised_at=T0,
                                  message=f"customer {A} called 3 times today", dedup_key=f"customer:{A}"),
                            details={"customer": A, "calls": 3})
    return a, b


def _mine(conn, who) -> dict:
    """B's rows, table by table: every row with B's contact ids or customer id."""
    rows = {}
    for table in metadata.sorted_tables:
        for column in OWNER_COLUMNS:
            if column in table.c:
                wanted = table.c[column].in_(who.contact_ids) if column == "contact_id" else \
                    table.c[column] == who.customer_id
                rows[f"{table.name}.{column}"] = sorted(str(dict(r._mapping))
                                                        for r in conn.execute(table.select().where(wanted)))
    return rows


def test_erase_leaves_nothing_of_the_customer(store, two):
    a, b = two
    engine = store.catalog.engine
    with engine.connect() as conn:
        before = rows_naming(conn, a.contact_ids, A)
        b_before = _mine(conn, b)
    owning = {f"{t.name}.{c}" for t in metadata.sorted_tables for c in OWNER_COLUMNS if c in t.c} - \
        {f"{t}.{c}" for t in KEPT for c in OWNER_COLUMNS}
    assert owning <= set(before), f"the sample misses {sorted(owning - set(before))}"  # every table holds A's rows
    assert all(store.objects.exists(k) for k in a.object_keys + b.object_keys)

    report = erase_customer(store, A)

    assert report.ok and report.contacts == 3
    assert report.rows["contacts"] == 3 and report.rows["transcripts"] == 3 and report.rows["coaching_clips"] == 3
    assert report.rows["alarms (text rewritten)"] == 1
    assert sorted(report.objects_deleted) == a.object_keys
    with engine.connect() as conn:
        left = rows_naming(conn, a.contact_ids, A)
        # only A's consent withdrawal stays (the proof of the STOP), without the contact
        assert left == {"consent_changes.customer_id": 1}, left
        stop = conn.execute(sa.text("SELECT granted, contact_id FROM consent_changes WHERE customer_id = :c"),
                            {"c": A}).one()
        assert (bool(stop.granted), stop.contact_id) == (False, None)
        assert _mine(conn, b) == b_before  # the other customer untouched
        message = conn.execute(sa.text("SELECT message FROM alarms WHERE rule = 'repeat'")).scalar_one()
        assert message == "customer [erased] called 3 times today"
        entries = conn.execute(audit_log.select().where(audit_log.c.action == ERASE_ACTION)).all()
    assert not any(store.objects.exists(k) for k in a.object_keys)
    assert all(store.objects.exists(k) for k in b.object_keys)
    [entry] = entries
    assert entry.detail["customer_sha256"] == customer_digest(A) and entry.detail["objects_pending"] == []
    assert entry.detail["objects_deleted"] == len(a.object_keys) and entry.contact_id is None
    assert A not in str(entry.detail)

    with engine.connect() as conn:
        everything = snapshot(conn)
    objects = list(store.objects.list())
    again = erase_customer(store, A)
    assert again.ok and again.rows == {} and again.objects_deleted == [] and again.audit_id is None
    with engine.connect() as conn:
        assert snapshot(conn) == everything  # a no-op: no row, no audit entry
    assert list(store.objects.list()) == objects


class _Flaky:
    """An object store whose deletes (or every call) meet an outage after ``ok`` deletes."""

    def __init__(self, objects, ok: int, everything: bool = False) -> None:
        self._objects, self._ok, self._everything = objects, ok, everything

    def __getattr__(self, name):
        if self._everything and name in ("exists", "open", "stat", "list"):
            raise ConnectionRefusedError(111, "Connection refused")
        return getattr(self._objects, name)

    def delete(self, key: str) -> None:
        if self._ok <= 0:
            raise ConnectionRefusedError(111, "Connection refused")
        self._ok -= 1
        self._objects.delete(key)


def test_an_outage_is_finished_by_the_next_run(store, two):
    from pipeline.store import Store

    a, _ = two
    report = erase_customer(Store(objects=_Flaky(store.objects, ok=2), catalog=store.catalog), A)
    assert not report.ok and "could not be reached" in report.problem
    assert len(report.objects_deleted) == 2 and len(report.objects_failed) == len(a.object_keys) - 2
    with store.catalog.engine.connect() as conn:
        assert rows_naming(conn, a.contact_ids, A) == {"consent_changes.customer_id": 1}  # the catalog is done
    assert list(pending_objects(store.catalog.engine).values()) == [sorted(report.objects_failed)]
    assert sum(store.objects.exists(k) for k in a.object_keys) == len(a.object_keys) - 2

    finished = erase_customer(store, A)  # the same command again
    assert finished.ok and sorted(finished.objects_deleted) == sorted(report.objects_failed)
    assert not any(store.objects.exists(k) for k in a.object_keys)
    assert pending_objects(store.catalog.engine) == {}


def test_an_unreachable_object_store_erases_nothing(store, two):
    from pipeline.store import Store

    a, _ = two
    with store.catalog.engine.connect() as conn:
        before = snapshot(conn)
    with pytest.raises(ObjectsUnreachable, match="nothing was erased"):
        erase_customer(Store(objects=_Flaky(store.objects, ok=0, everything=True), catalog=store.catalog), A)
    with store.catalog.engine.connect() as conn:
        assert snapshot(conn) == before
    assert all(store.objects.exists(k) for k in a.object_keys)


def test_desk_images_of_other_visits_stay(store, two):
    """A's crop and B's crop come from the same camera on the same day: only the one in A's visit goes."""
    from pipeline.desk.images import PREFIX

    a, b = two
    crops = sorted(store.objects.list(PREFIX + "/"))
    assert len(crops) == 2
    erase_customer(store, A)
    assert sorted(store.objects.list(PREFIX + "/")) == [k for k in crops if k in b.object_keys]


def test_an_empty_customer_id_is_refused(store):
    with pytest.raises(ValueError, match="empty customer id"):
        erase_customer(store, "  ")
