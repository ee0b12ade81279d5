"""`cxmon demo` builds calls with espeak-ng, ingests and processes them; running it twice adds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys


from tests.conftest import has_espeak, require


def test_demo_runs_and_is_idempotent(home):
    require(has_espeak(), "espeak-ng is not installed (apt-get install espeak-ng)")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    first = subprocess.run([sys.executable, "-m", "pipeline.cli", "demo", "--json"],
                           capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert len(summary["ingest"]["new"]) == 5 and summary["process"]["failed"] == []
    assert all(c["status"] == "processed" for c in summary["contacts"])
    # every call and chat gets a predicted CSI with its reasons
    assert all(s["name"] == "csi" and 0 <= s["value"] <= 100 and s["reasons"]
               for c in summary["contacts"] for s in c["scores"] if s["source"] == "model")
    assert all(any(s["name"] == "csi" for s in c["scores"]) for c in summary["contacts"])
    messages = sorted(e["message"] for e in summary["errors"])
    assert messages[0].startswith("cut-off-upload.wav: truncated")
    assert messages[1].startswith("ru-complaint.events.json: malformed JSON")

    by_source = {c["contact"]["source"].rsplit("/", 1)[1]: c for c in summary["contacts"]}
    card = by_source["ru-card-payment.wav"]
    assert card["features"]["probe"]["channels"] == 2 and card["features"]["probe"]["sample_rate_hz"] == 8000
    types = [e["type"] for e in card["events"]]
    assert types == ["ivr_start", "ivr_end", "queue_start", "agent_answer", "hold_start", "hold_end", "hangup"]
    assert by_source["en-address-change.ogg"]["features"]["probe"]["channels"] == 1
    assert by_source["ru-complaint.flac"]["events"] == []  # its events file was broken
    chat = by_source["ru-double-charge.txt"]
    assert chat["contact"]["operator_id"] == "op-anna" and chat["features"]["chat"]["bot_handoff"] == 1
    assert chat["features"]["chat"]["phrase_asks_for_operator"] == 1
    texts = " ".join(t["text"] for t in chat["turns"])
    assert "[CARD]" in texts and "[PHONE]" in texts and "4276" not in texts
    assert by_source["en-web-chat.jsonl"]["features"]["chat"]["unanswered_customer_messages"] == 1

    second = subprocess.run([sys.executable, "-m", "pipeline.cli", "demo", "--json"],
                            capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["ingest"]["new"] == [] and len(again["ingest"]["existing"]) == 5
    assert len(again["contacts"]) == 5 and len(again["errors"]) == 2


def test_demo_human_output_shows_the_table_and_the_problems(home):
    require(has_espeak(), "espeak-ng is not installed (apt-get install espeak-ng)")
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "demo"], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert "ru-card-payment.wav" in result.stdout and "processed" in result.stdout
    assert "raw bytes kept at quarantine/" in result.stdout
