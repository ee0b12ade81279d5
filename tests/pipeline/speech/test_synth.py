"""Synthetic speech: Festival's Russian (festival_ru, the voices speak() routes to it), its errors
when the tools or the voice are missing or the text cannot be read. Whisper hearing it: test_asr.py
(spoken phrases), test_asr_real_speech.py (phone scene), test_demo.py (the demo's calls)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from pipeline.speech import synth
from pipeline.speech.synth import (VOICES, FestivalVoice, SynthesisUnavailable, festival_ru, festival_text, speak,
                                   voiced_bounds)
from tests.conftest import has_festival_ru, require

GREETING = "Здравствуйте, меня зовут Анна, чем могу вам помочь?"


def require_festival() -> None:
    require(has_festival_ru(), "festival with its Russian voice is not installed (apt-get install festival festvox-ru)")


def test_docstring_examples():
    result = doctest.testmod(synth)
    assert result.failed == 0 and result.attempted >= 1


def test_missing_festival_is_a_clear_error_naming_the_packages(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no text2wave there
    synth._festival_wav.cache_clear()
    with pytest.raises(SynthesisUnavailable, match=r"Festival is not installed \(no text2wave on PATH\); "
                                           r"on Debian/Ubuntu: apt-get install festival festvox-ru"):
        festival_ru("Сообщение, которого никто ещё не говорил.", rate_hz=8000)
    assert not synth.festival_ru_available()


def test_missing_voice_is_a_clear_error_naming_the_packages():
    require_festival()
    with pytest.raises(SynthesisUnavailable, match=r"voice 'no_such_voice': SIOD ERROR: unbound variable : voice_no_such_voice; "
                                           r"on Debian/Ubuntu: apt-get install festival festvox-ru"):
        festival_ru("Привет.", rate_hz=8000, voice="no_such_voice")
    assert not synth.festival_ru_available("no_such_voice") and synth.festival_ru_available()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"text": "", "rate_hz": 8000}, r"text to speak: got ''; expected a non-empty string"),
    ({"text": None, "rate_hz": 8000}, r"got None; expected a non-empty string"),
    ({"text": "...", "rate_hz": 8000}, r"got '...'; expected at least one letter or digit"),
    ({"text": "Привет 🙂 ї", "rate_hz": 8000}, r"cannot read 'ї', '🙂' in 'Привет 🙂 ї'"),
    ({"text": "a&b", "rate_hz": 8000}, r"cannot read '&'"),
    ({"text": "да", "rate_hz": 0}, r"rate_hz: got 0; expected a positive integer"),
    ({"text": "да", "rate_hz": 8000.0}, r"rate_hz: got 8000.0"),
    ({"text": "да", "rate_hz": 8000, "pitch_ratio": 3}, r"pitch_ratio: got 3; expected 0.5 to 2.0"),
    ({"text": "да", "rate_hz": 8000, "voice": "x) (system \"rm\""}, r"Festival voice: got .*expected a name"),
])
def test_bad_input_is_refused_before_festival_runs(kwargs, message, monkeypatch):
    monkeypatch.setattr(synth.subprocess, "run", None)  # calling Festival would be a TypeError
    with pytest.raises(ValueError, match=message):
        festival_ru(**kwargs)


def test_typography_the_voice_cannot_read_is_rewritten():
    # Each of these stopped the whole utterance in festvox-ru's letter-to-sound rules.
    assert festival_text("«Да» — №5, 10:30, 3%…") == '"Да"  -   номер 5, 10 30, 3 процентов ...'
    assert festival_text("Ёлки-палки, SMS!") == "Ёлки-палки, SMS!"


def test_festival_russian_is_trimmed_mono_float32_at_the_rate_asked():
    require_festival()
    at_16k, at_8k = festival_ru(GREETING, rate_hz=16_000), festival_ru(GREETING, rate_hz=8000)
    assert at_16k.dtype == at_8k.dtype == np.float32 and at_16k.ndim == at_8k.ndim == 1
    assert abs(at_8k.size - at_16k.size / 2) <= 1
    # Some 13 phonemes a second: a wrong text coding gives an error or a few letters spelt out.
    assert 2.5 <= at_16k.size / 16_000 <= 5.0
    start, end = voiced_bounds(at_16k, threshold=0.005)
    assert start <= 16 and end >= at_16k.size - 16  # silence at the ends trimmed (within 1 ms)
    assert 0.1 < np.abs(at_16k).max() <= 1.0


def test_pitch_ratio_resamples_pitch_and_tempo_together():
    require_festival()
    plain = festival_ru(GREETING, rate_hz=8000)
    higher, lower = festival_ru(GREETING, rate_hz=8000, pitch_ratio=1.2), festival_ru(GREETING, rate_hz=8000, pitch_ratio=0.9)
    assert abs(higher.size - plain.size / 1.2) <= 2 and abs(lower.size - plain.size / 0.9) <= 2
    assert _median_pitch_hz(higher, 8000) / _median_pitch_hz(lower, 8000) == pytest.approx(1.2 / 0.9, rel=0.08)


def test_russian_voices_are_festival_with_three_distinct_pitches():
    require_festival()
    ru = {party: VOICES[("ru", party)] for party in ("agent", "customer", "ivr")}
    assert all(isinstance(voice, FestivalVoice) and voice.name == "msu_ru_nsh_clunits" for voice in ru.values())
    assert len({voice.pitch_ratio for voice in ru.values()}) == 3
    spoken = speak(GREETING, voice=ru["agent"], rate_hz=8000)
    assert np.array_equal(spoken, festival_ru(GREETING, rate_hz=8000, pitch_ratio=ru["agent"].pitch_ratio))
    assert all(isinstance(VOICES[("en", party)], str) for party in ("agent", "customer", "ivr"))  # espeak-ng


def _median_pitch_hz(samples: np.ndarray, rate_hz: int) -> float:
    """Median autocorrelation pitch of the voiced 40 ms frames, 60-400 Hz."""
    frame, pitches = int(0.04 * rate_hz), []
    low, high = rate_hz // 400, rate_hz // 60
    for start in range(0, samples.size - frame, frame):
        x = samples[start : start + frame] - samples[start : start + frame].mean()
        if np.sqrt(np.mean(x**2)) < 0.02:
            continue
        ac = np.correlate(x, x, "full")[frame - 1 :]
        lag = low + int(np.argmax(ac[low:high]))
        if ac[lag] > 0.5 * ac[0]:
            pitches.append(rate_hz / lag)
    return float(np.median(pitches))


@pytest.mark.model
def test_russian_agent_and_customer_voices_are_told_apart_on_mono():
    """The one festvox-ru speaker at two pitches is two speakers to the pretrained diarization
    (measured DER 0.015, 2 found; at equal pitch: DER 0.43, 1 found)."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from pipeline.cli.demo_set import DEMO_CALLS, GAP_S
    from pipeline.speech.pretrained_diarization import diarize_pretrained
    from pipeline.speech.synth import mix, place

    require_festival()
    script = next(s for s in DEMO_CALLS if s.name == "ru-complaint")
    clips, start_s = [], 0.5
    for party, text in script.lines:
        clips.append(place(party, start_s, speak(text, voice=VOICES[("ru", party)], rate_hz=16_000), rate_hz=16_000))
        start_s = clips[-1].end_s + GAP_S
    samples = mix(clips, duration_s=start_s, rate_hz=16_000, stereo=False)[:, 0]
    truth = Annotation()
    for clip in clips:
        truth[Segment(clip.start_s, clip.end_s)] = clip.party
    found = diarize_pretrained(samples, num_speakers=None)
    assert len(found.labels()) == 2
    assert DiarizationErrorRate(collar=0.25, skip_overlap=False)(truth, found) <= 0.1
