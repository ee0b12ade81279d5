"""Fit the contact-level CSI model on rated contacts and measure it: shared by training and sites.

``fit_csi(rows, ratings, groups)`` retrains the contact model on a site's own surveyed contacts
(rows from ``contact_csi_row``), keeping the shipped turn model; ``regression_metrics`` gives
the figures the card reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from models.csi.estimator import CsiRegressor
from models.csi.model import CSI_FEATURES, CsiModel, TurnModel

USS_SCALE = (1.0, 5.0)
SEED = 0
FOLDS = 5
ALPHA = 10.0
DISSATISFIED_CSI = 25.0   # rating <= 2 on 1-5
BELOW_MID_CSI = 50.0      # rating < 3 on 1-5


def to_csi(ratings, scale: tuple[float, float] = USS_SCALE) -> np.ndarray:
    """Ratings on ``scale`` (low, high) mapped linearly to 0-100.

    >>> to_csi([1, 3, 5]).tolist()
    [0.0, 50.0, 100.0]
    """
    low, high = scale
    if not high > low:
        raise ValueError(f"scale={scale}; expected (low, high) with high > low")
    return (np.asarray(ratings, dtype=float) - low) / (high - low) * 100.0


def auc_or_none(bad: np.ndarray, risk: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(bad, risk)), 4) if 0 < bad.sum() < len(bad) else None


def regression_metrics(pred: np.ndarray, csi: np.ndarray, constant: np.ndarray | None = None,
                       scale: tuple[float, float] = USS_SCALE) -> dict:
    """Spearman, Pearson, MAE (CSI points and rating points), AUC of -CSI for the two "dissatisfied" cuts."""
    from scipy.stats import pearsonr, spearmanr

    pred, csi = np.asarray(pred, dtype=float), np.asarray(csi, dtype=float)
    points_per_rating = 100.0 / (scale[1] - scale[0])
    varied = np.ptp(pred) > 0 and np.ptp(csi) > 0
    out = {
        "n": int(len(csi)),
        "spearman": round(float(spearmanr(pred, csi).statistic), 4) if varied else None,
        "pearson": round(float(pearsonr(pred, csi).statistic), 4) if varied else None,
        "mae_csi": round(float(np.abs(pred - csi).mean()), 3),
        "mae_rating": round(float(np.abs(pred - csi).mean()) / points_per_rating, 4),
        "dissatisfied": int((csi <= DISSATISFIED_CSI + 1e-9).sum()),
        "auc_dissatisfied": auc_or_none(csi <= DISSATISFIED_CSI + 1e-9, -pred),
        "below_mid": int((csi < BELOW_MID_CSI - 1e-9).sum()),
        "auc_below_mid": auc_or_none(csi < BELOW_MID_CSI - 1e-9, -pred),
    }
    if constant is not None:
        out["mae_constant_csi"] = round(float(np.abs(np.asarray(constant) - csi).mean()), 3)
    return out


def fit_csi(rows: Sequence[Mapping[str, float | None]], ratings: Sequence[float], groups: Sequence, *,
            scale: tuple[float, float] = USS_SCALE, features: Sequence[str] = CSI_FEATURES, alpha: float = ALPHA,
            folds: int = FOLDS, seed: int = SEED, turn: TurnModel | None | str = "shipped"
            ) -> tuple[CsiModel, dict]:
    """Fit the contact model on a site's own surveyed contacts; grouped CV metrics first.

    Parameters
    ----------
    rows : one feature row per contact (``contact_csi_row``), keys as in features.csi.
    ratings : each contact's survey rating on ``scale`` (low, high), e.g. (1, 5) or (0, 10);
        mapped to CSI = (r - low) / (high - low) * 100.
    groups : per contact, the customer (or contact) id: GroupKFold keeps a group in one fold.
    features : the names the model reads; a name no row has is imputed and contributes 0.
    turn : the turn model kept in the returned model (default the shipped one; None for none).

    Returns
    -------
    (CsiModel fitted on all rows, metrics) where metrics holds ``cv`` (out-of-fold Spearman,
    Pearson, MAE in CSI and rating points, AUC of "dissatisfied" = rating in the lowest quarter
    of the scale (<= 2 of 1-5) and "below mid" = rating below the middle (< 3 of 1-5)), ``folds``,
    ``n``, ``groups`` and the scale.
    """
    from sklearn.model_selection import GroupKFold

    if isinstance(rows, Mapping) or len(rows) != len(ratings) or len(rows) != len(groups):
        raise ValueError(f"{len(rows)} rows, {len(ratings)} ratings, {len(groups)} groups; expected equal lengths")
    ratings = np.asarray(ratings, dtype=float)
    if not np.isfinite(ratings).all() or ratings.min() < scale[0] or ratings.max() > scale[1]:
        raise ValueError(f"ratings span {ratings.min()}..{ratings.max()}; expected finite values within {scale}")
    csi = to_csi(ratings, scale)
    groups = np.asarray(groups)
    n_groups = len(set(groups.tolist()))
    if n_groups < folds:
        raise ValueError(f"{n_groups} groups; expected at least folds={folds}")
    pred, constant = np.empty(len(csi)), np.empty(len(csi))
    for train, test in GroupKFold(folds, shuffle=True, random_state=seed).split(csi, groups=groups):
        model = CsiRegressor(features=tuple(features), alpha=alpha).fit([rows[i] for i in train], csi[train])
        pred[test] = model.predict([rows[i] for i in test])
        constant[test] = csi[train].mean()
    final = CsiRegressor(features=tuple(features), alpha=alpha).fit(list(rows), csi)
    if isinstance(turn, str):
        from models.csi.model import load_csi_model

        turn = load_csi_model().turn
    metrics = {"n": len(csi), "groups": n_groups, "folds": folds, "scale": list(scale),
               "cv": regression_metrics(pred, csi, constant, scale)}
    return CsiModel(final.linear_, turn), metrics
