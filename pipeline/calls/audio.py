"""Decode call recordings and check that they are usable (libsndfile through ``soundfile``).

wav, flac, mp3 and ogg (vorbis or opus), 8-48 kHz, mono or stereo. Anything else is an
:class:`AudioError` whose message names the file and the problem.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".opus"})
MIN_SAMPLE_RATE_HZ = 8_000
MAX_SAMPLE_RATE_HZ = 48_000
MAX_CHANNELS = 2
_BLOCK_FRAMES = 1 << 14


class AudioError(ValueError):
    """A recording cannot be used; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    duration_s: float
    sample_rate_hz: int
    channels: int
    frames: int
    format: str
    subtype: str


def _riff_truncation(head: bytes, size_bytes: int) -> str | None:
    """Why a WAV file is cut short, or None. libsndfile reads what is there without a word."""
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        return None
    endian = "<" if head[:4] == b"RIFF" else ">"
    offset = 12
    while offset + 8 <= len(head):
        chunk_id = head[offset : offset + 4]
        (chunk_bytes,) = struct.unpack(endian + "I", head[offset + 4 : offset + 8])
        body = offset + 8
        if chunk_id == b"data":
            present = size_bytes - body
            # 0 and 0xFFFFFFFF mark a stream whose writer never came back to fill in the size.
            if chunk_bytes not in (0, 0xFFFFFFFF) and present < chunk_bytes:
                return f"truncated: the WAV header declares {chunk_bytes} bytes of audio, the file holds {present}"
            return None
        offset = body + chunk_bytes + (chunk_bytes & 1)
    return None


def probe_audio(source: Path | BinaryIO, *, name: str | None = None) -> AudioInfo:
    """Decode the whole recording once and return what it holds, or raise AudioError.

    ``name`` is used in messages (defaults to the file name).
    """
    import soundfile as sf

    label = name or (source.name if isinstance(source, Path) else "recording")
    if isinstance(source, Path):
        size_bytes = source.stat().st_size
        with source.open("rb") as fh:
            head = fh.read(1 << 16)
    else:
        source.seek(0, 2)
        size_bytes = source.tell()
        source.seek(0)
        head = source.read(1 << 16)
        source.seek(0)
    if size_bytes == 0:
        raise AudioError(f"{label}: empty file (0 bytes)")
    truncation = _riff_truncation(head, size_bytes)
    if truncation:
        raise AudioError(f"{label}: {truncation}")
    try:
        audio = sf.SoundFile(source)
    except sf.SoundFileError as error:
        reason = getattr(error, "error_string", None) or str(error)
        raise AudioError(f"{label}: not readable as audio ({reason})") from None
    with audio:
        rate, channels = audio.samplerate, audio.channels
        fmt, subtype = audio.format, audio.subtype
        if channels > MAX_CHANNELS:
            raise AudioError(f"{label}: {channels} channels; expected 1 or 2")
        if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
            raise AudioError(f"{label}: sample rate {rate} Hz; expected {MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz")
        frames = 0
        try:
            while block := len(audio.read(_BLOCK_FRAMES, dtype="float32")):
                frames += block
        except sf.SoundFileError as error:
            raise AudioError(f"{label}: corrupt after {frames / rate:.2f} s of audio ({error})") from None
    if frames == 0:
        raise AudioError(f"{label}: holds no audio samples")
    return AudioInfo(
        duration_s=frames / rate, sample_rate_hz=rate, channels=channels, frames=frames, format=fmt, subtype=subtype
    )


def decode_audio(source: Path | BinaryIO, *, name: str | None = None) -> tuple[np.ndarray, int]:
    """Samples as float32 in [-1, 1], shape ``(frames, channels)``, and the sample rate in Hz."""
    import soundfile as sf

    try:
        samples, rate = sf.read(source, dtype="float32", always_2d=True)
    except sf.SoundFileError as error:
        label = name or (source.name if isinstance(source, Path) else "recording")
        reason = getattr(error, "error_string", None) or str(error)
        raise AudioError(f"{label}: not readable as audio ({reason})") from None
    return samples, rate
