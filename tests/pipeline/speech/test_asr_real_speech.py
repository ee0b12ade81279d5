"""Whisper base with the shipped decoding settings on real speech (../shared/data): word error
rates against the references, and no repetition loops or captions of non-speech on real Russian
phone calls. Figures and how they were chosen: README, "Speech accuracy"; bench/asr_decoding.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from features.wer import normalized_words, word_error_rate
from pipeline.speech.asr import transcribe_all, transcribe_spans
from pipeline.speech.synth import festival_ru
from pipeline.speech.transcript_guard import CAPTIONS
from pipeline.speech.vad import speech_spans, to_16k
from pipeline.speech.whisper_model import load_whisper
from tests.conftest import has_festival_ru, require

pytestmark = pytest.mark.model

AUDIO = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "audio"
SAMPLE, SAMPLE_STM = AUDIO / "pyannote" / "sample.wav", AUDIO / "pyannote" / "sample.stm"
PISETS, PISETS_TEXT = AUDIO / "ru" / "pisets_test_sound_ru.wav", AUDIO / "ru" / "pisets_test_sound_ru.txt"
TONE_CALLS = [AUDIO / "ru" / "tone_call_short.flac", AUDIO / "ru" / "tone_call_long.flac"]
RATE_HZ = 16_000

# Measured with bench/asr_decoding.py (README, "Speech accuracy"); the limits leave a margin.
SAMPLE_MAX_WER = 0.25
PISETS_MAX_WER = 0.25
FESTIVAL_MAX_WER = 0.35
FESTIVAL_LINES = (
    "Банк Пример, меня зовут Анна. Чем могу помочь?",
    "Здравствуйте. Сегодня утром у меня дважды не прошла оплата картой в магазине.",
    "Сожалею. Назовите, пожалуйста, последние четыре цифры карты.",
    "Спасибо. Я вижу две попытки оплаты в супермаркете в девять утра.",
)


@pytest.fixture(scope="module")
def whisper():
    return load_whisper()


def read_16k(path: Path) -> np.ndarray:
    import soundfile as sf

    samples, rate_hz = sf.read(path, dtype="float32", always_2d=True)
    return to_16k(samples.mean(axis=1), rate_hz)


def heard(whisper, samples: np.ndarray, language: str) -> list:
    """As the call stage hears a party: Silero VAD's speech spans, then Whisper over them."""
    return transcribe_spans(whisper, samples, speech_spans(samples), language=language)


def text_of(words) -> str:
    return " ".join(w.text for w in words)


def most_copies_in_a_row(words, n: int) -> int:
    """The most back-to-back copies of any ``n``-word phrase (compared as the WER reads words)."""
    tokens = [" ".join(normalized_words(w.text)) for w in words]
    most = 1 if tokens else 0
    for start in range(len(tokens) - n + 1):
        copies = 1
        while tokens[start + copies * n : start + (copies + 1) * n] == tokens[start : start + n]:
            copies += 1
        most = max(most, copies)
    return most


def captions_in(words) -> list[str]:
    tokens = [t for w in words for t in normalized_words(w.text)]
    return [" ".join(caption) for caption, _ in CAPTIONS
            if any(tuple(tokens[i : i + len(caption)]) == caption for i in range(len(tokens)))]


def festival_phone_scene() -> tuple[np.ndarray, str]:
    """Festival's Russian (msu_ru_nsh) through an 8 kHz line: each line, then 0.5 s silence, 1 s
    of a 440 Hz tone and 0.5 s silence."""
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(RATE_HZ) / RATE_HZ)).astype(np.float32)
    pieces = [np.zeros(RATE_HZ, np.float32)]
    for line in FESTIVAL_LINES:
        pieces += [to_16k(festival_ru(line, rate_hz=8000), 8000), np.zeros(RATE_HZ // 2, np.float32), tone,
                   np.zeros(RATE_HZ // 2, np.float32)]
    return np.concatenate(pieces), " ".join(FESTIVAL_LINES)


@pytest.mark.shared_data(SAMPLE, SAMPLE_STM)
def test_real_english_phone_call_word_error_rate(whisper):
    rows = [line.split(maxsplit=5) for line in SAMPLE_STM.read_text(encoding="utf-8").splitlines() if line.strip()]
    reference = " ".join(row[5] for row in sorted(rows, key=lambda row: float(row[3])))
    words = heard(whisper, read_16k(SAMPLE), "en")
    wer = word_error_rate(reference, text_of(words))
    print(f"\nsample.wav: WER {wer:.3f}: {text_of(words)}")
    assert wer <= SAMPLE_MAX_WER
    assert most_copies_in_a_row(words, 1) <= 3 and all(most_copies_in_a_row(words, n) <= 2 for n in range(2, 9))


@pytest.mark.shared_data(PISETS, PISETS_TEXT)
def test_real_russian_speech_word_error_rate(whisper):
    words = heard(whisper, read_16k(PISETS), "ru")
    wer = word_error_rate(PISETS_TEXT.read_text(encoding="utf-8"), text_of(words))
    print(f"\npisets: WER {wer:.3f}: {text_of(words)}")
    assert wer <= PISETS_MAX_WER


@pytest.mark.shared_data(*TONE_CALLS)
@pytest.mark.parametrize("path", TONE_CALLS, ids=lambda p: p.name)
def test_real_russian_phone_speech_has_no_loops_or_captions(whisper, path):
    """Until issue 12 Whisper wrote "СПОКОЙНАЯ МУЗЫКА" at the end of tone_call_long.flac."""
    samples = read_16k(path)
    speech_s = sum(end - start for start, end in speech_spans(samples))
    for mode, words in (("spans", heard(whisper, samples, "ru")),
                        ("whole file", transcribe_all(whisper, samples, language="ru"))):
        print(f"\n{path.name}, {mode}: {len(words)} words: {text_of(words)}")
        assert most_copies_in_a_row(words, 1) <= 3
        assert all(most_copies_in_a_row(words, n) <= 2 for n in range(2, 9))
        assert captions_in(words) == []
        # The speech is still heard: at least one word per 2 s of it (people say 2-3 a second).
        assert len(words) >= speech_s / 2


def test_festival_russian_phone_scene_word_error_rate(whisper):
    require(has_festival_ru(), "festival with its Russian voice is not installed (apt-get install festival festvox-ru)")
    samples, reference = festival_phone_scene()
    words = heard(whisper, samples, "ru")
    wer = word_error_rate(reference, text_of(words))
    print(f"\nfestival scene: WER {wer:.3f}: {text_of(words)}")
    assert wer <= FESTIVAL_MAX_WER
    assert captions_in(words) == []
