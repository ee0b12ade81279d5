"""Ingest files into the store: one contact per distinct recording or chat, an error record per bad input.

Survey and consent files (:mod:`pipeline.surveys.files`) go through the same API into the catalog.

A bad file never stops the batch and never loses bytes: its raw bytes go to the quarantine
area of the object store and an :class:`ErrorRecord` says which file and what is wrong.
A malformed sidecar is reported by name; its recording is still ingested without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.audio import AUDIO_SUFFIXES, AudioError, probe_audio
from pipeline.chats.formats import CHAT_SUFFIXES
from pipeline.chats.ingest import ChatInput, ingest_chat
from pipeline.records import Contact, ErrorRecord, TelephonyEvent
from pipeline.settings import Settings
from pipeline.sidecars import EVENTS_SUFFIX, META_SUFFIX, CallMeta, SidecarError, parse_events, parse_meta
from pipeline.store import QUARANTINE_PREFIX, RAW_PREFIX, Store
from pipeline.store.objects import content_key, put_file_once, sha256_of_file
from pipeline.surveys.files import SURVEY_FILE_SUFFIXES, survey_file_kind
from pipeline.surveys.ingest import ingest_survey_file

CONTENT_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
                 ".opus": "audio/ogg"}


@dataclass(frozen=True, slots=True)
class RecordingInput:
    """A recording and the sidecars found beside it."""

    audio: Path
    events: Path | None = None
    meta: Path | None = None


@dataclass(frozen=True, slots=True)
class InputPlan:
    recordings: tuple[RecordingInput, ...]
    unusable: tuple[tuple[Path, str], ...]  # (file, why it cannot be ingested)
    chats: tuple[ChatInput, ...] = ()
    surveys: tuple[Path, ...] = ()  # .surveys.csv/.jsonl and .consents.csv/.jsonl files


@dataclass(slots=True)
class IngestReport:
    new: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)  # new catalog records other than contacts, by table


def _files_under(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def plan_inputs(paths: Iterable[Path]) -> InputPlan:
    """Pair each recording or chat export with its sidecars; pick out survey and consent files; name every
    file that is none of these."""
    audio: dict[tuple[Path, str], list[Path]] = {}
    chats: dict[tuple[Path, str], list[Path]] = {}
    surveys: list[Path] = []
    sidecars: dict[tuple[Path, str], dict[str, Path]] = {}
    unusable: list[tuple[Path, str]] = []
    for path in _files_under(paths):
        name = path.name
        if name.endswith(EVENTS_SUFFIX) or name.endswith(META_SUFFIX):
            kind = "events" if name.endswith(EVENTS_SUFFIX) else "meta"
            stem = name.removesuffix(EVENTS_SUFFIX).removesuffix(META_SUFFIX)
            sidecars.setdefault((path.parent, stem), {})[kind] = path
        elif survey_file_kind(name) is not None:  # before chats: NAME.surveys.csv is not a chat export
            surveys.append(path)
        elif path.suffix.lower() in AUDIO_SUFFIXES:
            audio.setdefault((path.parent, path.stem), []).append(path)
        elif path.suffix.lower() in CHAT_SUFFIXES:
            chats.setdefault((path.parent, path.stem), []).append(path)
        else:
            unusable.append(
                (path, f"{name}: unsupported file type; expected a recording ({', '.join(sorted(AUDIO_SUFFIXES))}) "
                       f"with optional {EVENTS_SUFFIX} / {META_SUFFIX} sidecars, or a chat export "
                       f"({', '.join(sorted(CHAT_SUFFIXES))}), or a survey or consent file "
                       f"({', '.join(SURVEY_FILE_SUFFIXES)})")
            )
    recordings = []
    for key, files in audio.items():
        found = sidecars.get(key, {})
        recordings.extend(RecordingInput(f, events=found.get("events"), meta=found.get("meta")) for f in files)
    chat_inputs = []
    for key, files in chats.items():
        found = sidecars.get(key, {}) if key not in audio else {}
        chat_inputs.extend(ChatInput(f, meta=found.get("meta")) for f in files)
        if "events" in found:
            unusable.append((found["events"], f"{found['events'].name}: telephony events beside a chat export"))
    for key, found in sidecars.items():
        if key not in audio and key not in chats:
            for sidecar in found.values():
                unusable.append((sidecar, f"{sidecar.name}: no recording or chat named {key[1]}.* beside it"))
    return InputPlan(tuple(recordings), tuple(unusable), tuple(chat_inputs), tuple(surveys))


def quarantine(store: Store, path: Path, *, stage: str, message: str, contact_id: str | None = None) -> ErrorRecord:
    """Keep the raw bytes of ``path`` in quarantine and record why; returns the error record."""
    sha = sha256_of_file(path)
    key = f"{content_key(QUARANTINE_PREFIX, sha)}/{path.name}"
    if not store.objects.exists(key):
        with path.open("rb") as fh:
            store.objects.put_stream(key, fh, metadata={"sha256": sha, "source": str(path), "reason": message[:512]})
    error = ErrorRecord(
        # The same bytes failing the same way are one error, however often they are ingested.
        error_id=hashlib.sha256(f"{sha}\n{stage}\n{message}".encode()).hexdigest()[:16],
        source=str(path),
        stage=stage,
        message=message,
        created_at=datetime.now(UTC),
        quarantine_key=key,
        contact_id=contact_id,
    )
    store.catalog.add_error(error)
    return error


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
        content_type=CONTENT_TYPES[item.audio.suffix.lower()], metadata={"source": item.audio.name},
    )
    contact = Contact(
        contact_id=contact_id,
        channel="call",
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
    if store.catalog.add_contact(contact, events):
        report.new.append(contact_id)
    else:
        report.existing.append(contact_id)


def ingest_paths(
    store: Store, paths: Sequence[Path], *, settings: Settings | None = None, progress: bool = False
) -> IngestReport:
    """Ingest files and folders (recursively). Raises FileNotFoundError before anything if a path is missing.

    ``settings`` gives chat exports their author roles, time zone and redaction (default: ``Settings()``).
    """
    from tqdm import tqdm

    settings = settings or Settings()
    plan = plan_inputs(paths)
    report = IngestReport()
    for path, message in plan.unusable:
        report.errors.append(quarantine(store, path, stage="ingest", message=message))
    # Surveys last, so that a survey row can be linked to a contact ingested in the same batch.
    items = [*plan.recordings, *plan.chats, *plan.surveys]
    for item in tqdm(items, desc="ingest", unit="file", disable=not progress, leave=False):
        if isinstance(item, ChatInput):
            ingest_chat(store, item, report, settings)
        elif isinstance(item, Path):
            ingest_survey_file(store, item, report)
        else:
            ingest_recording(store, item, report)
    return report
