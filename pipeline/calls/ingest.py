"""Ingest call recordings: one contact per distinct recording, its sidecars read beside it.

A recording that cannot be decoded goes to quarantine with an error record. A malformed sidecar
is reported by name and kept in quarantine; its recording is still ingested without it. Events
the contract does not know (a field, a type) are kept with the event and noted in the report.
:data:`RECORDINGS` is the input kind that :data:`pipeline.ingest.INPUT_KINDS` lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.calls.audio import AUDIO_SUFFIXES, AudioError, probe_audio
from pipeline.records import Contact, TelephonyEvent
from pipeline.sidecars import (EVENTS_SUFFIX, META_SUFFIX, CallMeta, SidecarError, event_notes, parse_events,
                               parse_meta)
from pipeline.store import RAW_PREFIX, Store
from pipeline.store.intake import IngestReport, InputKind, add_contact, add_note, quarantine
from pipeline.store.objects import put_file_once, sha256_of_file

CONTENT_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
                 ".opus": "audio/ogg"}
FORMAT_CONTENT_TYPES = {"WAV": "audio/wav", "WAVEX": "audio/wav", "RF64": "audio/wav", "FLAC": "audio/flac",
                        "MP3": "audio/mpeg", "OGG": "audio/ogg", "AIFF": "audio/aiff"}
"""The stored recording's type comes from what it decoded as: a WAV named ``.mp3`` is stored as audio/wav."""


@dataclass(frozen=True, slots=True)
class RecordingInput:
    """A recording and the sidecars found beside it."""

    audio: Path
    events: Path | None = None
    meta: Path | None = None


def ingest_recording(store: Store, item: RecordingInput, report: IngestReport) -> None:
    """Ingest one recording and its sidecars, adding what happened to ``report``."""
    sha = sha256_of_file(item.audio)
    contact_id = sha[:16]
    if store.catalog.get_contact(contact_id) is not None:
        report.existing.append(contact_id)
        return
    try:
        info = probe_audio(item.audio)
    except AudioError as error:
        report.errors.append(quarantine(store, item.audio, stage="ingest", message=str(error)))
        return

    meta = CallMeta()
    if item.meta is not None:
        try:
            meta = parse_meta(item.meta, channels=info.channels)
        except SidecarError as error:
            report.errors.append(quarantine(store, item.meta, stage="ingest", message=str(error), contact_id=contact_id))
    events: list[TelephonyEvent] = []
    if item.events is not None:
        try:
            events = parse_events(item.events, duration_s=info.duration_s)
        except SidecarError as error:
            report.errors.append(
                quarantine(store, item.events, stage="ingest", message=str(error), contact_id=contact_id)
            )

    key, _, _ = put_file_once(
        store.objects, RAW_PREFIX, item.audio,
        content_type=FORMAT_CONTENT_TYPES.get(info.format, CONTENT_TYPES[item.audio.suffix.lower()]),
        metadata={"source": item.audio.name},
    )
    contact = Contact(
        contact_id=contact_id,
        channel=RECORDINGS.channel,
        source=str(item.audio),
        object_key=key,
        started_at=meta.started_at,
        operator_id=meta.operator_id,
        customer_id=meta.customer_id,
        team=meta.team,
        channel_map=meta.channel_map,
        ingested_at=datetime.now(UTC),
        language=meta.language,
    )
    add_contact(store, contact, report, events)
    if item.events is not None and report.new[-1:] == [contact_id]:  # last: an outage retry never notes twice
        for note in event_notes(events):
            add_note(report, item.events, f"{item.events.name}: {note}")


RECORDINGS = InputKind(
    name="recordings",
    noun="recording",
    expected=f"a recording ({', '.join(sorted(AUDIO_SUFFIXES))}) with optional {EVENTS_SUFFIX} / {META_SUFFIX} "
             f"sidecars",
    suffixes=tuple(sorted(AUDIO_SUFFIXES)),
    input_of=lambda audio, sidecars: RecordingInput(audio, events=sidecars.get(EVENTS_SUFFIX),
                                                    meta=sidecars.get(META_SUFFIX)),
    ingest=lambda store, item, report, settings: ingest_recording(store, item, report),
    channel="call",
    sidecars=frozenset({EVENTS_SUFFIX, META_SUFFIX}),
)
