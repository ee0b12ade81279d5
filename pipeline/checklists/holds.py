"""The holds of a contact as checklist rules see them: the same holds the call features counted.

The call stage puts each hold on its timeline from the events file or, where the events file has
none (it was refused, it never came, the switch does not write holds), from the music heard on
the agent's leg; ``holds_count`` and ``hold_s`` count them all. A rule must see those holds too,
not only the events file's. Where they are found, best first:

1. ``hold_spans`` among the features: the timeline's holds, ``"12.40-27.00 45.10-60.00"``
   (seconds), where the call analysis writes it;
2. the events file's ``hold_start``/``hold_end``;
3. holds that ``holds_count`` counts beyond the events file's: placed in the widest gaps between
   the conversation's turns (no one speaks over hold music: the agent leg's speech inside a hold is
   dropped by the call stage); a gap as long as ``longest_silence_s`` (that silence) and a gap
   under 3 s (a pause) come last. This places a hold to within the gap around it, which is what an
   announcement is measured from; two gaps of about the same length, a hold and a silence, can be
   confused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.records import FeatureValue, TelephonyEvent, Turn
from pipeline.rules.conditions import number, value_name

SPANS_FEATURE = "hold_spans"
PARTIES = ("agent", "customer", "unknown")
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")
MIN_HOLD_GAP_S = 3.0
"""A gap shorter than this is a pause in the talk, taken for a hold only when nothing wider is left."""
SILENCE_SLACK_S = 0.3
"""A gap within this of the longest silence's length is taken for that silence."""


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold from ``start_s`` to ``end_s`` (None: to the end), and where it was learnt:
    ``timeline`` (the call features' hold_spans), ``events`` or ``audio`` (a gap in the transcript)."""

    start_s: float
    end_s: float | None
    source: str


def parse_spans(value: FeatureValue) -> list[tuple[float, float]] | None:
    """``"12.4-27 45.1-60"`` as [(12.4, 27.0), (45.1, 60.0)]; None when the value is not that.

    >>> parse_spans("12.4-27 45.1-60.0"), parse_spans(""), parse_spans("soon")
    ([(12.4, 27.0), (45.1, 60.0)], [], None)
    """
    if not isinstance(value, str):
        return None
    spans = []
    for part in value.replace(",", " ").split():
        found = _SPAN.match(part)
        if found is None or float(found[1]) > float(found[2]):
            return None
        spans.append((float(found[1]), float(found[2])))
    return sorted(spans)


def event_holds(events: Sequence[TelephonyEvent]) -> list[Hold]:
    """The events file's holds: each hold_start to the next hold_end (or to the end)."""
    holds, opened = [], None
    for event in sorted(events, key=lambda e: e.t_s):
        if event.type == "hold_start" and opened is None:
            opened = event.t_s
        elif event.type == "hold_end" and opened is not None:
            holds.append(Hold(opened, event.t_s, "events"))
            opened = None
    if opened is not None:
        holds.append(Hold(opened, None, "events"))
    return holds


def _gaps(turns: Sequence[Turn]) -> list[tuple[float, float]]:
    """Stretches where no party speaks, between the first and the last spoken turn."""
    spoken = sorted((t.start_s, t.end_s) for t in turns if t.speaker in PARTIES)
    gaps, ended = [], -math.inf
    for start, end in spoken:
        if ended != -math.inf and start > ended:
            gaps.append((ended, start))
        ended = max(ended, end)
    return gaps


def _overlaps(gap: tuple[float, float], hold: Hold) -> bool:
    return gap[0] < (math.inf if hold.end_s is None else hold.end_s) and hold.start_s < gap[1]


def gap_holds(turns: Sequence[Turn], count: int, longest_silence_s: float | None, known: Sequence[Hold]) -> list[Hold]:
    """``count`` holds placed in the transcript's widest gaps that hold no ``known`` hold.

    A gap as long as the call's longest silence (``longest_silence_s``, which leaves holds out,
    give or take :data:`SILENCE_SLACK_S`) is most likely that silence, and a gap under
    :data:`MIN_HOLD_GAP_S` a pause: those are taken last.

    >>> from pipeline.records import Turn
    >>> turns = [Turn("agent", 0, 3, "a"), Turn("customer", 4, 6, "b"), Turn("agent", 20, 22, "c"),
    ...          Turn("customer", 34, 37, "d"), Turn("agent", 38, 40, "e")]
    >>> [(h.start_s, h.end_s) for h in gap_holds(turns, 1, None, [])]   # 6-20 and 22-34: the widest
    [(6, 20)]
    >>> [(h.start_s, h.end_s) for h in gap_holds(turns, 1, 14.0, [])]   # 6-20 may be that 14 s silence
    [(22, 34)]
    """
    if count <= 0:
        return []
    free = [g for g in _gaps(turns) if not any(_overlaps(g, h) for h in known)]

    def rank(gap: tuple[float, float]) -> tuple[bool, float]:
        width = gap[1] - gap[0]
        silence = longest_silence_s is not None and abs(width - longest_silence_s) <= SILENCE_SLACK_S
        return width >= MIN_HOLD_GAP_S and not silence, width

    chosen = sorted(free, key=rank, reverse=True)[:count]
    return [Hold(s, e, "audio") for s, e in sorted(chosen)]


def contact_holds(values: dict[str, FeatureValue], events: Sequence[TelephonyEvent],
                  turns: Sequence[Turn]) -> list[Hold]:
    """Every hold of the contact, in time order (see the module doc for where each comes from)."""
    key = value_name(values, SPANS_FEATURE)
    spans = parse_spans(values[key]) if key is not None else None
    if spans is not None:
        return [Hold(s, e, "timeline") for s, e in spans]
    holds = event_holds(events)
    key = value_name(values, "holds_count")
    counted = number(values[key]) if key is not None and values[key] is not None else None
    if counted is not None and counted > len(holds):
        key = value_name(values, "longest_silence_s")
        silence = number(values[key]) if key is not None and values[key] is not None else None
        missing = gap_holds(turns, int(counted) - len(holds), silence, holds)
        holds = sorted(holds + missing, key=lambda h: h.start_s)
    return holds
