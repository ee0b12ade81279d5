"""Several span sets (a call's legs) decoded in one batch (`pipeline.speech.batched_asr`), and one VAD pass
giving both the speech spans and the probabilities (`pipeline.speech.vad.speech_activity`).

Bookkeeping on canned decodings first; then Whisper base on the same real and built speech as
test_asr.py and test_asr_real_speech.py, with the same word error rate limits."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from features.wer import word_error_rate
from pipeline.calls.analyze import transcribed
from pipeline.records import Word
from pipeline.speech import asr, batched_asr
from pipeline.speech.batched_asr import transcribe_legs
from pipeline.speech.vad import speech_activity, speech_probabilities, speech_spans, to_16k
from pipeline.speech.whisper_model import load_whisper
from tests.conftest import has_espeak, has_festival_ru, require, require_shared
from tests.pipeline.speech.test_asr import (EN_MAX_WER, JFK, JFK_SPANS, JFK_TEXT, PHRASES, RU_MAX_WER, FakeModel,
                                            Untouchable, assert_well_formed, require_voice, spoken_scene)
from tests.pipeline.speech.test_asr_real_speech import (FESTIVAL_MAX_WER, PISETS, PISETS_MAX_WER, PISETS_TEXT, SAMPLE,
                                                        SAMPLE_MAX_WER, SAMPLE_STM, TONE_CALLS, captions_in,
                                                        festival_phone_scene, most_copies_in_a_row, read_16k)

RATE_HZ = 16_000


class BatchableFake(FakeModel):
    """A stand-in with the attributes that let `transcribe_legs` batch (the batch itself is canned)."""

    model = feature_extractor = None
    frames_per_second = 100


def text_of(words) -> str:
    return " ".join(w.text for w in words)


def canned(monkeypatch, per_chunk):
    """Replace the batch decoding by canned words (times on the joined signal), one list per chunk; returns
    what it was given."""
    given = []

    def decoded(model, audio, chunks, **options):
        given.append((audio, list(chunks), options))
        return [[Word(text, start, end, 0.9) for text, start, end in words] for words in per_chunk]

    monkeypatch.setattr(batched_asr, "_decoded_chunks", decoded)
    return given


# --------------------------------------------------------------------------- without a model


def test_legs_are_joined_chunked_and_words_mapped_back_to_their_leg(monkeypatch):
    monkeypatch.setattr(batched_asr, "CHUNK_S", 3.0)
    left = np.linspace(-0.5, 0.5, 10 * RATE_HZ, dtype=np.float32)
    right = np.linspace(0.5, -0.5, 6 * RATE_HZ, dtype=np.float32)
    # Joined: left 1-2 s at 0.0-1.0, gap, left 4-5.5 s at 1.2-2.7, gap, right 2-4 s at 2.9-4.9.
    given = canned(monkeypatch, [
        [("Hello", 0.1, 0.5), ("seam", 0.9, 1.3), ("late,", 2.6, 2.8)],  # chunk 0.0-2.7
        [("right", 3.0, 3.5), ("end", 4.5, 5.0)],                         # chunk 2.9-4.9
    ])
    agent, customer = transcribe_legs(BatchableFake([]), [(left, [(1.0, 2.0), (4.0, 5.5)]), (right, [(2.0, 4.0)])],
                                      language="en")

    assert [(w.text, w.start_s, w.end_s) for w in agent] == [("Hello", 1.1, 1.5), ("seam", 4.0, 4.1),
                                                            ("late,", 5.4, 5.5)]
    assert [(w.text, w.start_s, w.end_s) for w in customer] == [("right", 2.1, 2.6), ("end", 3.6, 4.0)]
    (audio, chunks, options), = given
    gap = np.zeros(int(asr.SPAN_GAP_S * RATE_HZ), np.float32)
    np.testing.assert_array_equal(audio, np.concatenate([left[16000:32000], gap, left[64000:88000], gap,
                                                         right[32000:64000]]))
    assert chunks == [(0.0, 2.7), (2.9, 4.9)]  # cut at a span boundary, each at most CHUNK_S
    assert options["beam_size"] == asr.DEFAULT_BEAM_SIZE and options["language"] == "en"


def test_silent_spans_and_empty_legs_decode_nothing():
    hiss = np.full(2 * RATE_HZ, 0.0005, np.float32)  # -66 dBFS
    assert transcribe_legs(Untouchable(), [(np.zeros(RATE_HZ, np.float32), []), (hiss, [(0.5, 0.5)])],
                           language="ru") == [[], []]
    assert transcribe_legs(FakeModel([]), [(hiss, [(0.0, 1.0)])], language="en") == [[]]
    with pytest.raises(ValueError, match="language='xx'"):
        transcribe_legs(FakeModel([]), [(hiss, [(0.0, 1.0)])], language="xx")


@pytest.mark.parametrize("legs, options, message", [
    ([(np.zeros(RATE_HZ, np.float32), [(0.5, 2.0)])], {}, "ends after the signal"),
    ([(np.zeros((2, RATE_HZ), np.float32), [])], {}, "expected one 16 kHz channel"),
    ([(np.zeros(RATE_HZ, np.float32), [(0.6, 0.9), (0.1, 0.2)])], {}, "sorted, non-overlapping"),
    ([(np.zeros(RATE_HZ, np.float32), [])], {"batch_size": 0}, "batch_size=0"),
    ([(np.zeros(RATE_HZ, np.float32), [])], {"beam_size": 0}, "beam_size=0"),
])
def test_bad_input_is_refused_before_the_model_runs(legs, options, message):
    with pytest.raises(ValueError, match=message):
        transcribe_legs(Untouchable(), legs, **{"language": "en", **options})


def test_a_span_longer_than_a_chunk_sends_its_leg_the_sequential_way(monkeypatch):
    monkeypatch.setattr(batched_asr, "CHUNK_S", 2.0)
    sequential = []
    monkeypatch.setattr(asr, "transcribe_spans",
                        lambda model, samples, spans, **options: sequential.append(spans) or [Word("long", 0.5, 1.0)])
    given = canned(monkeypatch, [[("short", 0.1, 0.3)]])
    sound = np.linspace(-0.5, 0.5, 4 * RATE_HZ, dtype=np.float32)
    long_leg, short_leg = transcribe_legs(BatchableFake([]), [(sound, [(0.0, 3.0)]), (sound, [(1.0, 2.0)])], language="en")
    assert sequential == [[(0.0, 3.0)]] and [w.text for w in long_leg] == ["long"]
    assert [(w.text, w.start_s) for w in short_leg] == [("short", 1.1)] and given[0][0].size == RATE_HZ


def test_a_model_that_only_transcribes_gets_each_leg_the_sequential_way():
    model = FakeModel([("Hello", 0.1, 0.5, 0.9)])
    sound = np.linspace(-0.5, 0.5, 3 * RATE_HZ, dtype=np.float32)
    first, second = transcribe_legs(model, [(sound, [(1.0, 2.0)]), (sound, [(0.5, 1.5)])], language="en")
    assert [(w.text, w.start_s) for w in first] == [("Hello", 1.1)] and [(w.text, w.start_s) for w in second] == [
        ("Hello", 0.6)]
    assert len(model.calls) == 2 and model.calls[0][1]["temperature"] == [0.0, 0.2, 0.4]


def test_call_analysis_hands_every_leg_over_at_once_when_it_can():
    class Both:
        def __init__(self):
            self.calls = []

        def __call__(self, samples, spans):
            raise AssertionError("one leg at a time")

        def legs(self, legs):
            self.calls.append(len(legs))
            return [[] for _ in legs]

    both = Both()
    assert transcribed(both, [(np.zeros(10, np.float32), []), (np.zeros(10, np.float32), [])]) == [[], []]
    assert both.calls == [2]
    assert transcribed(lambda samples, spans: [len(spans)], [(None, [(0, 1)]), (None, [])]) == [[1], [0]]


def test_docstring_examples():
    result = doctest.testmod(batched_asr)
    assert result.failed == 0 and result.attempted >= 2


@pytest.mark.model
def test_one_vad_pass_gives_the_spans_and_the_probabilities_of_two():
    require(has_espeak(), "espeak-ng is not installed")
    samples, _, _ = spoken_scene("en")
    for signal in (samples, samples[: samples.size // 512 * 512], samples[:12_345], samples[:100]):
        spans, probabilities = speech_activity(signal)
        assert spans == speech_spans(signal) and np.array_equal(probabilities, speech_probabilities(signal))
        options = {"threshold": 0.3, "min_silence_s": 0.1, "pad_s": 0.2, "min_speech_s": 0.5}
        assert speech_activity(signal, **options)[0] == speech_spans(signal, **options)
    assert speech_spans(samples)  # the scene has speech: the comparison above is not of empty lists
    assert speech_activity(np.zeros(0, np.float32))[0] == []


# --------------------------------------------------------------------------- with Whisper base


@pytest.fixture(scope="module")
def whisper():
    return load_whisper()


def jfk_16k() -> np.ndarray:
    import soundfile as sf

    require_shared(JFK)
    stereo, rate_hz = sf.read(JFK, dtype="float32")
    return to_16k(stereo.mean(axis=1), rate_hz)


@pytest.mark.model
def test_two_legs_in_one_batch_each_get_their_own_words(whisper):
    require_voice("en")
    jfk = jfk_16k()
    scene, speech, _ = spoken_scene("en")
    words_jfk, words_scene = transcribe_legs(whisper, [(jfk, JFK_SPANS), (scene, speech)], language="en")

    jfk_wer, scene_wer = word_error_rate(JFK_TEXT, text_of(words_jfk)), word_error_rate(" ".join(PHRASES["en"]),
                                                                                        text_of(words_scene))
    print(f"\nbatched: jfk WER {jfk_wer:.3f}, English phrases WER {scene_wer:.3f}")
    assert jfk_wer <= 0.10 and scene_wer <= EN_MAX_WER
    assert_well_formed(words_jfk, JFK_SPANS)
    assert_well_formed(words_scene, speech)
    assert [w.text for w in words_jfk if 5.39 <= w.start_s <= 7.666][:2] == ["what", "your"]


@pytest.mark.model
def test_a_failed_chunk_is_decoded_again_the_sequential_way(whisper, monkeypatch):
    monkeypatch.setattr(batched_asr, "_failed", lambda segment: True)
    again = []
    decoded_words = asr._decoded_words
    monkeypatch.setattr(asr, "_decoded_words", lambda *a, **k: again.append(k["decoding"]) or decoded_words(*a, **k))
    words, = transcribe_legs(whisper, [(jfk_16k(), JFK_SPANS)], language="en")
    assert len(again) == 1 and again[0].temperatures == asr.DEFAULT_DECODING.temperatures
    assert word_error_rate(JFK_TEXT, text_of(words)) <= 0.10
    assert_well_formed(words, JFK_SPANS)


@pytest.mark.model
@pytest.mark.parametrize("language", ["ru", "en"])
def test_spoken_phrases_and_tones_at_known_times(whisper, language):
    require_voice(language)
    samples, speech, other = spoken_scene(language)
    words, noise = transcribe_legs(whisper, [(samples, speech), (samples, other)], language=language)
    wer = word_error_rate(" ".join(PHRASES[language]), text_of(words))
    print(f"\nbatched synthetic {language}: WER {wer:.3f}: {text_of(words)}; over silence and tone: {text_of(noise)}")
    assert wer <= (RU_MAX_WER if language == "ru" else EN_MAX_WER)
    assert_well_formed(words, speech)
    assert len(noise) <= 4


@pytest.mark.model
@pytest.mark.shared_data(SAMPLE, SAMPLE_STM, PISETS, PISETS_TEXT)
def test_real_speech_word_error_rates(whisper):
    rows = [line.split(maxsplit=5) for line in SAMPLE_STM.read_text(encoding="utf-8").splitlines() if line.strip()]
    reference = " ".join(row[5] for row in sorted(rows, key=lambda row: float(row[3])))
    sample = read_16k(SAMPLE)
    words, = transcribe_legs(whisper, [(sample, speech_spans(sample))], language="en")
    sample_wer = word_error_rate(reference, text_of(words))
    pisets = read_16k(PISETS)
    russian, = transcribe_legs(whisper, [(pisets, speech_spans(pisets))], language="ru")
    pisets_wer = word_error_rate(PISETS_TEXT.read_text(encoding="utf-8"), text_of(russian))
    print(f"\nbatched: sample.wav WER {sample_wer:.3f}, pisets WER {pisets_wer:.3f}")
    assert sample_wer <= SAMPLE_MAX_WER and pisets_wer <= PISETS_MAX_WER
    assert most_copies_in_a_row(words, 1) <= 3 and all(most_copies_in_a_row(words, n) <= 2 for n in range(2, 9))


@pytest.mark.model
@pytest.mark.shared_data(*TONE_CALLS)
def test_real_russian_phone_speech_has_no_loops_or_captions(whisper):
    legs = [(samples, speech_spans(samples)) for samples in map(read_16k, TONE_CALLS)]
    for (samples, spans), words in zip(legs, transcribe_legs(whisper, legs, language="ru")):
        print(f"\nbatched: {len(words)} words: {text_of(words)}")
        assert most_copies_in_a_row(words, 1) <= 3 and all(most_copies_in_a_row(words, n) <= 2 for n in range(2, 9))
        assert captions_in(words) == []
        assert len(words) >= sum(end - start for start, end in spans) / 2


@pytest.mark.model
def test_festival_russian_phone_scene_word_error_rate(whisper):
    require(has_festival_ru(), "festival with its Russian voice is not installed (apt-get install festival festvox-ru)")
    samples, reference = festival_phone_scene()
    words, = transcribe_legs(whisper, [(samples, speech_spans(samples))], language="ru")
    wer = word_error_rate(reference, text_of(words))
    print(f"\nbatched festival scene: WER {wer:.3f}: {text_of(words)}")
    assert wer <= FESTIVAL_MAX_WER and captions_in(words) == []
