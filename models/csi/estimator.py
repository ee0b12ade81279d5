"""The CSI estimator: a linear model over named contact features, 0-100, with per-feature reasons.

``CsiRegressor`` is a scikit-learn estimator (mean imputation, standardisation, ridge) whose
prediction splits exactly into one contribution per feature plus an intercept, so the reasons
it gives for a number add up to that number. ``CsiLinear`` is the same fitted model as plain
arrays: what ships in ``csi.npz`` and what serves predictions without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

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


def _is_rows(X) -> bool:
    return isinstance(X, Sequence) and not isinstance(X, str) and len(X) > 0 and isinstance(X[0], Mapping)


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


class CsiRegressor(RegressorMixin, BaseEstimator):
    """Satisfaction (0-100) from contact features: mean imputation, standardisation, ridge, clipping.

    Parameters
    ----------
    features : names of the columns, in order; ``X`` may then also be a list of mappings
        (feature name -> value, missing or None imputed). None: plain arrays only.
    alpha : ridge penalty on the standardised features.
    clip : (low, high) of the predictions, or None to leave them unclipped.

    Fitted attributes: ``linear_`` (:class:`CsiLinear`), ``coef_`` (CSI points per standard
    deviation of each feature), ``intercept_``, ``feature_names_`` and ``n_features_in_``.
    Because the model is linear, ``intercept_ + contributions(X).sum(axis=1)`` is the prediction
    before clipping, and :meth:`reasons` names the largest of those contributions.

    >>> import numpy as np
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = CsiRegressor(features=("polarity",), alpha=0.0).fit(x, [20, 40, 60, 80])
    >>> model.predict([{"polarity": 1.5}, {"polarity": None}, {"polarity": 9}]).round(1).tolist()
    [50.0, 50.0, 100.0]
    """

    def __init__(self, features: Sequence[str] | None = None, alpha: float = 10.0,
                 clip: tuple[float, float] | None = CSI_RANGE) -> None:
        self.features = features
        self.alpha = alpha
        self.clip = clip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing feature is imputed with its training mean
        return tags

    def _rows(self, X):
        if _is_rows(X):
            if self.features is None:
                raise ValueError("X is a list of mappings but features=None; pass features=(names...)")
            return rows_to_matrix(X, self.features)
        return X

    def _matrix(self, X) -> np.ndarray:
        return validate_data(self, self._rows(X), reset=False, ensure_all_finite="allow-nan", dtype=np.float64)

    def fit(self, X, y):
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        x, y = validate_data(self, self._rows(X), y, reset=True, ensure_all_finite="allow-nan", dtype=np.float64,
                             y_numeric=True)
        if self.features is not None and len(self.features) != x.shape[1]:
            raise ValueError(f"{len(self.features)} feature names for {x.shape[1]} columns")
        self.feature_names_ = tuple(self.features) if self.features is not None else tuple(
            f"x{j}" for j in range(x.shape[1]))
        pipe = make_pipeline(SimpleImputer(strategy="mean", keep_empty_features=True),
                             StandardScaler(), Ridge(alpha=self.alpha))
        pipe.fit(x, y)
        scaler, ridge = pipe.steps[1][1], pipe.steps[2][1]
        scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
        # a column with no value at all is imputed with 0 and is constant: it contributes nothing
        # the imputer's means equal the scaler's (imputing the mean leaves the mean), so a missing
        # value is centred to exactly 0 and contributes nothing
        self.linear_ = CsiLinear(self.feature_names_, scaler.mean_, scale, ridge.coef_,
                                 float(ridge.intercept_), None if self.clip is None else tuple(self.clip))
        self.coef_, self.intercept_ = self.linear_.coef, self.linear_.intercept
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "linear_")
        return self.linear_.predict(self._matrix(X))

    def contributions(self, X) -> np.ndarray:
        """CSI points of each feature above or below the intercept, shape (n, n_features)."""
        check_is_fitted(self, "linear_")
        return self.linear_.contributions(self._matrix(X))

    def reasons(self, X, top: int = 3) -> list[list[dict]]:
        """See :meth:`CsiLinear.reasons`."""
        check_is_fitted(self, "linear_")
        return self.linear_.reasons(self._matrix(X), top=top)
