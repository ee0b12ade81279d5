"""``CsiLinear``: a fitted CSI model as plain arrays, what ships in ``csi.npz`` and what serves predictions.

numpy only: scoring a contact never imports scikit-learn (``models.csi.estimator`` fits the model and
builds one of these); that import cost a single ``cxmon analyze`` about a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CSI_RANGE = (0.0, 100.0)


def rows_to_matrix(rows: Sequence[Mapping[str, float | None]], features: Sequence[str]) -> np.ndarray:
    """Shape (n, len(features)); a missing key or None becomes NaN (imputed later).

    >>> rows_to_matrix([{"a": 1, "b": None}, {"a": 2.5}], ["a", "b"]).tolist()
    [[1.0, nan], [2.5, nan]]
    """
    if isinstance(rows, Mapping):
        raise TypeError("rows is one mapping; expected a sequence of mappings (a list of rows)")
    out = np.full((len(rows), len(features)), np.nan)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"rows[{i}] is {type(row).__name__}; expected a mapping of feature name -> value")
        for j, name in enumerate(features):
            value = row.get(name)
            if value is not None:
                out[i, j] = float(value)
    return out


@dataclass(frozen=True)
class CsiLinear:
    """A fitted CSI model as arrays: ``csi = clip(intercept + sum(coef * (x - mean) / scale))``.

    A missing value (NaN) is replaced by the feature's training mean, so it contributes 0.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    clip: tuple[float, float] | None = CSI_RANGE

    def __post_init__(self) -> None:
        p = len(self.features)
        for name in ("mean", "scale", "coef"):
            value = np.asarray(getattr(self, name), dtype=float)
            if value.shape != (p,):
                raise ValueError(f"{name} has shape {value.shape}; expected ({p},) for {p} features")
            object.__setattr__(self, name, value)
        if not (self.scale > 0).all():
            raise ValueError("scale must be > 0 for every feature")

    def matrix(self, rows_or_x) -> np.ndarray:
        x = rows_to_matrix(rows_or_x, self.features) if not isinstance(rows_or_x, np.ndarray) else rows_or_x
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"X has shape {x.shape}; expected (n, {len(self.features)})")
        return x

    def contributions(self, rows_or_x) -> np.ndarray:
        """CSI points each feature adds to the intercept, shape (n, p); missing values give 0."""
        x = self.matrix(rows_or_x)
        z = (np.where(np.isnan(x), self.mean, x) - self.mean) / self.scale
        return z * self.coef

    def raw(self, rows_or_x) -> np.ndarray:
        """Intercept + contributions, before clipping."""
        return self.intercept + self.contributions(rows_or_x).sum(axis=1)

    def predict(self, rows_or_x) -> np.ndarray:
        raw = self.raw(rows_or_x)
        return raw if self.clip is None else np.clip(raw, *self.clip)

    def reasons(self, rows_or_x, top: int = 3) -> list[list[dict]]:
        """Per row, the ``top`` features that moved the prediction most, largest first.

        Each is ``{"feature", "value" (None when missing), "points" (signed CSI points, + raises
        the score), "direction" ("up" | "down")}``; features that moved it by 0 are left out.
        """
        if top < 0:
            raise ValueError(f"top={top}; expected >= 0")
        x = self.matrix(rows_or_x)
        c = self.contributions(x)
        out = []
        for i in range(len(x)):
            order = np.argsort(-np.abs(c[i]), kind="stable")[:top]
            out.append([{"feature": self.features[j], "value": None if np.isnan(x[i, j]) else float(x[i, j]),
                         "points": round(float(c[i, j]), 2), "direction": "up" if c[i, j] > 0 else "down"}
                        for j in order if c[i, j] != 0])
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``np.savez`` (no objects, so loading needs no pickle)."""
        return {"features": np.array(self.features), "mean": self.mean, "scale": self.scale, "coef": self.coef,
                "intercept": np.array([self.intercept]),
                "clip": np.array(self.clip if self.clip is not None else (np.nan, np.nan), dtype=float)}

    @classmethod
    def from_arrays(cls, z: Mapping[str, np.ndarray]) -> CsiLinear:
        clip = tuple(float(v) for v in z["clip"])
        return cls(tuple(str(f) for f in z["features"]), z["mean"], z["scale"], z["coef"], float(z["intercept"][0]),
                   None if np.isnan(clip).any() else clip)
