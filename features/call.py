"""Call features from who spoke when, what was said, and the call's process timeline.

Speech of each party is a sequence of turns ``(start_s, end_s)`` in seconds from the start of
the recording. "Talk" counts from the agent's answer; the definitions are those of the README
("Call features") and each function's docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from features.intervals import Span, check_spans, clip, gaps, intersect, merge, subtract, total_s

MIN_PAUSE_S = 0.3
"""Shorter pauses in which nobody speaks are breaths, not silence."""

FEATURE_NAMES = (
    "duration_s", "ivr_s", "ivr_exit", "queue_wait_s", "holds_count", "hold_s", "agent_talk_s",
    "customer_talk_s", "talk_ratio_agent", "silence_s", "longest_silence_s", "overlap_s", "overlap_ratio",
    "interruptions_agent", "interruptions_customer", "overlap_in_interruptions_s", "agent_words",
    "customer_words", "agent_speech_rate_wpm", "customer_speech_rate_wpm", "speech_rate_diff_wpm",
    "customer_mean_word_len_chars", "agent_first_speech_s", "customer_first_speech_s",
)


@dataclass(frozen=True, slots=True)
class CallTimeline:
    """The process around the conversation: IVR, queue, answer, holds, end (seconds)."""

    duration_s: float
    answer_s: float = 0.0
    ivr: Span | None = None
    ivr_exit: str | None = None
    queue_start_s: float | None = None
    holds: tuple[Span, ...] = field(default=())

    def __post_init__(self) -> None:
        if not 0 <= self.answer_s <= self.duration_s:
            raise ValueError(f"answer_s={self.answer_s}; expected 0..duration_s={self.duration_s}")
        check_spans(self.holds, name="holds")
        if self.ivr is not None:
            check_spans([self.ivr], name="ivr")


def talk_s(turns: Sequence[Span], *, answer_s: float, end_s: float) -> float:
    """Speech time of one party between the answer and the end, in seconds.

    >>> talk_s([(0, 4), (10, 12)], answer_s=2, end_s=11)
    3.0
    """
    return total_s(clip(turns, answer_s, end_s))


def silences(
    agent: Sequence[Span], customer: Sequence[Span], *, answer_s: float, end_s: float,
    holds: Sequence[Span] = (), min_pause_s: float = MIN_PAUSE_S,
) -> list[Span]:
    """Pauses of at least ``min_pause_s`` after the answer in which nobody speaks, outside holds.

    >>> silences([(0, 1), (5, 6)], [(1.1, 2)], answer_s=0, end_s=6, holds=[(3, 4)])
    [(2.0, 3.0), (4.0, 5.0)]
    """
    quiet = subtract(gaps(merge([*agent, *customer]), answer_s, end_s), holds)
    return [(s, e) for s, e in quiet if e - s >= min_pause_s]


def overlap_s(agent: Sequence[Span], customer: Sequence[Span], *, answer_s: float, end_s: float) -> float:
    """Time both parties speak at once after the answer, in seconds (>= 0).

    >>> overlap_s([(0, 5)], [(4, 6)], answer_s=0, end_s=10)
    1.0
    """
    return total_s(intersect(clip(agent, answer_s, end_s), clip(customer, answer_s, end_s)))


def interruptions(starter: Sequence[Span], other: Sequence[Span], *, answer_s: float = 0.0) -> list[tuple[Span, float]]:
    """Turns of ``starter`` that begin while ``other`` is speaking, after the answer.

    Returns each such turn with the simultaneous speech inside it, in seconds.

    >>> interruptions([(0, 2), (5, 7)], [(1, 6)])
    [((5.0, 7.0), 1.0)]
    """
    other = merge(other)
    found = []
    for start, end in sorted(check_spans(starter, name="starter")):
        if start < answer_s:
            continue
        if any(o_start < start < o_end for o_start, o_end in other):
            found.append(((start, end), total_s(intersect([(start, end)], other))))
    return found


def first_speech_s(turns: Sequence[Span], *, answer_s: float) -> float | None:
    """Seconds from the answer to the party's first speech after it; None if it never speaks.

    >>> first_speech_s([(1, 2), (7.5, 9)], answer_s=5)
    2.5
    """
    after = [max(start, answer_s) for start, end in check_spans(turns) if end > answer_s]
    return min(after) - answer_s if after else None


def word_lengths_chars(words: Sequence[str]) -> list[int]:
    """Letters in each word (punctuation, digits and apostrophes left out); words without letters are skipped.

    >>> word_lengths_chars(["Здравствуйте,", "I'm", "42", "-"])
    [12, 2]
    """
    lengths = [sum(ch.isalpha() for ch in word) for word in words]
    return [n for n in lengths if n]


def speech_rate_wpm(words: int, talk_seconds: float) -> float | None:
    """Words per minute of the party's own talk time; None when it did not talk.

    >>> speech_rate_wpm(30, 12.0)
    150.0
    """
    return words / talk_seconds * 60.0 if talk_seconds > 0 else None


def call_features(
    timeline: CallTimeline,
    agent: Sequence[Span],
    customer: Sequence[Span],
    *,
    agent_words: Sequence[str] = (),
    customer_words: Sequence[str] = (),
) -> dict[str, float | int | str | None]:
    """Every feature in :data:`FEATURE_NAMES` for one call.

    ``agent``/``customer`` are each party's turns; ``*_words`` the words each said after the
    answer. Values that cannot exist (a rate without talk) are None.
    """
    answer, end = timeline.answer_s, timeline.duration_s
    agent, customer = check_spans(agent, name="agent"), check_spans(customer, name="customer")
    agent_talk, customer_talk = talk_s(agent, answer_s=answer, end_s=end), talk_s(customer, answer_s=answer, end_s=end)
    pauses = silences(agent, customer, answer_s=answer, end_s=end, holds=timeline.holds)
    both = overlap_s(agent, customer, answer_s=answer, end_s=end)
    anyone = total_s(clip([*agent, *customer], answer, end))
    by_agent = interruptions(agent, customer, answer_s=answer)
    by_customer = interruptions(customer, agent, answer_s=answer)
    agent_rate = speech_rate_wpm(len(agent_words), agent_talk)
    customer_rate = speech_rate_wpm(len(customer_words), customer_talk)
    lengths = word_lengths_chars(customer_words)
    if timeline.queue_start_s is not None:
        queue_from = timeline.queue_start_s
    elif timeline.ivr is not None:
        queue_from = timeline.ivr[1]
    else:
        queue_from = answer
    return {
        "duration_s": end,
        "ivr_s": timeline.ivr[1] - timeline.ivr[0] if timeline.ivr else 0.0,
        "ivr_exit": timeline.ivr_exit,
        "queue_wait_s": max(0.0, answer - queue_from),
        "holds_count": len(timeline.holds),
        "hold_s": total_s(timeline.holds),
        "agent_talk_s": agent_talk,
        "customer_talk_s": customer_talk,
        "talk_ratio_agent": agent_talk / (agent_talk + customer_talk) if agent_talk + customer_talk else None,
        "silence_s": float(sum(e - s for s, e in pauses)),
        "longest_silence_s": max((e - s for s, e in pauses), default=0.0),
        "overlap_s": both,
        "overlap_ratio": both / anyone if anyone else 0.0,
        "interruptions_agent": len(by_agent),
        "interruptions_customer": len(by_customer),
        "overlap_in_interruptions_s": float(sum(o for _, o in by_agent + by_customer)),
        "agent_words": len(agent_words),
        "customer_words": len(customer_words),
        "agent_speech_rate_wpm": agent_rate,
        "customer_speech_rate_wpm": customer_rate,
        "speech_rate_diff_wpm": agent_rate - customer_rate if agent_rate is not None and customer_rate is not None else None,
        "customer_mean_word_len_chars": sum(lengths) / len(lengths) if lengths else None,
        "agent_first_speech_s": first_speech_s(agent, answer_s=answer),
        "customer_first_speech_s": first_speech_s(customer, answer_s=answer),
    }
