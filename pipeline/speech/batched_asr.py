"""Speech to text for several span sets at once (the legs of a call, the speakers of a mono call), in one batch.

`pipeline.speech.asr.transcribe_spans` decodes one channel's spans as one joined signal, window after window,
and every window costs a whole 30 s encoder pass, however little speech it holds. Here every leg's spans
are joined, ``SPAN_GAP_S`` apart, into one signal; that signal is cut at span boundaries into chunks of at
most ``CHUNK_S``, one Whisper window each; and the chunks go through faster-whisper's
``BatchedInferencePipeline`` together: fewer encoder passes (a call's two legs share windows), no window
decoded twice, and the batch keeps both cores busy. A chunk whose decoding looks failed by Whisper's own
tests (compression ratio over ``COMPRESSION_RATIO_LIMIT``: a loop; mean log-probability under
``LOGPROB_LIMIT``: a guess) is decoded again alone by the sequential path, with its temperature fallback
and skipping of hallucinations after silence. The guard (`pipeline.speech.transcript_guard`) runs on what
is kept, as it does there.

On the held calls of ``bench/batch_speed.py`` this took a third less CPU time than `transcribe_spans` per
leg, at a lower word error rate (figures: bench/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from features.loudness import peak_dbfs
from pipeline.records import Word
from pipeline.speech import asr
from pipeline.speech.transcript_guard import without_captions, without_repetition_runs

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

CHUNK_S = 29.0
"""Longest chunk of joined spans decoded as one window (Whisper's window is 30 s)."""
BATCH_SIZE = 8
"""Chunks encoded and decoded together."""
COMPRESSION_RATIO_LIMIT = 2.4
LOGPROB_LIMIT = -1.0
NO_SPEECH_LIMIT = 0.6
"""A chunk under ``LOGPROB_LIMIT`` whose no-speech probability is over this is silence, not a failure."""


@dataclass(frozen=True, slots=True)
class _Piece:
    leg: int
    start_s: float  # on the leg's clock
    end_s: float
    offset_s: float  # where it starts in the joined signal


def transcribe_legs(
    model: WhisperModel,
    legs: Sequence[tuple[np.ndarray, Sequence[tuple[float, float]]]],
    *,
    language: str,
    beam_size: int = asr.DEFAULT_BEAM_SIZE,
    decoding: asr.Decoding = asr.DEFAULT_DECODING,
    batch_size: int = BATCH_SIZE,
) -> list[list[Word]]:
    """Words of each ``(samples_16k, spans)`` in ``legs``, each list on its leg's clock.

    The same contract as `transcribe_spans` for every leg (spans sorted and within the signal, silent
    spans not decoded, words sorted, inside one span, clamped to it), with all legs decoded in one batch.
    A span longer than ``CHUNK_S`` sends its leg through `transcribe_spans` instead, and so does every leg
    when ``model`` is no faster-whisper ``WhisperModel`` (a stand-in that only has ``transcribe``).

    >>> transcribe_legs(None, [(np.zeros(16_000, np.float32), []), (np.zeros(0, np.float32), [])], language="en")
    [[], []]
    """
    asr._check_options(language, beam_size)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}; expected an integer >= 1")
    checked = []
    for samples_16k, spans in legs:
        samples = asr._checked_samples(samples_16k)
        checked.append((samples, asr._checked_spans(spans, duration_s=samples.size / asr.ASR_RATE_HZ)))
    words: list[list[Word]] = [[] for _ in checked]
    long_legs = {i for i, (_, spans) in enumerate(checked) if any(e - s > CHUNK_S for s, e in spans)}
    for i in sorted(long_legs):
        samples, spans = checked[i]
        words[i] = asr.transcribe_spans(model, samples, spans, language=language, beam_size=beam_size,
                                        decoding=decoding)
    pieces, audio, silent = _joined([(s, sp) if i not in long_legs else (s, []) for i, (s, sp) in enumerate(checked)])
    if pieces and not all(hasattr(model, name) for name in ("model", "feature_extractor", "frames_per_second")):
        for i in sorted({piece.leg for piece in pieces}):
            samples, spans = checked[i]
            words[i] = asr.transcribe_spans(model, samples, spans, language=language, beam_size=beam_size,
                                            decoding=decoding)
        return words
    if not pieces:
        if silent:
            asr._check_language(model, language)
        return words
    asr._check_language(model, language)
    chunks = _chunks(pieces)
    decoded = _decoded_chunks(model, audio, chunks, language=language, beam_size=beam_size, decoding=decoding,
                              batch_size=batch_size)
    if decoding.guard:
        kept = without_repetition_runs(without_captions(decoded, asr._lazy_speech_probability(audio)))
    else:
        kept = [word for segment in decoded for word in segment]
    starts = [p.offset_s for p in pieces]
    ends = [p.offset_s + (p.end_s - p.start_s) for p in pieces]
    for word in kept:
        piece = pieces[asr._owning_span(word.start_s, word.end_s, starts, ends)]
        shift_s = piece.start_s - piece.offset_s
        words[piece.leg].append(asr._word(word.text, word.start_s + shift_s, word.end_s + shift_s, word.probability,
                                          low_s=piece.start_s, high_s=piece.end_s))
    return [sorted(leg, key=lambda w: (w.start_s, w.end_s)) for leg in words]


def _joined(legs: Sequence[tuple[np.ndarray, Sequence[tuple[float, float]]]]) -> tuple[list[_Piece], np.ndarray, int]:
    """The pieces with sound, one signal of them ``SPAN_GAP_S`` apart, and how many spans were silent."""
    gap = np.zeros(int(round(asr.SPAN_GAP_S * asr.ASR_RATE_HZ)), dtype=np.float32)
    pieces: list[_Piece] = []
    parts: list[np.ndarray] = []
    position = silent = 0
    for leg, (samples, spans) in enumerate(legs):
        for start_s, end_s in spans:
            first, last = int(round(start_s * asr.ASR_RATE_HZ)), int(round(end_s * asr.ASR_RATE_HZ))
            if last <= first:
                continue
            if peak_dbfs(samples[first:last]) < asr.SILENT_PEAK_DBFS:
                silent += 1
                continue
            if parts:
                parts.append(gap)
                position += gap.size
            pieces.append(_Piece(leg, start_s, end_s, position / asr.ASR_RATE_HZ))
            parts.append(samples[first:last])
            position += last - first
    return pieces, (np.concatenate(parts) if parts else np.zeros(0, np.float32)), silent


def _chunks(pieces: Sequence[_Piece]) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` on the joined signal: runs of whole pieces, each at most ``CHUNK_S`` long.

    >>> _chunks([_Piece(0, 0.0, 20.0, 0.0), _Piece(0, 30.0, 35.0, 20.2), _Piece(1, 1.0, 10.0, 25.4)])
    [(0.0, 25.2), (25.4, 34.4)]
    """
    chunks: list[tuple[float, float]] = []
    start = previous_end = None
    for piece in pieces:
        end = round(piece.offset_s + (piece.end_s - piece.start_s), 6)
        if start is not None and end - start > CHUNK_S:
            chunks.append((start, previous_end))
            start = None
        if start is None:
            start = piece.offset_s
        previous_end = end
    if start is not None:
        chunks.append((start, previous_end))
    return chunks


def _decoded_chunks(model: WhisperModel, audio: np.ndarray, chunks: Sequence[tuple[float, float]], *,
                    language: str, beam_size: int, decoding: asr.Decoding, batch_size: int) -> list[list[Word]]:
    """Words of each chunk on the joined signal's clock, one list per chunk; a failed chunk decoded again alone."""
    from ctranslate2 import set_random_seed
    from faster_whisper import BatchedInferencePipeline

    set_random_seed(asr.FALLBACK_SEED)
    segments, _info = BatchedInferencePipeline(model).transcribe(
        audio, language=language, beam_size=beam_size, word_timestamps=True, without_timestamps=True,
        clip_timestamps=[{"start": start, "end": end} for start, end in chunks], batch_size=batch_size,
        temperature=decoding.temperatures[0], vad_filter=False,
    )
    found: list[list] = [[] for _ in chunks]
    for segment in segments:
        # ``seek`` is the chunk's offset in frames (faster-whisper's 100 per second).
        index = min(range(len(chunks)), key=lambda i: abs(chunks[i][0] * model.frames_per_second - segment.seek))
        found[index].append(segment)
    duration_s = audio.size / asr.ASR_RATE_HZ
    out: list[list[Word]] = []
    for (start, end), segments_of_chunk in zip(chunks, found):
        if any(_failed(s) for s in segments_of_chunk):
            first, last = int(round(start * asr.ASR_RATE_HZ)), int(round(end * asr.ASR_RATE_HZ))
            again = asr._decoded_words(model, audio[first:last], language=language, beam_size=beam_size,
                                       decoding=asr.Decoding(**{**_fields(decoding), "guard": False}))
            out.append([asr._word(w.text, w.start_s + start, w.end_s + start, w.probability, low_s=start,
                                  high_s=end) for w in again])
            continue
        out.append([asr._word(word.word.strip(), float(word.start), float(word.end), float(word.probability),
                              low_s=0.0, high_s=duration_s)
                    for s in segments_of_chunk for word in (s.words or ()) if any(c.isalnum() for c in word.word)])
    return out


def _failed(segment) -> bool:
    """Whisper's own fallback tests: a loop, or a guess that is not silence."""
    if segment.compression_ratio > COMPRESSION_RATIO_LIMIT:
        return True
    return segment.avg_logprob < LOGPROB_LIMIT and segment.no_speech_prob <= NO_SPEECH_LIMIT


def _fields(decoding: asr.Decoding) -> dict:
    return {name: getattr(decoding, name) for name in ("condition_on_previous_text", "hallucination_silence_s",
                                                      "temperatures", "guard")}
