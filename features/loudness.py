"""Level of a signal in dB relative to full scale (dBFS)."""

from __future__ import annotations

import numpy as np

SILENCE_FLOOR_DBFS = -120.0
"""Level reported for digital silence instead of minus infinity (keeps values JSON-safe)."""


def _check_samples(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    if samples.size == 0:
        raise ValueError("samples is empty; expected at least one sample")
    if not np.issubdtype(samples.dtype, np.floating):
        raise ValueError(f"samples of dtype {samples.dtype}; expected floats in [-1, 1]")
    return samples


def _to_dbfs(amplitude: float) -> float:
    if amplitude <= 0.0:
        return SILENCE_FLOOR_DBFS
    return max(SILENCE_FLOOR_DBFS, 20.0 * float(np.log10(amplitude)))


def rms_dbfs(samples: np.ndarray) -> float:
    """Root-mean-square level of one channel in dBFS (<= about +3; -120 for silence).

    Parameters
    ----------
    samples : ndarray, shape (n,)
        Float samples in [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(8000) / 8000
    >>> round(rms_dbfs(np.sin(2 * np.pi * 440 * t)), 2)  # a full-scale sine is -3.01 dBFS
    -3.01
    """
    samples = _check_samples(samples)
    return _to_dbfs(float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))


def peak_dbfs(samples: np.ndarray) -> float:
    """Largest absolute sample of one channel in dBFS (0 at full scale; -120 for silence).

    >>> import numpy as np
    >>> peak_dbfs(np.array([0.0, -0.5, 0.25]))
    -6.020599913279624
    """
    samples = _check_samples(samples)
    return _to_dbfs(float(np.max(np.abs(samples))))
