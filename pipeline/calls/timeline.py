"""One call timeline from the events file where it has the answer, and from the audio where not.

Every value keeps its source: ``events``, ``detected`` (heard in the audio), ``events+detected``
(holds the events file missed) or ``none``.
"""

from __future__ import annotations

from collections.abc import Sequence

from features.call import CallTimeline
from features.call_process import HeardProcess
from features.intervals import intersect
from pipeline.records import TelephonyEvent


def _spans(events: Sequence[TelephonyEvent], start: str, end: str, duration_s: float) -> list[tuple[float, float]]:
    spans, opened = [], None
    for event in events:
        if event.type == start:
            opened = event.t_s
        elif event.type == end and opened is not None:
            spans.append((opened, min(event.t_s, duration_s)))
            opened = None
    if opened is not None:  # a hold still running at hangup lasts to the end
        spans.append((opened, duration_s))
    return spans


def call_timeline(
    events: Sequence[TelephonyEvent], heard: HeardProcess, *, duration_s: float
) -> tuple[CallTimeline, dict[str, str]]:
    """The timeline and the source of each of its parts (``ivr``, ``queue``, ``answer``, ``holds``)."""
    by_type = {e.type: e for e in reversed(events)}  # the first event of each type
    answer = by_type.get("agent_answer")
    ivr_spans = _spans(events, "ivr_start", "ivr_end", duration_s)
    event_holds = _spans(events, "hold_start", "hold_end", duration_s)
    sources: dict[str, str] = {}

    if answer is not None:
        answer_s, sources["answer"] = min(answer.t_s, duration_s), "events"
    else:
        answer_s, sources["answer"] = heard.answer_s, "detected"
    if ivr_spans:
        ivr, sources["ivr"] = ivr_spans[0], "events"
        ivr_exit = by_type["ivr_end"].exit if "ivr_end" in by_type else None
    elif heard.ivr is not None and answer is None:
        ivr, ivr_exit, sources["ivr"] = heard.ivr, None, "detected"
    else:
        ivr, ivr_exit, sources["ivr"] = None, None, "none"
    if "queue_start" in by_type:
        queue_start, sources["queue"] = by_type["queue_start"].t_s, "events"
    elif answer is None and heard.queue is not None:
        queue_start, sources["queue"] = heard.queue[0], "detected"
    else:
        queue_start, sources["queue"] = None, ("events" if ivr_spans and answer is not None else "none")

    missed = [h for h in heard.holds if h[0] >= answer_s and not intersect([h], event_holds)]
    holds = sorted(event_holds + missed)
    if event_holds and missed:
        sources["holds"] = "events+detected"
    elif event_holds:
        sources["holds"] = "events"
    else:
        sources["holds"] = "detected" if missed else "none"
    timeline = CallTimeline(
        duration_s=duration_s, answer_s=answer_s, ivr=ivr, ivr_exit=ivr_exit, queue_start_s=queue_start,
        holds=tuple(holds),
    )
    return timeline, sources
