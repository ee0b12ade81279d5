"""What a person reads about a contact: one document for JSON output, its text rendering, the `cxmon ls` rows.

A contact's source (a path, maybe a file named by a phone number), its error records and what its events
kept beyond the contract are shown with personal data tagged (:func:`pipeline.store.intake.redacted_error`);
the catalog keeps them as given. The notes say what an events file held that cxmon keeps but does not use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.personal_data import redacted, redacted_name
from pipeline.records import Contact, TelephonyEvent, Turn
from pipeline.sidecars import event_notes
from pipeline.stages import STAGES
from pipeline.store.intake import display_text, redacted_error
from pipeline.tables import table

if TYPE_CHECKING:
    from pipeline.store import Store


def contact_status(statuses: dict[str, str], channel: str) -> str:
    if "failed" in statuses.values():
        return "failed"
    return "processed" if all(statuses.get(s.name) == "ok" for s in STAGES if channel in s.channels) else "new"


def turn_document(turn: Turn) -> dict[str, Any]:
    """A turn as people read it in JSON; the sentiment probabilities stay in the catalog for the csi stage."""
    document = asdict(turn)
    del document["sentiment_proba"]
    return document


def _shown_value(value: Any) -> Any:
    """A JSON value from outside cxmon as output may show it: personal data tagged in its strings, keys and
    long numbers, characters no terminal line should hold escaped."""
    if isinstance(value, dict):
        return {_shown_value(str(k)): _shown_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown_value(v) for v in value]
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**6):
        text = display_text(redacted(str(value)))
        return value if text == str(value) else text
    return value


def event_document(event: TelephonyEvent) -> dict[str, Any]:
    """An event as people read it in JSON: what the export wrote beyond the contract (``extra``) with personal
    data tagged."""
    return {**asdict(event), "extra": _shown_value(dict(event.extra))}


def contact_document(store: Store, contact: Contact) -> dict[str, Any]:
    events = store.catalog.events(contact.contact_id)
    return {
        "contact": {**asdict(contact), "source": redacted_name(contact.source)},
        "status": contact_status(store.catalog.stage_statuses(contact.contact_id).get(contact.contact_id, {}),
                                 contact.channel),
        "events": [event_document(e) for e in events],
        "notes": event_notes(events),
        "features": {fs.name: dict(fs.values) for fs in store.catalog.feature_sets(contact.contact_id)},
        "errors": [asdict(redacted_error(e)) for e in store.catalog.errors(contact.contact_id)],
        "turns": [turn_document(t) for t in transcript.turns] if (transcript := store.catalog.transcript(contact.contact_id)) else [],
        "scores": [asdict(s) for s in store.catalog.scores(contact.contact_id)],
    }


def format_clock(seconds: float) -> str:
    """``mm:ss.s``, how people read times in a call."""
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def turn_annotations(turn: dict[str, Any]) -> str:
    marks = ([turn["sentiment"]] if turn.get("sentiment") not in (None, "neutral") else []) + list(turn.get("tags", ()))
    return f"   [{', '.join(marks)}]" if marks else ""


def format_turns(turns: Sequence[dict[str, Any]]) -> list[str]:
    """One line per turn: times (one for a chat message), speaker, text, its non-neutral sentiment and phrase tags."""
    lines = []
    width = max([8, *(len(speaker_label(t)) for t in turns)])
    for t in turns:
        when = format_clock(t["start_s"]) + ("" if t["end_s"] == t["start_s"] else f"-{format_clock(t['end_s'])}")
        text = " ".join(t["text"].split())  # a multi-line chat message on one line
        lines.append(f"  {when:<15}  {speaker_label(t):<{width}}  {text}".rstrip() + turn_annotations(t))
    return lines


def speaker_label(turn: dict[str, Any]) -> str:
    """Who spoke as people read it: the role, or the diarized voice and its role (``S3 (unknown)``).

    >>> speaker_label({"speaker": "agent", "speaker_id": "agent"}), speaker_label({"speaker": "unknown", "speaker_id": "S3"})
    ('agent', 'S3 (unknown)')
    """
    speaker_id = turn.get("speaker_id") or turn["speaker"]
    return turn["speaker"] if speaker_id == turn["speaker"] else f"{speaker_id} ({turn['speaker']})"


def format_contact(document: dict[str, Any]) -> str:
    contact = document["contact"]
    lines = [f"contact {contact['contact_id']}  ({contact['channel']}, {document['status']})"]
    for key in ("source", "started_at", "operator_id", "customer_id", "team", "channel_map", "object_key"):
        if contact.get(key):
            lines.append(f"  {key:<12} {contact[key]}")
    if document["events"]:
        lines.append("events")
        for event in document["events"]:
            extra = " ".join(f"{k}={event[k]}" for k in ("agent_id", "exit") if event.get(k))
            kept = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in event.get("extra", {}).items())
            lines.append(f"  {event['t_s']:8.2f} s  {event['type']} {extra}".rstrip()
                         + (f"  (kept, not used: {kept})" if kept else ""))
        lines += [f"  note: {note}" for note in document.get("notes", ())]
    for name, values in document["features"].items():
        lines.append(f"{name}")
        for key, value in values.items():
            shown = f"{value:.2f}" if isinstance(value, float) else value
            lines.append(f"  {key:<28} {shown}")
    for score in document.get("scores", ()):
        lines.append(f"{score['name']} {score['value']:.1f} ({score['source']})")
        if score["reasons"] and score["name"].startswith("checklist:"):
            lines.append("  sections (0-100): " + ", ".join(
                f"{name.removeprefix('section:')} {value:.0f}" for name, value in score["reasons"].items()))
        elif score["reasons"]:
            lines.append("  what moved it most (points): " + ", ".join(
                f"{name} {points:+.1f}" for name, points in score["reasons"].items()))
    if document.get("turns"):
        lines.append("transcript")
        lines += format_turns(document["turns"])
    for error in document["errors"]:
        lines.append(f"! {error['message']}")
    return "\n".join(lines)


def contact_rows(store: Store) -> list[dict[str, Any]]:
    """One summary row per contact, oldest first: what `cxmon ls` shows."""
    statuses = store.catalog.stage_statuses()
    csi = {s.contact_id: s.value for s in store.catalog.scores(name="csi") if s.source == "model"}
    rows = []
    for contact in store.catalog.contacts():
        features = {fs.name: fs.values for fs in store.catalog.feature_sets(contact.contact_id)}
        rows.append({
            "contact_id": contact.contact_id,
            "channel": contact.channel,
            "source": redacted_name(Path(contact.source).name),
            "started_at": contact.started_at.isoformat() if contact.started_at else None,
            "operator_id": contact.operator_id,
            "duration_s": features.get("probe", {}).get("duration_s", features.get("chat", {}).get("session_s")),
            "csi": csi.get(contact.contact_id),
            "status": contact_status(statuses.get(contact.contact_id, {}), contact.channel),
        })
    return rows


def sort_contact_rows(rows: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows as ingested (``ingested``), by start time (``started``) or by predicted CSI, lowest first
    (``csi``); rows without the value go last."""
    if key == "ingested":
        return list(rows)
    field = {"started": "started_at", "csi": "csi"}[key]
    return sorted(rows, key=lambda row: (row[field] is None, row[field] or 0))


def format_contact_table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "no contacts yet: `cxmon ingest PATH...` adds some"
    return table(
        [[r["contact_id"][:12], r["channel"], r["source"], (r["started_at"] or "")[:16], r["operator_id"],
          "" if r["duration_s"] is None else f"{r['duration_s']:.1f}", "" if r["csi"] is None else f"{r['csi']:.0f}",
          r["status"]] for r in rows],
        ["id", "channel", "source", "started_at", "operator", "duration_s", "csi", "status"],
    )
