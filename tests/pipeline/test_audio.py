"""Decoding and checking recordings: every supported format, and each way a file can be unusable."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.calls.audio import AudioError, decode_audio, probe_audio
from tests.conftest import SHARED_DATA, stereo_call, tone, write_audio


@pytest.mark.parametrize(
    ("suffix", "kwargs", "rate_hz"),
    [
        (".wav", {"subtype": "PCM_16"}, 8000),
        (".wav", {"subtype": "FLOAT"}, 48000),
        (".flac", {}, 16000),
        (".mp3", {"format": "MP3"}, 16000),
        (".ogg", {"format": "OGG", "subtype": "VORBIS"}, 22050),
        (".opus", {"format": "OGG", "subtype": "OPUS"}, 48000),
    ],
)
def test_probe_reads_every_supported_format(tmp_path, suffix, kwargs, rate_hz):
    path = stereo_call(tmp_path / f"call{suffix}", seconds=2.0, rate_hz=rate_hz, **kwargs)
    info = probe_audio(path)
    assert (info.channels, info.sample_rate_hz) == (2, rate_hz)
    # Lossy codecs pad a few milliseconds at the ends.
    assert info.duration_s == pytest.approx(2.0, abs=0.08)


def test_decode_gives_float_frames_by_channels(tmp_path):
    path = stereo_call(tmp_path / "call.wav", seconds=1.0, rate_hz=8000, subtype="PCM_16")
    samples, rate = decode_audio(path)
    assert (samples.shape, samples.dtype, rate) == ((8000, 2), np.float32, 8000)
    assert np.abs(samples[:, 0]).max() == pytest.approx(0.5, abs=1e-3)
    assert np.abs(samples[:, 1]).max() == pytest.approx(0.25, abs=1e-3)


def _bad(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: _bad(d, "empty.wav", b""), r"empty\.wav: empty file"),
        (lambda d: _bad(d, "notes.wav", b"this is a text file, not audio\n" * 20), r"notes\.wav: not readable as audio"),
        (lambda d: write_audio(d / "six.wav", np.zeros((800, 6), np.float32), 8000),
         r"six\.wav: 6 channels; expected 1 or 2"),
        (lambda d: write_audio(d / "hifi.wav", tone(0.5, rate_hz=96000), 96000),
         r"hifi\.wav: sample rate 96000 Hz; expected 8000-48000 Hz"),
        (lambda d: write_audio(d / "low.wav", tone(0.5, rate_hz=4000), 4000), r"low\.wav: sample rate 4000 Hz"),
        (lambda d: write_audio(d / "nothing.wav", np.zeros((0, 1), np.float32), 8000), r"nothing\.wav: holds no audio"),
    ],
)
def test_unusable_recordings_name_the_file_and_the_problem(tmp_path, make, expected):
    with pytest.raises(AudioError, match=expected):
        probe_audio(make(tmp_path))


def test_truncated_wav_is_caught_though_libsndfile_reads_it(tmp_path):
    whole = stereo_call(tmp_path / "whole.wav", seconds=2.0, subtype="PCM_16").read_bytes()
    cut = _bad(tmp_path, "cut.wav", whole[: len(whole) // 2])
    with pytest.raises(AudioError, match=r"cut\.wav: truncated: the WAV header declares 64000 bytes"):
        probe_audio(cut)


def test_truncated_flac_fails_while_decoding(tmp_path):
    whole = stereo_call(tmp_path / "whole.flac", seconds=2.0).read_bytes()
    cut = _bad(tmp_path, "cut.flac", whole[: len(whole) // 2])
    with pytest.raises(AudioError, match=r"cut\.flac: corrupt after"):
        probe_audio(cut)


def test_real_recording_jfk_flac():
    path = SHARED_DATA / "audio/whisper/jfk.flac"
    if not path.exists():
        pytest.skip("../shared/data is absent")
    info = probe_audio(path)
    assert (info.channels, info.sample_rate_hz, info.format) == (2, 44100, "FLAC")
    assert info.duration_s == pytest.approx(11.0, abs=0.1)
