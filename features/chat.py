"""Chat features from the messages of one chat: who wrote how much, and how fast the centre answered.

Times are seconds on any common clock (e.g. Unix time); messages may come in any order and
are taken in time order (ties keep their given order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROLES = frozenset({"agent", "customer", "bot"})
CHAT_FEATURE_NAMES = (
    "customer_messages", "agent_messages", "bot_messages", "customer_words", "agent_words", "first_response_s",
    "agent_first_response_s", "response_mean_s", "response_max_s", "unanswered_customer_messages", "session_s",
    "bot_handoff", "customer_negative_messages",
)


@dataclass(frozen=True, slots=True)
class ChatLine:
    t_s: float
    role: str
    text: str
    negative: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role={self.role!r}; expected one of {sorted(ROLES)}")


def _replies_after(lines: Sequence[ChatLine], t_s: float, roles: set[str]) -> float | None:
    return next((line.t_s for line in lines if line.t_s >= t_s and line.role in roles), None)


def response_times_s(lines: Sequence[ChatLine]) -> list[float]:
    """For each run of consecutive customer messages, seconds from its first message to the next
    agent or bot message; runs nobody answered are left out.

    >>> response_times_s([ChatLine(0, "customer", "hi"), ChatLine(5, "customer", "?"),
    ...                   ChatLine(30, "agent", "hello"), ChatLine(40, "customer", "thanks")])
    [30.0]
    """
    ordered = sorted(lines, key=lambda line: line.t_s)
    times, run_start = [], None
    for line in ordered:
        if line.role == "customer":
            run_start = line.t_s if run_start is None else run_start
        elif run_start is not None:
            times.append(float(line.t_s - run_start))
            run_start = None
    return times


def chat_features(lines: Sequence[ChatLine]) -> dict[str, float | int | None]:
    """Every feature in :data:`CHAT_FEATURE_NAMES`; times that cannot exist are None.

    >>> f = chat_features([ChatLine(0, "customer", "my card is blocked"), ChatLine(2, "bot", "An agent will help"),
    ...                    ChatLine(62, "agent", "Hello, I am Anna"), ChatLine(70, "customer", "thanks")])
    >>> f["first_response_s"], f["agent_first_response_s"], f["bot_handoff"], f["unanswered_customer_messages"]
    (2.0, 62.0, 1, 1)
    """
    ordered = sorted(lines, key=lambda line: line.t_s)
    count = {role: sum(line.role == role for line in ordered) for role in ROLES}
    words = {role: sum(len(line.text.split()) for line in ordered if line.role == role) for role in ROLES}
    first_customer = next((line.t_s for line in ordered if line.role == "customer"), None)
    first_reply = agent_reply = None
    if first_customer is not None:
        first_reply = _replies_after(ordered, first_customer, {"agent", "bot"})
        agent_reply = _replies_after(ordered, first_customer, {"agent"})
    last_answer = max((i for i, line in enumerate(ordered) if line.role != "customer"), default=-1)
    first_bot = next((line.t_s for line in ordered if line.role == "bot"), None)
    responses = response_times_s(ordered)
    return {
        "customer_messages": count["customer"],
        "agent_messages": count["agent"],
        "bot_messages": count["bot"],
        "customer_words": words["customer"],
        "agent_words": words["agent"],
        "first_response_s": None if first_reply is None else float(first_reply - first_customer),
        "agent_first_response_s": None if agent_reply is None else float(agent_reply - first_customer),
        "response_mean_s": sum(responses) / len(responses) if responses else None,
        "response_max_s": max(responses) if responses else None,
        "unanswered_customer_messages": sum(line.role == "customer" for line in ordered[last_answer + 1 :]),
        "session_s": float(ordered[-1].t_s - ordered[0].t_s) if ordered else 0.0,
        "bot_handoff": int(first_bot is not None and _replies_after(ordered, first_bot, {"agent"}) is not None),
        "customer_negative_messages": sum(line.role == "customer" and line.negative for line in ordered),
    }
