"""Voice activity with the Silero VAD model that faster-whisper ships (ONNX, CPU)."""

from __future__ import annotations

import numpy as np

VAD_RATE_HZ = 16_000
Span = tuple[float, float]


def to_16k(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """One channel resampled to 16 kHz float32, the rate Silero VAD and Whisper expect.

    scipy's ``resample_poly`` (Kaiser window, beta 5); for the telephone rates (8, 24, 32, 48 kHz: up to 4
    times up) the same filter is applied here in numpy, which spares a single ``cxmon analyze`` the import of
    ``scipy.signal`` (about 1.5 s). Both agree to float32 rounding.
    """
    from math import gcd

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    if rate_hz == VAD_RATE_HZ:
        return samples
    g = gcd(VAD_RATE_HZ, rate_hz)
    up, down = VAD_RATE_HZ // g, rate_hz // g
    if up <= MAX_NUMPY_UP and samples.size:
        return _resample_poly(samples, up, down)
    from scipy.signal import resample_poly

    return resample_poly(samples, up, down).astype(np.float32)


MAX_NUMPY_UP = 4
"""Up to this upsampling factor `to_16k` filters in numpy (one convolution per phase)."""


def _kaiser_lowpass(up: int, down: int) -> np.ndarray:
    """``resample_poly``'s filter: ``firwin(2 * 10 * max_rate + 1, 1 / max_rate, window=("kaiser", 5.0))``."""
    max_rate = max(up, down)
    taps = 2 * 10 * max_rate + 1
    m = np.arange(taps) - (taps - 1) / 2
    cutoff = 1.0 / max_rate
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(taps, 5.0)
    return h / h.sum()


def _resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``scipy.signal.resample_poly(x, up, down)`` for float32 ``x`` (zero padding), by polyphase convolution."""
    h = _kaiser_lowpass(up, down).astype(np.float32)
    h *= up
    half_len = (h.size - 1) // 2
    n_out = x.size * up // down + bool(x.size * up % down)
    n_pre_pad = down - half_len % down
    h = np.concatenate([np.zeros(n_pre_pad, np.float32), h])
    n_pre_remove = (half_len + n_pre_pad) // down
    # Output k of the upsampled-and-filtered signal: z[n] = sum_q h[n % up + up q] x[n // up - q].
    n = (np.arange(n_pre_remove, n_pre_remove + n_out) * down)
    out = np.empty(n_out, dtype=np.float32)
    for phase in range(up):
        taps = h[phase::up]
        full = np.convolve(x, taps)  # full[i] = sum_q taps[q] x[i - q]
        chosen = n % up == phase
        index = n[chosen] // up
        valid = index < full.size
        values = np.zeros(index.size, dtype=np.float32)
        values[valid] = full[index[valid]]
        out[chosen] = values
    return out


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


def speech_activity(
    samples_16k: np.ndarray,
    *,
    threshold: float = 0.5,
    min_speech_s: float = 0.2,
    min_silence_s: float = 0.3,
    pad_s: float = 0.05,
) -> tuple[list[Span], np.ndarray]:
    """`speech_spans` and `speech_probabilities` of one signal from one pass of the VAD model (it is
    the costly part of both: a call leg ran it twice)."""
    if samples_16k.ndim != 1:
        raise ValueError(f"samples of shape {samples_16k.shape}; expected one 16 kHz channel")
    if samples_16k.size == 0:
        return [], np.zeros(0, dtype=np.float32)
    from faster_whisper.vad import get_vad_model

    window = 512
    # Padded as get_speech_timestamps pads (a whole silent window when the size is a multiple of 512);
    # `speech_probabilities` pads to the next multiple only, which gives the same probabilities.
    padded = np.pad(np.asarray(samples_16k, dtype=np.float32), (0, window - samples_16k.size % window))
    probabilities = np.asarray(get_vad_model()(padded), dtype=np.float32).reshape(-1)
    spans = _spans_of(probabilities, samples_16k.size, threshold=threshold, min_speech_s=min_speech_s,
                      min_silence_s=min_silence_s, pad_s=pad_s)
    if samples_16k.size % window == 0:  # the extra window changes the last one's probability a little
        return spans, speech_probabilities(samples_16k)
    return spans, probabilities[: -(-samples_16k.size // window)]


def _spans_of(probabilities: np.ndarray, size: int, *, threshold: float, min_speech_s: float, min_silence_s: float,
              pad_s: float) -> list[Span]:
    """faster-whisper's ``get_speech_timestamps`` (1.2.1, no longest span) on probabilities already computed."""
    window = 512
    min_speech = VAD_RATE_HZ * int(min_speech_s * 1000) / 1000
    min_silence = VAD_RATE_HZ * int(min_silence_s * 1000) / 1000
    pad = VAD_RATE_HZ * int(pad_s * 1000) / 1000
    negative = max(threshold - 0.15, 0.01)
    speeches: list[dict[str, float]] = []
    current: dict[str, float] = {}
    triggered, temp_end = False, 0
    for i, probability in enumerate(probabilities):
        if probability >= threshold and temp_end:
            temp_end = 0
        if probability >= threshold and not triggered:
            triggered = True
            current["start"] = window * i
            continue
        if probability < negative and triggered:
            if not temp_end:
                temp_end = window * i
            if window * i - temp_end < min_silence:
                continue
            current["end"] = temp_end
            if current["end"] - current["start"] > min_speech:
                speeches.append(current)
            current, temp_end, triggered = {}, 0, False
    if current and size - current["start"] > min_speech:
        current["end"] = size
        speeches.append(current)
    for i, speech in enumerate(speeches):
        if i == 0:
            speech["start"] = int(max(0, speech["start"] - pad))
        if i != len(speeches) - 1:
            silence = speeches[i + 1]["start"] - speech["end"]
            if silence < 2 * pad:
                speech["end"] += int(silence // 2)
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - silence // 2))
            else:
                speech["end"] = int(min(size, speech["end"] + pad))
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - pad))
        else:
            speech["end"] = int(min(size, speech["end"] + pad))
    duration_s = size / VAD_RATE_HZ
    return [(s["start"] / VAD_RATE_HZ, min(s["end"] / VAD_RATE_HZ, duration_s)) for s in speeches]


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
