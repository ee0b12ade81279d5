"""The stacked CSI procedure on USS contacts: turn model, cross-fitted turn scores, contact model.

The turn model (P(user turn's mean rating < 3) from USE vectors of the turn and of the system
turn before it) is only ever trained on the dialogues a step trains on. Its scores for those
same dialogues, which the contact model learns from, are cross-fitted (GroupKFold by dialogue),
so the contact model sees turn scores as noisy as on new contacts. :func:`train_shipped` fits
on 80% of the dialogues and scores the held-out 20%; :func:`evaluate` repeats the whole
procedure inside each part of a cross-validation scheme.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from features.csi import contact_features
from models.csi.estimator import CsiRegressor
from models.csi.fit import ALPHA, FOLDS, SEED, auc_or_none, regression_metrics
from models.csi.model import CSI_FEATURES, CsiModel, TurnModel
from models.csi.uss import UssContact, heldout_mask

TURN_C = 1.0
TURN_DISSATISFIED_BELOW = 3.0


def fit_turn_model(contacts: Sequence[UssContact], *, C: float = TURN_C) -> TurnModel:
    """Logistic regression on the customer turns of ``contacts``: P(turn rating < 3)."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([c.inputs for c in contacts])
    y = (np.concatenate([c.turn_ratings for c in contacts]) < TURN_DISSATISFIED_BELOW).astype(int)
    lr = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    return TurnModel(lr.coef_[0], float(lr.intercept_[0]))


def crossfit_turn_scores(contacts: Sequence[UssContact], *, folds: int = FOLDS, seed: int = SEED
                         ) -> list[np.ndarray]:
    """Each contact's turn scores from a turn model that never saw that contact (GroupKFold by dialogue)."""
    from sklearn.model_selection import GroupKFold

    scores: list[np.ndarray] = [np.empty(0)] * len(contacts)
    index = np.arange(len(contacts))
    for train, test in GroupKFold(folds, shuffle=True, random_state=seed).split(index, groups=index):
        turn = fit_turn_model([contacts[i] for i in train])
        for i in test:
            scores[i] = turn.proba(contacts[i].inputs)
    return scores


def contact_rows(contacts: Sequence[UssContact], scores: Sequence[np.ndarray]) -> list[dict]:
    return [contact_features(c.turns, customer_dissatisfaction=s) for c, s in zip(contacts, scores)]


def fit_stacked(contacts: Sequence[UssContact], feature_sets: Mapping[str, Sequence[str]], *,
                folds: int = FOLDS, seed: int = SEED) -> tuple[TurnModel, dict[str, CsiRegressor]]:
    """Turn model on all ``contacts``; one contact model per feature set on cross-fitted rows."""
    rows = contact_rows(contacts, crossfit_turn_scores(contacts, folds=folds, seed=seed))
    y = np.array([c.csi for c in contacts])
    models = {name: CsiRegressor(features=tuple(names), alpha=ALPHA).fit(rows, y)
              for name, names in feature_sets.items()}
    return fit_turn_model(contacts), models


def by_source(pred: np.ndarray, csi: np.ndarray, constant: np.ndarray, sources: np.ndarray,
              *, pooled: bool = True) -> dict:
    out = {s: regression_metrics(pred[sources == s], csi[sources == s], constant[sources == s])
           for s in dict.fromkeys(sources)}
    if pooled:
        out["pooled"] = regression_metrics(pred, csi, constant)
    return out


def evaluate(contacts: Sequence[UssContact], scheme: str, feature_sets: Mapping[str, Sequence[str]], *,
             folds: int = FOLDS, seed: int = SEED, log: Callable[[str], None] | None = None) -> dict:
    """Out-of-fold CSI of every contact under ``scheme`` (``grouped_5fold`` | ``leave_one_source_out``),
    the whole procedure (turn model, cross-fitting, contact model) refitted inside each training part.

    Returns ``{feature set: {source or "pooled": metrics}}`` plus ``"turn_model"``: the turn
    model's out-of-fold AUC on customer turns (rating < 3 and <= 2).
    """
    from sklearn.model_selection import GroupKFold

    sources = np.array([c.source for c in contacts])
    csi = np.array([c.csi for c in contacts])
    index = np.arange(len(contacts))
    if scheme == "grouped_5fold":
        splits = list(GroupKFold(folds, shuffle=True, random_state=seed).split(index, groups=index))
    elif scheme == "leave_one_source_out":
        splits = [(index[sources != s], index[sources == s]) for s in dict.fromkeys(sources)]
    else:
        raise ValueError(f"scheme={scheme!r}; expected grouped_5fold or leave_one_source_out")
    pred = {name: np.empty(len(contacts)) for name in feature_sets}
    constant = np.empty(len(contacts))
    turn_scores: list[np.ndarray] = [np.empty(0)] * len(contacts)
    for k, (train, test) in enumerate(splits, 1):
        start = time.perf_counter()
        turn, models = fit_stacked([contacts[i] for i in train], feature_sets, folds=folds, seed=seed)
        scores = [turn.proba(contacts[i].inputs) for i in test]
        rows = contact_rows([contacts[i] for i in test], scores)
        for name, model in models.items():
            pred[name][test] = model.predict(rows)
        constant[test] = csi[train].mean()
        for i, s in zip(test, scores):
            turn_scores[i] = s
        if log:
            log(f"{scheme}: part {k}/{len(splits)} ({len(train)} train, {len(test)} test) "
                f"{time.perf_counter() - start:.0f} s")
    pooled = scheme == "grouped_5fold"
    result = {name: by_source(p, csi, constant, sources, pooled=pooled) for name, p in pred.items()}
    ratings = np.concatenate([c.turn_ratings for c in contacts])
    score = np.concatenate(turn_scores)
    result["turn_model"] = {"turns": int(len(ratings)), "auc_below_3": auc_or_none(ratings < 3, score),
                            "auc_at_most_2": auc_or_none(ratings <= 2, score)}
    return result


def train_shipped(contacts: Sequence[UssContact], *, log: Callable[[str], None] | None = None
                  ) -> tuple[CsiModel, dict]:
    """The shipped model from the 80% part; its held-out metrics on the other 20%."""
    held = heldout_mask(contacts)
    train = [c for c, h in zip(contacts, held) if not h]
    test = [c for c, h in zip(contacts, held) if h]
    turn, models = fit_stacked(train, {"shipped": CSI_FEATURES})
    model = CsiModel(models["shipped"].linear_, turn)
    metrics = heldout_metrics(model, test, train_mean=float(np.mean([c.csi for c in train])))
    if log:
        log(f"held-out ({len(test)} dialogues): Spearman {metrics['pooled']['spearman']}")
    return model, metrics


def heldout_metrics(model: CsiModel, contacts: Sequence[UssContact], *, train_mean: float) -> dict:
    """The shipped arrays scored on ``contacts``: per source and pooled, and the turn model's AUC."""
    scores = [model.turn.proba(c.inputs) for c in contacts]
    pred = model.predict_contacts(contact_rows(contacts, scores))
    csi = np.array([c.csi for c in contacts])
    out = by_source(pred, csi, np.full(len(csi), train_mean), np.array([c.source for c in contacts]))
    ratings = np.concatenate([c.turn_ratings for c in contacts])
    score = np.concatenate(scores)
    out["turn_model"] = {"turns": int(len(ratings)), "auc_below_3": auc_or_none(ratings < 3, score),
                         "auc_at_most_2": auc_or_none(ratings <= 2, score)}
    return out
