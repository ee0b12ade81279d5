"""A clip's audio: the stretch of a recording between two times, as a small PCM WAV of its own.

Any recording soundfile reads (WAV, FLAC, OGG) gives a 16-bit PCM WAV with the same rate and channels,
so a browser's ``<audio>`` plays it from 0 and seeks within it without the whole call.
"""

from __future__ import annotations

import io

MAX_CLIP_S = 600.0
"""The longest clip: ten minutes is a lesson, not a moment."""


class ClipAudioError(ValueError):
    """The recording cannot be read, or the clip is not inside it."""


def recording_duration_s(data: bytes) -> float:
    """How long the recording ``data`` lasts, in seconds; ClipAudioError when it is not audio."""
    import soundfile as sf

    try:
        info = sf.info(io.BytesIO(data))
    except (sf.SoundFileError, RuntimeError) as error:
        raise ClipAudioError(f"recording not readable as audio ({error})") from None
    return info.frames / info.samplerate


def clip_wav(data: bytes, start_s: float, end_s: float) -> bytes:
    """The frames of ``data`` from ``start_s`` to ``end_s`` (cut to the recording's end) as a PCM_16 WAV.

    >>> import numpy as np, soundfile as sf
    >>> out = io.BytesIO(); sf.write(out, np.zeros(8000), 8000, format="WAV"); wav = out.getvalue()
    >>> round(recording_duration_s(clip_wav(wav, 0.25, 0.75)), 3)
    0.5
    """
    import soundfile as sf

    if not 0 <= start_s < end_s or end_s - start_s > MAX_CLIP_S:
        raise ClipAudioError(f"clip {start_s}-{end_s} s; expected 0 <= start_s < end_s, at most {MAX_CLIP_S:.0f} s")
    try:
        with sf.SoundFile(io.BytesIO(data)) as source:
            rate = source.samplerate
            first, last = round(start_s * rate), min(round(end_s * rate), source.frames)
            if first >= last:
                raise ClipAudioError(f"clip {start_s}-{end_s} s; the recording lasts {source.frames / rate:.3f} s")
            source.seek(first)
            samples = source.read(last - first, dtype="int16", always_2d=True)
    except (sf.SoundFileError, RuntimeError) as error:
        raise ClipAudioError(f"recording not readable as audio ({error})") from None
    out = io.BytesIO()
    sf.write(out, samples, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()
