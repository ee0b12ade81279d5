"""The speech models the settings ask for, as the plain callables that call analysis uses
(:data:`~pipeline.calls.analyze.Transcriber`, :data:`~pipeline.calls.analyze.Diarizer`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from features.intervals import Span, intersect
from pipeline.calls.analyze import Diarizer, Transcriber
from pipeline.settings import Settings


@dataclass(frozen=True)
class WhisperTranscriber:
    """A :data:`~pipeline.calls.analyze.Transcriber` whose ``legs`` decodes every leg of a call in one batch
    (`pipeline.speech.batched_asr`)."""

    model: Any
    language: str
    decoding: Any

    def __call__(self, samples_16k: np.ndarray, spans: Sequence[Span]) -> list:
        return self.legs([(samples_16k, spans)])[0]

    def legs(self, legs: Sequence[tuple[np.ndarray, Sequence[Span]]]) -> list[list]:
        from pipeline.speech.batched_asr import transcribe_legs

        return transcribe_legs(self.model, legs, language=self.language, decoding=self.decoding)


def transcriber_for(settings: Settings, *, language: str | None = None) -> Transcriber:
    """``(samples_16k, spans) -> words`` with the configured Whisper model and language."""
    from pipeline.speech.asr import Decoding
    from pipeline.speech.whisper_model import load_whisper

    model = load_whisper(settings.whisper_model, compute_type=settings.whisper_compute_type)
    return WhisperTranscriber(model, language or settings.language, Decoding.from_settings(settings))


def diarizer_for(settings: Settings) -> Diarizer:
    """``(samples_16k, conversation_spans) -> {label: spans}``; audio outside the conversation
    (IVR prompts, queue music) is silenced first so that it never becomes a speaker."""
    try:
        from pipeline.speech.diarization import diarizer_for as annotation_diarizer
    except ImportError as error:
        raise RuntimeError(
            f"mono calls need speaker diarization ({error}); install it: pip install -e '.[diarization]'"
        ) from None

    diarize_annotation = annotation_diarizer(settings)

    def diarize(samples_16k: np.ndarray, conversation: Sequence[Span]) -> dict[str, list[Span]]:
        if not conversation:
            return {}
        masked = np.zeros_like(samples_16k)
        for start_s, end_s in conversation:
            masked[int(start_s * 16_000) : int(end_s * 16_000)] = samples_16k[int(start_s * 16_000) : int(end_s * 16_000)]
        annotation = diarize_annotation(masked)
        speakers: dict[str, list[Span]] = {}
        for segment, _, label in annotation.itertracks(yield_label=True):
            speakers.setdefault(str(label), []).append((segment.start, segment.end))
        return {label: intersect(spans, conversation) for label, spans in speakers.items() if intersect(spans, conversation)}

    return diarize
