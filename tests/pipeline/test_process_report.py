"""``cxmon report process`` on a known-answer contact set in the catalog (SQLite and PostgreSQL): FCR,
repeats, AHT, service level, abandonment, transfers, IVR exits per operator, team and day, the
routing-hint file, and clear results or errors on hostile input."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli.process_report import process_report
from pipeline.records import Contact, TelephonyEvent, Transcript, Turn

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = (T0 + timedelta(days=30)).isoformat()


def ev(type_: str, t_s: float, exit: str | None = None, **extra) -> TelephonyEvent:
    return TelephonyEvent(type=type_, t_s=t_s, exit=exit, extra=extra)


# contact id, channel, hours after T0, customer, operator, team, events, transcript tags of a turn (speaker, tag)
CONTACTS = [
    ("k1", "call", 0, "alice", "op-1", "cards",
     [ev("ivr_start", 0), ev("ivr_end", 10, "operator"), ev("queue_start", 10), ev("agent_answer", 25),
      ev("hold_start", 60), ev("hold_end", 90), ev("hangup", 180, acw_s=20)], None),
    ("k2", "call", 10, "alice", "op-1", "cards",
     [ev("queue_start", 0), ev("agent_answer", 40), ev("transfer", 100), ev("hangup", 160)],
     ("customer", "asks_for_operator")),
    ("k3", "chat", 1, "bob", "op-1", "cards", [], ("agent", "topic_cards")),
    ("k4", "call", 2, "carol", "op-2", "loans", [ev("agent_answer", 5), ev("hangup", 305)], None),
    ("k5", "call", 3, None, "op-2", "loans", [ev("queue_start", 0), ev("agent_answer", 10), ev("hangup", 70)], None),
    ("k6", "call", 20, "alice", None, None,
     [ev("ivr_start", 0), ev("ivr_end", 5, "operator"), ev("queue_start", 5), ev("hangup", 65)], None),
    ("k7", "call", 30, "dave", None, None, [ev("ivr_start", 0), ev("hangup", 12)], None),
]


@pytest.fixture
def known_catalog(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        for cid, channel, hours, customer, operator, team, events, tag in CONTACTS:
            catalog.add_contact(Contact(contact_id=cid, channel=channel, source=f"{cid}.wav", object_key=f"raw/{cid}",
                                        started_at=T0 + timedelta(hours=hours), customer_id=customer,
                                        operator_id=operator, team=team), events)
            if tag is not None:
                catalog.put_transcript(Transcript(cid, "ru", (
                    Turn(speaker="agent", start_s=0.0, end_s=1.0, text="добрый день"),
                    Turn(speaker=tag[0], start_s=1.0, end_s=2.0, text="соедините с оператором", tags=(tag[1],)))))
    finally:
        catalog.close()
    return catalog_url


def _run(*args: str) -> dict:
    result = CliRunner().invoke(process_report, [*args, "--now", NOW, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


EXPECTED = {
    "op-1": {"contacts": 3, "with_events": 2, "fcr": 1 / 3, "fcr_known": 3, "repeat_contacts": 1,
             "aht_s": (175 + 120 + 1) / 3, "aht_call_s": 147.5, "aht_chat_s": 1.0,  # k3: agent messages 0 s and 1 s
             "aht_sources": {"events": 2, "audio": 0, "chat": 1}, "talk_s": (125 + 120 + 1) / 3, "hold_s": 15.0,
             "acw_s": 20.0, "service_level": 0.5, "queued": 2, "answered": 2,
             "abandoned_queue": 0, "abandoned_ivr": 0, "abandonment_rate": 0.0, "transfers": 1,
             "asked_for_operator": 2, "ivr_exits": {"operator": 1}},
    "op-2": {"contacts": 2, "with_events": 2, "fcr": 1.0, "fcr_known": 1, "repeat_contacts": 0, "aht_s": 180.0,
             "aht_call_s": 180.0, "aht_chat_s": None, "aht_sources": {"events": 2, "audio": 0, "chat": 0},
             "talk_s": 180.0, "hold_s": 0.0, "acw_s": None, "service_level": 1.0, "queued": 2, "answered": 2,
             "abandoned_queue": 0, "abandoned_ivr": 0, "abandonment_rate": 0.0, "transfers": 0,
             "asked_for_operator": 0, "ivr_exits": {}},
    None: {"contacts": 2, "with_events": 2, "fcr": 1.0, "fcr_known": 2, "repeat_contacts": 1, "aht_s": None,
           "aht_call_s": None, "aht_chat_s": None, "aht_sources": {"events": 0, "audio": 0, "chat": 0},
           "talk_s": None, "hold_s": None, "acw_s": None, "service_level": 0.0, "queued": 1, "answered": 0,
           "abandoned_queue": 1, "abandoned_ivr": 1, "abandonment_rate": 1.0, "transfers": 0,
           "asked_for_operator": 1, "ivr_exits": {"(hung up)": 1, "operator": 1}},
}


def test_rows_by_operator_team_and_day_are_the_known_answers(known_catalog):
    report = _run()
    assert [r["operator_id"] for r in report["rows"]] == ["op-1", "op-2", None]
    for row in report["rows"]:
        assert {k: v for k, v in row.items() if k != "operator_id"} == EXPECTED[row["operator_id"]]
    contract = {"operator_id", "contacts", "fcr", "repeat_contacts", "aht_s", "service_level", "abandonment_rate",
                "transfers"}
    assert contract <= set(report["rows"][0]) and report["fcr_window_h"] == 72.0

    teams = _run("--by", "team")["rows"]
    assert [(r["team"], r["contacts"], r["service_level"]) for r in teams] == [
        ("cards", 3, 0.5), ("loans", 2, 1.0), (None, 2, 0.0)]
    days = _run("--by", "day")["rows"]
    assert [(r["day"], r["contacts"], r["repeat_contacts"], r["abandoned_queue"]) for r in days] == [
        ("2026-11-20", 5, 1, 0), ("2026-11-21", 2, 1, 1)]
    total = _run("--total")["rows"]
    assert len(total) == 1 and total[0]["contacts"] == 7 and total[0]["fcr"] == pytest.approx(4 / 6)
    assert total[0]["service_level"] == pytest.approx(3 / 5)  # k1, k4, k5 within 20 s of 5 queued

    # a shorter window: k2 -> k6 (10 h apart) is no longer a repeat at 8 h, k1 -> k2 (10 h) neither
    short = _run("--total", "--fcr-window-h", "8", "--sl-threshold-s", "40")["rows"][0]
    assert (short["fcr"], short["repeat_contacts"], short["service_level"]) == (1.0, 0, pytest.approx(4 / 5))


def test_a_period_still_sees_the_customers_earlier_contacts(known_catalog):
    rows = _run("--since", "2026-11-21", "--total")["rows"]
    assert rows[0]["contacts"] == 2 and rows[0]["repeat_contacts"] == 1  # k6 repeats k2 of the day before
    early = _run("--until", "2026-11-20T10:00:00+00:00", "--contacts")["rows"]
    assert [(r["contact_id"], r["fcr"]) for r in early] == [("k1", False)]  # k2 (after --until) repeats it
    open_window = CliRunner().invoke(process_report, ["--contacts", "--json", "--now", "2026-11-21T16:00:00+00:00"])
    fcr = {r["contact_id"]: r["fcr"] for r in json.loads(open_window.output)["rows"]}
    assert fcr == {"k1": False, "k2": False, "k3": None, "k4": None, "k5": None, "k6": None, "k7": None}


def test_per_contact_rows_and_spreadsheets(known_catalog, tmp_path):
    from openpyxl import load_workbook

    rows = {r["contact_id"]: r for r in _run("--contacts", "--out", str(tmp_path / "contacts.xlsx"))["rows"]}
    sheet = list(load_workbook(tmp_path / "contacts.xlsx").active.values)
    assert sheet[0][:3] == ("contact_id", "channel", "customer_id") and len(sheet) == 8
    _run("--by", "team", "--out", str(tmp_path / "teams.csv"))
    with (tmp_path / "teams.csv").open(encoding="utf-8-sig", newline="") as f:
        teams = list(csv.DictReader(f))
    assert [(t["team"], t["contacts"], t["ivr_exits"]) for t in teams] == [
        ("cards", "3", '{"operator": 1}'), ("loans", "2", "{}"), ("", "2", '{"(hung up)": 1, "operator": 1}')]
    assert (rows["k1"]["queue_wait_s"], rows["k1"]["handle_s"], rows["k1"]["ivr_exit"]) == (15.0, 175.0, "operator")
    assert rows["k2"]["asked_for_operator"] and rows["k2"]["transfers"] == 1 and rows["k2"]["repeat"]
    assert rows["k3"]["topic"] == "cards" and rows["k3"]["answered"] is None
    assert (rows["k3"]["handle_s"], rows["k3"]["aht_source"], rows["k1"]["aht_source"]) == (1.0, "chat", "events")
    assert (rows["k6"]["handle_s"], rows["k6"]["aht_source"]) == (None, None)
    assert (rows["k5"]["customer_id"], rows["k5"]["fcr"], rows["k5"]["repeat"]) == (None, None, None)
    assert (rows["k6"]["abandoned_in"], rows["k7"]["abandoned_in"]) == ("queue", "ivr")


def test_routing_hints_csv_and_json(known_catalog, tmp_path):
    out = tmp_path / "hints" / "demands_operator.csv"
    report = _run("--routing-hints", str(out))
    assert report["routing_hints"] == {"file": str(out), "customers": 1, "k": 2, "n": 3}
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [{"customer_id": "alice", "route": "operator", "asked": "3", "of_last": "3",
                     "last_asked_at": "2026-11-21T05:00:00+00:00"}]
    # before k6, alice asked in k1 and k2 only: still 2 of her last 3
    as_json = tmp_path / "hints.json"
    _run("--routing-hints", str(as_json), "--until", "2026-11-21")
    assert json.loads(as_json.read_text()) == [{"customer_id": "alice", "route": "operator", "asked": 2,
                                                 "of_last": 2, "last_asked_at": "2026-11-20T19:00:00+00:00"}]
    text = CliRunner().invoke(process_report, ["--routing-hints", str(out), "--now", NOW])
    assert text.exit_code == 0 and "op-1" in text.output and "33.3%" in text.output
    assert "1 customer who asked for an operator in >= 2 of their last 3" in text.output


def test_hostile_input_gives_clear_results_and_errors(home, catalog_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    empty = CliRunner().invoke(process_report, ["--json"])
    assert empty.exit_code == 0 and json.loads(empty.output)["rows"] == []
    assert "no contacts" in CliRunner().invoke(process_report, []).output
    catalog = Catalog(catalog_url)
    try:  # no events, no customer, no start, no operator
        catalog.add_contact(Contact(contact_id="bare", channel="call", source="bare.wav", object_key="raw/bare"))
    finally:
        catalog.close()
    row = _run()["rows"][0]
    assert (row["operator_id"], row["contacts"], row["with_events"], row["fcr"], row["aht_s"]) == (
        None, 1, 0, None, None)
    assert (row["service_level"], row["abandonment_rate"], row["transfers"]) == (None, None, 0)
    for args, said in [
        (["--fcr-window-h", "0"], "expected hours > 0"),
        (["--sl-threshold-s", "-1"], "expected seconds >= 0"),
        (["--since", "yesterday"], "expected an ISO 8601 date"),
        (["--since", "2026-12-01", "--until", "2026-11-01"], "is not before --until"),
        (["--routing-hints", str(tmp_path / "hints.txt")], "expected a .csv or .json file"),
        (["--out", str(tmp_path / "rows.txt")], "expected a folder, or a .csv, .xlsx or .parquet file"),
        (["--by", "site"], "'site' is not one of"),
    ]:
        result = CliRunner().invoke(process_report, args)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.output and "Traceback" not in result.output


def test_demand_rule_settings_are_checked(home, catalog_url, monkeypatch, tmp_path):
    import importlib

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    monkeypatch.setenv("CXMON_DEMAND_OPERATOR_K", "4")  # k > n = 3: refused by the settings that know it
    monkeypatch.setattr(importlib.import_module("pipeline.cli.process_report"), "DEFAULT_DEMAND_K", 4)  # or here
    result = CliRunner().invoke(process_report, ["--routing-hints", str(tmp_path / "h.csv")])
    assert result.exit_code == 2 and "k <= n" in result.output and "Traceback" not in result.output


def test_from_ingested_recordings_with_real_sidecars(home, catalog_url, monkeypatch, tmp_path):
    """The export path: recordings with NAME.events.json (ACW as a field beyond the contract) and
    NAME.meta.json go in through `cxmon ingest`; the report reads what the catalog kept."""
    from pipeline.cli.contacts import ingest
    from tests.conftest import stereo_call

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    folder = tmp_path / "export"
    calls = {  # name: (hours after T0, customer, events)
        "first": (0, "cust-9", [{"type": "ivr_start", "t_s": 0.0}, {"type": "ivr_end", "t_s": 4.0, "exit": "operator"},
                                {"type": "queue_start", "t_s": 4.0}, {"type": "agent_answer", "t_s": 9.0},
                                {"type": "hold_start", "t_s": 15.0}, {"type": "hold_end", "t_s": 20.0},
                                {"type": "hangup", "t_s": 30.0, "acw_s": 12}]),
        "again": (1, "cust-9", [{"type": "queue_start", "t_s": 0.0}, {"type": "agent_answer", "t_s": 25.0},
                                {"type": "transfer", "t_s": 27.0}, {"type": "hangup", "t_s": 30.0}]),
        "gone": (2, "cust-5", [{"type": "queue_start", "t_s": 0.0}, {"type": "hangup", "t_s": 30.0, "by": "customer"}]),
    }
    for i, (name, (hours, customer, events)) in enumerate(calls.items()):
        stereo_call(folder / f"{name}.wav", seconds=30.0 + i)
        (folder / f"{name}.events.json").write_text(json.dumps({"events": events}))
        (folder / f"{name}.meta.json").write_text(json.dumps({
            "operator_id": "op-7", "customer_id": customer, "team": "cards",
            "started_at": (T0 + timedelta(hours=hours)).isoformat()}))
    result = CliRunner().invoke(ingest, [str(folder), "--json"])
    assert result.exit_code == 0, result.output
    row = _run()["rows"][0]
    assert (row["operator_id"], row["contacts"], row["with_events"], row["answered"]) == ("op-7", 3, 3, 2)
    assert (row["fcr"], row["repeat_contacts"]) == (pytest.approx(2 / 3), 1)  # "first" repeated 1 h later
    assert row["aht_s"] == pytest.approx(((21 - 5 + 5 + 12) + 5) / 2)  # talk 16 + hold 5 + ACW 12; talk 5
    assert (row["acw_s"], row["hold_s"]) == (12.0, 2.5)
    assert (row["service_level"], row["abandonment_rate"], row["transfers"]) == (
        pytest.approx(1 / 3), pytest.approx(1 / 3), 1)  # waits 5 s (in), 25 s (out), abandoned after 30 s
    assert (row["asked_for_operator"], row["ivr_exits"]) == (1, {"operator": 1})


@pytest.mark.model
def test_chats_that_ask_for_an_operator_make_a_routing_hint(home, catalog_url, monkeypatch, tmp_path):
    """Real chat exports through ingest and the chat stage (sentiment, phrase tags): a customer who
    asked the bot for a person in both chats is listed; FCR sees the second chat as a repeat."""
    from pipeline.catalog import Catalog
    from pipeline.ingest import ingest_paths
    from pipeline.settings import Settings
    from pipeline.stages import process_contact
    from pipeline.store import LocalObjectStore, Store
    from tests.pipeline.chats.test_chat_stage import CHAT, write_chat

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    monkeypatch.setenv("CXMON_OBJECTS_DIR", str(tmp_path / "objects"))
    calm = [(0, "customer", "Здравствуйте, как узнать баланс?"), (20, "agent", "Добрый день! В приложении.")]
    for name, lines, chat_id in (("monday", CHAT, "c-1"), ("tuesday", CHAT, "c-2"), ("other", calm, "c-3")):
        write_chat(tmp_path / "in" / f"{name}.jsonl", lines, chat_id=chat_id)
        (tmp_path / "in" / f"{name}.meta.json").write_text(json.dumps(
            {"customer_id": "cust-ivan" if name != "other" else "cust-olga", "operator_id": "op-3"}))
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=Catalog(catalog_url))
    try:
        report = ingest_paths(store, [tmp_path / "in"])
        assert len(report.new) == 3, report
        for contact_id in report.new:
            assert all(o.ok for o in process_contact(store, contact_id, Settings()))
    finally:
        store.catalog.close()
    out = tmp_path / "hints.json"
    row = _run("--routing-hints", str(out))["rows"][0]
    assert (row["operator_id"], row["contacts"], row["with_events"], row["asked_for_operator"]) == ("op-3", 3, 0, 2)
    assert (row["repeat_contacts"], row["fcr"], row["service_level"]) == (1, pytest.approx(2 / 3), None)
    # chat AHT: Anna's first message to her last (90 s to 180 s) in both of Ivan's chats, 0 s in Olga's
    assert (row["aht_s"], row["aht_chat_s"], row["aht_sources"]) == (60.0, 60.0, {"events": 0, "audio": 0, "chat": 3})
    assert [(h["customer_id"], h["asked"], h["of_last"]) for h in json.loads(out.read_text())] == [("cust-ivan", 2, 2)]
