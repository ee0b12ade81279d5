"""What a single ``cxmon analyze`` no longer imports, and that the numpy code standing in for it gives the
same numbers: resampling (scipy.signal's ``resample_poly``), pitch and frame energy (librosa's ``yin`` and
``feature.rms``), CSI scoring (scikit-learn)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from features.acoustic import _next_fast_len, frame_rms, voice_features, yin_hz
from pipeline.speech.vad import to_16k

RATES_HZ = (8_000, 11_025, 12_000, 22_050, 24_000, 32_000, 44_100, 48_000)


def voice_like(rate_hz: int, seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """A gliding harmonic tone with noise and pauses: a signal with pitch, silence and odd frames."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    f0 = 120 + 60 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate_hz
    voice = sum(np.sin(k * phase) / k for k in range(1, 6)) * (np.sin(2 * np.pi * 0.7 * t) > -0.3)
    return (0.2 * voice + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_resampling_matches_scipy(rate_hz):
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(16_000, rate_hz)
    for size in (0, 1, 7, 513, rate_hz + 3):
        x = voice_like(rate_hz)[:size]
        expected = resample_poly(x, 16_000 // g, rate_hz // g).astype(np.float32)
        got = to_16k(x, rate_hz)
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)  # float32 rounding: a few units in the last place
    assert to_16k(voice_like(16_000), 16_000) is not None


def test_pitch_and_energy_match_librosa():
    import librosa

    for rate_hz in (8_000, 16_000):
        y = voice_like(rate_hz, seconds=4.0, seed=rate_hz)
        hop = int(0.01 * rate_hz)
        for frame in (int(0.032 * rate_hz), int(2.5 * rate_hz / 65)):
            expected = librosa.yin(y, fmin=65.0, fmax=400.0, sr=rate_hz, frame_length=frame, hop_length=hop,
                                   center=False)
            got = yin_hz(y, fmin_hz=65.0, fmax_hz=400.0, rate_hz=rate_hz, frame_length=frame, hop_length=hop)
            assert got.shape == expected.shape
            # librosa's numba kernels may fuse a multiply-add: a frame whose two best troughs tie to the last
            # bit can pick the other one. Measured: 4 of 115,859 frames of real and built calls.
            assert np.mean(np.abs(got - expected) < 1e-3) > 0.995
            np.testing.assert_array_equal(frame_rms(y, frame_length=frame, hop_length=hop),
                                          librosa.feature.rms(y=y, frame_length=frame, hop_length=hop, center=False)[0])
    import scipy.fft

    assert all(_next_fast_len(n) == scipy.fft.next_fast_len(n, real=True) for n in range(1, 3000))


def test_voice_features_known_answer_and_bad_input():
    rate = 8000
    t = np.arange(2 * rate) / rate
    values = voice_features(0.3 * np.sin(2 * np.pi * 150 * t), rate, [(0.0, 2.0)])
    assert abs(values["pitch_median_hz"] - 150) < 3 and values["pitch_range_hz"] < 1  # YIN on 8 kHz: 151.2
    with pytest.raises(ValueError, match="fmin_hz"):
        yin_hz(np.zeros(1000, np.float32), fmin_hz=300, fmax_hz=100, rate_hz=8000, frame_length=400, hop_length=80)
    with pytest.raises(ValueError, match="at least frame_length"):
        frame_rms(np.zeros(10, np.float32), frame_length=20, hop_length=5)


def test_analysing_a_call_imports_no_librosa_scipy_signal_or_sklearn():
    code = (
        "import sys, numpy as np\n"
        "import pipeline.cli.analyze, pipeline.stages\n"
        "from pipeline.speech.vad import to_16k\n"
        "from features.acoustic import voice_features\n"
        "from models.csi import contact_csi_row, load_csi_model\n"
        "t = np.arange(16000) / 8000\n"
        "x = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)\n"
        "to_16k(x, 8000); voice_features(x, 8000, [(0.0, 2.0)]); load_csi_model()\n"
        "print(sorted(m for m in ('librosa', 'scipy.signal', 'sklearn') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
