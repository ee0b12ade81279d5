"""Handle time (AHT per contact) from whichever source tells it: telephony events, a chat's messages, or
a call's audio features when it has no events. Pure functions, seconds throughout.

Definitions (README, "Process metrics"):

- **events** (a call with ``NAME.events.json``): talk (answer to hang-up, less holds) + hold + after-call
  work, as :class:`features.process_metrics.ProcessTimes` gives them.
- **chat**: talk is the agent's part of the chat, from the first agent message to the last (one agent
  message: 0 s). The bot's part and the wait after a bot hands the chat over are not handle time, as a
  call's IVR and queue are not: the agent's first message is the answer. A chat has no holds; its
  after-chat work comes from its telephony events when the contact has any (an ``acw_s`` number or an
  ``acw_start``/``acw_end`` pair), else it is unknown and counts as 0.
- **audio** (a call without events; an *estimate*): the conversation heard after the answer, from the
  call features: ``agent_talk_s + customer_talk_s - overlap_s + silence_s`` (speech of either party,
  overlap counted once, plus the pauses of at least 0.3 s; breaths shorter than that are missed), with
  the holds detected in the audio (``hold_s``). No after-call work: nothing in a recording tells it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SOURCES = ("events", "audio", "chat")
"""Where a handle time comes from; ``audio`` is an estimate."""
AUDIO_PARTS = ("agent_talk_s", "customer_talk_s", "overlap_s", "silence_s")
"""The call features an audio estimate needs (``hold_s`` is used when present)."""


@dataclass(frozen=True, slots=True)
class HandleTime:
    """One contact's handle time and its parts (None: the source does not say)."""

    source: str
    talk_s: float
    hold_s: float | None = None
    acw_s: float | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source={self.source!r}; expected one of {', '.join(SOURCES)}")
        for name in ("talk_s", "hold_s", "acw_s"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}={value!r}; expected seconds >= 0")

    @property
    def handle_s(self) -> float:
        """Talk + hold + after-call work, an unknown part counting as 0.

        >>> HandleTime("chat", 120.0, acw_s=30.0).handle_s
        150.0
        """
        return self.talk_s + (self.hold_s or 0.0) + (self.acw_s or 0.0)


def chat_handle(messages: Iterable[tuple[str, float]], *, acw_s: float | None = None) -> HandleTime | None:
    """A chat's handle time from its messages ``(role, t_s)`` (any order; roles agent, customer, bot):
    the first agent message to the last, plus ``acw_s``; None when no agent wrote.

    >>> chat_handle([("customer", 0.0), ("bot", 2.0), ("bot", 30.0), ("agent", 95.0), ("customer", 100.0),
    ...              ("agent", 215.0), ("customer", 230.0)], acw_s=40.0)
    HandleTime(source='chat', talk_s=120.0, hold_s=None, acw_s=40.0)
    >>> chat_handle([("customer", 0.0), ("bot", 1.0)]) is None
    True
    """
    agent = []
    for role, t_s in messages:
        if not isinstance(t_s, (int, float)) or isinstance(t_s, bool) or not math.isfinite(t_s):
            raise ValueError(f"message of {role!r} at t_s={t_s!r}; expected finite seconds")
        if role == "agent":
            agent.append(float(t_s))
    if not agent:
        return None
    return HandleTime("chat", max(agent) - min(agent), acw_s=acw_s)


def _seconds(values: Mapping[str, Any], name: str) -> float | None:
    value = values.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def audio_handle(values: Mapping[str, Any]) -> HandleTime | None:
    """An estimate of a call's handle time from its call features (the ``call`` feature set); None when
    one of :data:`AUDIO_PARTS` is missing or not seconds.

    >>> audio_handle({"agent_talk_s": 80.0, "customer_talk_s": 50.0, "overlap_s": 4.0, "silence_s": 20.0,
    ...               "hold_s": 30.0})
    HandleTime(source='audio', talk_s=146.0, hold_s=30.0, acw_s=None)
    >>> audio_handle({"agent_talk_s": 80.0}) is None
    True
    """
    parts = [_seconds(values, name) for name in AUDIO_PARTS]
    if any(p is None for p in parts):
        return None
    agent, customer, overlap, silence = parts
    return HandleTime("audio", max(0.0, agent + customer - overlap + silence), hold_s=_seconds(values, "hold_s"))


def events_handle(talk_s: float | None, hold_s: float | None, acw_s: float | None) -> HandleTime | None:
    """The handle time of an answered call as its telephony events give it (None: not answered).

    >>> events_handle(90.0, 30.0, None).handle_s, events_handle(None, None, None)
    (120.0, None)
    """
    return None if talk_s is None else HandleTime("events", talk_s, hold_s=hold_s, acw_s=acw_s)
