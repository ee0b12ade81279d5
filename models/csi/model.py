"""The shipped CSI model: predicted customer satisfaction (0-100) of a call or chat, with reasons.

Two parts, both plain arrays in ``csi.npz`` beside this module (no pickle):

* a turn-level text model: logistic regression on the USE v3 vectors of a customer turn and of
  the agent turn just before it (512 + 512), giving P(the customer is dissatisfied at this turn);
  trained on the USS user turns whose annotators' mean rating is below 3;
* the contact-level model (:class:`CsiLinear`): ridge regression over :data:`CSI_FEATURES`
  (features.csi: sentiment of the customer's turns, the turn model's mean/max/last, how the
  customer wrote), on the USS dialogue ratings mapped 1-5 -> 0-100, clipped to 0-100.

``card.json`` records the data, the features, the metrics per evaluation scheme and how to
retrain. Per contact: ``row = contact_csi_row(...)`` then ``load_csi_model().predict_contacts([row])``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from features.csi import MergedTurns, contact_features, merge_turns
from features.turns import TextTurn, TurnLike
from models.csi.linear import CsiLinear

MODEL_DIR = Path(__file__).resolve().parent
MODEL_FILE = "csi.npz"
CARD_FILE = "card.json"
EMBEDDING_DIM = 512
CSI_FEATURES = (
    "customer_word_share", "customer_turn_words_mean", "customer_question_share", "customer_exclamation_share",
    "customer_polarity_mean", "customer_polarity_min", "customer_polarity_last", "customer_negative_share",
    "agent_polarity_mean", "customer_dissat_mean", "customer_dissat_max", "customer_dissat_last",
)
"""The features the shipped model reads, in its column order (see features/csi.py for each)."""

# transcript markup that is not speech: [noise], [laughter], <unk>
_MARKUP = re.compile(r"\[[^\]]*\]|<[^>]*>")
_SPACE = re.compile(r"\s+")


def clean_turn_text(text: str) -> str:
    """The text with transcript markup (``[noise]``, ``<unk>``) and tweet noise removed.

    >>> clean_turn_text("[noise] my card <unk> is   blocked")
    'my card is blocked'
    """
    from models.sentiment.model import clean_text

    return clean_text(_SPACE.sub(" ", _MARKUP.sub(" ", text)))


@dataclass(frozen=True)
class TurnModel:
    """P(dissatisfied) of a customer turn from [USE(turn), USE(previous agent turn or "")] (1024-d)."""

    coef: np.ndarray
    intercept: float

    def __post_init__(self) -> None:
        coef = np.asarray(self.coef, dtype=float)
        if coef.shape != (2 * EMBEDDING_DIM,):
            raise ValueError(f"turn coef has shape {coef.shape}; expected ({2 * EMBEDDING_DIM},)")
        object.__setattr__(self, "coef", coef)

    def proba(self, inputs: np.ndarray) -> np.ndarray:
        """Shape (n,) in (0, 1) from inputs of shape (n, 1024) (see :func:`turn_inputs`)."""
        inputs = np.asarray(inputs, dtype=float)
        if inputs.ndim != 2 or inputs.shape[1] != self.coef.shape[0]:
            raise ValueError(f"turn inputs have shape {inputs.shape}; expected (n, {self.coef.shape[0]})")
        return 1.0 / (1.0 + np.exp(-(inputs @ self.coef + self.intercept)))


def turn_pairs(turns: MergedTurns) -> tuple[list[str], list[str]]:
    """For each customer turn, its text and the text of the agent turn just before it ("" if none)."""
    customer, previous, last_agent = [], [], ""
    for turn in turns.turns:
        if turn.speaker == "customer":
            customer.append(turn.text)
            previous.append(last_agent)
        else:
            last_agent = turn.text
    return customer, previous


def turn_inputs(turns: MergedTurns, embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    """Turn-model inputs of the customer turns, shape (n_customer, 1024): USE(turn), USE(previous
    agent turn), the second half zero where no agent spoke before."""
    customer, previous = turn_pairs(turns)
    if not customer:
        return np.zeros((0, 2 * EMBEDDING_DIM))
    unique = sorted({*customer, *(p for p in previous if p)})
    vectors = np.asarray(embed(unique), dtype=float)
    at = {text: vectors[i] for i, text in enumerate(unique)}
    zero = np.zeros(EMBEDDING_DIM)
    return np.array([np.concatenate([at[c], at[p] if p else zero]) for c, p in zip(customer, previous)])


def contact_turns(turns: Sequence[TurnLike], sentiment_proba: np.ndarray | None) -> MergedTurns:
    """Cleaned texts (:func:`clean_turn_text`), turns left empty dropped, runs of a party merged."""
    if isinstance(turns, str):
        raise TypeError("turns is one string; expected a sequence of turns (a list, not one string)")
    cleaned = [TextTurn(t.speaker, t.start_s, t.end_s, clean_turn_text(t.text)) for t in turns]
    keep = [i for i, t in enumerate(cleaned) if t.text]
    proba = None
    if sentiment_proba is not None:
        proba = np.asarray(sentiment_proba, dtype=float)
        if proba.shape != (len(cleaned), 3):
            raise ValueError(f"sentiment_proba has shape {proba.shape}; expected ({len(cleaned)}, 3)")
        proba = proba[keep]
    return merge_turns([cleaned[i] for i in keep], sentiment_proba=proba)


class CsiModel:
    """CSI of contacts from their feature rows (mappings of feature name -> value; missing -> mean).

    ``predict_contacts(rows)`` gives 0-100; ``reasons(rows, top)`` the features that pulled each
    number down or up most, in CSI points (they and the rest add up: ``intercept +
    contributions(rows).sum(axis=1)`` is the prediction before clipping to 0-100).
    """

    def __init__(self, linear: CsiLinear, turn: TurnModel | None = None, card: Mapping | None = None) -> None:
        self.linear, self.turn, self.card = linear, turn, dict(card or {})

    @property
    def features(self) -> tuple[str, ...]:
        return self.linear.features

    @property
    def intercept(self) -> float:
        return self.linear.intercept

    def predict_contacts(self, rows: Sequence[Mapping[str, float | None]]) -> np.ndarray:
        """CSI per row, shape (n,), within 0-100."""
        return self.linear.predict(rows)

    def contributions(self, rows: Sequence[Mapping[str, float | None]]) -> np.ndarray:
        """CSI points each feature moved each row from the intercept, shape (n, len(features))."""
        return self.linear.contributions(rows)

    def reasons(self, rows: Sequence[Mapping[str, float | None]], top: int = 3) -> list[list[dict]]:
        """Per row, up to ``top`` dicts ``{"feature", "value", "points", "direction"}``, largest |points| first."""
        return self.linear.reasons(rows, top=top)

    def save(self, model_dir: str | Path, card: Mapping | None = None) -> Path:
        """Write ``csi.npz`` (and ``card.json`` when ``card`` is given) into ``model_dir``."""
        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        arrays = self.linear.arrays()
        if self.turn is not None:
            arrays |= {"turn_coef": self.turn.coef, "turn_intercept": np.array([self.turn.intercept])}
        path = model_dir / MODEL_FILE
        np.savez(path, **arrays)
        if card is not None:
            (model_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dir(cls, model_dir: str | Path) -> CsiModel:
        """Read ``csi.npz`` and ``card.json`` (if present) from ``model_dir``; never loads a pickle."""
        model_dir = Path(model_dir)
        path = model_dir / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no CSI model; expected one written by models.csi.train")
        with np.load(path, allow_pickle=False) as z:
            linear = CsiLinear.from_arrays(z)
            turn = TurnModel(z["turn_coef"], float(z["turn_intercept"][0])) if "turn_coef" in z else None
        card_path = model_dir / CARD_FILE
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
        return cls(linear, turn, card)

    def __repr__(self) -> str:
        return f"CsiModel({len(self.features)} features, turn model: {self.turn is not None})"


@lru_cache(maxsize=1)
def load_csi_model() -> CsiModel:
    """The shipped model (``csi.npz`` + ``card.json`` beside this module), loaded once."""
    return CsiModel.from_dir(MODEL_DIR)


def csi_card(model_dir: str | Path = MODEL_DIR) -> dict:
    """The model card: data, features, metrics per evaluation scheme, version, how to retrain."""
    return json.loads((Path(model_dir) / CARD_FILE).read_text(encoding="utf-8"))


def _default_embed(texts: Sequence[str]) -> np.ndarray:
    from models.sentiment.model import embed

    return embed(texts)


def contact_csi_row(turns: Sequence[TurnLike], sentiment_proba: np.ndarray | None, *, model: CsiModel | None = None,
                    embed: Callable[[Sequence[str]], np.ndarray] | None = None) -> dict[str, float | None]:
    """The feature row of one contact (every name in features.csi.CONTACT_FEATURE_NAMES).

    Parameters
    ----------
    turns : the turns or messages (:class:`features.turns.TurnLike`: the pipeline's ``Turn``,
        or a ``TextTurn``). Speakers ``customer``, ``agent`` (``bot``/``ivr`` count as agent;
        anything else is left out); times in seconds, a chat message has start == end, only
        the order matters here; transcript markup (``[noise]``, ``<unk>``) is removed from
        the texts and turns left empty are dropped.
    sentiment_proba : (n, 3) P(negative, neutral, positive) of each turn from the shipped
        sentiment model (``load_sentiment_model(lang).predict_proba(texts)``), or None.
    model : whose turn model scores the customer turns; default the shipped one.
    embed : texts -> (n, 512) USE v3 vectors; default ``models.sentiment.model.embed``.

    The customer's turns (and the agent turns before them) are embedded once here (a few ms
    per turn on one core) for the turn model's ``customer_dissat_*`` features.
    """
    model = load_csi_model() if model is None else model
    merged = contact_turns(turns, sentiment_proba)
    score = None
    if model.turn is not None:
        score = model.turn.proba(turn_inputs(merged, embed or _default_embed))
    return contact_features(merged, customer_dissatisfaction=score)
