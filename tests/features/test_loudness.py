from __future__ import annotations

import numpy as np
import pytest

from features.loudness import SILENCE_FLOOR_DBFS, peak_dbfs, rms_dbfs

RATE_HZ = 8000


def _sine(amplitude: float) -> np.ndarray:
    t = np.arange(RATE_HZ) / RATE_HZ
    return amplitude * np.sin(2 * np.pi * 440 * t)


@pytest.mark.parametrize(("amplitude", "expected_rms", "expected_peak"),
                         [(1.0, -3.0103, 0.0), (0.5, -9.0309, -6.0206), (0.1, -23.0103, -20.0)])
def test_sine_levels_are_known(amplitude, expected_rms, expected_peak):
    assert rms_dbfs(_sine(amplitude)) == pytest.approx(expected_rms, abs=1e-3)
    assert peak_dbfs(_sine(amplitude)) == pytest.approx(expected_peak, abs=1e-3)


def test_square_wave_rms_equals_peak():
    square = np.where(np.arange(800) % 20 < 10, 0.25, -0.25)
    assert rms_dbfs(square) == pytest.approx(peak_dbfs(square)) == pytest.approx(-12.0412, abs=1e-3)


def test_silence_is_the_floor_not_minus_infinity():
    assert rms_dbfs(np.zeros(100)) == peak_dbfs(np.zeros(100)) == SILENCE_FLOOR_DBFS
    assert rms_dbfs(np.full(100, 1e-9)) == SILENCE_FLOOR_DBFS


@pytest.mark.parametrize(("samples", "message"), [
    (np.zeros((10, 2)), r"shape \(10, 2\); expected one channel"),
    (np.zeros(0), "empty"),
    (np.zeros(10, dtype=np.int16), "dtype int16; expected floats"),
])
def test_bad_input_is_refused_with_what_was_received(samples, message):
    with pytest.raises(ValueError, match=message):
        rms_dbfs(samples)
