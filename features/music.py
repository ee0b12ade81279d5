"""Music and tones told from speech and noise by the sound itself.

A switch's queue and hold music, and its tones, are made of spectral peaks that stay put: a note
holds its frequencies for a tenth of a second and more, a tone for its whole length. Speech is
tonal too while voiced, but its harmonics glide with the pitch and break at every consonant;
noise (a line, a room) has no peaks and a flat spectrum; a hum or an engine has steady peaks
but buried in noise, and it glides rather than changing note. So each frame gets the share of
its energy in peaks steady for ``STEADY_S`` (``steady_tonal_ratio``), its spectral flatness and
whether its peaks jumped to a new note; a run of frames that are steady, not flat, loud enough
and not speech by the voice activity detector's own probability is music when it is a clean tone
or changes note (:func:`music_spans`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from features.intervals import Span

FRAME_S = 0.064
HOP_S = 0.032
"""One frame per 32 ms: the hop of Silero VAD at 16 kHz (512 samples), so its probabilities line up."""
BAND_HZ = (200.0, 3800.0)
"""The telephone band: the same features whether the call was recorded at 8 kHz or more."""
STEADY_S = 0.2
CHANGE_LAG_S = 0.1
MIN_STEADY = 0.5
MAX_FLATNESS = 0.2
MIN_LEVEL_DBFS = -45.0
MAX_SPEECH_PROBA = 0.5
MIN_MUSIC_S = 3.0
"""Shorter tonal sound (a beep, DTMF, a two-second signal tone) is not queue or hold music."""
JOIN_S = 0.6
TONE_STEADY = 0.9
MUSIC_STEADY = 0.75
MIN_NOTES_PER_S = 0.5


def _frames(samples: np.ndarray, rate_hz: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power spectra in the band, shape (frames, bins), their frequencies, and each frame's level (dBFS)."""
    frame, hop = int(round(FRAME_S * rate_hz)), int(round(HOP_S * rate_hz))
    n = 0 if len(samples) < frame else 1 + (len(samples) - frame) // hop
    if n == 0:
        return np.zeros((0, 0)), np.zeros(0), np.zeros(0)
    index = np.arange(frame)[None, :] + hop * np.arange(n)[:, None]
    chunks = samples[index]
    level = 10 * np.log10(np.maximum(np.mean(chunks**2, axis=1), 1e-12))
    n_fft = 1 << int(np.ceil(np.log2(frame)))
    power = np.abs(np.fft.rfft(chunks * np.hanning(frame), n=n_fft, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1 / rate_hz)
    band = (freqs >= BAND_HZ[0]) & (freqs <= min(BAND_HZ[1], 0.95 * rate_hz / 2))
    return power[:, band], freqs[band], level


def _windows(mask: np.ndarray, width: int, axis: int, pad: str) -> list[np.ndarray]:
    """``mask`` shifted by -width ... +width along ``axis``; the edges padded with False
    (``pad="empty"``) or with the edge value (``pad="edge"``), never wrapped around."""
    shape = list(mask.shape)
    shape[axis] = width
    if pad == "empty":
        before = after = np.zeros(shape, dtype=bool)
    else:
        before, after = np.take(mask, [0] * width, axis=axis), np.take(mask, [-1] * width, axis=axis)
    padded = np.concatenate([before, mask, after], axis=axis)
    return [np.take(padded, range(k, k + mask.shape[axis]), axis=axis) for k in range(2 * width + 1)]


def _dilate(mask: np.ndarray, width: int, axis: int) -> np.ndarray:
    return np.logical_or.reduce(_windows(mask, width, axis, "empty"))


def _erode(mask: np.ndarray, width: int, axis: int) -> np.ndarray:
    return np.logical_and.reduce(_windows(mask, width, axis, "edge"))


def tonal_features(samples: np.ndarray, rate_hz: int) -> dict[str, np.ndarray]:
    """Per-frame features, one frame every ``HOP_S`` seconds (frame ``i`` covers ``i * HOP_S`` to
    ``i * HOP_S + FRAME_S``), all of shape (frames,).

    ``steady_tonal_ratio`` (0-1): share of the band's energy in spectral peaks that stay within a
    bin for ``STEADY_S``; ``flatness`` (0-1): geometric over arithmetic mean of the band's power
    (white noise ~0.56 at this resolution, a tone ~0); ``note_change`` (bool): the steady peaks
    ``CHANGE_LAG_S`` before and after this frame are at other frequencies (a new note, not a
    glide); ``level_dbfs``.

    >>> import numpy as np
    >>> t = np.arange(16000) / 8000
    >>> f = tonal_features(0.3 * np.sin(2 * np.pi * 440 * t), 8000)
    >>> bool(np.all(f["steady_tonal_ratio"] > 0.95)), bool(np.all(f["flatness"] < 0.01)), int(f["note_change"].sum())
    (True, True, 0)
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    if rate_hz < 8000:
        raise ValueError(f"rate_hz={rate_hz}; expected 8000 Hz or more")
    power, _, level = _frames(samples, rate_hz)
    if len(level) == 0:
        return {name: np.zeros(0) for name in ("steady_tonal_ratio", "flatness", "level_dbfs")} | {
            "note_change": np.zeros(0, dtype=bool)}
    floor = np.maximum(power, 1e-20)
    total = floor.sum(axis=1)
    flatness = np.exp(np.mean(np.log(floor), axis=1)) / (total / floor.shape[1])
    # A peak: the highest bin within two either side, 10 dB over the frame's median bin.
    local_max = np.ones_like(power, dtype=bool)
    for shift in (1, 2):
        local_max &= (power >= np.roll(power, shift, axis=1)) & (power >= np.roll(power, -shift, axis=1))
    peaks = local_max & (power > 10 * np.median(floor, axis=1, keepdims=True))
    near_peak = _dilate(peaks, 1, axis=1)
    # Opening in time: a peak bin kept for STEADY_S, then every frame of that run marked steady.
    half = max(1, int(round(STEADY_S / HOP_S / 2)))
    steady = _dilate(_erode(near_peak, half, axis=0), half, axis=0) & near_peak
    steady_power = power * _dilate(steady, 1, axis=1)
    ratio = steady_power.sum(axis=1) / total
    # Compare the steady peaks either side of each frame, blurred by two bins so that a slow
    # glide (a hum, an engine) still matches and only a jump to another note does not.
    blurred = np.sqrt(sum(np.roll(steady_power, k, axis=1) for k in range(-2, 3)))
    norm = np.linalg.norm(blurred, axis=1) + 1e-20
    lag = max(1, int(round(CHANGE_LAG_S / HOP_S)))
    change = np.zeros(len(level), dtype=bool)
    if len(level) > 2 * lag:
        cosine = np.sum(blurred[:-2 * lag] * blurred[2 * lag:], axis=1) / (norm[:-2 * lag] * norm[2 * lag:])
        both = (ratio[:-2 * lag] >= MIN_STEADY) & (ratio[2 * lag:] >= MIN_STEADY)
        change[lag:-lag] = both & (cosine < 0.5)
    return {"steady_tonal_ratio": ratio, "flatness": flatness, "note_change": change, "level_dbfs": level}


def music_frames(
    samples: np.ndarray, rate_hz: int, *, speech_proba: Sequence[float] | np.ndarray | None = None
) -> np.ndarray:
    """Whether each ``HOP_S`` frame is tonal, steady and not speech: a candidate for music or a
    tone (bool, shape (frames,)).

    ``speech_proba``: a voice activity detector's speech probability per ``HOP_S`` frame (Silero
    at 16 kHz gives one per 512 samples); frames it calls speech are not music. Missing frames
    at the end count as not speech.
    """
    return _candidates(tonal_features(samples, rate_hz), speech_proba)


def _candidates(f: dict[str, np.ndarray], speech_proba) -> np.ndarray:
    music = ((f["steady_tonal_ratio"] >= MIN_STEADY) & (f["flatness"] <= MAX_FLATNESS)
             & (f["level_dbfs"] >= MIN_LEVEL_DBFS))
    if speech_proba is not None:
        proba = np.asarray(speech_proba, dtype=np.float64)
        if proba.ndim != 1:
            raise ValueError(f"speech_proba of shape {proba.shape}; expected one value per frame, shape (n,)")
        n = min(len(proba), len(music))
        music[:n] &= proba[:n] < MAX_SPEECH_PROBA
    return music


def music_spans(
    samples: np.ndarray,
    rate_hz: int,
    *,
    speech_proba: Sequence[float] | np.ndarray | None = None,
    min_s: float = MIN_MUSIC_S,
) -> list[Span]:
    """Stretches of music or tones at least ``min_s`` long, in seconds, sorted.

    Candidate frames (:func:`music_frames`) joined across gaps shorter than ``JOIN_S`` (a change
    of note, a drum beat); a stretch is kept when it is a clean tone (median steady share
    ``>= TONE_STEADY``) or mostly steady peaks (``>= MUSIC_STEADY``) that change note at least
    ``MIN_NOTES_PER_S`` times a second. A hum, an engine or a noisy line has steady peaks too,
    but buried in noise (a median share of 0.5-0.7 measured on a real call), and it holds or
    glides rather than changing note.

    >>> import numpy as np
    >>> t = np.arange(8000 * 6) / 8000
    >>> jingle = 0.2 * np.sin(2 * np.pi * np.where(t % 1 < 0.5, 523.25, 659.25) * t)
    >>> x = np.concatenate([np.zeros(8000), jingle, np.zeros(8000)])
    >>> [(round(s, 1), round(e, 1)) for s, e in music_spans(x, 8000)]
    [(1.0, 7.0)]
    """
    f = tonal_features(samples, rate_hz)
    music = _candidates(f, speech_proba)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], music.astype(np.int8), [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
    joined: list[tuple[int, int]] = []
    for a, b in runs:
        if joined and (a - joined[-1][1]) * HOP_S < JOIN_S:
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    duration_s = len(samples) / rate_hz
    found = []
    for a, b in joined:
        start_s, end_s = a * HOP_S, min(duration_s, (b - 1) * HOP_S + FRAME_S)
        if end_s - start_s < min_s:
            continue
        steady = float(np.median(f["steady_tonal_ratio"][a:b]))
        changes = np.count_nonzero(np.diff(f["note_change"][a:b].astype(np.int8)) == 1)
        if steady >= TONE_STEADY or steady >= MUSIC_STEADY and changes / (end_s - start_s) >= MIN_NOTES_PER_S:
            found.append((float(start_s), float(end_s)))
    return found
