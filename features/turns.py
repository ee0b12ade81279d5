"""The turn that feature functions read: who spoke, from when to when, and what was said.

:class:`TurnLike` is the shape, not a class to inherit: the pipeline's ``Turn`` record, a chat
message as a turn, or a :class:`TextTurn` all fit it, so one record flows from the stages
through ``features`` and ``models`` unchanged. :class:`TextTurn` is the record for corpora that
have no pipeline behind them (training and benchmark data) and the one feature functions build
when they merge turns.

>>> turn = TextTurn("customer", 2.0, 3.5, "Where is my card?")
>>> isinstance(turn, TurnLike), turn.end_s - turn.start_s
(True, 1.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class TurnLike(Protocol):
    """Anything with a speaker, start and end in seconds (``end_s >= start_s``) and a text."""

    @property
    def speaker(self) -> str: ...

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TextTurn:
    """A turn of a corpus without a pipeline record (see :class:`TurnLike`); a chat message has start == end.

    >>> TextTurn("agent", 2.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: end_s 1.0 < start_s 2.0; expected end_s >= start_s
    """

    speaker: str
    start_s: float
    end_s: float
    text: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start_s) and math.isfinite(self.end_s)):
            raise ValueError(f"start_s {self.start_s}, end_s {self.end_s}; expected finite seconds")
        if self.end_s < self.start_s:
            raise ValueError(f"end_s {self.end_s} < start_s {self.start_s}; expected end_s >= start_s")
