"""Desk videos as an input kind: ``cxmon ingest VIDEO.mp4`` makes one ``desk`` contact per visit.

Beside ``NAME.mp4`` (or .avi, .mkv, .mov, .webm) may lie ``NAME.meta.json`` (``started_at``,
ISO 8601 with its zone; ``operator_id``, ``desk_id``, ``site_id``) and ``NAME.buttons.jsonl``, the
desk's button log (:mod:`pipeline.desk.buttons`). The video's bytes are not stored: only the visit
documents under ``desk/`` (:mod:`pipeline.desk.visits`). A file that is not a video, a meta sidecar or
a button log that cannot be used is an error record with its bytes in quarantine; the video goes on
without the sidecar that failed. The same video ingested twice stores nothing twice (the contacts'
ids come from its sha256 and the arrivals). :data:`DESK_VIDEOS` is the input kind; :data:`DESK_BUTTON_LOGS`
claims ``NAME.buttons.jsonl`` (else a chat export's suffix) so that it goes with its video.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.desk.buttons import read_button_log
from pipeline.desk.visits import store_visits, visit_documents
from pipeline.jsonlines import JsonLimitError, bounded_json, checked_field
from pipeline.settings import Settings
from pipeline.sidecars import EVENTS_SUFFIX, META_SUFFIX, SidecarError
from pipeline.store import Store
from pipeline.store.intake import IngestReport, InputKind, add_note, quarantine
from pipeline.store.objects import sha256_of_file

VIDEO_SUFFIXES = (".avi", ".mkv", ".mov", ".mp4", ".webm")
BUTTONS_SUFFIX = ".buttons.jsonl"
MAX_META_BYTES = 64 * 1024
_META_FIELDS = ("operator_id", "desk_id", "site_id")


@dataclass(frozen=True, slots=True)
class DeskMeta:
    """What a desk video's meta sidecar says: when the video starts, who and where."""

    started_at: datetime | None = None
    operator_id: str | None = None
    desk_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeskVideoInput:
    """A desk video and the sidecars found beside it."""

    path: Path
    meta: Path | None = None
    buttons: Path | None = None


def beside(path: Path, suffix: str) -> Path | None:
    """``NAME<suffix>`` beside ``NAME.mp4`` when it is a file, else None."""
    candidate = path.with_name(path.stem + suffix)
    return candidate if candidate.is_file() else None


def _aware_time(value: object) -> datetime | None:
    """``value`` as an aware time when it is ISO 8601 text with its zone, else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return at if at.utcoffset() is not None else None


def read_desk_meta(path: Path) -> DeskMeta:
    """A desk video's meta sidecar; SidecarError naming the file and the field otherwise."""
    with path.open("rb") as fh:
        data = fh.read(MAX_META_BYTES + 1)
    if len(data) > MAX_META_BYTES:
        raise SidecarError(f"{path.name}: more than {MAX_META_BYTES} bytes; expected a small JSON object")
    try:
        fields = bounded_json(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise SidecarError(f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except (ValueError, JsonLimitError) as error:
        raise SidecarError(f"{path.name}: not JSON ({getattr(error, 'msg', error)}); expected an object like "
                           '{"started_at": "2026-12-03T09:00:00+03:00", "desk_id": "desk-1"}') from None
    if not isinstance(fields, dict):
        raise SidecarError(f"{path.name}: a JSON {type(fields).__name__}; expected an object")
    unknown = sorted(set(fields) - {"started_at", *_META_FIELDS})
    if unknown:
        shown = ", ".join(k if k.isidentifier() and len(k) < 40 else f"<a key of {len(k)} characters>" for k in unknown)
        raise SidecarError(f"{path.name}: unknown fields [{shown}]; a desk video's meta has started_at, "
                           f"{', '.join(_META_FIELDS)}")
    out: dict = {}
    for name in _META_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise SidecarError(f"{path.name}: {name} is a JSON {type(value).__name__}; expected text")
        try:
            out[name] = None if value is None else checked_field(name, value.strip(), max_chars=128) or None
        except ValueError as error:
            raise SidecarError(f"{path.name}: {error}") from None
    started = fields.get("started_at")
    if started is not None:
        out["started_at"] = _aware_time(started)
        if out["started_at"] is None:
            raise SidecarError(f"{path.name}: started_at is not an ISO 8601 time with its zone; expected e.g. "
                               "2026-12-03T09:00:00+03:00")
    return DeskMeta(**out)


def ingest_desk_video(store: Store, item: DeskVideoInput, report: IngestReport, settings: Settings) -> None:
    """Ingest one desk video (and its sidecars): its visits become ``desk`` contacts, added to ``report``."""
    from hardware.vision import FrameError

    meta = DeskMeta()
    if item.meta is not None:
        try:
            meta = read_desk_meta(item.meta)
        except SidecarError as error:
            report.errors.append(quarantine(store, item.meta, stage="ingest", message=str(error)))
    buttons = []
    if item.buttons is not None:
        try:
            buttons = read_button_log(item.buttons, settings=settings)
            if meta.started_at is None and any(p.t_s is None for p in buttons):
                raise ValueError(f"{item.buttons.name}: ts presses, and the video's start time is unknown; expected "
                                 f"t_s, or started_at in {item.path.stem}{META_SUFFIX}")
        except ValueError as error:
            report.errors.append(quarantine(store, item.buttons, stage="ingest",
                                            message=f"{error}; the video was ingested without it"))
            buttons = []
    try:
        documents = visit_documents(item.path, settings, buttons=buttons, video_started_at=meta.started_at,
                                    desk_id=meta.desk_id, site_id=meta.site_id, operator_id=meta.operator_id)
    except FrameError as error:
        report.errors.append(quarantine(store, item.path, stage="ingest", message=str(error)))
        return
    if not documents:
        add_note(report, item.path, f"{item.path.name}: no visit (no face in view longer than "
                                    f"{settings.min_visit_s:g} s)")
    store_visits(store, documents, settings, origin=sha256_of_file(item.path), source=str(item.path), report=report)


def ingest_button_log(store: Store, path: Path, report: IngestReport, settings: Settings) -> None:
    """A button log goes with the desk video of its name (which reads it); alone, it is an error record."""
    stem = path.name[: -len(BUTTONS_SUFFIX)]
    if any(path.with_name(stem + suffix).is_file() or path.with_name(stem + suffix.upper()).is_file()
           for suffix in VIDEO_SUFFIXES):
        return
    report.errors.append(quarantine(
        store, path, stage="ingest",
        message=f"{path.name}: no desk video named {stem}.* beside it; a button log with t_s goes with its video "
                f"(a day's log with ts is a NAME.device-events.jsonl file)"))


DESK_VIDEOS = InputKind(
    name="desk videos",
    noun="desk video",
    expected=f"a desk video ({', '.join(VIDEO_SUFFIXES)})",
    suffixes=VIDEO_SUFFIXES,
    input_of=lambda path, sidecars: DeskVideoInput(path, meta=sidecars.get(META_SUFFIX),
                                                   buttons=beside(path, BUTTONS_SUFFIX)),
    ingest=ingest_desk_video,
    channel="desk",
    sidecars=frozenset({META_SUFFIX}),
    refused={EVENTS_SUFFIX: "telephony events beside a desk video"},
)

DESK_BUTTON_LOGS = InputKind(
    name="desk button logs",
    noun="desk button log",
    expected=f"a desk button log (NAME{BUTTONS_SUFFIX}, beside NAME.mp4)",
    suffixes=(BUTTONS_SUFFIX,),
    input_of=lambda path, sidecars: path,
    ingest=ingest_button_log,
)
