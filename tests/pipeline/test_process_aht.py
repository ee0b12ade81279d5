"""AHT in ``cxmon report process`` from each source, row by row on a known-answer set (SQLite and
PostgreSQL): telephony events, a chat's messages (with after-chat work from its events), and the audio
estimate of a call without events, built from call features computed here on speech placed at known
times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from features.call import CallTimeline, call_features
from pipeline.catalog import Catalog
from pipeline.cli.process_report import process_report
from pipeline.records import Contact, FeatureSet, TelephonyEvent, Transcript, Turn

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = (T0 + timedelta(days=30)).isoformat()


def ev(type_: str, t_s: float, exit: str | None = None, **extra) -> TelephonyEvent:
    return TelephonyEvent(type=type_, t_s=t_s, exit=exit, extra=extra)


# Answered 20 s in, a hold 100..130, hung up at 200: 150 s of conversation (speech of either party,
# overlap 48..50 once, and the pauses 58..60, 90..100, 130..135, 170..200), 30 s of hold.
HEARD = call_features(CallTimeline(duration_s=200.0, answer_s=20.0, queue_start_s=5.0, holds=((100.0, 130.0),)),
                      [(20.0, 50.0), (60.0, 90.0)], [(48.0, 58.0), (135.0, 170.0)])
BOT_CHAT = [(0, "customer"), (2, "bot"), (30, "customer"), (90, "agent"), (120, "customer"), (180, "agent"),
            (210, "customer")]

# contact, channel, operator, events, call features, chat messages (t_s, role)
CONTACTS = [
    ("c-ev", "call", "op-a", [ev("queue_start", 0), ev("agent_answer", 10), ev("hold_start", 40), ev("hold_end", 70),
                              ev("hangup", 130, acw_s=25)], None, None),
    ("c-audio", "call", "op-a", [], HEARD, None),
    ("ch-bot", "chat", "op-a", [ev("other", 0, type="chat_closed", acw_s=40)], None, BOT_CHAT),
    ("ch-one", "chat", "op-a", [], None, [(0, "customer"), (5, "agent"), (9, "customer")]),
    ("c-both", "call", "op-b", [ev("agent_answer", 0), ev("hangup", 60)], HEARD, None),
    ("c-gone", "call", "op-b", [ev("queue_start", 0), ev("hangup", 45)], None, None),
    ("c-mute", "call", "op-b", [], {**HEARD, "agent_talk_s": None}, None),
    ("c-raw", "call", "op-b", [], None, None),
    ("ch-bot-only", "chat", "op-b", [], None, [(0, "customer"), (1, "bot")]),
    ("ch-raw", "chat", "op-b", [], None, None),
    ("d-1", "desk", "op-b", [], None, None),
]
# contact: (aht_source, handle_s, talk_s, hold_s, acw_s)
PER_CONTACT = {
    "c-ev": ("events", 145.0, 90.0, 30.0, 25.0),
    "c-audio": ("audio", 180.0, 150.0, 30.0, None),
    "ch-bot": ("chat", 130.0, 90.0, None, 40.0),  # the agent's first message (90 s) to the last (180 s) + ACW
    "ch-one": ("chat", 0.0, 0.0, None, None),
    "c-both": ("events", 60.0, 60.0, 0.0, None),  # events win over the audio estimate
    "c-gone": (None, None, None, None, None),  # abandoned in the queue
    "c-mute": (None, None, None, None, None),  # call features without the talk times
    "c-raw": (None, None, None, None, None),  # not processed
    "ch-bot-only": (None, None, None, None, None),  # no agent wrote
    "ch-raw": (None, None, None, None, None),  # the chat stage has not run
    "d-1": (None, None, None, None, None),
}


@pytest.fixture
def aht_catalog(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        for i, (cid, channel, operator, events, heard, messages) in enumerate(CONTACTS):
            catalog.add_contact(Contact(contact_id=cid, channel=channel, source=f"{cid}.x", object_key=f"raw/{cid}",
                                        started_at=T0 + timedelta(minutes=10 * i), operator_id=operator), events)
            if heard is not None:
                catalog.put_feature_set(FeatureSet(cid, "call", heard))
            if messages is not None:
                catalog.put_transcript(Transcript(cid, "ru", tuple(
                    Turn(speaker=role, start_s=float(t), end_s=float(t), text="…") for t, role in messages),
                    model="chat"))
    finally:
        catalog.close()
    return catalog_url


def _run(*args: str) -> dict:
    result = CliRunner().invoke(process_report, [*args, "--now", NOW, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_audio_estimate_is_the_conversation_heard():
    assert (HEARD["agent_talk_s"], HEARD["customer_talk_s"], HEARD["overlap_s"], HEARD["silence_s"],
            HEARD["hold_s"]) == (60.0, 45.0, 2.0, 47.0, 30.0)


def test_each_contact_has_its_handle_time_and_its_source(aht_catalog):
    rows = {r["contact_id"]: r for r in _run("--contacts")["rows"]}
    assert set(rows) == set(PER_CONTACT)
    for cid, expected in PER_CONTACT.items():
        row = rows[cid]
        assert (row["aht_source"], row["handle_s"], row["talk_s"], row["hold_s"], row["acw_s"]) == expected, cid
    table = CliRunner().invoke(process_report, ["--contacts", "--now", NOW, "--no-files"])
    assert table.exit_code == 0 and "aht_source" in table.output
    line = next(x for x in table.output.splitlines() if x.startswith("c-audio"))
    assert "180.0" in line and "audio" in line


def test_group_rows_split_aht_by_channel_and_count_the_sources(aht_catalog):
    rows = {r["operator_id"]: r for r in _run()["rows"]}
    a, b = rows["op-a"], rows["op-b"]
    assert a["aht_s"] == pytest.approx((145 + 180 + 130 + 0) / 4)
    assert (a["aht_call_s"], a["aht_chat_s"]) == (pytest.approx(162.5), pytest.approx(65.0))
    assert a["aht_sources"] == {"events": 1, "audio": 1, "chat": 2}
    assert (a["talk_s"], a["hold_s"], a["acw_s"]) == (pytest.approx(82.5), 30.0, 32.5)
    assert (b["aht_s"], b["aht_call_s"], b["aht_chat_s"], b["aht_sources"]) == (
        60.0, 60.0, None, {"events": 1, "audio": 0, "chat": 0})
    assert (b["contacts"], b["with_events"], b["answered"], b["abandoned_queue"]) == (7, 2, 1, 1)
    total = _run("--total")["rows"][0]
    assert total["aht_s"] == pytest.approx((145 + 180 + 130 + 0 + 60) / 5)
    assert total["aht_sources"] == {"events": 2, "audio": 1, "chat": 2}


@pytest.fixture(scope="module")
def heard_bank_call():
    """The synthetic bank call (espeak voices, queue and hold music) without events, analysed for real."""
    from pipeline.calls.analyze import analyze_call
    from pipeline.calls.speech_models import transcriber_for
    from pipeline.settings import Settings
    from tests.conftest import has_espeak, require
    from tests.pipeline.calls.scenarios import bank_call

    require(has_espeak(), "espeak-ng is not installed")
    call = bank_call(with_events=False)
    analysis = analyze_call(call.samples, call.rate_hz, events=[], channel_map={}, transcribe=transcriber_for(
        Settings(), language="en"), diarize=None, language="en")
    return call.timeline, dict(analysis.features)


@pytest.mark.model
def test_the_audio_estimate_of_a_real_analysis_is_near_the_truth(heard_bank_call, home, catalog_url, monkeypatch):
    timeline, values = heard_bank_call
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        catalog.add_contact(Contact(contact_id="bank", channel="call", source="bank.wav", object_key="raw/bank",
                                    started_at=T0, operator_id="op-kate"))
        catalog.put_feature_set(FeatureSet("bank", "call", values))
    finally:
        catalog.close()
    [row] = _run("--contacts")["rows"]
    (hold_start, hold_end), = timeline.holds
    assert row["aht_source"] == "audio" and row["hold_s"] == pytest.approx(hold_end - hold_start, abs=0.4)
    # the conversation placed: answer to the end of the recording, less the hold; VAD edges move it (0.35 s here)
    assert row["talk_s"] == pytest.approx(timeline.duration_s - timeline.answer_s - (hold_end - hold_start), abs=1.0)
    assert row["handle_s"] == pytest.approx(timeline.duration_s - timeline.answer_s, abs=1.0)
