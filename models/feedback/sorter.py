"""Category and subcategory of feedback texts: the model for the category, the dictionary for the subcategory.

The subcategory is the one of the predicted category whose keywords the text holds most; when none
does, the subcategory of the closest example phrase of that category (the dictionary's and the
site's learned ones), if its cosine similarity reaches ``min_similarity``; else none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.feedback import CATEGORIES, subcategory_for
from models.feedback.dictionary import FeedbackDictionary
from models.feedback.model import FeedbackModel, text_vectors

MIN_SIMILARITY = 0.5


@dataclass(frozen=True, slots=True)
class SortedText:
    category: str
    confidence: float  # P(category) from the model
    subcategory: str | None = None
    keywords: tuple[str, ...] = ()
    subcategory_by: str | None = None  # "keywords" | "example" | None


class FeedbackSorter:
    """Sorts texts with ``model`` and ``dictionary``; ``examples`` adds ``(category, subcategory, phrase)``
    triples (a site's learned examples) to the dictionary's example phrases."""

    def __init__(self, model: FeedbackModel, dictionary: FeedbackDictionary,
                 examples: Sequence[tuple[str, str, str]] = (), *, min_similarity: float = MIN_SIMILARITY) -> None:
        self.model, self.dictionary = model, dictionary
        self.examples = [*dictionary.examples(), *examples]
        self.min_similarity = min_similarity
        self._example_vectors: np.ndarray | None = None

    def _nearest(self, vector: np.ndarray, category: str) -> str | None:
        if self._example_vectors is None:
            self._example_vectors = text_vectors([phrase for _, _, phrase in self.examples])
        picks = [i for i, (c, _, _) in enumerate(self.examples) if c == category]
        if not picks or not vector.any():
            return None
        similarity = self._example_vectors[picks] @ vector
        best = int(similarity.argmax())
        return self.examples[picks[best]][1] if similarity[best] >= self.min_similarity else None

    def sort(self, texts: Sequence[str], *, vectors: np.ndarray | None = None,
             progress: bool = False) -> list[SortedText]:
        """One :class:`SortedText` per text, in order; ``vectors``: their :func:`text_vectors` when already made."""
        if vectors is None:
            vectors = text_vectors(texts, progress=progress)
        elif vectors.shape[0] != len(texts):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(texts)} texts; expected one each")
        proba = self.model.proba_of_vectors(vectors)
        rules = self.dictionary.rules()
        out = []
        for text, vector, p in zip(texts, vectors, proba):
            k = int(p.argmax())
            category = CATEGORIES[k]
            sub, hits = subcategory_for(text, category, rules)
            by = "keywords" if sub else None
            if sub is None:
                sub = self._nearest(vector, category)
                by = "example" if sub else None
            out.append(SortedText(category, round(float(p[k]), 4), sub, tuple(hits), by))
        return out
