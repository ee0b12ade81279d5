"""Voice activity with the Silero VAD model that faster-whisper ships (ONNX, CPU)."""

from __future__ import annotations

import numpy as np

VAD_RATE_HZ = 16_000
Span = tuple[float, float]


def to_16k(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """One channel resampled to 16 kHz float32, the rate Silero VAD and Whisper expect."""
    from math import gcd

    from scipy.signal import resample_poly

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    if rate_hz == VAD_RATE_HZ:
        return samples
    g = gcd(VAD_RATE_HZ, rate_hz)
    return resample_poly(samples, VAD_RATE_HZ // g, rate_hz // g).astype(np.float32)


def speech_spans(
    samples_16k: np.ndarray,
    *,
    threshold: float = 0.5,
    min_speech_s: float = 0.2,
    min_silence_s: float = 0.3,
    pad_s: float = 0.05,
) -> list[Span]:
    """Sorted, non-overlapping ``(start_s, end_s)`` spans of speech in a 16 kHz mono signal."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if samples_16k.ndim != 1:
        raise ValueError(f"samples of shape {samples_16k.shape}; expected one 16 kHz channel")
    if samples_16k.size == 0:
        return []
    options = VadOptions(
        threshold=threshold,
        min_speech_duration_ms=int(min_speech_s * 1000),
        min_silence_duration_ms=int(min_silence_s * 1000),
        speech_pad_ms=int(pad_s * 1000),
    )
    found = get_speech_timestamps(samples_16k, options, sampling_rate=VAD_RATE_HZ)
    duration_s = samples_16k.size / VAD_RATE_HZ
    return [(s["start"] / VAD_RATE_HZ, min(s["end"] / VAD_RATE_HZ, duration_s)) for s in found]


VAD_HOP_S = 512 / VAD_RATE_HZ
"""Silero scores one 32 ms window (512 samples at 16 kHz) at a time."""


def speech_probabilities(samples_16k: np.ndarray) -> np.ndarray:
    """Silero's speech probability (0-1) for each ``VAD_HOP_S`` window of a 16 kHz mono signal,
    window ``i`` starting at ``i * VAD_HOP_S``; shape ``(ceil(n / 512),)``."""
    from faster_whisper.vad import get_vad_model

    if samples_16k.ndim != 1:
        raise ValueError(f"samples of shape {samples_16k.shape}; expected one 16 kHz channel")
    if samples_16k.size == 0:
        return np.zeros(0, dtype=np.float32)
    window = 512
    padded = np.pad(np.asarray(samples_16k, dtype=np.float32), (0, -samples_16k.size % window))
    return np.asarray(get_vad_model()(padded), dtype=np.float32).reshape(-1)
