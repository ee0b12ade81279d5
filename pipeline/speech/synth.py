"""Calls made on the spot: espeak-ng speech, switch music, placed at known times on two legs.

For the demo, tests and benchmarks: the truth of every call built here is known exactly.
espeak-ng is the Debian package ``espeak-ng``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

import numpy as np

ESPEAK = "espeak-ng"
VOICES = {("ru", "agent"): "ru+f3", ("ru", "customer"): "ru+m3", ("ru", "ivr"): "ru+f5",
          ("en", "agent"): "en-us+f3", ("en", "customer"): "en+m3", ("en", "ivr"): "en-us+f5"}


@lru_cache(maxsize=256)
def _espeak_wav(text: str, voice: str, words_per_minute: int) -> bytes:
    if shutil.which(ESPEAK) is None:
        raise RuntimeError("espeak-ng is not installed; on Debian/Ubuntu: apt-get install espeak-ng")
    return subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(words_per_minute), "--stdout", text], check=True, capture_output=True
    ).stdout


def speak(text: str, *, voice: str, rate_hz: int, words_per_minute: int = 160) -> np.ndarray:
    """``text`` spoken by espeak-ng, mono float32 at ``rate_hz``, silence at the ends trimmed."""
    import soundfile as sf

    samples, source_rate = sf.read(BytesIO(_espeak_wav(text, voice, words_per_minute)), dtype="float32")
    start, end = voiced_bounds(samples)
    return resample(samples[start:end], source_rate, rate_hz)


def voiced_bounds(samples: np.ndarray, *, threshold: float = 0.01) -> tuple[int, int]:
    """First and one-past-last sample louder than ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return (int(loud[0]), int(loud[-1]) + 1) if loud.size else (0, 0)


def resample(samples: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Polyphase resampling (scipy)."""
    from math import gcd

    from scipy.signal import resample_poly

    if from_hz == to_hz:
        return samples.astype(np.float32)
    g = gcd(from_hz, to_hz)
    return resample_poly(samples, to_hz // g, from_hz // g).astype(np.float32)


def music(seconds: float, *, rate_hz: int, level: float = 0.15) -> np.ndarray:
    """A two-note jingle, the kind a switch plays in the queue and on hold."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    notes = np.where((t % 1.0) < 0.5, 523.25, 659.25)
    return (level * np.sin(2 * np.pi * notes * t)).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Placed:
    """A clip on one leg: ``party`` is agent, customer, ivr or music (the last two on the agent leg)."""

    party: str
    start_s: float
    end_s: float
    samples: np.ndarray
    text: str = ""


def place(party: str, start_s: float, samples: np.ndarray, *, rate_hz: int, text: str = "") -> Placed:
    return Placed(party=party, start_s=start_s, end_s=start_s + len(samples) / rate_hz, samples=samples, text=text)


def mix(clips: Sequence[Placed], *, duration_s: float, rate_hz: int, stereo: bool = True,
        agent_side: str = "left") -> np.ndarray:
    """Samples ``(frames, channels)``: the customer on one leg, everything else on the agent's."""
    frames = int(duration_s * rate_hz)
    agent, customer = np.zeros(frames, np.float32), np.zeros(frames, np.float32)
    for clip in clips:
        track = customer if clip.party == "customer" else agent
        start = int(round(clip.start_s * rate_hz))
        piece = clip.samples[: max(0, frames - start)]
        track[start : start + len(piece)] += piece
    if not stereo:
        return np.clip(agent + customer, -1, 1)[:, None]
    left, right = (agent, customer) if agent_side == "left" else (customer, agent)
    return np.clip(np.stack([left, right], axis=1), -1, 1)
