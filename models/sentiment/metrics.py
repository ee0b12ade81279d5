"""How well a sentiment model's labels match the true ones: macro-F1 and its bootstrap interval."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from models.sentiment.model import SENTIMENT_CLASSES


def class_counts(labels: Sequence[str]) -> dict[str, int]:
    """How many labels of each class, every class present (0 when absent).

    >>> class_counts(["neutral", "negative", "neutral"])
    {'negative': 1, 'neutral': 2, 'positive': 0}
    """
    counts = Counter(labels)
    return {c: counts.get(c, 0) for c in SENTIMENT_CLASSES}


def _codes(labels: Sequence[str]) -> np.ndarray:
    return np.array([SENTIMENT_CLASSES.index(label) for label in labels], dtype=np.int64)


def _macro_f1_codes(true: np.ndarray, pred: np.ndarray) -> float:
    k = len(SENTIMENT_CLASSES)
    cm = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    return float(np.mean(np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)))


def classification_metrics(true: Sequence[str], pred: Sequence[str]) -> dict:
    """Macro-F1, accuracy, per-class precision/recall/F1/support, and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    labels = list(SENTIMENT_CLASSES)
    p, r, f, s = precision_recall_fscore_support(true, pred, labels=labels, zero_division=0)
    return {
        "n": len(true),
        "macro_f1": round(float(np.mean(f)), 4),
        "accuracy": round(float(accuracy_score(true, pred)), 4),
        "per_class": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(s[i])} for i, c in enumerate(labels)},
        "confusion_matrix": {"labels": labels, "rows": "true", "columns": "predicted",
                             "matrix": confusion_matrix(true, pred, labels=labels).tolist()},
    }


def paired_bootstrap(true: Sequence[str], a: Sequence[str], b: Sequence[str], *, seed: int,
                     rounds: int = 1000) -> list[float]:
    """95% percentile interval of macro-F1(a) - macro-F1(b), resampling the texts with replacement."""
    t, pa, pb = _codes(true), _codes(a), _codes(b)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        i = rng.integers(0, len(t), len(t))
        diffs.append(_macro_f1_codes(t[i], pa[i]) - _macro_f1_codes(t[i], pb[i]))
    return [round(float(q), 4) for q in np.percentile(diffs, [2.5, 97.5])]
