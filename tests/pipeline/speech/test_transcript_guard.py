"""The guard against Whisper's loops and captions of non-speech, and the decoding settings:
known answers on words built here, and the guard inside `transcribe_spans` on a fake model."""

from __future__ import annotations

import doctest
from types import SimpleNamespace

import numpy as np
import pytest

from pipeline.records import Word
from pipeline.settings import Settings
from pipeline.speech import transcript_guard
from pipeline.speech.asr import DEFAULT_DECODING, Decoding, transcribe_all, transcribe_spans
from pipeline.speech.transcript_guard import caption_ranges, without_captions, without_repetition_runs

RATE_HZ = 16_000


def words_of(text: str, *, start_s: float = 0.0, step_s: float = 0.5) -> list[Word]:
    """One word per whitespace-separated token, ``step_s`` apart, each 0.4 s long."""
    return [Word(t, start_s + i * step_s, start_s + i * step_s + 0.4) for i, t in enumerate(text.split())]


def texts(words) -> list[str]:
    return [w.text for w in words]


# --------------------------------------------------------------------------- repetition runs


def test_a_word_loop_is_cut_to_its_first_copy_with_its_times():
    heard = words_of("Я хотела сама -сама -сама -сама -сама -сама узнать")
    kept = without_repetition_runs(heard)
    assert [(w.text, w.start_s, w.end_s) for w in kept] == [("Я", 0.0, 0.4), ("хотела", 0.5, 0.9),
                                                            ("сама", 1.0, 1.4), ("узнать", 4.0, 4.4)]


def test_a_phrase_loop_is_cut_to_one_copy():
    sentence = "I'm in New Jersey now though."
    heard = words_of(f"Oh. {sentence} {sentence} {sentence} Well.")
    assert texts(without_repetition_runs(heard)) == ["Oh.", "I'm", "in", "New", "Jersey", "now", "though.", "Well."]


def test_the_run_covering_most_words_is_cut():
    # "a b" four times: the two-word run (8 words) wins over nothing shorter.
    assert texts(without_repetition_runs(words_of("x a b a b a b a b y"))) == ["x", "a", "b", "y"]
    # "да" five times inside "ну да": the word run is cut, the rest stays.
    assert texts(without_repetition_runs(words_of("ну да да да да да"))) == ["ну", "да"]


@pytest.mark.parametrize("text", [
    "да, да, да, конечно",             # a word three times: people say that
    "Hello? Hello? Oh, hello.",        # twice, then once more in other words
    "thank you thank you so much",     # a phrase twice
    "ask not what your country can do for you, ask what you can do for your country.",
    "",
])
def test_what_people_say_stays(text):
    heard = words_of(text)
    assert without_repetition_runs(heard) == heard


def test_repetition_compares_words_as_the_word_error_rate_reads_them():
    heard = words_of("Сама, САМА! -сама сама... дальше")
    assert texts(without_repetition_runs(heard)) == ["Сама,", "дальше"]
    assert texts(without_repetition_runs(heard, max_word_copies=4)) == texts(heard)


def test_the_limits_are_options():
    heard = words_of("good morning good morning good morning")
    assert texts(without_repetition_runs(heard)) == ["good", "morning"]
    assert without_repetition_runs(heard, max_phrase_copies=3) == heard
    assert without_repetition_runs(heard, max_phrase_words=1) == heard


@pytest.mark.parametrize(("option", "value"), [("max_word_copies", 0), ("max_phrase_copies", 1.5),
                                                ("max_phrase_words", True)])
def test_bad_limits_are_refused(option, value):
    with pytest.raises(ValueError, match=f"{option}={value!r}; expected an integer >= 1"):
        without_repetition_runs([], **{option: value})


# --------------------------------------------------------------------------- captions


@pytest.mark.parametrize(("text", "expected"), [
    ("Продолжение следует...", [(0, 2)]),
    ("ПРОДОЛЖЕНИЕ СЛЕДУЕТ", [(0, 2)]),
    ("Субтитры сделал DimaTorzok", [(0, 3)]),
    ("Субтитры создавал DimaTorzok", [(0, 3)]),
    ("Редактор субтитров А.Синецкая Корректор А.Егорова", [(0, 5)]),
    ("ТЕЛЕФОННЫЙ ЗВОНОК", [(0, 2)]),
    ("Спасибо за просмотр!", [(0, 3)]),
    ("Thanks for watching!", [(0, 3)]),
    ("Thank you for watching.", [(0, 4)]),
    ("Добрый день. Продолжение следует... Алло", [(2, 4)]),
    ("ТЕЛЕФОННЫЙ ЗВОНОК Продолжение следует", [(0, 2), (2, 4)]),
    ("Алло, я по поводу телефонный звонок", [(4, 6)]),
    ("Музыкант играл", []),                       # a word that only begins like one
    ("Я хочу подписаться на рассылку", []),
    ("Thanks for calling", []),
    ("", []),
])
def test_caption_ranges(text, expected):
    assert caption_ranges(words_of(text)) == expected


def test_captions_over_non_speech_are_dropped_and_over_speech_kept():
    segments = [words_of("Добрый день."), words_of("Продолжение следует...", start_s=2.0),
                words_of("Субтитры сделал DimaTorzok", start_s=4.0)]
    asked = []

    def probability(start_s, end_s):
        asked.append((start_s, end_s))
        return {2.0: 0.49, 4.0: 0.5}[start_s]

    kept = without_captions(segments, probability)
    assert texts(kept) == ["Добрый", "день.", "Субтитры", "сделал", "DimaTorzok"]
    assert asked == [(2.0, 2.9), (4.0, 5.4)]  # only the captions, each from its first word to its last
    assert texts(without_captions(segments, probability, min_speech_probability=0.6)) == ["Добрый", "день."]
    assert without_captions(segments, probability, min_speech_probability=0.0) == [w for s in segments for w in s]


def test_a_caption_inside_a_segment_goes_alone():
    segment = words_of("Алло, ТЕЛЕФОННЫЙ ЗВОНОК слушаю")
    assert texts(without_captions([segment], lambda start_s, end_s: 0.1)) == ["Алло,", "слушаю"]


def test_without_captions_refuses_a_bad_threshold():
    with pytest.raises(ValueError, match="min_speech_probability=1.5; expected 0..1"):
        without_captions([], lambda start_s, end_s: 0.0, min_speech_probability=1.5)


def test_docstring_examples():
    result = doctest.testmod(transcript_guard)
    assert result.failed == 0 and result.attempted >= 6


# --------------------------------------------------------------------------- decoding settings


def test_the_settings_defaults_are_the_decoding_defaults():
    assert Decoding.from_settings(Settings()) == DEFAULT_DECODING == Decoding(
        condition_on_previous_text=False, hallucination_silence_s=2.0, temperatures=(0.0, 0.2, 0.4), guard=True)
    assert DEFAULT_DECODING.transcribe_options() == {
        "condition_on_previous_text": False, "hallucination_silence_threshold": 2.0, "temperature": [0.0, 0.2, 0.4]}
    chosen = Settings(whisper_condition_on_previous_text=True, whisper_hallucination_silence_s=None,
                      whisper_temperatures=[0.0], whisper_guard=False)
    assert Decoding.from_settings(chosen) == Decoding(True, None, (0.0,), False)


@pytest.mark.parametrize(("options", "message"), [
    ({"whisper_temperatures": []}, "rising temperatures"),
    ({"whisper_temperatures": [0.4, 0.2]}, "rising temperatures"),
    ({"whisper_temperatures": [0.0, 1.5]}, "rising temperatures"),
    ({"whisper_hallucination_silence_s": 0}, "seconds > 0"),
])
def test_bad_decoding_settings_are_refused(options, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        Settings(**options)


@pytest.mark.parametrize(("options", "message"), [
    ({"temperatures": ()}, r"temperatures=\(\)"),
    ({"temperatures": (0.0, 0.0)}, "rising values"),
    ({"hallucination_silence_s": -1.0}, "hallucination_silence_s=-1.0"),
])
def test_bad_decoding_is_refused(options, message):
    with pytest.raises(ValueError, match=message):
        Decoding(**options)


# --------------------------------------------------------------------------- inside transcription


class SegmentedModel:
    """Returns canned segments of ``(word, start, end)`` on the decoded signal; records its options."""

    supported_languages = ["en", "ru"]

    def __init__(self, segments):
        self.segments = segments
        self.options = []

    def transcribe(self, audio, **options):
        self.options.append(options)
        return iter([SimpleNamespace(words=[SimpleNamespace(word=f" {w}", start=s, end=e, probability=0.9)
                                            for w, s, e in segment]) for segment in self.segments]), None


LOOP = [[("Сама", 0.1, 0.3), ("-сама", 0.3, 0.5)], [("-сама", 0.5, 0.7), ("-сама", 0.7, 0.9), ("-сама", 0.9, 1.0)],
        [("дальше", 1.2, 1.5)]]


def test_transcription_cuts_loops_unless_the_guard_is_off():
    samples = np.zeros(2 * RATE_HZ, np.float32)
    samples[RATE_HZ // 2:] = 0.1  # not silent: the span is decoded
    model = SegmentedModel(LOOP)
    words = transcribe_spans(model, samples, [(0.5, 2.0)], language="ru")
    assert [(w.text, w.start_s, w.end_s) for w in words] == [("Сама", 0.6, 0.8), ("дальше", 1.7, 2.0)]
    unguarded = transcribe_spans(model, samples, [(0.5, 2.0)], language="ru", decoding=Decoding(guard=False))
    assert texts(unguarded) == ["Сама", "-сама", "-сама", "-сама", "-сама", "дальше"]
    plain = Decoding(condition_on_previous_text=True, hallucination_silence_s=None, temperatures=(0.0, 0.5, 1.0))
    transcribe_all(model, samples, language="ru", decoding=plain)
    assert [(o["condition_on_previous_text"], o["hallucination_silence_threshold"], o["temperature"])
            for o in model.options] == [(False, 2.0, [0.0, 0.2, 0.4])] * 2 + [(True, None, [0.0, 0.5, 1.0])]


def test_a_caption_over_a_tone_is_dropped_by_the_speech_detector():
    """Silero VAD (shipped in faster-whisper, a 2 MB ONNX model) hears no speech in a tone."""
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * RATE_HZ) / RATE_HZ)).astype(np.float32)
    model = SegmentedModel([[("ТЕЛЕФОННЫЙ", 0.2, 0.9), ("ЗВОНОК", 0.9, 1.6)], [("Алло", 1.6, 1.9)]])
    assert texts(transcribe_all(model, tone, language="ru")) == ["Алло"]
    assert texts(transcribe_all(model, tone, language="ru", decoding=Decoding(guard=False))) == [
        "ТЕЛЕФОННЫЙ", "ЗВОНОК", "Алло"]


def test_the_call_stage_decodes_with_the_settings(monkeypatch):
    from pipeline.calls.speech_models import transcriber_for
    from pipeline.speech import whisper_model

    model = SegmentedModel(LOOP)
    monkeypatch.setattr(whisper_model, "load_whisper", lambda *args, **options: model)
    samples = np.full(2 * RATE_HZ, 0.1, np.float32)
    settings = Settings(whisper_temperatures=[0.0], whisper_guard=False, whisper_hallucination_silence_s=None)
    assert texts(transcriber_for(settings, language="ru")(samples, [(0.5, 2.0)])) == [
        "Сама", "-сама", "-сама", "-сама", "-сама", "дальше"]
    assert texts(transcriber_for(Settings(), language="ru")(samples, [(0.5, 2.0)])) == ["Сама", "дальше"]
    assert [(o["temperature"], o["hallucination_silence_threshold"]) for o in model.options] == [
        ([0.0], None), ([0.0, 0.2, 0.4], 2.0)]
