"""Where a turn stands in its contact, for the position options of a phrase rule
(``speaker``, ``first_turns``, ``last_turns``, ``after_silence_s``, ``after_interruption``;
:mod:`pipeline.text.phrases` explains them)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.records import Turn


class PlaceRule(Protocol):
    speaker: str | None
    first_turns: int | None
    last_turns: int | None
    after_silence_s: float | None
    after_interruption: bool


@dataclass(frozen=True, slots=True)
class Place:
    """Where a turn stands in its contact, for the position rules."""

    nth: int                      # 0 = the speaker's first turn
    from_end: int                 # 0 = the speaker's last turn
    silence_s: float | None       # since every earlier turn ended; None for the first turn
    other_end_s: float | None     # when the other party's latest earlier turn ended


def turn_places(turns: Sequence[Turn]) -> list[Place]:
    seen: dict[str, int] = {}
    nth = []
    for t in turns:
        nth.append(seen.get(t.speaker, 0))
        seen[t.speaker] = nth[-1] + 1
    places, ended_s = [], -math.inf
    last: dict[str, tuple[int, float]] = {}  # speaker -> (index, end_s) of their latest turn
    for i, t in enumerate(turns):
        others = [v for k, v in last.items() if k != t.speaker]
        places.append(Place(
            nth=nth[i],
            from_end=seen[t.speaker] - 1 - nth[i],
            silence_s=None if i == 0 else t.start_s - ended_s,
            other_end_s=max(others)[1] if others else None,
        ))
        ended_s = max(ended_s, t.end_s)
        last[t.speaker] = (i, t.end_s)
    return places


def position_ok(rule: PlaceRule, turn: Turn, place: Place) -> bool:
    if rule.speaker is not None and turn.speaker != rule.speaker:
        return False
    if rule.first_turns is not None and place.nth >= rule.first_turns:
        return False
    if rule.last_turns is not None and place.from_end >= rule.last_turns:
        return False
    if rule.after_silence_s is not None and (place.silence_s is None or place.silence_s < rule.after_silence_s):
        return False
    if rule.after_interruption and (place.other_end_s is None or turn.start_s >= place.other_end_s):
        return False
    return True
