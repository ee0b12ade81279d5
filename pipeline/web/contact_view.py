"""What the contact page shows, gathered from the store: turns with their words, the call's timeline,
features, the predicted CSI and its reasons, checklist answers with evidence, review history, and
the waveform peaks of the recording.

Everything here is plain data for the template; the page's JavaScript only seeks and highlights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from features.call import interruptions, silences
from features.intervals import intersect, merge
from pipeline.personal_data import redacted
from pipeline.records import Contact, TelephonyEvent, Turn
from pipeline.records.review_states import allowed_actions, answer_of
from pipeline.web.contact_detail import shown_turn_text

if TYPE_CHECKING:
    from pipeline.store import Store

PEAK_BINS = 600
"""Waveform columns per channel: about one per pixel of the page's canvas."""
DESK_KEYS = ("arrive_s", "leave_s", "dwell_s", "wait_s", "rating", "end_emotion", "negative_share")


@dataclass(frozen=True, slots=True)
class Span:
    kind: str
    """``ivr``, ``queue``, ``hold``, ``silence``, ``overlap`` or ``interruption``."""
    start_s: float
    end_s: float


def _paired(events: Sequence[TelephonyEvent], start: str, end: str, end_s: float) -> list[tuple[float, float]]:
    spans, opened = [], None
    for event in events:
        if event.type == start and opened is None:
            opened = event.t_s
        elif event.type == end and opened is not None:
            spans.append((opened, max(opened, min(event.t_s, end_s))))
            opened = None
    if opened is not None:  # still running at hangup: lasts to the end
        spans.append((opened, max(opened, end_s)))
    return spans


def timeline_spans(events: Sequence[TelephonyEvent], turns: Sequence[Turn], *, duration_s: float) -> list[Span]:
    """The strip under the waveform: IVR, queue and holds from the events, silences, overlaps and
    interruptions from the turns, sorted by start.

    >>> [(s.kind, s.start_s, s.end_s) for s in timeline_spans([], [Turn("agent", 0.0, 2.0), Turn("customer", 1.5, 3.0),
    ...                                                           Turn("agent", 6.0, 7.0)], duration_s=7.0)]
    [('overlap', 1.5, 2.0), ('interruption', 1.5, 3.0), ('silence', 3.0, 6.0)]
    """
    end_s = max([duration_s, *(t.end_s for t in turns)]) if turns else duration_s
    first = {e.type: e.t_s for e in reversed(events)}
    spans = [Span("ivr", s, e) for s, e in _paired(events, "ivr_start", "ivr_end", end_s)]
    if "queue_start" in first and "agent_answer" in first and first["agent_answer"] > first["queue_start"]:
        spans.append(Span("queue", first["queue_start"], first["agent_answer"]))
    holds = _paired(events, "hold_start", "hold_end", end_s)
    spans += [Span("hold", s, e) for s, e in holds]
    agent = [(t.start_s, t.end_s) for t in turns if t.speaker == "agent" and t.end_s > t.start_s]
    customer = [(t.start_s, t.end_s) for t in turns if t.speaker == "customer" and t.end_s > t.start_s]
    if agent or customer:
        answer_s = first.get("agent_answer", 0.0)
        spans += [Span("silence", s, e) for s, e in silences(agent, customer, answer_s=answer_s, end_s=end_s,
                                                                holds=holds)]
        spans += [Span("overlap", s, e) for s, e in intersect(merge(agent), merge(customer))]
        spans += [Span("interruption", s, e) for (s, e), _ in [*interruptions(agent, customer, answer_s=answer_s),
                                                               *interruptions(customer, agent, answer_s=answer_s)]]
    return sorted(spans, key=lambda s: (s.start_s, s.end_s, s.kind))


def waveform_peaks(samples: np.ndarray, *, bins: int = PEAK_BINS) -> list[list[float]]:
    """Per channel, the loudest absolute sample of each of ``bins`` equal stretches, rounded to 3 places.

    ``samples``: shape ``(frames, channels)``, floats in [-1, 1].

    >>> waveform_peaks(np.array([[0.5, 0.0], [-1.0, 0.25], [0.1, 0.0], [0.0, -0.5]]), bins=2)
    [[1.0, 0.1], [0.25, 0.5]]
    """
    if samples.ndim != 2:
        raise ValueError(f"samples of shape {samples.shape}; expected (frames, channels)")
    if bins < 1:
        raise ValueError(f"bins={bins}; expected >= 1")
    frames = samples.shape[0]
    if frames == 0:
        return [[] for _ in range(samples.shape[1])]
    edges = np.linspace(0, frames, min(bins, frames) + 1).astype(int)
    peaks = np.maximum.reduceat(np.abs(samples), edges[:-1], axis=0)
    return [[round(float(v), 3) for v in peaks[:, c]] for c in range(samples.shape[1])]


def recording_peaks(store: Store, contact: Contact) -> dict[str, Any]:
    """``{"duration_s", "channels": [[peak, ...], ...], "labels": [speaker, ...]}`` of the contact's audio."""
    from pipeline.calls.audio import decode_audio

    with store.objects.open(contact.object_key) as fh:
        samples, rate = decode_audio(fh, name=contact.contact_id)
    names = ("left", "right")  # a channel map names stereo channels left/right or by index
    labels = [contact.channel_map.get(str(c)) or (contact.channel_map.get(names[c]) if c < 2 else None)
              or f"channel {c}" for c in range(samples.shape[1])]
    return {"duration_s": round(samples.shape[0] / rate, 3), "channels": waveform_peaks(samples), "labels": labels}


def _turns(turns: Sequence[Turn], *, unredacted: bool) -> list[dict[str, Any]]:
    out = []
    for index, turn in enumerate(turns):
        text, words_shown = shown_turn_text(turn, not unredacted)
        words = [{"text": w.text, "start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3)}
                 for w in turn.words] if words_shown else []
        out.append({"index": index, "speaker": turn.speaker, "speaker_id": turn.speaker_id or turn.speaker,
                    "start_s": round(turn.start_s, 3), "end_s": round(turn.end_s, 3), "text": text,
                    "words": words, "sentiment": turn.sentiment, "tags": list(turn.tags)})
    return out


def _seek_s(evidence: dict[str, Any], turns: Sequence[Turn]) -> float | None:
    """Where an evidence item plays from: its time, else its turn's start, else nowhere."""
    if isinstance(evidence.get("t_s"), (int, float)):
        return float(evidence["t_s"])
    turn = evidence.get("turn")
    if isinstance(turn, int) and 0 <= turn < len(turns):
        return turns[turn].start_s
    return None


def _checklist(store: Store, contact_id: str, turns: Sequence[Turn], *, unredacted: bool) -> list[dict[str, Any]]:
    shown = (lambda s: s) if unredacted else redacted
    items = []
    for item in store.catalog.checklist_results(contact_id):
        evidence = [{"note": shown(str(e.get("note", ""))), "text": shown(str(e["text"])) if e.get("text") else None,
                     "seek_s": _seek_s(dict(e), turns),
                     "turn": e["turn"] if isinstance(e.get("turn"), int) and 0 <= e["turn"] < len(turns) else None}
                    for e in item.evidence]
        items.append({"checklist_id": item.checklist_id, "item_id": item.item_id, "state": item.state,
                      "value": answer_of(item), "not_applicable": item.not_applicable, "source": item.source,
                      "evidence": evidence, "reviewer_actions": allowed_actions(item.state, "reviewer"),
                      "operator_actions": allowed_actions(item.state, "operator")})
    return items


def contact_view(store: Store, contact: Contact, *, unredacted: bool) -> dict[str, Any]:
    """Everything the contact page shows (see the module doc)."""
    catalog = store.catalog
    cid = contact.contact_id
    transcript = catalog.transcript(cid)
    turns = transcript.turns if transcript else ()
    events = catalog.events(cid)
    features = {fs.name: dict(fs.values) for fs in catalog.feature_sets(cid)}
    duration = max([0.0, *(t.end_s for t in turns), *(e.t_s for e in events)])
    csi = next((s for s in catalog.scores(cid, name="csi") if s.source == "model"), None)
    scores = [{"name": s.name, "value": round(s.value, 1), "source": s.source} for s in catalog.scores(cid)
              if s.name != "csi" or s.source != "model"]
    desk = features.get("desk", {})
    shown = (lambda s: s) if unredacted else redacted  # every free text may quote what a customer said
    return {
        "contact": contact,
        "started_at": contact.started_at.strftime("%Y-%m-%d %H:%M") if contact.started_at else "",
        "turns": _turns(turns, unredacted=unredacted),
        "timeline": [{"kind": s.kind, "start_s": round(s.start_s, 2), "end_s": round(s.end_s, 2)}
                     for s in timeline_spans(events, turns, duration_s=duration)] if contact.channel == "call" else [],
        "duration_s": round(duration, 2),
        "features": {name: {k: v for k, v in sorted(values.items()) if not isinstance(v, (dict, list))}
                     for name, values in sorted(features.items()) if name != "desk"},
        "desk": [{k: desk.get(k) for k in DESK_KEYS}] if desk else [],
        "csi": round(csi.value, 1) if csi else None,
        "csi_reasons": sorted(((k, round(v, 2)) for k, v in (csi.reasons if csi else {}).items()),
                              key=lambda kv: -abs(kv[1])),
        "scores": scores,
        "checklist": _checklist(store, cid, turns, unredacted=unredacted),
        "history": [{"at": e.at.strftime("%Y-%m-%d %H:%M"), "actor": e.actor, "role": e.role, "action": e.action,
                     "item_id": e.item_id, "value": e.value, "comment": shown(e.comment)}
                    for e in catalog.review_events(cid)],
        "alarms": [{"rule": a.rule, "severity": a.severity, "message": shown(a.message)}
                   for a in catalog.alarms(contact_id=cid)],
        "has_audio": (contact.channel == "call" and bool(contact.object_key)
                      and store.objects.exists(contact.object_key)),
    }
