"""Known-answer tests: stereo calls built with known turns, music and events; every call feature
must come out within a stated tolerance of the truth computed from what was placed."""

from __future__ import annotations

import pytest

from features.call import FEATURE_NAMES
from pipeline.calls.analyze import analyze_call
from pipeline.settings import Settings
from tests.conftest import has_espeak, require
from tests.pipeline.calls.scenarios import bank_call, mono_call

# Tolerances, stated once. VAD edges move each turn by up to ~0.1 s and may keep a short pause
# inside a turn that the truth splits (or the reverse), hence totals within 1.2 s.
TOTAL_S = 1.2
EDGE_S = 0.4
WORDS = 0.15  # relative: Whisper on espeak's English drops or merges the odd word
EXACT = ("duration_s", "holds_count", "interruptions_agent", "interruptions_customer")
TOLERANCE = {
    "ivr_s": EDGE_S, "queue_wait_s": EDGE_S, "hold_s": EDGE_S, "agent_first_speech_s": EDGE_S,
    "customer_first_speech_s": EDGE_S, "agent_talk_s": TOTAL_S, "customer_talk_s": TOTAL_S,
    "silence_s": TOTAL_S, "longest_silence_s": EDGE_S, "overlap_s": TOTAL_S / 2,
    "overlap_in_interruptions_s": TOTAL_S / 2, "talk_ratio_agent": 0.05, "overlap_ratio": 0.05,
    "customer_mean_word_len_chars": 0.5,
}
RELATIVE = {"agent_words": WORDS, "customer_words": WORDS, "agent_speech_rate_wpm": 0.2,
            "customer_speech_rate_wpm": 0.2}


@pytest.fixture(scope="module")
def transcribe():
    require(has_espeak(), "espeak-ng is not installed")
    from pipeline.calls.speech_models import transcriber_for

    return transcriber_for(Settings(), language="en")


def _analyse(call, transcribe, channel_map):
    return analyze_call(call.samples, call.rate_hz, events=call.events, channel_map=channel_map,
                        transcribe=transcribe, diarize=None, language="en")


def _assert_close(measured: dict, truth: dict, skip: tuple[str, ...] = ()) -> None:
    for name in FEATURE_NAMES:
        if name in skip or name == "speech_rate_diff_wpm":
            continue
        got, want = measured[name], truth[name]
        if name in EXACT or isinstance(want, str) or want is None:
            assert got == want, f"{name}: {got} != {want}"
        elif name in RELATIVE:
            assert got == pytest.approx(want, rel=RELATIVE[name]), f"{name}: {got} vs {want}"
        else:
            assert got == pytest.approx(want, abs=TOLERANCE[name]), f"{name}: {got} vs {want}"


@pytest.mark.model
def test_call_with_full_events(transcribe):
    call = bank_call()
    analysis = _analyse(call, transcribe, {"left": "agent", "right": "customer"})
    _assert_close(analysis.features, call.truth())
    assert analysis.features["ivr_s"] == pytest.approx(call.timeline.ivr[1] - call.timeline.ivr[0], abs=1e-9)
    sources = {k: v for k, v in analysis.features.items() if k.endswith("_source")}
    assert sources == {"answer_source": "events", "ivr_source": "events", "queue_source": "events",
                       "holds_source": "events", "agent_channel_source": "left:meta"}


@pytest.mark.model
def test_call_without_events_is_heard_from_the_audio(transcribe):
    call = bank_call(with_events=False)
    analysis = _analyse(call, transcribe, {})
    _assert_close(analysis.features, call.truth(), skip=("ivr_exit",))
    assert analysis.features["ivr_exit"] is None  # only an events file knows the IVR branch
    assert analysis.features["agent_channel_source"] == "left:guess"
    assert {analysis.features[f"{p}_source"] for p in ("answer", "ivr", "queue", "holds")} == {"detected"}


@pytest.mark.model
def test_hold_missing_from_events_is_detected(transcribe):
    call = bank_call(hold_in_events=False)
    analysis = _analyse(call, transcribe, {"left": "agent", "right": "customer"})
    _assert_close(analysis.features, call.truth())
    assert analysis.features["holds_source"] == "detected"
    assert analysis.features["answer_source"] == "events"


@pytest.mark.model
def test_swapped_channels_follow_the_meta_sidecar(transcribe):
    call = bank_call()
    swapped = call.samples[:, ::-1].copy()
    analysis = analyze_call(swapped, call.rate_hz, events=call.events, channel_map={"left": "customer"},
                            transcribe=transcribe, diarize=None, language="en")
    _assert_close(analysis.features, call.truth())
    assert analysis.features["agent_channel_source"] == "right:meta"


@pytest.mark.model
def test_turns_are_sorted_inside_the_call_and_ivr_is_not_transcribed(transcribe):
    call = bank_call()
    analysis = _analyse(call, transcribe, {"left": "agent", "right": "customer"})
    starts = [t.start_s for t in analysis.turns]
    assert starts == sorted(starts)
    assert all(0 <= t.start_s <= t.end_s <= call.timeline.duration_s for t in analysis.turns)
    ivr = [t for t in analysis.turns if t.speaker == "ivr"]
    assert ivr and all(t.text == "" for t in ivr)
    agent_text = " ".join(t.text for t in analysis.turns if t.speaker == "agent").lower()
    assert "help" in agent_text and "pay again" in agent_text
    for turn in analysis.turns:
        assert all(turn.start_s <= w.start_s <= w.end_s <= turn.end_s + 1e-6 for w in turn.words)


@pytest.mark.model
def test_mono_call_is_diarized_and_the_greeter_is_the_agent(transcribe):
    from pipeline.calls.speech_models import diarizer_for

    call = mono_call()
    analysis = analyze_call(call.samples, call.rate_hz, events=[], channel_map={}, transcribe=transcribe,
                            diarize=diarizer_for(Settings()), language="en")
    truth = call.truth()
    assert analysis.features["agent_channel_source"] == "mono:greeting"
    # Diarization moves turn edges more than a separate leg would: 2 s on totals.
    for name in ("agent_talk_s", "customer_talk_s"):
        assert analysis.features[name] == pytest.approx(truth[name], abs=2.0), name
    assert analysis.features["agent_words"] == pytest.approx(truth["agent_words"], rel=0.25)
    assert analysis.features["customer_words"] == pytest.approx(truth["customer_words"], rel=0.25)
    assert analysis.features["overlap_s"] < 1.0 and analysis.features["interruptions_customer"] <= 1
    agent_text = " ".join(t.text for t in analysis.turns if t.speaker == "agent").lower()
    assert "kate" in agent_text
