"""Moments worth copying in one contact: pure functions over its turns, CSI and checklist answers.

Three kinds of candidate, each with the moment a reviewer would clip (``start_s``/``end_s`` and the
words said then) and a ``score`` that ranks candidates of one kind (higher first):

- ``praise``: a customer turn tagged ``thanks`` (the phrase dictionaries of :mod:`pipeline.text`) that
  the sentiment model read as positive. The moment starts at the operator's turn just before it (what
  was praised) and ends with the praise. Score: the positive probability, else 1.
- ``recovery``: the customer was negative in the first third of the contact and the predicted CSI is
  still at least :data:`RECOVERY_MIN_CSI`. The moment runs from that first negative turn to the end of
  the first later customer turn that is not negative (the turnaround; else the contact's last turn).
  Score: the CSI.
- ``difficult_full_marks``: every checklist form scored 100 (every applicable answer at its best, none
  pending) while the customer was negative in at least :data:`DIFFICULT_MIN_NEGATIVE_TURNS` turns or a
  customer turn carries a complaint tag (:data:`COMPLAINT_TAGS`). The moment runs from the first such
  customer turn to the end of the operator's turn after the last one. Score: 100 plus the number of
  difficult turns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.records import ChecklistResult, Turn

KINDS = ("praise", "recovery", "difficult_full_marks")
RECOVERY_MIN_CSI = 70.0
DIFFICULT_MIN_NEGATIVE_TURNS = 2
COMPLAINT_TAGS = frozenset({"complaint", "asks_for_operator", "profanity"})
"""Customer-turn tags that make a contact difficult whatever its sentiment."""
PRAISE_TAGS = frozenset({"thanks"})
EXCERPT_CHARS = 300


@dataclass(frozen=True, slots=True)
class Candidate:
    """A moment of a contact proposed for the coaching library."""

    contact_id: str
    kind: str
    start_s: float
    end_s: float
    excerpt: str
    score: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if not 0 <= self.start_s <= self.end_s:
            raise ValueError(f"moment {self.start_s}-{self.end_s} s; expected 0 <= start_s <= end_s")


def excerpt_of(turns: Sequence[Turn], *, limit: int = EXCERPT_CHARS) -> str:
    """The turns' words, each after its speaker, cut to ``limit`` characters.

    >>> excerpt_of([Turn("agent", 0, 1, "Hello"), Turn("customer", 1, 2, "thanks a lot")])
    'agent: Hello / customer: thanks a lot'
    >>> excerpt_of([Turn("agent", 0, 1, "x" * 20)], limit=10)
    'agent: xx…'
    """
    text = " / ".join(f"{t.speaker}: {t.text.strip()}" for t in turns if t.text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _moment(contact_id: str, kind: str, turns: Sequence[Turn], first: int, last: int, score: float) -> Candidate:
    span = turns[first:last + 1]
    return Candidate(contact_id, kind, round(span[0].start_s, 3), round(max(t.end_s for t in span), 3),
                     excerpt_of(span), round(score, 3))


def praise_moments(contact_id: str, turns: Sequence[Turn]) -> list[Candidate]:
    """Every customer turn that thanks or praises the operator and reads positive, with the operator's
    turn before it.

    >>> turns = [Turn("agent", 0, 2, "Done, the card works"),
    ...          Turn("customer", 2, 3, "Thanks, great job", sentiment="positive", tags=("thanks",)),
    ...          Turn("customer", 4, 5, "thanks for nothing", sentiment="negative", tags=("thanks",))]
    >>> [(c.start_s, c.end_s, c.score) for c in praise_moments("c1", turns)]
    [(0, 3, 1.0)]
    """
    found = []
    for index, turn in enumerate(turns):
        if turn.speaker != "customer" or turn.sentiment != "positive" or not PRAISE_TAGS & set(turn.tags):
            continue
        first = index - 1 if index > 0 and turns[index - 1].speaker == "agent" else index
        score = turn.sentiment_proba[2] if turn.sentiment_proba is not None else 1.0
        found.append(_moment(contact_id, "praise", turns, first, index, score))
    return found


def contact_end_s(turns: Sequence[Turn]) -> float:
    """When the last turn ends (0 without turns).

    >>> contact_end_s([Turn("agent", 0, 4), Turn("customer", 1, 2)]), contact_end_s([])
    (4, 0.0)
    """
    return max((t.end_s for t in turns), default=0.0)


def recovery_moment(contact_id: str, turns: Sequence[Turn], csi: float | None, *,
                    min_csi: float = RECOVERY_MIN_CSI) -> Candidate | None:
    """The turnaround of a contact that started badly and ended with a high predicted CSI, or None.

    >>> turns = [Turn("customer", 0, 2, "This is outrageous", sentiment="negative"),
    ...          Turn("agent", 2, 5, "I understand, let me fix it"),
    ...          Turn("customer", 5, 6, "Oh good", sentiment="positive"), Turn("agent", 6, 9, "Bye")]
    >>> recovery_moment("c1", turns, 82.0).end_s, recovery_moment("c1", turns, 60.0)
    (6, None)
    """
    if csi is None or csi < min_csi:
        return None
    third_s = contact_end_s(turns) / 3
    start = next((i for i, t in enumerate(turns)
                  if t.speaker == "customer" and t.sentiment == "negative" and t.start_s < third_s), None)
    if start is None:
        return None
    turn = next((i for i in range(start + 1, len(turns))
                 if turns[i].speaker == "customer" and turns[i].sentiment in ("neutral", "positive")),
                len(turns) - 1)
    return _moment(contact_id, "recovery", turns, start, turn, csi)


def full_marks(answers: Sequence[ChecklistResult], checklist_scores: Mapping[str, float]) -> bool:
    """True when the contact has checklist scores, every one is 100, at least one item is answered and
    none waits for a reviewer (a scale item's score is 100 only at the top of its scale).

    >>> from pipeline.records import ChecklistResult as R
    >>> full_marks([R("c", "f", "greeting", 1.0, "rule")], {"f": 100.0})
    True
    >>> full_marks([R("c", "f", "greeting", 1.0, "rule"), R("c", "f", "x", None, "rule", state="pending")],
    ...            {"f": 100.0})
    False
    """
    if not checklist_scores or any(value < 100.0 - 1e-9 for value in checklist_scores.values()):
        return False
    answered = [a for a in answers if a.value is not None]
    pending = [a for a in answers if a.value is None and not a.not_applicable]
    return bool(answered) and not pending


def difficult_turn_indexes(turns: Sequence[Turn]) -> list[int]:
    """The customer turns that were negative or carry a complaint tag.

    >>> difficult_turn_indexes([Turn("customer", 0, 1, "no", sentiment="negative"), Turn("agent", 1, 2, "ok"),
    ...                         Turn("customer", 2, 3, "operator!", tags=("asks_for_operator",))])
    [0, 2]
    """
    return [i for i, t in enumerate(turns)
            if t.speaker == "customer" and (t.sentiment == "negative" or COMPLAINT_TAGS & set(t.tags))]


def difficult_full_marks_moment(contact_id: str, turns: Sequence[Turn], answers: Sequence[ChecklistResult],
                                checklist_scores: Mapping[str, float], *,
                                min_negative_turns: int = DIFFICULT_MIN_NEGATIVE_TURNS) -> Candidate | None:
    """The difficult stretch of a contact the operator still handled with full checklist marks, or None."""
    if not full_marks(answers, checklist_scores):
        return None
    hard = difficult_turn_indexes(turns)
    negative = sum(turns[i].sentiment == "negative" for i in hard)
    complained = any(COMPLAINT_TAGS & set(turns[i].tags) for i in hard)
    if not hard or (negative < min_negative_turns and not complained):
        return None
    last = next((i for i in range(hard[-1] + 1, len(turns)) if turns[i].speaker == "agent"), hard[-1])
    return _moment(contact_id, "difficult_full_marks", turns, hard[0], last, 100.0 + len(hard))


def contact_candidates(contact_id: str, turns: Sequence[Turn], *, csi: float | None = None,
                       answers: Sequence[ChecklistResult] = (), checklist_scores: Mapping[str, float] | None = None,
                       kinds: Sequence[str] = KINDS) -> list[Candidate]:
    """Every candidate of ``kinds`` in one contact, best first within a kind."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"kind {min(unknown)!r}; expected one of {', '.join(KINDS)}")
    found: list[Candidate] = []
    if "praise" in kinds:
        found.extend(sorted(praise_moments(contact_id, turns), key=lambda c: -c.score)[:1])
    if "recovery" in kinds and (moment := recovery_moment(contact_id, turns, csi)) is not None:
        found.append(moment)
    if "difficult_full_marks" in kinds and (moment := difficult_full_marks_moment(
            contact_id, turns, answers, checklist_scores or {})) is not None:
        found.append(moment)
    return found
