"""`cxmon analyze` as a user runs it: one call in, transcript and features out."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import soundfile as sf

from features.call import FEATURE_NAMES
from tests.conftest import has_espeak, require
from tests.pipeline.calls.scenarios import bank_call


def _analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", *args], capture_output=True, text=True,
                          env={**os.environ, "DO_NOT_TRACK": "1"}, timeout=600)


@pytest.mark.model
def test_analyze_json_has_every_feature_and_the_turns(home, tmp_path):
    require(has_espeak(), "espeak-ng is not installed")
    call = bank_call()
    path = tmp_path / "bank.wav"
    sf.write(path, call.samples, call.rate_hz, subtype="PCM_16")
    (tmp_path / "bank.events.json").write_text(json.dumps(
        {"events": [{"type": e.type, "t_s": e.t_s, **({"exit": e.exit} if e.exit else {}),
                     **({"agent_id": e.agent_id} if e.agent_id else {})} for e in call.events]}))
    result = _analyze(str(path), "--language", "en", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(FEATURE_NAMES) <= set(document["features"])
    assert document["features"]["holds_count"] == 1 and document["features"]["ivr_source"] == "events"
    assert [t["speaker"] for t in document["turns"]][:2] == ["ivr", "agent"]
    agent_text = " ".join(t["text"] for t in document["turns"] if t["speaker"] == "agent").lower()
    assert "kate" in agent_text and "help" in agent_text
    # text analytics on the turns: sentiment per turn, phrase tags, per-call counts
    assert all(t["sentiment"] in {"negative", "neutral", "positive"} for t in document["turns"] if t["text"].strip())
    thanks = next(t for t in document["turns"] if t["speaker"] == "customer" and "thanks" in t["text"].lower())
    assert thanks["sentiment"] == "positive" and "thanks" in thanks["tags"]
    greeting = next(t for t in document["turns"] if t["speaker"] == "agent")
    assert {"greeting", "introduced_by_name"} <= set(greeting["tags"])
    features = document["features"]
    assert features["phrase_greeting"] == 1
    assert features["phrase_farewell"] == sum("farewell" in t["tags"] for t in document["turns"])
    assert features["customer_negative_turns"] == sum(
        t["sentiment"] == "negative" for t in document["turns"] if t["speaker"] == "customer")

    human = _analyze(str(path), "--language", "en")  # the same bytes: the stored results, at once
    assert human.returncode == 0 and "agent_talk_s" in human.stdout and "agent" in human.stdout


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("empty.wav", b"", "empty.wav: empty file"),
    ("noise.wav", b"RIFF\x00\x00\x00\x00WAVEjunk", "noise.wav: not readable as audio"),
])
def test_analyze_bad_audio_exits_2_naming_the_file(home, tmp_path, name, data, expected):
    (tmp_path / name).write_bytes(data)
    result = _analyze(str(tmp_path / name))
    assert result.returncode == 2 and expected in result.stderr
