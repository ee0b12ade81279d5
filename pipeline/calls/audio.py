"""Decode call recordings and check that they are usable (libsndfile through ``soundfile``).

wav, flac, mp3 and ogg (vorbis or opus), 8-48 kHz, mono or stereo. Anything else is an
:class:`AudioError` whose message names the file and the problem. libsndfile reads a cut-short
file without complaint, so :func:`probe_audio` also compares what it decoded with what the
container promises (the WAV data size, the MP3 Xing/Info frame count, the FLAC sample count, the
Ogg end-of-stream page) and looks at every sample.
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
# An MP3 decoder drops up to a frame or two of encoder delay and padding; a cut loses more.
_DECLARED_SLACK_FRAMES = 2 * 1152
_OGG_BOS, _OGG_EOS = 0x02, 0x04


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


def _id3_tag_bytes(head: bytes) -> int | None:
    """Length of the ID3v2 tag that opens an MP3 file (header and footer included), or None."""
    if len(head) < 10 or head[:3] != b"ID3" or head[3] not in (2, 3, 4) or head[4] == 0xFF:
        return None
    size = head[6:10]
    if any(byte & 0x80 for byte in size):  # a syncsafe size has the top bit of each byte clear
        return None
    body = (size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3]
    return 10 + body + (10 if head[5] & 0x10 else 0)


def _read_at(source: Path | BinaryIO, offset: int, size: int) -> bytes:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            fh.seek(offset)
            return fh.read(size)
    source.seek(offset)
    data = source.read(size)
    source.seek(0)
    return data


def _ogg_truncation(fh: BinaryIO, size_bytes: int) -> str | None:
    """Why an Ogg file is cut short, or None: every logical stream must end with its EOS page.

    Walks the page headers only (27 bytes and a segment table each), so it costs one seek per page.
    """
    open_streams: set[int] = set()
    offset = 0
    while offset + 27 <= size_bytes:
        fh.seek(offset)
        header = fh.read(27)
        if header[:4] != b"OggS":
            break  # bytes after the last page are not ours to judge; an open stream still counts
        table = fh.read(header[26])
        end = offset + 27 + header[26] + sum(table)
        if len(table) < header[26] or end > size_bytes:
            break
        serial = int.from_bytes(header[14:18], "little")
        if header[5] & _OGG_BOS:
            open_streams.add(serial)
        if header[5] & _OGG_EOS:
            open_streams.discard(serial)
        offset = end
    fh.seek(0)
    return "the file ends before the last page of its Ogg stream" if open_streams else None


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
            ogg_cut = _ogg_truncation(fh, size_bytes) if head[:4] == b"OggS" else None
    else:
        source.seek(0, 2)
        size_bytes = source.tell()
        source.seek(0)
        head = source.read(1 << 16)
        ogg_cut = _ogg_truncation(source, size_bytes) if head[:4] == b"OggS" else None
        source.seek(0)
    if size_bytes == 0:
        raise AudioError(f"{label}: empty file (0 bytes)")
    truncation = _riff_truncation(head, size_bytes)
    if truncation:
        raise AudioError(f"{label}: {truncation}")
    # An MP3 knows its length only from a Xing/Info/VBRI header in its first frame; without one
    # the decoder guesses from the file size and the first frame's bitrate, often far off.
    first_frame = _read_at(source, _id3_tag_bytes(head) or 0, 64)
    mp3_length_known = any(marker in first_frame for marker in (b"Xing", b"Info", b"VBRI"))
    try:
        audio = sf.SoundFile(bytes(source) if isinstance(source, Path) else source)  # bytes: any file name
    except sf.SoundFileError as error:
        tag_bytes = _id3_tag_bytes(head)
        if tag_bytes is not None:
            rest = max(size_bytes - tag_bytes, 0)
            after = f", then {rest} bytes that are not MPEG audio" if rest else " and nothing after it"
            tag = f"an ID3 tag of {min(tag_bytes, size_bytes)} bytes{after}"
            raise AudioError(f"{label}: no audio frames ({tag})") from None
        if ogg_cut:
            raise AudioError(f"{label}: truncated: no audio could be decoded; {ogg_cut}") from None
        raise AudioError(f"{label}: not readable as audio ({_reason(error)})") from None
    with audio:
        rate, channels = audio.samplerate, audio.channels
        fmt, subtype = audio.format, audio.subtype
        trusted = fmt != "MP3" or mp3_length_known
        declared = audio.frames if trusted and 0 < audio.frames < 1 << 62 else 0
        if channels > MAX_CHANNELS:
            raise AudioError(f"{label}: {channels} channels; expected 1 or 2")
        if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
            raise AudioError(f"{label}: sample rate {rate} Hz; expected {MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz")
        frames = not_finite = 0
        try:
            while len(block := audio.read(_BLOCK_FRAMES, dtype="float32")):
                frames += len(block)
                not_finite += int(block.size - np.count_nonzero(np.isfinite(block)))
        except sf.SoundFileError as error:
            of = f" of {declared / rate:.2f} s" if declared > frames else ""
            raise AudioError(f"{label}: corrupt after {frames / rate:.2f} s{of} of audio ({error})") from None
    if ogg_cut:
        raise AudioError(f"{label}: truncated: decoding stopped at {frames / rate:.1f} s; {ogg_cut}")
    if frames + _DECLARED_SLACK_FRAMES < declared:
        raise AudioError(f"{label}: truncated: decoding stopped at {frames / rate:.1f} s of {declared / rate:.1f} s")
    if not_finite:
        raise AudioError(_not_finite_message(label, not_finite))
    if frames == 0:
        raise AudioError(f"{label}: holds no audio samples")
    return AudioInfo(
        duration_s=frames / rate, sample_rate_hz=rate, channels=channels, frames=frames, format=fmt, subtype=subtype
    )


def _reason(error: Exception) -> str:
    reason = getattr(error, "error_string", None) or str(error)
    # libsndfile says this of a named file in no format it knows (a file on disk is no pipe), and
    # "Format not recognised." of bytes; one wording for both.
    return "format not recognised" if "possibly a pipe" in reason or "not recognised" in reason else reason


def _not_finite_message(label: str, count: int) -> str:
    return f"{label}: {count} samples are not finite numbers (NaN or inf); expected audio samples in -1..1"


def decode_audio(source: Path | BinaryIO, *, name: str | None = None) -> tuple[np.ndarray, int]:
    """Samples as float32 in [-1, 1], shape ``(frames, channels)``, and the sample rate in Hz."""
    import soundfile as sf

    label = name or (source.name if isinstance(source, Path) else "recording")
    try:
        samples, rate = sf.read(source, dtype="float32", always_2d=True)
    except sf.SoundFileError as error:
        raise AudioError(f"{label}: not readable as audio ({_reason(error)})") from None
    # A contact ingested before the check existed must not feed NaN to the stages.
    not_finite = int(samples.size - np.count_nonzero(np.isfinite(samples)))
    if not_finite:
        raise AudioError(_not_finite_message(label, not_finite))
    return samples, rate
