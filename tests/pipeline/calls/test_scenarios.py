"""The scenes' truth is counted on a frame grid, independently of features.call; both methods must agree."""

from __future__ import annotations

import pytest

from features.call import FEATURE_NAMES, CallTimeline, call_features
from tests.conftest import has_espeak, require
from tests.pipeline.calls.scenarios import bank_call, counted_features, mono_call

AGENT = [(2.0, 5.0), (6.5, 9.0), (14.0, 15.0)]
CUSTOMER = [(4.5, 6.0), (8.0, 8.6), (11.0, 12.0)]
TIMELINE = CallTimeline(duration_s=16.0, answer_s=1.5, ivr=(0.0, 1.0), ivr_exit="operator", queue_start_s=1.0,
                        holds=((9.5, 10.5),))
WORDS = {"agent_words": "Hello this is Kate how can I help".split(), "customer_words": "my card, blocked".split()}


def _agree(truth: dict, features: dict) -> None:
    for name in FEATURE_NAMES:
        want, got = truth[name], features[name]
        if isinstance(want, (str, int)) and not isinstance(want, bool) or want is None:
            assert got == want, name
        else:
            # a grid of 1 ms moves each span edge by up to 0.5 ms; a rate per minute multiplies that
            assert got == pytest.approx(want, abs=0.1 if name.endswith("_wpm") else 0.005), name


def test_counting_frames_gives_the_hand_worked_answers():
    f = counted_features(TIMELINE, AGENT, CUSTOMER, **WORDS)
    assert f["agent_talk_s"] == pytest.approx(6.5) and f["customer_talk_s"] == pytest.approx(3.1)
    assert f["overlap_s"] == pytest.approx(1.1)  # 4.5-5.0 and 8.0-8.6
    assert (f["interruptions_customer"], f["interruptions_agent"]) == (2, 0)
    # quiet after the answer, outside the hold, >= 0.3 s: 1.5-2.0, 6.0-6.5, 9.0-9.5, 10.5-11.0, 12.0-14.0, 15.0-16.0
    assert f["silence_s"] == pytest.approx(5.0) and f["longest_silence_s"] == pytest.approx(2.0)
    assert f["agent_first_speech_s"] == pytest.approx(0.5) and f["customer_first_speech_s"] == pytest.approx(3.0)
    assert f["customer_mean_word_len_chars"] == pytest.approx(13 / 3)  # my, card, blocked


def test_feature_functions_agree_with_the_counted_truth():
    _agree(counted_features(TIMELINE, AGENT, CUSTOMER, **WORDS), call_features(TIMELINE, AGENT, CUSTOMER, **WORDS))


@pytest.mark.parametrize("scene", [bank_call, mono_call])
def test_feature_functions_agree_on_the_synthetic_scenes(scene):
    require(has_espeak(), "espeak-ng is not installed")
    call = scene()
    spans = {"agent": call.spans("agent"), "customer": call.spans("customer")}
    _agree(call.truth(), call_features(call.timeline, spans["agent"], spans["customer"],
                                       agent_words=call.words("agent"), customer_words=call.words("customer")))
