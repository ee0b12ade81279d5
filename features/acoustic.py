"""Voice of one party: pitch, loudness and energy variability over its speech turns (librosa)."""

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
    import librosa

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    pieces = _speech_frames(samples, rate_hz, turns)
    empty: dict[str, float | None] = dict.fromkeys(ACOUSTIC_NAMES)
    if not pieces:
        return empty
    frame, hop = int(FRAME_S * rate_hz), int(HOP_S * rate_hz)
    rms = np.concatenate([librosa.feature.rms(y=p, frame_length=frame, hop_length=hop, center=False)[0] for p in pieces])
    rms_db = 20 * np.log10(np.maximum(rms, 1e-6))
    voiced_db = rms_db[rms_db > SILENCE_FLOOR_DBFS + 60]  # frames above -60 dBFS carry the voice
    if voiced_db.size == 0:
        return empty
    yin_frame = max(frame, int(2.5 * rate_hz / fmin_hz))  # YIN needs two periods of the lowest pitch
    f0 = []
    for piece in pieces:
        if len(piece) < yin_frame:
            continue
        pitch = librosa.yin(piece, fmin=fmin_hz, fmax=fmax_hz, sr=rate_hz, frame_length=yin_frame,
                            hop_length=hop, center=False)
        energy = librosa.feature.rms(y=piece, frame_length=yin_frame, hop_length=hop, center=False)[0]
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
