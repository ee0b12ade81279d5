"""Desk metrics on desk contacts stored by hand: known counts and shares per desk, operator, site and day;
the CSV and plots of `cxmon report --desk`; a clear message without desk visits."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from pipeline.csi.stage import csi_stage
from pipeline.desk.metrics import COLUMNS, desk_metrics, desk_visits, format_desk_report, write_desk_report
from pipeline.records import Contact, FeatureSet
from pipeline.settings import Settings
from tests.pipeline.desk.metric_samples import DAY_1, DAY_2, add_desk_visit, desk_values

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def store(catalog_url, tmp_path):
    from pipeline.catalog import Catalog
    from pipeline.store import LocalObjectStore, Store

    catalog = Catalog(catalog_url)
    yield Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.close()


def two_desks(store) -> None:
    """Desk D1 (op-1) on day 1: good, good, bad presses, a silent sad end and a silent angry end.
    Desk D2 (op-2, site S2) on day 2: a neutral press, a silent angry end, a silent smile.
    Plus a desk visit not processed yet and a call: neither is in any row."""
    d1 = [desk_values(button="5", shares={"happy": 1.0}, end="happy", dwell_s=100.0, wait_s=60.0),
          desk_values(button="good", shares={"happy": 0.5, "neutral": 0.5}, end="happy", dwell_s=200.0),
          desk_values(button="1", shares={"angry": 0.5, "neutral": 0.5}, end="angry", dwell_s=300.0, wait_s=240.0),
          desk_values(shares={"sad": 0.25, "neutral": 0.75}, end="sad", dwell_s=400.0),
          desk_values(shares={}, end="angry", dwell_s=500.0)]  # no shares, an angry end: dissatisfied
    for i, values in enumerate(d1):
        add_desk_visit(store, f"d1-{i}", values, started_at=DAY_1 + timedelta(minutes=10 * i), operator="op-1")
    d2 = [desk_values(desk_id="D2", site_id="S2", button="neutral", dwell_s=60.0),
          desk_values(desk_id="D2", site_id="S2", shares={"angry": 1.0}, end="angry", dwell_s=90.0),
          desk_values(desk_id="D2", site_id="S2", shares={"happy": 1.0}, end="happy", dwell_s=30.0)]
    for i, values in enumerate(d2):
        add_desk_visit(store, f"d2-{i}", values, started_at=DAY_2 + timedelta(minutes=10 * i), operator="op-2")
    add_desk_visit(store, "unprocessed", None, started_at=DAY_1)
    store.catalog.add_contact(Contact("call-1", "call", "c.wav", "raw/c", started_at=DAY_1))
    store.catalog.put_feature_set(FeatureSet("call-1", "call", {"dissatisfied": 1, "rated": 1}))


def test_rows_per_desk_give_the_served_and_the_rated_dissatisfied_shares(store):
    two_desks(store)
    visits, unprocessed = desk_visits(store.catalog)
    assert (len(visits), unprocessed) == (8, 1)
    d1, d2 = desk_metrics(visits, by=("desk",))
    assert list(d1) == ["desk", *COLUMNS]
    assert {k: d1[k] for k in ("desk", "visitors", "rated", "silent", "good", "neutral", "bad", "dissatisfied")} == \
        {"desk": "D1", "visitors": 5, "rated": 3, "silent": 2, "good": 2, "neutral": 0, "bad": 1, "dissatisfied": 3}
    assert d1["dissatisfied_share"] == pytest.approx(3 / 5)         # of the served: the seed metric
    assert d1["rated_dissatisfied_share"] == pytest.approx(1 / 3)   # what the buttons alone say
    assert (d1["good_share"], d1["neutral_share"], d1["bad_share"]) == pytest.approx((2 / 3, 0.0, 1 / 3))
    # emotions over the 4 visits with a face read, each weighing the same
    assert d1["emotion_happy_share"] == pytest.approx((1.0 + 0.5) / 4)
    assert d1["negative_share"] == pytest.approx((0.5 + 0.25) / 4)
    assert (d1["dwell_mean_s"], d1["wait_mean_s"], d1["csi_mean"]) == (300.0, 150.0, None)  # csi stage not run
    assert {k: d2[k] for k in ("desk", "visitors", "rated", "silent", "dissatisfied")} == \
        {"desk": "D2", "visitors": 3, "rated": 1, "silent": 2, "dissatisfied": 1}
    assert (d2["dissatisfied_share"], d2["rated_dissatisfied_share"], d2["wait_mean_s"]) == (pytest.approx(1 / 3),
                                                                                              0.0, None)


def test_groups_by_operator_site_day_and_total(store):
    two_desks(store)
    visits, _ = desk_visits(store.catalog)
    [total] = desk_metrics(visits, by=())
    assert (total["visitors"], total["rated"], total["silent"], total["dissatisfied"]) == (8, 4, 4, 4)
    assert (total["dissatisfied_share"], total["rated_dissatisfied_share"]) == (0.5, 0.25)
    assert [(r["operator"], r["visitors"]) for r in desk_metrics(visits, by=("operator",))] == [("op-1", 5),
                                                                                                 ("op-2", 3)]
    assert [(r["site"], r["visitors"]) for r in desk_metrics(visits, by=("site",))] == [("S1", 5), ("S2", 3)]
    days = desk_metrics(visits, by=(), period="day")
    assert [(r["period"], r["visitors"], r["rated"], r["silent"]) for r in days] == [("2026-11-20", 5, 3, 2),
                                                                                    ("2026-11-21", 3, 1, 2)]
    # the day follows the site's calendar: 09:00 UTC is still the same day in Moscow, 20:00 UTC is not
    late = add_desk_visit(store, "late", desk_values(), started_at=DAY_1.replace(hour=22))
    visits, _ = desk_visits(store.catalog, since=DAY_1, until=DAY_1 + timedelta(days=1))
    assert late.contact_id in {v.contact_id for v in visits} and len(visits) == 6
    from zoneinfo import ZoneInfo
    moscow = desk_metrics(visits, by=(), period="day", tz=ZoneInfo("Europe/Moscow"))
    assert [(r["period"], r["visitors"]) for r in moscow] == [("2026-11-20", 5), ("2026-11-21", 1)]


def test_csi_of_desk_visits_reaches_the_rows(store):
    two_desks(store)
    settings = Settings()
    for contact in store.catalog.contacts():
        if contact.channel == "desk" and contact.contact_id != "unprocessed":
            csi_stage(store, contact, settings)
    scores = {s.contact_id: s.value for s in store.catalog.scores(name="csi")}
    # presses: 5 -> 100, good -> 87.5, 1 -> 0; camera: 75% neutral 25% sad ending sad -> 50 - 12.5 - 20;
    # an end emotion alone (angry) -> 50 - 20
    assert scores == {"d1-0": 100.0, "d1-1": 87.5, "d1-2": 0.0, "d1-3": 17.5, "d1-4": 30.0,
                      "d2-0": 50.0, "d2-1": 0.0, "d2-2": 100.0}
    visits, _ = desk_visits(store.catalog)
    d1, d2 = desk_metrics(visits, by=("desk",))
    assert d1["csi_mean"] == pytest.approx((100 + 87.5 + 0 + 17.5 + 30) / 5)
    assert d2["csi_mean"] == pytest.approx(50.0)


def test_files_are_a_csv_of_the_rows_and_two_pngs(store, tmp_path):
    two_desks(store)
    visits, _ = desk_visits(store.catalog)
    rows = desk_metrics(visits, by=("operator",))
    paths = write_desk_report(rows, visits, tmp_path / "reports")
    assert [p.name for p in paths] == ["desk.csv", "desk_dissatisfied.png", "desk_visitors.png"]
    with open(paths[0], newline="", encoding="utf-8") as f:
        read = list(csv.DictReader(f))
    assert [(r["operator"], r["visitors"], float(r["dissatisfied_share"])) for r in read] == [("op-1", "5", 0.6),
                                                                                              ("op-2", "3", 1 / 3)]
    assert read[1]["wait_mean_s"] == ""  # None is an empty cell
    for png in paths[1:]:
        assert png.read_bytes().startswith(PNG) and png.stat().st_size > 10_000
    text = format_desk_report(rows)
    assert "op-1" in text and "60.0%" in text and "33.3%" in text


def test_bad_grouping_is_refused():
    with pytest.raises(ValueError, match="expected distinct keys"):
        desk_metrics([], by=("team",))
    with pytest.raises(ValueError, match="period='year'"):
        desk_metrics([], period="year")
    with pytest.raises(TypeError, match="expected DeskVisit"):
        desk_metrics([{"desk_id": "D1"}])


# the command --------------------------------------------------------------------------------------

def _home_store():
    from pipeline.store import open_store

    return open_store(Settings())


def test_report_desk_prints_the_table_and_writes_the_files(home, tmp_path):
    from pipeline.cli import main

    store = _home_store()
    two_desks(store)
    runner = CliRunner()
    result = runner.invoke(main, ["report", "--desk", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [(r["desk"], r["visitors"], r["dissatisfied_share"]) for r in document["rows"]] == [
        ("D1", 5, 0.6), ("D2", 3, pytest.approx(1 / 3))]
    assert sorted(p.rsplit("/", 1)[1] for p in document["files"]) == ["desk.csv", "desk.parquet", "desk.xlsx",
                                                                       "desk_dissatisfied.png", "desk_visitors.png"]
    assert all(p.startswith(str(home / "reports" / "desk")) for p in document["files"])
    assert "1 desk visits are not processed yet" in result.stderr

    by_day = json.loads(runner.invoke(main, ["report", "--desk", "--by", "day", "--since", "2026-11-21",
                                             "--no-files", "--json"]).stdout)
    assert [(r["period"], r["visitors"]) for r in by_day["rows"]] == [("2026-11-21", 3)] and by_day["files"] == []
    text = runner.invoke(main, ["report", "--desk", "--by", "site", "--out", str(tmp_path / "o")])
    assert text.exit_code == 0 and "S2" in text.stdout and "dissat_served" in text.stdout
    assert f"wrote {tmp_path / 'o' / 'desk.csv'}" in text.stdout
    total = json.loads(runner.invoke(main, ["report", "--desk", "--total", "--no-files", "--json"]).stdout)
    assert [(r["visitors"], r["rated"], r["silent"]) for r in total["rows"]] == [(8, 4, 4)]


def test_report_desk_without_desk_visits_says_so(home):
    from pipeline.cli import main

    result = CliRunner().invoke(main, ["report", "--desk"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["no desk visits: ingest a desk video (cxmon ingest VIDEO.mp4) or run the "
                                          "desk camera, then `cxmon process`"]
    assert not (home / "reports").exists()
    document = json.loads(CliRunner().invoke(main, ["report", "--desk", "--json", "--since", "2026-01-01"]).stdout)
    assert document["rows"] == [] and document["message"].startswith("no desk visits in this period")


@pytest.mark.parametrize(("args", "message"), [
    (["report", "--desk", "--by", "team"], "--by team: expected one of desk, operator, site, day with --desk"),
    (["report", "--by", "desk"], "--by desk: expected one of operator, team, channel for survey metrics"),
    (["report", "--desk", "--by", "day", "--period", "week"], "--by day and --period week: expected one of them"),
    (["report", "--desk", "--since", "yesterday"], "--since 'yesterday': expected an ISO 8601 date"),
])
def test_report_desk_bad_options_exit_2_with_one_error_line(home, args, message):
    from pipeline.cli import main

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
