"""Device events in the catalog: stored once by event id, on SQLite and (when it runs) PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.catalog import Catalog
from pipeline.records import DeviceEvent

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def press(i: int, *, device: str = "box-1", desk: str | None = "desk-1", **kwargs) -> DeviceEvent:
    return DeviceEvent(device_id=device, kind="press", at=T0 + timedelta(seconds=i), value="good", desk_id=desk,
                       raw=f'{{"n": {i}}}', **kwargs)


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def test_each_event_is_stored_once_however_often_it_is_added(catalog):
    first = [press(i) for i in range(1200)]  # more than one INSERT batch of 500
    assert catalog.add_device_events(first) == 1200
    assert catalog.add_device_events(first) == 0
    again = [press(i) for i in range(1100, 1300)]  # 100 already there (derived ids), 100 new
    assert catalog.add_device_events(again + again) == 100
    assert catalog.device_event_count() == 1300
    assert catalog.add_device_events([]) == 0


def test_the_first_stored_event_wins_and_every_field_comes_back(catalog):
    kept = DeviceEvent(device_id="hub-7", kind="panel_answer", at=datetime(2026, 12, 3, 12, 30, tzinfo=timezone(
        timedelta(hours=3))), value="4", object_key="k/1", contact_id="c1", event_id="hub-7:42", desk_id="d2",
        site_id="s1", operator_id="op-9", raw="a1b2")
    assert catalog.add_device_events([kept]) == 1
    assert catalog.add_device_events([DeviceEvent(device_id="hub-7", kind="press", at=T0, value="1",
                                                  event_id="hub-7:42")]) == 0
    [back] = catalog.device_events()
    assert back == DeviceEvent(device_id="hub-7", kind="panel_answer", at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
                               value="4", object_key="k/1", contact_id="c1", event_id="hub-7:42", desk_id="d2",
                               site_id="s1", operator_id="op-9", raw="a1b2")


def test_events_are_read_back_by_device_desk_and_time(catalog):
    catalog.add_device_events([press(i, device=f"box-{i % 2}", desk=f"desk-{i % 3}") for i in range(12)])
    assert [e.at for e in catalog.device_events(device_id="box-1")] == [T0 + timedelta(seconds=i) for i in
                                                                       (1, 3, 5, 7, 9, 11)]
    assert len(catalog.device_events(desk_id="desk-0")) == 4
    window = catalog.device_events(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=5))
    assert [e.at.second for e in window] == [2, 3, 4]
    assert catalog.device_events(device_id="box-1", desk_id="desk-0") == [press(3, device="box-1", desk="desk-0"),
                                                                          press(9, device="box-1", desk="desk-0")]
    assert catalog.device_events(kind="feedback") == []
