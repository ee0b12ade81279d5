"""Decoding and checking recordings: every supported format, and each way a file can be unusable."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

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


# Hostile recordings for the whole-file check at ingest. Noise, not a tone, so that an encoder
# spends bytes evenly over time and a cut at a fraction of the bytes is a cut near that fraction
# of the seconds.
LOSSY = {
    ".mp3": ({"format": "MP3"}, 16000),
    ".ogg": ({"format": "OGG", "subtype": "VORBIS"}, 16000),
    ".opus": ({"format": "OGG", "subtype": "OPUS"}, 48000),
    ".flac": ({"format": "FLAC"}, 16000),
}


def _noise_call(path, *, seconds: float, rate_hz: int, **kwargs):
    noise = np.random.default_rng(11).standard_normal((int(seconds * rate_hz), 2)) * 0.1
    return write_audio(path, noise.astype(np.float32), rate_hz, **kwargs)


def _cut(tmp_path, suffix: str, fraction: float, *, seconds: float = 4.0) -> bytes:
    kwargs, rate_hz = LOSSY[suffix]
    whole = _noise_call(tmp_path / f"whole{suffix}", seconds=seconds, rate_hz=rate_hz, **kwargs).read_bytes()
    return whole[: int(len(whole) * fraction)]


@pytest.mark.parametrize("suffix", sorted(LOSSY))
@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.95])
def test_a_cut_short_recording_is_refused_whatever_its_format(tmp_path, suffix, fraction):
    cut = _bad(tmp_path, f"call{suffix}", _cut(tmp_path, suffix, fraction))
    with pytest.raises(AudioError, match=rf"^call\{suffix}: (truncated|corrupt after)"):
        probe_audio(cut)


@pytest.mark.parametrize("suffix", sorted(LOSSY))
def test_the_same_files_whole_are_accepted(tmp_path, suffix):
    whole = _bad(tmp_path, f"call{suffix}", _cut(tmp_path, suffix, 1.0))
    assert probe_audio(whole).duration_s == pytest.approx(4.0, abs=0.08)


def _stopped_at_s(message: str) -> float:
    return float(message.split("decoding stopped at ")[1].split(" s")[0])


def test_truncated_mp3_says_how_much_of_the_declared_length_was_readable(tmp_path):
    cut = _bad(tmp_path, "call.mp3", _cut(tmp_path, ".mp3", 0.4, seconds=10.0))
    with pytest.raises(AudioError, match=r"^call\.mp3: truncated: decoding stopped at \d+\.\d s of 10\.0 s$") as caught:
        probe_audio(cut)
    assert 3.0 <= _stopped_at_s(str(caught.value)) <= 5.0


@pytest.mark.parametrize("suffix", [".ogg", ".opus"])
def test_truncated_ogg_says_how_much_was_readable_and_that_the_last_page_is_missing(tmp_path, suffix):
    data = _cut(tmp_path, suffix, 0.4, seconds=10.0)
    expected = (rf"^call\{suffix}: truncated: decoding stopped at \d+\.\d s; "
                r"the file ends before the last page of its Ogg stream$")
    with pytest.raises(AudioError, match=expected) as caught:
        probe_audio(_bad(tmp_path, f"call{suffix}", data))
    assert 2.5 <= _stopped_at_s(str(caught.value)) <= 5.5
    # Processing probes the stored bytes, not a file: the same answer.
    with pytest.raises(AudioError, match=expected.replace(rf"call\{suffix}", "stored")):
        probe_audio(io.BytesIO(data), name="stored")


def test_ogg_cut_inside_its_first_pages_decodes_nothing_and_says_so(tmp_path):
    cut = _bad(tmp_path, "call.opus", _cut(tmp_path, ".opus", 0.002))
    expected = r"^call\.opus: truncated: no audio could be decoded; the file ends before the last page"
    with pytest.raises(AudioError, match=expected):
        probe_audio(cut)


def _id3_tag(padding_bytes: int) -> bytes:
    """An ID3v2.4 header (version, flags, syncsafe size) and that many bytes of zero padding."""
    size = bytes((padding_bytes >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + size + b"\0" * padding_bytes


def test_mp3_with_only_an_id3_tag_has_no_audio_frames(tmp_path):
    only_tag = r"^tag\.mp3: no audio frames \(an ID3 tag of 1010 bytes and nothing after it\)$"
    with pytest.raises(AudioError, match=only_tag):
        probe_audio(_bad(tmp_path, "tag.mp3", _id3_tag(1000)))
    tag_then_text = r"^junk\.mp3: no audio frames \(an ID3 tag of 110 bytes, then 24 bytes that are not MPEG audio\)$"
    with pytest.raises(AudioError, match=tag_then_text):
        probe_audio(_bad(tmp_path, "junk.mp3", _id3_tag(100) + b"call me back, not audio\n"))


def test_mp3_with_an_id3_tag_before_its_frames_is_read_whole(tmp_path):
    frames = _cut(tmp_path, ".mp3", 1.0)
    info = probe_audio(_bad(tmp_path, "tagged.mp3", _id3_tag(500) + frames))
    assert info.duration_s == pytest.approx(4.0, abs=0.08)


def test_unknown_bytes_on_disk_are_not_called_a_pipe(tmp_path):
    with pytest.raises(AudioError, match=r"^notes\.mp3: not readable as audio \(format not recognised\)$"):
        probe_audio(_bad(tmp_path, "notes.mp3", b"call me back\n" * 20))


@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE"])
def test_nan_and_inf_samples_are_refused_with_their_count(tmp_path, subtype):
    samples = stereo_call(tmp_path / "ok.wav", seconds=1.0, rate_hz=8000, subtype="FLOAT")
    data = sf.read(samples, dtype="float64")[0]
    data[100, 0], data[200, 1], data[300, 0], data[7999, 1] = np.nan, np.inf, -np.inf, np.nan
    path = write_audio(tmp_path / "call.wav", data, 8000, subtype=subtype)
    expected = r"^call\.wav: 4 samples are not finite numbers \(NaN or inf\); expected audio samples in -1\.\.1$"
    with pytest.raises(AudioError, match=expected):
        probe_audio(path)
    # A contact stored before ingest checked this still never reaches a stage with NaN in it.
    with pytest.raises(AudioError, match=expected):
        decode_audio(io.BytesIO(path.read_bytes()), name="call.wav")


def test_whole_mp3_without_a_xing_header_is_not_called_truncated(tmp_path):
    """Without Xing/Info the decoder guesses the length from the first frame: after silence, far too long."""
    noise = np.random.default_rng(11).standard_normal((2 * 16000, 2)) * 0.3
    quiet_then_loud = np.concatenate([np.zeros_like(noise), noise]).astype(np.float32)
    whole = write_audio(tmp_path / "whole.mp3", quiet_then_loud, 16000, format="MP3").read_bytes()
    assert b"Xing" in whole[:64]
    second_frame = whole.index(whole[:2], 4)  # the next frame header: same sync, version and layer
    bare = _bad(tmp_path, "bare.mp3", whole[second_frame:])
    with sf.SoundFile(bare) as guess:
        assert guess.frames > 2 * 4 * 16000
    assert probe_audio(bare).duration_s == pytest.approx(4.0, abs=0.2)  # no gapless info: encoder delay stays
