"""Call features from timed transcripts: known answers, and real bank calls (Harper Valley Bank)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from features.call import FEATURE_NAMES
from pipeline.calls.from_transcript import transcript_call_features
from pipeline.records import Turn

HVB = Path(__file__).parents[3].parent / "shared" / "data" / "hvb" / "calls"


def test_known_answers_from_turns():
    turns = [
        Turn("agent", 0.0, 4.0, "hello this is Kate how can I help"),
        Turn("customer", 3.0, 8.0, "my card is blocked"),            # starts while the agent speaks
        Turn("agent", 10.0, 12.0, "let me check"),                     # 2 s of silence before it
        Turn("customer", 12.5, 14.0, "thanks"),
    ]
    f = transcript_call_features(turns)
    assert set(FEATURE_NAMES) <= set(f)
    assert f["duration_s"] == 14.0 and f["agent_talk_s"] == 6.0 and f["customer_talk_s"] == 6.5
    assert f["overlap_s"] == 1.0 and f["interruptions_customer"] == 1 and f["interruptions_agent"] == 0
    assert f["silence_s"] == 2.5 and f["longest_silence_s"] == 2.0
    assert (f["agent_words"], f["customer_words"]) == (11, 5)
    assert f["ivr_s"] == 0.0 and f["holds_count"] == 0 and f["queue_wait_s"] == 0.0


@pytest.mark.shared_data(HVB)
def test_real_bank_calls_give_sane_features():
    for path in sorted(HVB.glob("*.json"))[:20]:
        call = json.loads(path.read_text(encoding="utf-8"))
        segments = sorted(call["segments"], key=lambda s: s["start_ms"])
        turns = [Turn("customer" if s["speaker_role"] == "caller" else "agent", s["start_ms"] / 1000,
                      (s["start_ms"] + s["duration_ms"]) / 1000, s["human_transcript"]) for s in segments]
        f = transcript_call_features(turns)
        talk = f["agent_talk_s"] + f["customer_talk_s"] - f["overlap_s"]
        assert talk + f["silence_s"] <= f["duration_s"] + 1e-6, path.name
        assert 0 < f["talk_ratio_agent"] < 1 and f["agent_words"] > 0 and f["customer_words"] > 0, path.name
        assert 60 < f["agent_speech_rate_wpm"] < 300, (path.name, f["agent_speech_rate_wpm"])
