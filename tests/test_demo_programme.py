"""The demo's customer-experience programme, without the demo's voices: its chats ingested and processed by the
real pipeline, the campaign's decisions (sent, cap, consent, quiet hours), the replies (auto-reply, task, STOP),
nothing sent twice, and the driver matrix finding the scenario's effect in the pipeline's features."""

from __future__ import annotations

import json

from pipeline.cli.demo_programme import (
    CAMPAIGN_NOW,
    PROGRAMME_CHATS,
    driver_matrix,
    programme_text,
    run_campaign,
    scenario_csat,
    write_programme,
)
from pipeline.ingest import ingest_paths
from pipeline.settings import Settings
from pipeline.store import open_store


def test_the_programme_files_are_the_same_bytes_every_time(tmp_path):
    first = {p.name: p.read_bytes() for p in write_programme(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_programme(tmp_path / "b")}
    assert first == second and len(first) == 2 * PROGRAMME_CHATS + 4
    assert sorted({scenario_csat(i) for i in range(PROGRAMME_CHATS)}) == [1, 2, 3, 4, 5]


def test_programme_campaign_and_driver_matrix(home, monkeypatch):
    from flows.process import run_process_contacts

    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    settings = Settings()
    store = open_store(settings)
    report = ingest_paths(store, [write_programme(home / "programme")[0].parent], settings=settings)
    assert len(report.new) == PROGRAMME_CHATS and report.errors == []
    assert run_process_contacts(settings)["failed"] == []

    campaign = run_campaign(store, home / "out" / "campaigns.yaml")
    run = campaign["run"]
    # deals of every second customer: 2-18 but 10 are sent; 22-38 answered a survey within 30 days (cap), 10, 24
    # and 38 gave no consent (consent is decided first), 0 and 20 live where it is 22:00 (quiet hours)
    assert sorted(s["customer_id"] for s in run["sent"]) == [f"cust-p{i:03d}" for i in (2, 4, 6, 8, 12, 14, 16, 18)]
    assert run["skipped_by_reason"] == {"cap": 7, "consent": 3}
    assert {(w["customer_id"], w["reason"]) for w in run["waiting"]} == {("cust-p000", "quiet_hours"),
                                                                        ("cust-p020", "quiet_hours")}
    assert all(w["until"] == "2026-11-25T23:00:00+00:00" for w in run["waiting"])  # 09:00 in Vladivostok
    outbox = [json.loads(line) for line in (home / "out" / "outbox" / "invitations.jsonl").read_text().splitlines()]
    kinds = [m["type"] for m in outbox]
    assert kinds.count("invitation") == 8 and kinds.count("auto_reply") == 1
    replies = campaign["replies"]
    assert (replies["answered"], replies["opted_out"], replies["tasks"], replies["problems"]) == (2, 1, 1, [])
    assert [t["customer_id"] for t in campaign["tasks"]] == ["cust-p002"]
    assert campaign["invitations"] == {"answered": 2, "opted_out": 1, "sent": 5, "skipped: cap": 7,
                                       "skipped: consent": 3}

    again = run_campaign(store, home / "out" / "campaigns.yaml")  # a second run sends nothing twice
    assert again["run"]["counts"]["sent"] == 0 and again["replies"] == {}
    assert again["invitations"] == campaign["invitations"]
    at_nine = store.catalog.consent_states({"cust-p006"}, at=CAMPAIGN_NOW.replace(hour=23))
    assert not at_nine["cust-p006"]  # STOP withdrew the consent

    drivers = driver_matrix(store, home / "out" / "drivers.png")
    assert drivers["contacts"] == PROGRAMME_CHATS and drivers["target"] == "csat"
    factors = {f["name"]: f for f in drivers["factors"]}
    top = drivers["factors"][0]
    assert top["importance_ci"][0] > 0.5  # the scenario's effect, found in the pipeline's own features
    assert factors["chat:customer_sentiment"]["importance"] > 0.5
    assert factors["chat:unanswered_customer_messages"]["importance"] < 0
    assert (home / "out" / "drivers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = programme_text(campaign, drivers)
    assert "sent 8 invitations" in text and "skipped 10: 7 cap, 3 consent" in text and "quiet_hours" in text
