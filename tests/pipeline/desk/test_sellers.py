"""The seller activity button: attempts, sales from a file and from sale events, conversion and coverage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.alarms.sinks import LogSink, Sinks
from pipeline.desk.link import link_device_events
from pipeline.desk.sellers import parse_sales, parse_shifts, seller_report, shift_of
from pipeline.settings import Settings
from pipeline.store.intake import IngestReport
from tests.pipeline.desk.devices_sample import add_visit, event

MSK = ZoneInfo("Europe/Moscow")
DAY = datetime(2026, 12, 3, 10, 0, tzinfo=MSK)  # 07:00 UTC
SETTINGS = Settings(timezone="Europe/Moscow")


def _at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def _sales_file(tmp_path, text: str, name: str = "shop.sales.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _fill(store, tmp_path):
    for n, hours in enumerate((0.0, 1.0, 2.0, 6.0, 7.0)):  # five visitors at desk-1 this day
        add_visit(store, video=f"d1-{n}.mp4", arrived_at=_at(hours), arrive_s=0.0, leave_s=60.0)
    add_visit(store, video="d2.mp4", arrived_at=_at(1), arrive_s=0.0, leave_s=60.0, desk_id="desk-2")
    add_visit(store, video="d1-next.mp4", arrived_at=_at(24), arrive_s=0.0, leave_s=60.0)
    add_visit(store, video="b.mp4", arrived_at=_at(3), arrive_s=0.0, leave_s=60.0, desk_id="desk-9", site_id="site-B")
    starts = [event("seller_start", _at(h), device_id="sb-1", operator_id="s-1", event_id=f"st-{h}")
              for h in (0.1, 1.1, 6.1, 7.1)]
    starts.append(event("seller_start", _at(3.1), device_id="sb-2", desk_id=None, site_id="site-B",
                        operator_id="s-2", event_id="st-b"))
    starts.append(event("sale", _at(7.2), "500", device_id="pos-1", operator_id="s-1", event_id="sale-ev"))
    store.catalog.add_device_events(starts)
    from pipeline.desk.sellers import ingest_sales_file

    report = IngestReport()
    ingest_sales_file(store, _sales_file(tmp_path, "seller;ts;amount\n"
                                                   f"s-1;{_at(0.2).isoformat()};1 234,50\n"
                                                   f"s-1;{_at(1.2).isoformat()};\n"), report, SETTINGS)
    assert report.added == {"sales": 2} and report.errors == []
    assert link_device_events(store, SETTINGS, sinks=Sinks({"log": LogSink()})).sales == 1


def test_conversion_and_coverage_per_seller_and_day(store, tmp_path):
    _fill(store, tmp_path)
    rows = seller_report(store, SETTINGS)
    assert [(r.seller_id, r.shift, r.desks, r.sites, r.attempts, r.sales, r.amount, r.conversion, r.visitors,
             r.coverage) for r in rows] == [
        ("s-1", "2026-12-03", ("desk-1",), (), 4, 3, 1734.5, 0.75, 5, 0.8),
        ("s-2", "2026-12-03", (), ("site-B",), 1, 0, 0.0, 0.0, 1, 1.0),
    ]


def test_shift_hours_split_the_day(store, tmp_path):
    _fill(store, tmp_path)
    rows = seller_report(store, SETTINGS, shifts=parse_shifts("09:00-15:00,15:00-21:00"))
    assert [(r.seller_id, r.shift, r.attempts, r.sales, r.conversion, r.visitors, r.coverage) for r in rows] == [
        ("s-1", "2026-12-03 09:00-15:00", 2, 2, 1.0, 3, 2 / 3),
        ("s-2", "2026-12-03 09:00-15:00", 1, 0, 0.0, 1, 1.0),
        ("s-1", "2026-12-03 15:00-21:00", 2, 1, 0.5, 2, 1.0),
    ]


def test_a_night_shift_belongs_to_the_day_it_starts_and_a_day_ends_at_local_midnight():
    night = parse_shifts("21:00-09:00")
    label, since, until = shift_of(datetime(2026, 12, 4, 1, 30, tzinfo=UTC), MSK, night)  # 04:30 MSK
    assert (label, since.isoformat(), until.isoformat()) == (
        "2026-12-03 21:00-09:00", "2026-12-03T21:00:00+03:00", "2026-12-04T09:00:00+03:00")
    assert shift_of(datetime(2026, 12, 4, 7, 0, tzinfo=UTC), MSK, night) is None  # 10:00 MSK: no shift
    assert shift_of(datetime(2026, 12, 3, 22, 30, tzinfo=UTC), MSK)[0] == "2026-12-04"  # 01:30 MSK next day
    with pytest.raises(ValueError, match="expected HH:MM-HH:MM"):
        parse_shifts("9-15-21")


def test_a_sales_file_with_bad_lines_keeps_the_good_ones_and_says_which_line(store, tmp_path):
    path = _sales_file(tmp_path, "operator_id,ts,amount,sale_id\n"
                                 "s-1,2026-12-03T10:00:00+03:00,100,A-1\n"
                                 "s-1,2026-12-03T10:05:00,100,A-2\n"
                                 "s-1,2026-12-03T10:06:00+03:00,много,A-3\n"
                                 ",2026-12-03T10:07:00+03:00,1,A-4\n"
                                 "s-1,2026-12-03T10:08:00+03:00\n"
                                 "s-2,2026-12-03T11:00:00+03:00,50.5,\n", name="bad.sales.csv")
    from pipeline.desk.sellers import ingest_sales_file

    report = IngestReport()
    ingest_sales_file(store, path, report, SETTINGS)
    assert report.added == {"sales": 2}
    assert [e.message for e in report.errors] == [
        "bad.sales.csv: line 3: ts '2026-12-03T10:05:00' has no time zone; expected e.g. 2026-12-03T12:00:00+03:00",
        "bad.sales.csv: line 4: amount 'много'; expected a number such as 1234.50",
        "bad.sales.csv: line 5: no operator_id; expected the seller's operator id",
        "bad.sales.csv: line 6: 2 fields; expected 4 as in the header",
    ]
    assert all(e.quarantine_key for e in report.errors)
    assert [(s.sale_id, s.seller_id, s.amount) for s in store.catalog.sales()] == [("A-1", "s-1", 100.0),
                                                                                  (store.catalog.sales()[1].sale_id,
                                                                                   "s-2", 50.5)]
    again = IngestReport()
    ingest_sales_file(store, path, again, SETTINGS)
    assert again.added == {"sales": 0} and len(store.catalog.sales()) == 2


def test_unusable_sales_files_are_one_clear_error(tmp_path):
    from pipeline.desk.sellers import SalesFileError

    with pytest.raises(SalesFileError, match=r"x.sales.csv: header 'who,when' lacks seller \(or operator_id\)"):
        parse_sales("x.sales.csv", b"who,when\na,b\n")
    with pytest.raises(SalesFileError, match="x.sales.csv: empty file"):
        parse_sales("x.sales.csv", b"\n\n")
    with pytest.raises(SalesFileError, match="UTF-16"):
        parse_sales("x.sales.csv", "seller,ts\n".encode("utf-16"))


def test_the_same_sale_twice_in_a_file_is_two_sales_and_a_seller_press_without_seller_is_an_error(store):
    sales, problems = parse_sales("a.sales.csv", b"seller,ts\ns-1,2026-12-03T10:00:00+03:00\n"
                                                 b"s-1,2026-12-03T10:00:00+03:00\n")
    assert problems == [] and len({s.sale_id for s in sales}) == 2
    store.catalog.add_device_events([event("seller_start", DAY, device_id="sb-1", event_id="anon")])
    [error] = link_device_events(store, SETTINGS, sinks=Sinks({"log": LogSink()})).errors
    assert error.message.startswith("device event anon (seller_start) from sb-1: no operator_id: the seller is unknown")
