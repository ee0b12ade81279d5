"""Music and tones told from speech, noise and hum by the sound itself (issue 12, item 4).

Signals built here with known answers; the heard call process (IVR, queue, holds) on span lists
worked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from features.call_process import heard_process
from features.music import FRAME_S, HOP_S, MIN_MUSIC_S, music_frames, music_spans, tonal_features
from pipeline.speech.synth import VOICES, music, speak
from tests.conftest import has_espeak, require

RATE_HZ = 8000
EDGE_S = FRAME_S  # an edge moves by at most one analysis frame


def _t(seconds: float, rate_hz: int = RATE_HZ) -> np.ndarray:
    return np.arange(int(seconds * rate_hz)) / rate_hz


def _padded(x: np.ndarray, before_s: float = 1.0, after_s: float = 1.0) -> np.ndarray:
    return np.concatenate([np.zeros(int(before_s * RATE_HZ)), x, np.zeros(int(after_s * RATE_HZ))]).astype(np.float32)


def _melody(seconds: float, *, seed: int = 0) -> np.ndarray:
    """Random notes of a C major scale, 0.4 s each with four harmonics and a decaying envelope."""
    rng = np.random.default_rng(seed)
    t, out = _t(seconds), np.zeros(int(seconds * RATE_HZ))
    scale = [262, 294, 330, 349, 392, 440, 494, 523]
    for i in range(int(seconds / 0.4)):
        f0, inside = scale[rng.integers(len(scale))], (t >= i * 0.4) & (t < (i + 1) * 0.4)
        local = t[inside] - i * 0.4
        out[inside] = sum(0.5**h * np.sin(2 * np.pi * f0 * (h + 1) * local) for h in range(4)) * np.exp(-3 * local)
    return 0.1 * out


def _hum(seconds: float, *, steps: bool = False) -> np.ndarray:
    """Three harmonics of a fundamental rising 5 Hz a second (an engine, a fan: a glide, never a
    new note), or with ``steps`` jumping to a new note every 0.5 s, under white noise: steady
    enough that nearly every frame is a candidate (median steady share ~0.83)."""
    t = _t(seconds)
    f0 = 150 * 2 ** (np.floor(t / 0.5) % 4 * 2 / 12) if steps else 150 + 5 * t
    phase = 2 * np.pi * np.cumsum(f0) / RATE_HZ
    hum = sum(np.sin(k * phase) for k in (2, 3, 4)) * 0.01
    return hum + 0.006 * np.random.default_rng(0).standard_normal(len(t))


def test_a_switch_jingle_is_music_from_its_first_to_its_last_note():
    found = music_spans(_padded(music(6.0, rate_hz=RATE_HZ)), RATE_HZ)
    assert len(found) == 1
    assert found[0] == pytest.approx((1.0, 7.0), abs=EDGE_S)


def test_a_melody_with_harmonics_and_decaying_notes_is_music_even_under_noise():
    x = _melody(8.0) + 0.01 * np.random.default_rng(1).standard_normal(8 * RATE_HZ)  # about 10 dB SNR
    found = music_spans(_padded(x), RATE_HZ)
    assert len(found) == 1 and found[0] == pytest.approx((1.0, 9.0), abs=EDGE_S)


def test_a_steady_tone_longer_than_the_minimum_is_a_tone_and_a_beep_is_not():
    tone = 0.1 * np.sin(2 * np.pi * 425 * _t(5.0))
    assert music_spans(_padded(tone), RATE_HZ) == [pytest.approx((1.0, 6.0), abs=EDGE_S)]
    beep = 0.1 * np.sin(2 * np.pi * 425 * _t(MIN_MUSIC_S - 0.5))
    assert music_spans(_padded(beep), RATE_HZ) == []


@pytest.mark.parametrize("colour", ["white", "brown"])
def test_noise_is_not_music(colour):
    noise = np.random.default_rng(2).standard_normal(6 * RATE_HZ)
    if colour == "brown":
        noise = np.cumsum(noise)
        noise -= np.convolve(noise, np.ones(801) / 801, mode="same")  # no DC drift
    x = 0.05 * noise / np.std(noise)
    assert music_frames(x, RATE_HZ).sum() <= 0.05 * len(tonal_features(x, RATE_HZ)["level_dbfs"])
    assert music_spans(x, RATE_HZ) == []


def test_a_gliding_hum_is_not_music_but_the_same_sound_changing_note_is():
    hum = _hum(10.0)
    assert music_frames(hum, RATE_HZ).mean() >= 0.95  # tonal and steady, frame by frame
    assert music_spans(hum, RATE_HZ) == []  # but it never changes note
    assert music_spans(_hum(10.0, steps=True), RATE_HZ) == [pytest.approx((0.0, 10.0), abs=EDGE_S)]


def test_silence_and_a_short_signal_give_nothing():
    assert music_spans(np.zeros(5 * RATE_HZ), RATE_HZ) == []
    assert music_spans(np.zeros(10), RATE_HZ) == []
    assert tonal_features(np.zeros(10), RATE_HZ)["steady_tonal_ratio"].shape == (0,)


@pytest.mark.parametrize("voice", [VOICES[("en", "agent")], VOICES[("en", "customer")], VOICES[("ru", "ivr")]])
def test_speech_is_not_music_even_without_the_speech_detector(voice):
    require(has_espeak(), "espeak-ng is not installed")
    line = speak("Thank you for calling Example Bank. All our operators are busy, please stay on the line. "
                 "Your call is important to us.", voice=voice, rate_hz=RATE_HZ)
    assert music_spans(_padded(line), RATE_HZ) == []


def test_frames_the_speech_detector_calls_speech_are_not_music():
    x = _padded(music(8.0, rate_hz=RATE_HZ))
    frames = len(tonal_features(x, RATE_HZ)["level_dbfs"])
    assert music_spans(x, RATE_HZ, speech_proba=np.ones(frames)) == []
    proba = np.zeros(frames)
    proba[int(4.5 / HOP_S):int(5.5 / HOP_S)] = 0.9  # an announcement over the music from 4.5 to 5.5 s
    found = music_spans(x, RATE_HZ, speech_proba=proba)
    assert found == [pytest.approx((1.0, 4.5), abs=EDGE_S), pytest.approx((5.5, 9.0), abs=EDGE_S)]
    proba[int(2.0 / HOP_S):int(3.0 / HOP_S)] = 0.9  # a second one leaves 1.5 s between: too short
    assert music_spans(x, RATE_HZ, speech_proba=proba) == [pytest.approx((5.5, 9.0), abs=EDGE_S)]


def test_the_same_music_is_found_at_8_and_16_khz():
    from pipeline.speech.synth import resample

    x = _padded(_melody(6.0, seed=3))
    at_8k = music_spans(x, RATE_HZ)
    at_16k = music_spans(resample(x, RATE_HZ, 16000), 16000)
    assert len(at_8k) == len(at_16k) == 1 and at_16k[0] == pytest.approx(at_8k[0], abs=EDGE_S)


@pytest.mark.parametrize(("args", "message"), [
    ((np.zeros((10, 2)), RATE_HZ), r"shape \(10, 2\); expected one channel"),
    ((np.zeros(100), 4000), r"rate_hz=4000; expected 8000 Hz or more"),
])
def test_bad_input_is_named(args, message):
    with pytest.raises(ValueError, match=message):
        music_spans(*args)


def test_speech_probabilities_of_the_wrong_shape_are_named():
    with pytest.raises(ValueError, match=r"speech_proba of shape \(2, 2\)"):
        music_spans(np.zeros(RATE_HZ), RATE_HZ, speech_proba=np.zeros((2, 2)))


# The heard call process on a mono recording: worked by hand.

def test_mono_conversation_from_the_first_word_has_no_ivr_and_no_queue():
    speech = [(1.0, 3.0), (8.0, 10.5), (21.0, 21.5), (25.6, 27.2), (44.0, 47.5)]  # ru/tone_call_long's shape
    heard = heard_process(speech, [], None)
    assert (heard.ivr, heard.queue, heard.holds, heard.answer_s) == (None, None, (), 1.0)


def test_mono_music_after_a_long_conversation_is_a_hold_not_a_queue():
    heard = heard_process([(0.5, 20.0), (21.0, 35.0), (50.0, 60.0)], [(35.5, 49.5)], None)
    assert (heard.ivr, heard.queue, heard.answer_s, heard.holds) == (None, None, 0.5, ((35.5, 49.5),))


def test_mono_music_long_after_the_last_word_is_a_hold():
    heard = heard_process([(0.5, 4.0), (20.0, 25.0)], [(7.0, 19.0)], None)  # 3 s of silence before it
    assert (heard.ivr, heard.queue, heard.holds) == (None, None, ((7.0, 19.0),))


def test_mono_prompt_then_music_then_speech_is_ivr_queue_answer_then_hold():
    heard = heard_process([(0.5, 4.3), (9.0, 18.0), (24.5, 30.0)], [(4.5, 8.6), (19.1, 24.1)], None)
    assert heard == heard_process([(0.5, 4.3), (9.0, 18.0), (24.5, 30.0)], [(4.5, 8.6), (19.1, 24.1)], 10.0)
    assert (heard.ivr, heard.queue, heard.answer_s, heard.holds) == ((0.5, 4.3), (4.5, 8.6), 9.0, ((19.1, 24.1),))


def test_mono_music_that_opens_the_call_is_the_queue_without_ivr():
    heard = heard_process([(10.0, 12.0)], [(0.0, 9.5)], None)
    assert (heard.ivr, heard.queue, heard.answer_s, heard.holds) == (None, (0.0, 9.5), 10.0, ())



def test_mono_announcement_candidates_between_stretches_of_queue_music():
    from features.call_process import next_announcement, queue_until

    speech = [(0.5, 4.3), (20.0, 23.0), (40.0, 45.0), (60.0, 70.0)]  # prompt, announcement, agent, agent
    music = [(4.5, 19.5), (23.5, 39.5), (50.0, 58.0)]  # queue, queue, hold
    heard = heard_process(speech, music, None)
    assert (heard.queue, heard.answer_s) == ((4.5, 19.5), 20.0)
    assert next_announcement(heard.queue, speech, music) == ([(20.0, 23.0)], (23.5, 39.5))
    longer = queue_until(heard, 39.5, speech, music)
    assert (longer.ivr, longer.queue, longer.answer_s, longer.holds) == ((0.5, 4.3), (4.5, 39.5), 40.0, ((50.0, 58.0),))
    # After the agent's 5 s the music comes back 5 s late: that is a hold, not more queue.
    assert next_announcement(longer.queue, speech, music) is None
    assert next_announcement((4.5, 19.5), [(20.0, 26.5), (40.0, 45.0)], [(4.5, 19.5), (27.0, 39.5)]) is None  # too long
    assert next_announcement((4.5, 19.5), [(22.0, 23.0), (40.0, 45.0)], music) is None  # starts 2.5 s late
    assert next_announcement((4.5, 19.5), [(20.0, 23.0)], music[:2]) is None  # nobody answers after it
    with pytest.raises(ValueError, match="no queue"):
        queue_until(heard_process([(0.0, 1.0)], [], None), 5.0, [], [])
