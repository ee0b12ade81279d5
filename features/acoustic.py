"""Voice of one party: pitch, loudness and energy variability over its speech turns.

Pitch is YIN (de Cheveigné and Kawahara 2002) as librosa 0.11's ``librosa.yin`` computes it, and frame
energy as its ``librosa.feature.rms``, both written here in numpy: importing librosa for them cost a
single ``cxmon analyze`` some 3 s (librosa's audio and constant-Q modules, numba). The results are
librosa's (tests compare them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from features.intervals import Span, merge
from features.loudness import SILENCE_FLOOR_DBFS

FRAME_S = 0.032
HOP_S = 0.010
ACOUSTIC_NAMES = ("pitch_median_hz", "pitch_range_hz", "loudness_dbfs", "energy_std_db")


def _speech_frames(samples: np.ndarray, rate_hz: int, turns: Sequence[Span]) -> list[np.ndarray]:
    pieces = []
    for start_s, end_s in merge(turns):
        piece = samples[int(start_s * rate_hz) : int(end_s * rate_hz)]
        if len(piece) >= int(FRAME_S * rate_hz):
            pieces.append(piece)
    return pieces


def voice_features(
    samples: np.ndarray, rate_hz: int, turns: Sequence[Span], *, fmin_hz: float = 65.0, fmax_hz: float = 400.0
) -> dict[str, float | None]:
    """Pitch median and range (10th-90th percentile) in Hz, loudness in dBFS and the standard
    deviation of frame energy in dB, over one party's turns. None where there is no speech.

    ``samples`` is the party's channel (shape ``(n,)``, floats in [-1, 1]) at ``rate_hz``.
    Pitch uses YIN on frames within 25 dB of the party's loudest; frames at the search limits
    (no clear pitch) are left out.

    >>> import numpy as np
    >>> rate = 8000
    >>> t = np.arange(2 * rate) / rate
    >>> voice = 0.3 * np.sin(2 * np.pi * 150 * t)
    >>> values = voice_features(voice, rate, [(0.0, 2.0)])
    >>> abs(values["pitch_median_hz"] - 150) < 3, round(values["loudness_dbfs"], 1)
    (True, -13.5)
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    pieces = _speech_frames(samples, rate_hz, turns)
    empty: dict[str, float | None] = dict.fromkeys(ACOUSTIC_NAMES)
    if not pieces:
        return empty
    frame, hop = int(FRAME_S * rate_hz), int(HOP_S * rate_hz)
    rms = np.concatenate([frame_rms(p, frame_length=frame, hop_length=hop) for p in pieces])
    rms_db = 20 * np.log10(np.maximum(rms, 1e-6))
    voiced_db = rms_db[rms_db > SILENCE_FLOOR_DBFS + 60]  # frames above -60 dBFS carry the voice
    if voiced_db.size == 0:
        return empty
    yin_frame = max(frame, int(2.5 * rate_hz / fmin_hz))  # YIN needs two periods of the lowest pitch
    f0 = []
    for piece in pieces:
        if len(piece) < yin_frame:
            continue
        pitch = yin_hz(piece, fmin_hz=fmin_hz, fmax_hz=fmax_hz, rate_hz=rate_hz, frame_length=yin_frame,
                       hop_length=hop)
        energy = frame_rms(piece, frame_length=yin_frame, hop_length=hop)
        loud = 20 * np.log10(np.maximum(energy, 1e-6)) > voiced_db.max() - 25
        clear = (pitch > fmin_hz * 1.05) & (pitch < fmax_hz * 0.95)
        f0.append(pitch[loud[: len(pitch)] & clear])
    f0_hz = np.concatenate(f0) if f0 else np.array([])
    loudness = float(10 * np.log10(np.mean(np.concatenate(pieces).astype(np.float64) ** 2) + 1e-12))
    return {
        "pitch_median_hz": float(np.median(f0_hz)) if f0_hz.size else None,
        "pitch_range_hz": float(np.percentile(f0_hz, 90) - np.percentile(f0_hz, 10)) if f0_hz.size else None,
        "loudness_dbfs": max(loudness, SILENCE_FLOOR_DBFS),
        "energy_std_db": float(np.std(voiced_db)),
    }


def _frames(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Frames of ``y`` as columns, shape ``(frame_length, n_frames)`` (librosa.util.frame, a view)."""
    n_frames = 1 + (y.shape[-1] - frame_length) // hop_length
    if n_frames < 1:
        raise ValueError(f"{y.shape[-1]} samples; expected at least frame_length={frame_length}")
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length)[::hop_length]
    return windows[:n_frames].T


def frame_rms(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Root-mean-square of each frame (no centring), shape ``(n_frames,)``; ``librosa.feature.rms(y=y,
    frame_length=..., hop_length=..., center=False)[0]``.

    >>> frame_rms(np.array([3.0, 4.0, 0.0, 0.0], np.float32), frame_length=2, hop_length=2)
    array([3.535534, 0.      ], dtype=float32)
    """
    power = np.mean(np.square(_frames(y, frame_length, hop_length), dtype=np.float32), axis=0)
    return np.sqrt(power)


def yin_hz(y: np.ndarray, *, fmin_hz: float, fmax_hz: float, rate_hz: int, frame_length: int, hop_length: int,
           trough_threshold: float = 0.1) -> np.ndarray:
    """Fundamental frequency in Hz of each frame (no centring) by YIN, shape ``(n_frames,)``; ``librosa.yin(y,
    fmin=..., fmax=..., sr=..., frame_length=..., hop_length=..., center=False)``.

    >>> t = np.arange(4000) / 8000
    >>> f0 = yin_hz(np.sin(2 * np.pi * 200 * t), fmin_hz=65, fmax_hz=400, rate_hz=8000, frame_length=400,
    ...             hop_length=80)
    >>> bool(np.all(np.abs(f0 - 200) < 1))
    True
    """
    if not 0 < fmin_hz < fmax_hz <= rate_hz / 2:
        raise ValueError(f"fmin_hz={fmin_hz}, fmax_hz={fmax_hz} at {rate_hz} Hz; expected 0 < fmin < fmax <= rate / 2")
    frames = _frames(y, frame_length, hop_length)
    min_period = int(np.floor(rate_hz / fmax_hz))
    max_period = min(int(np.ceil(rate_hz / fmin_hz)), frame_length - 1)
    yin = _cumulative_mean_normalized_difference(frames, min_period, max_period)
    shifts = _parabolic_shifts(yin)
    is_trough = np.zeros(yin.shape, dtype=bool)  # librosa.util.localmin along the lag axis
    is_trough[1:-1] = (yin[1:-1] < yin[:-2]) & (yin[1:-1] <= yin[2:])
    is_trough[-1] = yin[-1] < yin[-2]
    is_trough[0] = yin[0] < yin[1]
    below = is_trough & (yin < trough_threshold)
    period = np.argmax(below, axis=0)
    no_trough = ~np.any(below, axis=0)
    period[no_trough] = np.argmin(yin, axis=0)[no_trough]
    period_samples = min_period + period + np.take_along_axis(shifts, period[None, :], axis=0)[0]
    return rate_hz / period_samples


def _cumulative_mean_normalized_difference(frames: np.ndarray, min_period: int, max_period: int) -> np.ndarray:
    """YIN's equation 8 for each frame, lags ``min_period..max_period`` down the rows."""
    size = frames.shape[0]
    n_fft = _next_fast_len(2 * size - 1)
    spectrum = np.fft.rfft(frames, n=n_fft, axis=0)
    acf = np.fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2, n=n_fft, axis=0)[: min(max_period + 1, size)]
    yin = np.square(frames)
    np.cumsum(yin, out=yin, axis=0)
    lags = slice(1, max_period + 1)
    yin[0] = 0
    yin[lags] = 2 * (acf[0:1] - acf[lags]) - yin[: lags.stop - 1]
    numerator = yin[min_period: max_period + 1]
    cumulative_mean = np.cumsum(yin[lags], axis=0) / np.arange(1, max_period + 1)[:, None]
    denominator = cumulative_mean[min_period - 1: max_period]
    return numerator / (denominator + np.finfo(denominator.dtype).tiny)


def _parabolic_shifts(x: np.ndarray) -> np.ndarray:
    """Where the parabola through each point and its neighbours down the rows has its optimum, relative to the
    point; 0 where that lies beyond a neighbour, and on the first and last rows."""
    shifts = np.zeros_like(x)
    a = x[2:] + x[:-2] - 2 * x[1:-1]
    b = (x[2:] - x[:-2]) / 2
    inside = np.abs(b) < np.abs(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        shifts[1:-1] = np.where(inside, -b / np.where(inside, a, 1), 0)
    return shifts


def _next_fast_len(n: int) -> int:
    """The smallest 5-smooth number >= n (scipy.fft.next_fast_len for real transforms).

    >>> [_next_fast_len(n) for n in (1, 7, 11, 97, 1001)]
    [1, 8, 12, 100, 1024]
    """
    best = None
    power5 = 1
    while power5 < 2 * n:
        power35 = power5
        while power35 < 2 * n:
            candidate = power35
            while candidate < n:
                candidate *= 2
            best = candidate if best is None or candidate < best else best
            power35 *= 3
        power5 *= 5
    return best
