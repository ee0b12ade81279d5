"""Silero's speech probabilities per 32 ms window, for the music detector (issue 12, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.speech.synth import VOICES, speak
from pipeline.speech.vad import VAD_HOP_S, VAD_RATE_HZ, speech_probabilities, speech_spans
from tests.conftest import has_espeak, require

pytestmark = pytest.mark.model


def test_one_probability_per_window_high_on_speech_low_on_silence():
    require(has_espeak(), "espeak-ng is not installed")
    line = speak("Thank you for calling Example Bank, how can I help you today?", voice=VOICES[("en", "agent")],
                 rate_hz=VAD_RATE_HZ)
    silence = np.zeros(VAD_RATE_HZ, np.float32)
    x = np.concatenate([silence, line, silence])
    proba = speech_probabilities(x)
    assert proba.shape == (int(np.ceil(len(x) / 512)),) and VAD_HOP_S == 0.032
    assert np.all((proba >= 0) & (proba <= 1))
    assert proba[: int(0.9 / VAD_HOP_S)].max() < 0.1  # the first second is silent
    # Windows inside the spans speech_spans finds (the same model) are mostly over its threshold.
    inside = [p for i, p in enumerate(proba) if any(s + 0.1 <= i * VAD_HOP_S <= e - 0.1 for s, e in speech_spans(x))]
    assert np.median(inside) > 0.5


def test_empty_and_two_dimensional_input():
    assert speech_probabilities(np.zeros(0, np.float32)).shape == (0,)
    with pytest.raises(ValueError, match=r"shape \(10, 2\); expected one 16 kHz channel"):
        speech_probabilities(np.zeros((10, 2), np.float32))
