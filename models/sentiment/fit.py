"""Fit the sentiment classifier: the fixed held-out split and a class-balanced logistic regression tuned by CV."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.sentiment.metrics import class_counts
from models.sentiment.model import SENTIMENT_CLASSES
from models.sentiment.sentirueval import LabelledTexts

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
TEST_SIZE = 0.2
SEED = 0


def fit_classifier(vectors: np.ndarray, labels: Sequence[str], *, seed: int = SEED,
                   sample_weight: np.ndarray | None = None):
    """Class-balanced multinomial logistic regression, C tuned by stratified 5-fold CV (macro-F1);
    ``sample_weight`` (a domain's share, say) multiplies the class weights."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    search = GridSearchCV(
        LogisticRegression(class_weight="balanced", max_iter=5000),
        {"C": list(C_GRID)}, scoring="f1_macro", cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    )
    search.fit(vectors, list(labels), **({} if sample_weight is None else {"sample_weight": sample_weight}))
    if tuple(search.best_estimator_.classes_) != SENTIMENT_CLASSES:
        raise ValueError(f"trained classes {tuple(search.best_estimator_.classes_)}; expected {SENTIMENT_CLASSES}")
    return search


def split(data: LabelledTexts, *, seed: int = SEED, test_size: float = TEST_SIZE):
    """The fixed stratified held-out split: (train_texts, test_texts, train_labels, test_labels)."""
    from sklearn.model_selection import train_test_split

    return train_test_split(list(data.texts), list(data.labels), test_size=test_size, stratify=list(data.labels),
                            random_state=seed)


def stratified_subset(data: LabelledTexts, limit: int, seed: int) -> LabelledTexts:
    """``limit`` texts with the class mix of ``data`` (all of it when it has no more)."""
    from sklearn.model_selection import train_test_split

    if limit >= len(data.texts):
        return data
    texts, _, labels, _ = train_test_split(list(data.texts), list(data.labels), train_size=limit,
                                           stratify=list(data.labels), random_state=seed)
    return LabelledTexts(tuple(texts), tuple(labels), {**data.stats, "limit": limit, "tweets": limit,
                                                       "class_counts": class_counts(labels)})
