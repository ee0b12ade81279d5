"""The CSI estimator: a linear model over named contact features, 0-100, with per-feature reasons.

``CsiRegressor`` is a scikit-learn estimator (mean imputation, standardisation, ridge) whose
prediction splits exactly into one contribution per feature plus an intercept, so the reasons
it gives for a number add up to that number. ``CsiLinear`` is the same fitted model as plain
arrays: what ships in ``csi.npz`` and what serves predictions without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from models.csi.linear import CSI_RANGE, CsiLinear, rows_to_matrix  # noqa: F401 (re-exported)


def _is_rows(X) -> bool:
    return isinstance(X, Sequence) and not isinstance(X, str) and len(X) > 0 and isinstance(X[0], Mapping)


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
