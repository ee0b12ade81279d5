"""Speech to text with faster-whisper (CTranslate2 on the CPU), over the spans VAD found.

The model comes from `pipeline.speech.whisper_model.load_whisper`; the word error rate that
measures the result is `features.wer.word_error_rate`. faster-whisper is never imported here (the
model object arrives as an argument), so ``import pipeline.speech.asr`` stays as light as numpy.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from features.loudness import peak_dbfs
from pipeline.records import Word
from pipeline.speech.transcript_guard import without_captions, without_repetition_runs

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from pipeline.settings import Settings

ASR_RATE_HZ = 16_000
DEFAULT_BEAM_SIZE = 5
# Silence put between spans when they are joined into one signal: without it Whisper runs the
# last word of one span into the first of the next and the word timing smears across the seam.
SPAN_GAP_S = 0.2
# A span whose loudest sample stays below this holds nothing to hear (digital silence, line
# hiss): it is not decoded, since Whisper captions silence with invented words ("ТЕЛЕФОННЫЙ ЗВОНОК").
SILENT_PEAK_DBFS = -60.0
# How far a span may end past the end of the signal (rounding upstream) before it is an error.
SPAN_END_TOLERANCE_S = 0.01
VAD_FRAME = 512  # samples per Silero VAD probability at 16 kHz (32 ms)
FALLBACK_SEED = 0


@dataclass(frozen=True, slots=True)
class Decoding:
    """How Whisper decodes, chosen by measurement on real calls (README, "Speech accuracy").

    The defaults are the settings' defaults (``whisper_*``, `from_settings`).
    """

    condition_on_previous_text: bool = False
    """Off: a prompt from the previous window feeds repetition loops on real calls."""
    hallucination_silence_s: float | None = 2.0
    """Segments of a window that follow or precede a silence longer than this and look
    hallucinated (faster-whisper's ``hallucination_silence_threshold``) are skipped."""
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4)
    """Fallback temperatures tried in turn when a window's text repeats itself or is improbable;
    bounded at 0.4, since hotter sampling invents words on noisy phone speech."""
    guard: bool = True
    """Cut repetition loops and drop non-speech captions (`pipeline.speech.transcript_guard`)."""

    def __post_init__(self) -> None:
        if self.hallucination_silence_s is not None and not self.hallucination_silence_s > 0:
            raise ValueError(f"hallucination_silence_s={self.hallucination_silence_s!r}; expected > 0 or None")
        if not self.temperatures or any(not 0.0 <= t <= 1.0 for t in self.temperatures) or list(
            self.temperatures
        ) != sorted(set(self.temperatures)):
            raise ValueError(f"temperatures={self.temperatures!r}; expected rising values in 0..1, at least one")

    @classmethod
    def from_settings(cls, settings: Settings) -> Decoding:
        return cls(
            condition_on_previous_text=settings.whisper_condition_on_previous_text,
            hallucination_silence_s=settings.whisper_hallucination_silence_s,
            temperatures=tuple(settings.whisper_temperatures),
            guard=settings.whisper_guard,
        )

    def transcribe_options(self) -> dict[str, object]:
        """These settings as keyword arguments of faster-whisper's ``WhisperModel.transcribe``."""
        return {
            "condition_on_previous_text": self.condition_on_previous_text,
            "hallucination_silence_threshold": self.hallucination_silence_s,
            "temperature": list(self.temperatures),
        }


DEFAULT_DECODING = Decoding()


def transcribe_spans(
    model: WhisperModel,
    samples_16k: np.ndarray,
    spans: Sequence[tuple[float, float]],
    *,
    language: str,
    beam_size: int = DEFAULT_BEAM_SIZE,
    decoding: Decoding = DEFAULT_DECODING,
) -> list[Word]:
    """Words spoken in the given spans of a 16 kHz mono signal, timed on the signal's clock.

    Only the spans are decoded: they are joined, ``SPAN_GAP_S`` of silence apart, into one
    signal for one transcribe call (as faster-whisper's own VAD filter does), and each word is
    mapped back to the span that holds its end (else its start, else the nearest one) and
    clamped to it.

    Parameters
    ----------
    model
        From `load_whisper`.
    samples_16k
        Float samples in -1..1, shape (n,), 16 kHz.
    spans
        ``(start_s, end_s)`` speech spans, sorted and not overlapping, within the signal.
    language
        Whisper language code (``"ru"``, ``"en"``); never detected.
    beam_size
        Beam width; 1 is greedy decoding.
    decoding
        Decoding settings and the guard against loops and captions of non-speech.

    Returns
    -------
    list of Word
        Sorted by start; every word lies inside one span (``start_s <= end_s``, both clamped
        to it), text without surrounding whitespace, punctuation kept (``"Americans,"``);
        a "word" of punctuation alone is dropped. No spans: ``[]``, the model untouched; spans
        that are silent (peak below ``SILENT_PEAK_DBFS``) are not decoded.

    Examples
    --------
    >>> transcribe_spans(None, np.zeros(16_000, np.float32), [], language="ru")
    []
    """
    samples = _checked_samples(samples_16k)
    chosen = _checked_spans(spans, duration_s=samples.size / ASR_RATE_HZ)
    _check_options(language, beam_size)
    gap = np.zeros(int(round(SPAN_GAP_S * ASR_RATE_HZ)), dtype=np.float32)
    pieces: list[np.ndarray] = []
    offsets_s: list[float] = []  # where each span starts in the joined signal
    used: list[tuple[float, float]] = []
    position = 0
    silent = 0
    for start_s, end_s in chosen:
        first, last = int(round(start_s * ASR_RATE_HZ)), int(round(end_s * ASR_RATE_HZ))
        if last <= first:
            continue
        if peak_dbfs(samples[first:last]) < SILENT_PEAK_DBFS:
            silent += 1
            continue
        if pieces:
            pieces.append(gap)
            position += gap.size
        offsets_s.append(position / ASR_RATE_HZ)
        used.append((start_s, end_s))
        pieces.append(samples[first:last])
        position += last - first
    if not pieces:
        if silent:
            _check_language(model, language)  # a bad language is refused even when nothing is heard
        return []
    _check_language(model, language)
    joined = np.concatenate(pieces)

    ends_s = [offset + (end - start) for offset, (start, end) in zip(offsets_s, used)]
    words = []
    for word in _decoded_words(model, joined, language=language, beam_size=beam_size, decoding=decoding):
        index = _owning_span(word.start_s, word.end_s, offsets_s, ends_s)
        span_start_s, span_end_s = used[index]
        shift_s = span_start_s - offsets_s[index]
        words.append(_word(word.text, word.start_s + shift_s, word.end_s + shift_s, word.probability,
                           low_s=span_start_s, high_s=span_end_s))
    return sorted(words, key=lambda w: (w.start_s, w.end_s))


def transcribe_all(
    model: WhisperModel,
    samples_16k: np.ndarray,
    *,
    language: str,
    beam_size: int = DEFAULT_BEAM_SIZE,
    decoding: Decoding = DEFAULT_DECODING,
) -> list[Word]:
    """Words of the whole 16 kHz mono signal, with the settings of `transcribe_spans`.

    For comparison (benchmarks); the pipeline transcribes spans. Times are clamped to the
    signal, words sorted by start; an empty signal gives ``[]``.

    >>> transcribe_all(None, np.zeros(0, np.float32), language="en")
    []
    """
    samples = _checked_samples(samples_16k)
    _check_options(language, beam_size)
    if samples.size == 0:
        return []
    _check_language(model, language)
    duration_s = samples.size / ASR_RATE_HZ
    words = [
        _word(w.text, w.start_s, w.end_s, w.probability, low_s=0.0, high_s=duration_s)
        for w in _decoded_words(model, samples, language=language, beam_size=beam_size, decoding=decoding)
    ]
    return sorted(words, key=lambda w: (w.start_s, w.end_s))


def _decoded_words(
    model: WhisperModel, samples: np.ndarray, *, language: str, beam_size: int, decoding: Decoding
) -> list[Word]:
    """Whisper's words on ``samples``' clock (clamped to it), after the guard when it is on."""
    from ctranslate2 import set_random_seed

    # The fallback temperatures sample: without a fixed seed the same call gave different words
    # from run to run (the Festival scene's WER 0.19 or 0.32 on one machine).
    set_random_seed(FALLBACK_SEED)
    segments, _info = model.transcribe(
        samples,
        language=language,
        beam_size=beam_size,
        word_timestamps=True,  # also what hallucination_silence_threshold needs
        vad_filter=False,  # the spans are the VAD
        **decoding.transcribe_options(),
    )
    duration_s = samples.size / ASR_RATE_HZ
    decoded: list[list[Word]] = []
    for segment in segments:
        words = []
        for word in segment.words or ():
            text = word.word.strip()
            # Whisper sometimes emits a lone "." or "-" over noise; it is no word to count.
            if any(c.isalnum() for c in text):
                words.append(_word(text, float(word.start), float(word.end), float(word.probability),
                                   low_s=0.0, high_s=duration_s))
        decoded.append(words)
    if not decoding.guard:
        return [word for words in decoded for word in words]
    return without_repetition_runs(without_captions(decoded, _lazy_speech_probability(samples)))


def _lazy_speech_probability(samples: np.ndarray) -> Callable[[float, float], float]:
    """``(start_s, end_s) -> mean Silero VAD speech probability there``; the VAD runs on first use."""
    frames: list[np.ndarray] = []

    def probability(start_s: float, end_s: float) -> float:
        if not frames:
            from faster_whisper.vad import get_vad_model

            padded = np.pad(samples, (0, -samples.size % VAD_FRAME))
            frames.append(np.asarray(get_vad_model()(padded), dtype=np.float64).reshape(-1))
        first = int(start_s * ASR_RATE_HZ) // VAD_FRAME
        last = max(int(math.ceil(end_s * ASR_RATE_HZ / VAD_FRAME)), first + 1)
        chosen = frames[0][first:last]
        return float(chosen.mean()) if chosen.size else 0.0

    return probability


def _owning_span(start: float, end: float, starts: list[float], ends: list[float]) -> int:
    """Index of the span (``starts[i]..ends[i]`` in the joined signal) a word belongs to.

    The span holding the word's end, else the one holding its start, else the nearest to its
    middle. The end comes first because Whisper's alignment starts a word where the previous
    one ended, so a word after a seam often starts back in the previous span (jfk.flac: "what"
    after the pause).

    >>> _owning_span(0.9, 1.3, [0.0, 1.2], [1.0, 2.7])  # starts in span 0, ends in span 1
    1
    >>> _owning_span(1.05, 1.1, [0.0, 1.2], [1.0, 2.7])  # in the gap, nearer span 0
    0
    """
    for t in (end, start):
        i = bisect.bisect_right(starts, t) - 1
        if i >= 0 and t <= ends[i]:
            return i
    middle = (start + end) / 2
    i = max(bisect.bisect_right(starts, middle) - 1, 0)
    if i + 1 < len(starts) and middle - ends[i] > starts[i + 1] - middle:
        i += 1
    return i


def _word(text: str, start_s: float, end_s: float, probability: float, *, low_s: float, high_s: float) -> Word:
    # Whisper times words to 20 ms; milliseconds hide the float noise of shifting them.
    start_s = min(max(round(start_s, 3), low_s), high_s)
    end_s = min(max(round(end_s, 3), start_s), high_s)
    return Word(text=text, start_s=start_s, end_s=end_s, probability=min(max(probability, 0.0), 1.0))


def _checked_samples(samples_16k: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples_16k)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one 16 kHz channel, shape (n,)")
    if not np.issubdtype(samples.dtype, np.floating):
        raise ValueError(f"samples of dtype {samples.dtype}; expected float samples in -1..1 at 16 kHz")
    samples = samples.astype(np.float32, copy=False)
    if not np.all(np.isfinite(samples)):
        raise ValueError("samples contain NaN or infinity; expected finite float samples in -1..1")
    return samples


def _checked_spans(spans: Sequence[tuple[float, float]], *, duration_s: float) -> list[tuple[float, float]]:
    checked: list[tuple[float, float]] = []
    for i, span in enumerate(spans):
        try:
            start_s, end_s = (float(v) for v in span)
        except (TypeError, ValueError):
            raise ValueError(f"spans[{i}]={span!r}; expected a (start_s, end_s) pair of numbers") from None
        if not (math.isfinite(start_s) and math.isfinite(end_s)) or not 0 <= start_s <= end_s:
            raise ValueError(f"spans[{i}]=({start_s}, {end_s}); expected 0 <= start_s <= end_s, finite")
        if end_s > duration_s + SPAN_END_TOLERANCE_S:
            raise ValueError(
                f"spans[{i}]=({start_s}, {end_s}) ends after the signal ({duration_s:.3f} s at 16 kHz); "
                f"expected spans within it (a span from another sample rate?)"
            )
        if checked and start_s < checked[-1][1]:
            raise ValueError(
                f"spans[{i}]=({start_s}, {end_s}) starts before spans[{i - 1}] ends ({checked[-1][1]}); "
                f"expected sorted, non-overlapping spans"
            )
        checked.append((start_s, min(end_s, duration_s)))
    return checked


def _check_options(language: str, beam_size: int) -> None:
    if not isinstance(language, str) or not language:
        raise ValueError(f"language={language!r}; expected a Whisper language code such as 'ru' or 'en'")
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise ValueError(f"beam_size={beam_size!r}; expected an integer >= 1")


def _check_language(model: WhisperModel, language: str) -> None:
    supported = model.supported_languages
    if language not in supported:
        raise ValueError(f"language={language!r}; this model knows {len(supported)} codes, e.g. 'ru', 'en'")
