"""Contact features for the CSI model: who said how much, how the customer asked, and how they felt.

The same numbers exist for a call (timed transcript turns) and a chat (messages, whose start
equals their end): every feature here is read from the order, the speaker and the text of the
turns (any :class:`features.turns.TurnLike`; the pipeline's ``Turn`` passes straight in), and
from per-turn numbers that the caller computed with a model and passes in as arrays (sentiment
probabilities, a turn-level dissatisfaction score). Nothing here loads a model.

Consecutive items of the same party (a speech recogniser's segments, a burst of chat messages)
are merged into one turn first (:func:`merge_turns`), so a call cut into many short segments
and a chat of whole sentences give comparable turn counts.

Names (all in :data:`CONTACT_FEATURE_NAMES`; None where the value cannot exist):

==============================  ===============================================================
customer_turns                  customer turns after merging (>= 0)
agent_turns                     agent (or bot/IVR) turns after merging (>= 0)
customer_words                  whitespace-separated words the customer said or wrote (>= 0)
agent_words                     words of the agent side (>= 0)
customer_word_share             customer_words / all words, in [0, 1]; None without words
customer_turn_words_mean        mean words per customer turn; None without customer turns
agent_turn_words_mean           mean words per agent turn; None without agent turns
customer_questions              "?" characters in the customer's text (>= 0)
customer_question_share         share of customer turns with a "?", [0, 1]
customer_exclamations           "!" characters in the customer's text (>= 0)
customer_exclamation_share      share of customer turns with a "!", [0, 1]
customer_last_turn_words        words of the customer's last turn; None without customer turns
customer_ends                   1 when the customer has the last turn, else 0
contact_s                       last end - first start in seconds (>= 0); None with no turns
customer_polarity_mean          mean P(positive) - P(negative) over customer turns, [-1, 1]
customer_polarity_min           the lowest customer-turn polarity, [-1, 1]
customer_polarity_last          polarity of the customer's last turn, [-1, 1]
customer_negative_share         share of customer turns whose most likely class is negative
agent_polarity_mean             mean polarity of the agent side's turns, [-1, 1]
customer_dissat_mean            mean turn dissatisfaction score over customer turns, [0, 1]
customer_dissat_max             the highest customer-turn dissatisfaction score, [0, 1]
customer_dissat_last            the customer's last turn's dissatisfaction score, [0, 1]
==============================  ===============================================================

The four punctuation features are None when no turn of the contact holds any of ``.,?!`` (an
unpunctuated transcript, as many speech recognisers write, cannot tell a question from a
statement, so it must not count as "no questions"). The polarity features are None without
``sentiment_proba``; the ``dissat`` ones without
``customer_dissatisfaction``; all of them None when the party has no turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.turns import TextTurn, TurnLike

CUSTOMER = "customer"
AGENT_SIDE = frozenset({"agent", "bot", "ivr"})
"""Speakers counted as the centre's side; any other speaker (``unknown``) is left out."""
COUNT_FEATURE_NAMES = (
    "customer_turns", "agent_turns", "customer_words", "agent_words", "customer_word_share",
    "customer_turn_words_mean", "agent_turn_words_mean", "customer_questions", "customer_question_share",
    "customer_exclamations", "customer_exclamation_share",
    "customer_last_turn_words", "customer_ends", "contact_s",
)
SENTIMENT_FEATURE_NAMES = (
    "customer_polarity_mean", "customer_polarity_min", "customer_polarity_last", "customer_negative_share",
    "agent_polarity_mean",
)
DISSATISFACTION_FEATURE_NAMES = ("customer_dissat_mean", "customer_dissat_max", "customer_dissat_last")
CONTACT_FEATURE_NAMES = COUNT_FEATURE_NAMES + SENTIMENT_FEATURE_NAMES + DISSATISFACTION_FEATURE_NAMES


@dataclass(frozen=True)
class MergedTurns:
    """Turns after merging runs of one party, in time order.

    Each turn's ``speaker`` is ``customer`` or ``agent`` (bot and IVR turns count as ``agent``);
    ``proba`` is (m, 3) P(negative, neutral, positive) or None when none was given.
    """

    turns: tuple[TextTurn, ...]
    proba: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.turns)

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(t.speaker for t in self.turns)

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.turns)

    @property
    def starts_s(self) -> np.ndarray:
        return np.array([t.start_s for t in self.turns], dtype=float)

    @property
    def ends_s(self) -> np.ndarray:
        return np.array([t.end_s for t in self.turns], dtype=float)

    @property
    def customer(self) -> np.ndarray:
        """Boolean mask of the customer turns, shape (m,)."""
        return np.array([t.speaker == CUSTOMER for t in self.turns], dtype=bool)


_PUNCTUATION = ".,?!"


def _words(text: str) -> int:
    return len(text.split())


def _share_with(texts: Sequence[str], mark: str) -> float | None:
    return sum(mark in t for t in texts) / len(texts) if texts else None


def _checked_proba(turns: Sequence[TurnLike], sentiment_proba: np.ndarray | None) -> np.ndarray | None:
    """``sentiment_proba`` as an (n, 3) array, once every turn is known good."""
    if isinstance(turns, str):
        raise TypeError("turns is one string; expected a sequence of turns (a list, not one string)")
    for i, turn in enumerate(turns):
        if not isinstance(turn, TurnLike):
            raise TypeError(f"turns[{i}] is {type(turn).__name__}; expected a turn with speaker, start_s, end_s, text")
        if not isinstance(turn.text, str):
            raise TypeError(f"turns[{i}].text is {type(turn.text).__name__}; expected str")
        start, end = float(turn.start_s), float(turn.end_s)
        if not (np.isfinite(start) and np.isfinite(end)):
            raise ValueError(f"turn {i}: start_s {start}, end_s {end}; expected finite seconds")
        if end < start:
            raise ValueError(f"turn {i}: end_s {end} < start_s {start}; expected end_s >= start_s")
    if sentiment_proba is None:
        return None
    n = len(turns)
    proba = np.asarray(sentiment_proba, dtype=float)
    if proba.shape != (n, 3):
        raise ValueError(f"sentiment_proba has shape {proba.shape}; expected ({n}, 3) for {n} turns")
    return proba


def merge_turns(turns: Sequence[TurnLike], *, sentiment_proba: np.ndarray | None = None) -> MergedTurns:
    """Turns in time order (ties keep their order), runs of one party merged into one turn.

    A merged turn starts at its first item's start, ends at the latest end, joins the texts with
    a space and averages the items' sentiment probabilities weighted by their words (items
    without words weigh as one word, so a run of empty items stays a plain mean). Items of
    other speakers (``unknown``) are dropped and do not break a run.

    Parameters
    ----------
    turns : length n, each with a ``speaker`` (``customer``, ``agent``, ``bot``, ``ivr`` or
        anything else, dropped), ``start_s`` <= ``end_s`` in seconds (a chat message has start ==
        end) and a ``text`` (see :class:`features.turns.TurnLike`).
    sentiment_proba : (n, 3) P(negative, neutral, positive) per item, or None.

    >>> from features.turns import TextTurn as T
    >>> m = merge_turns([T("agent", 0, 1, "Hello"), T("customer", 2, 2.5, "hi"), T("customer", 3, 4, "my card"),
    ...                  T("agent", 5, 6, "Sure")])
    >>> m.speakers, m.texts, m.ends_s.tolist()
    (('agent', 'customer', 'agent'), ('Hello', 'hi my card', 'Sure'), [1.0, 4.0, 6.0])
    """
    proba = _checked_proba(turns, sentiment_proba)
    order = sorted((i for i, t in enumerate(turns) if t.speaker == CUSTOMER or t.speaker in AGENT_SIDE),
                   key=lambda i: float(turns[i].start_s))
    runs: list[tuple[str, list[int]]] = []
    for i in order:
        party = CUSTOMER if turns[i].speaker == CUSTOMER else "agent"
        if runs and runs[-1][0] == party:
            runs[-1][1].append(i)
        else:
            runs.append((party, [i]))
    merged_proba = None
    if proba is not None:
        merged_proba = np.empty((len(runs), 3))
        for k, (_, items) in enumerate(runs):
            weights = np.array([max(_words(turns[i].text), 1) for i in items], dtype=float)
            merged_proba[k] = weights @ proba[items] / weights.sum()
    merged = tuple(
        TextTurn(party, min(float(turns[i].start_s) for i in items), max(float(turns[i].end_s) for i in items),
                 " ".join(t for t in (turns[i].text.strip() for i in items) if t))
        for party, items in runs
    )
    return MergedTurns(merged, merged_proba)


def contact_features(turns: MergedTurns, *, customer_dissatisfaction: Sequence[float] | None = None
                     ) -> dict[str, float | None]:
    """Every feature in :data:`CONTACT_FEATURE_NAMES` of merged turns (see the module's table).

    ``customer_dissatisfaction`` holds one score in [0, 1] per customer turn of ``turns``, in
    order (e.g. a turn-level model's P(dissatisfied)), or None.

    >>> from features.turns import TextTurn as T
    >>> m = merge_turns([T("customer", 0, 0, "Where is my card?"), T("agent", 0, 0, "It is coming today")],
    ...                 sentiment_proba=np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]]))
    >>> f = contact_features(m, customer_dissatisfaction=[0.4])
    >>> f["customer_questions"], f["customer_word_share"], f["customer_dissat_max"]
    (1, 0.5, 0.4)
    >>> round(f["customer_polarity_mean"], 2)
    -0.6
    """
    mine = turns.customer
    theirs = ~mine
    words = np.array([_words(t) for t in turns.texts], dtype=float)
    customer_texts = [t for t, c in zip(turns.texts, mine) if c]
    customer_text = " ".join(customer_texts)
    punctuated = any(mark in text for text in turns.texts for mark in _PUNCTUATION)
    total_words = words.sum()
    n_customer, n_agent = int(mine.sum()), int(theirs.sum())
    values: dict[str, float | None] = {
        "customer_turns": n_customer,
        "agent_turns": n_agent,
        "customer_words": int(words[mine].sum()),
        "agent_words": int(words[theirs].sum()),
        "customer_word_share": float(words[mine].sum() / total_words) if total_words > 0 else None,
        "customer_turn_words_mean": float(words[mine].mean()) if n_customer else None,
        "agent_turn_words_mean": float(words[theirs].mean()) if n_agent else None,
        "customer_questions": customer_text.count("?") if punctuated else None,
        "customer_question_share": _share_with(customer_texts, "?") if punctuated else None,
        "customer_exclamations": customer_text.count("!") if punctuated else None,
        "customer_exclamation_share": _share_with(customer_texts, "!") if punctuated else None,
        "customer_last_turn_words": int(words[mine][-1]) if n_customer else None,
        "customer_ends": int(len(turns) > 0 and bool(mine[-1])),
        "contact_s": float(turns.ends_s.max() - turns.starts_s.min()) if len(turns) else None,
    }
    polarity = None if turns.proba is None else turns.proba[:, 2] - turns.proba[:, 0]
    has_customer = polarity is not None and n_customer > 0
    values["customer_polarity_mean"] = float(polarity[mine].mean()) if has_customer else None
    values["customer_polarity_min"] = float(polarity[mine].min()) if has_customer else None
    values["customer_polarity_last"] = float(polarity[mine][-1]) if has_customer else None
    values["customer_negative_share"] = (float((turns.proba[mine].argmax(axis=1) == 0).mean())
                                         if has_customer else None)
    values["agent_polarity_mean"] = float(polarity[theirs].mean()) if polarity is not None and n_agent else None

    score = None
    if customer_dissatisfaction is not None:
        score = np.asarray(customer_dissatisfaction, dtype=float)
        if score.shape != (n_customer,):
            raise ValueError(f"customer_dissatisfaction has shape {score.shape}; expected ({n_customer},), "
                             "one score per customer turn after merging")
        if score.size and not ((score >= 0) & (score <= 1)).all():
            raise ValueError("customer_dissatisfaction must lie in [0, 1]")
    has_score = score is not None and score.size > 0
    values["customer_dissat_mean"] = float(score.mean()) if has_score else None
    values["customer_dissat_max"] = float(score.max()) if has_score else None
    values["customer_dissat_last"] = float(score[-1]) if has_score else None
    return values


def turn_features(turns: Sequence[TurnLike], *, sentiment_proba: np.ndarray | None = None,
                  customer_dissatisfaction: Sequence[float] | None = None) -> dict[str, float | None]:
    """:func:`merge_turns` then :func:`contact_features`: the CSI features of one contact's turns.

    ``customer_dissatisfaction`` is per customer turn *after* merging (see :func:`merge_turns`).

    >>> from features.turns import TextTurn as T
    >>> f = turn_features([T("agent", 0, 2, "How can I help?"), T("customer", 2, 5, "My card is blocked!"),
    ...                    T("agent", 5, 9, "Unblocked it now."), T("customer", 9, 10, "Thanks?")])
    >>> f["customer_turns"], f["customer_words"], f["agent_words"], f["customer_questions"], f["contact_s"]
    (2, 5, 7, 1, 10.0)
    """
    merged = merge_turns(turns, sentiment_proba=sentiment_proba)
    return contact_features(merged, customer_dissatisfaction=customer_dissatisfaction)
