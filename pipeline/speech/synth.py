"""Calls made on the spot: synthetic speech, switch music, placed at known times on two legs.

For the demo, tests and benchmarks: the truth of every call built here is known exactly.
English is spoken by espeak-ng (Debian package ``espeak-ng``); Russian by Festival's Russian voice
(Debian packages ``festival festvox-ru``, voice ``msu_ru_nsh_clunits``), because Whisper base
cannot follow espeak-ng's Russian (WER 0.85-1.0, detected as Latvian, Hindi, ...) but hears
Festival's (WER 0.1-0.2).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np

ESPEAK = "espeak-ng"
FESTIVAL = "text2wave"
FESTIVAL_RU = "msu_ru_nsh_clunits"  # festvox-ru's one voice, a man's
FESTIVAL_INSTALL = "on Debian/Ubuntu: apt-get install festival festvox-ru"
FESTIVAL_VOICE_DIRS = (Path("/usr/share/festival/voices"), Path("/usr/local/share/festival/voices"))


class SynthesisUnavailable(RuntimeError):
    """The speech synthesizer or its voice is not installed (the message names the Debian packages)."""


@dataclass(frozen=True, slots=True)
class FestivalVoice:
    """A Festival voice, its pitch (and with it its formants and tempo) scaled by ``pitch_ratio``.

    festvox-ru has one speaker, and clunits synthesis ignores Festival's prosody parameters (its
    ``Duration_Stretch`` changes nothing), so the parties differ by resampling: 1.2 is 3 semitones
    up, formants with it, and 17 % shorter, a smaller-sounding voice; 0.9 is 2 semitones down.
    """

    name: str = FESTIVAL_RU
    pitch_ratio: float = 1.0


VOICES: dict[tuple[str, str], str | FestivalVoice] = {
    ("ru", "agent"): FestivalVoice(pitch_ratio=1.2), ("ru", "customer"): FestivalVoice(pitch_ratio=0.9),
    ("ru", "ivr"): FestivalVoice(pitch_ratio=1.0),
    ("en", "agent"): "en-us+f3", ("en", "customer"): "en+m3", ("en", "ivr"): "en-us+f5"}


@lru_cache(maxsize=256)
def _espeak_wav(text: str, voice: str, words_per_minute: int) -> bytes:
    if shutil.which(ESPEAK) is None:
        raise SynthesisUnavailable("espeak-ng is not installed; on Debian/Ubuntu: apt-get install espeak-ng")
    return subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(words_per_minute), "--stdout", text], check=True, capture_output=True
    ).stdout


def speak(text: str, *, voice: str | FestivalVoice, rate_hz: int, words_per_minute: int = 160) -> np.ndarray:
    """``text`` spoken by espeak-ng (``voice`` a string) or Festival (a :class:`FestivalVoice`, which
    ignores ``words_per_minute``), mono float32 at ``rate_hz``, silence at the ends trimmed."""
    import soundfile as sf

    if isinstance(voice, FestivalVoice):
        return festival_ru(text, rate_hz=rate_hz, voice=voice.name, pitch_ratio=voice.pitch_ratio)
    samples, source_rate = sf.read(BytesIO(_espeak_wav(text, voice, words_per_minute)), dtype="float32")
    start, end = voiced_bounds(samples)
    return resample(samples[start:end], source_rate, rate_hz)


def festival_ru_available(voice: str = FESTIVAL_RU) -> bool:
    """Festival and ``voice`` are installed (Debian: ``festival festvox-ru``)."""
    return shutil.which(FESTIVAL) is not None and any(
        folder.is_dir() and any(folder.glob(f"*/{voice}")) for folder in FESTIVAL_VOICE_DIRS)


def festival_ru(text: str, *, rate_hz: int, voice: str = FESTIVAL_RU, pitch_ratio: float = 1.0) -> np.ndarray:
    """``text`` (Russian) spoken by Festival, mono float32 at ``rate_hz``.

    The text is read as :func:`festival_text` rewrites it (``ValueError`` for characters the voice
    cannot read); silence at the ends is trimmed, as :func:`speak` does. ``pitch_ratio`` scales pitch, formants
    and tempo together (resampling; 1.0: the voice as recorded, 0.5-2.0 accepted). Raises
    :class:`SynthesisUnavailable` (a ``RuntimeError``) naming the Debian packages when ``text2wave``
    or the voice is missing.
    """
    import soundfile as sf

    if not isinstance(rate_hz, (int, np.integer)) or isinstance(rate_hz, bool) or rate_hz <= 0:
        raise ValueError(f"rate_hz: got {rate_hz!r}; expected a positive integer")
    if not isinstance(pitch_ratio, (int, float)) or not 0.5 <= pitch_ratio <= 2.0:
        raise ValueError(f"pitch_ratio: got {pitch_ratio!r}; expected 0.5 to 2.0")
    samples, source_rate = sf.read(BytesIO(_festival_wav(festival_text(text), voice)), dtype="float32")
    start, end = voiced_bounds(samples)
    return resample(samples[start:end], round(source_rate * pitch_ratio), rate_hz)


# festvox-ru's letter-to-sound rules stop the whole utterance at a character they do not know
# (typographic quotes and dashes, "№", "%", "10:30", emoji), so those are rewritten first and
# anything else outside this set is refused by name.
_FESTIVAL_REWRITES = [(re.compile(p), r) for p, r in (
    (r"[«»„“”]", '"'), (r"[‘’]", "'"), (r"[—–‑]", " - "), (r"…", "..."), (r"№", " номер "),
    (r"%", " процентов "), (r"(\d):(\d)", r"\1 \2"))]
_FESTIVAL_READS = re.compile(r"[А-Яа-яЁёA-Za-z0-9\s.,!?;:()\[\]\"'+-]")


def festival_text(text: str) -> str:
    """``text`` as festvox-ru can read it; ``ValueError`` naming the characters it cannot.

    >>> festival_text("«Тариф» — 10:30, № 5, 3%…")
    '"Тариф"  -  10 30,  номер  5, 3 процентов ...'
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text to speak: got {text!r}; expected a non-empty string")
    readable = text
    for pattern, replacement in _FESTIVAL_REWRITES:
        readable = pattern.sub(replacement, readable)
    unreadable = sorted({c for c in readable if not _FESTIVAL_READS.fullmatch(c)})
    if unreadable:
        raise ValueError(f"text to speak: Festival's Russian voice cannot read {', '.join(map(repr, unreadable))} "
                         f"in {text!r}; expected Russian or Latin letters, digits and punctuation")
    if not re.search(r"[^\W_]", readable):
        raise ValueError(f"text to speak: got {text!r}; expected at least one letter or digit")
    return readable


@lru_cache(maxsize=256)
def _festival_wav(text: str, voice: str) -> bytes:
    if not re.fullmatch(r"[a-z0-9_]+", voice):
        raise ValueError(f"Festival voice: got {voice!r}; expected a name such as {FESTIVAL_RU!r}")
    if shutil.which(FESTIVAL) is None:
        raise SynthesisUnavailable(f"Festival is not installed (no {FESTIVAL} on PATH); {FESTIVAL_INSTALL}")
    # The text goes in on stdin as UTF-8, the coding festvox-ru's lexicon reads. The wave goes to
    # a file: on a pipe Festival cannot go back to fill in the header's sizes (they stay 0). An
    # unknown voice is no exit status, only a SIOD error on stderr.
    with tempfile.TemporaryDirectory(prefix="cxmon-festival-") as folder:
        wav = Path(folder) / "speech.wav"
        done = subprocess.run([FESTIVAL, "-eval", f"(voice_{voice})", "-otype", "riff", "-o", str(wav)],
                              input=text.encode("utf-8"), capture_output=True, timeout=300)
        errors = done.stderr.decode("utf-8", "replace")
        data = wav.read_bytes() if wav.is_file() else b""
    if done.returncode != 0 or "SIOD ERROR" in errors or len(data) <= 44:
        reason = next((line for line in errors.splitlines() if line.strip()), f"exit status {done.returncode}")
        message = f"Festival could not speak {text!r} with voice {voice!r}: {reason.strip()}"
        if "LTS_Ruleset" in errors:
            raise RuntimeError(f"{message}; a word it cannot read")
        raise SynthesisUnavailable(f"{message}; {FESTIVAL_INSTALL}")
    return data


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
