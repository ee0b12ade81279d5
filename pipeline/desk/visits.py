"""Desk visits from a video: the visit documents (numbers only) and the desk contacts they become.

:func:`visit_documents` runs the desk camera (:class:`hardware.vision.DeskCamera`) over a video's
frames sampled at ``settings.camera_fps`` and makes one JSON-ready document per visit (the format is
README "Desk videos"); frames are read and dropped, no image is kept. :func:`store_visits` stores each
document once by its content under ``desk/`` and adds one ``desk`` contact per visit, its id made from
the video's sha256 (or ``camera:<id>``) and the arrival, so the same visit stored twice is one contact.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from features.desk import EMOTIONS, Track, Visit, linked_presses, visits
from pipeline.desk.buttons import ButtonPress, press_times_s
from pipeline.records import Contact
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.intake import IngestReport, add_contact
from pipeline.store.objects import content_key, put_bytes

DESK_PREFIX = "desk"
DOCUMENT_VERSION = 1
MIN_TRACK_POINTS = 3
"""Frames a face must be seen in to be a track (fewer: a false detection), at any ``camera_fps``."""
_ROUND = 3  # times in documents: milliseconds

Extras = Callable[[Visit, Sequence[Track]], Mapping[str, Any]]


def no_extras(visit: Visit, tracks: Sequence[Track]) -> dict[str, Any]:
    """What a visit's wait (queue zone), age band and gender are until they are measured: unknown.

    The one place for them: :func:`visit_documents` takes an ``extras`` callable of this shape
    (the visit and its tracks -> ``wait_s``, ``age_band``, ``gender``) and writes what it returns."""
    return {"wait_s": None, "age_band": None, "gender": None}


def emotion_series(tracks: Sequence[Track]) -> list[list]:
    """``[[t_s, top emotion], ...]`` over the read frames of ``tracks``, in time order."""
    rows = sorted((t, p) for track in tracks for t, _, p in track.points
                  if p is not None and np.all(np.isfinite(p)))
    return [[round(float(t), _ROUND), EMOTIONS[int(np.argmax(p))]] for t, p in rows]


def _button(press: ButtonPress, t_s: float, started: datetime | None) -> dict[str, Any]:
    at = press.at or (started + timedelta(seconds=t_s) if started is not None else None)
    return {"device_id": press.device_id, "value": press.value, "t_s": round(t_s, _ROUND),
            "at": at.isoformat() if at is not None else None}


def visit_document(visit: Visit, tracks: Sequence[Track], *, source: str, desk_id: str | None = None,
                   site_id: str | None = None, operator_id: str | None = None,
                   started_at: datetime | None = None, button: Mapping[str, Any] | None = None,
                   extras: Extras = no_extras) -> dict[str, Any]:
    """One visit's document (README "Desk videos"): ``tracks`` are the visit's own, times from the start
    of the video or stream that began at ``started_at``."""
    return {
        "version": DOCUMENT_VERSION, "source": source, "desk_id": desk_id, "site_id": site_id,
        "operator_id": operator_id, "video_started_at": started_at.isoformat() if started_at is not None else None,
        "arrive_s": round(visit.arrive_s, _ROUND), "leave_s": round(visit.leave_s, _ROUND),
        "dwell_s": round(visit.leave_s - visit.arrive_s, _ROUND), "wait_s": None,
        "emotion_shares": {e: round(s, 6) for e, s in visit.emotion_shares.items()},
        "end_emotion": visit.end_emotion, "emotion_series": emotion_series(tracks),
        "age_band": None, "gender": None, "track_ids": list(visit.track_ids),
        "button": None if button is None else dict(button), **extras(visit, tracks),
    }


def settings_camera(settings: Settings) -> Any:
    """The desk camera the settings ask for (age and gender read when ``desk_age_gender`` is on)."""
    from hardware.vision import DeskCamera

    return DeskCamera(age_gender=settings.desk_age_gender)


def settings_extras(camera: Any, settings: Settings) -> Extras:
    """Each visit's wait (with a ``queue_zone``), age band and gender, as the settings ask."""
    from hardware.vision import visit_extras

    return visit_extras(camera, queue_zone=settings.queue_zone, desk_zone=settings.desk_zone)


def camera_visits(camera: Any, settings: Settings) -> tuple[list[Visit], dict[int, Track]]:
    """The visits in what ``camera`` has seen so far and every track by id. With a ``desk_zone`` a visit
    is the time a face spends in it (a face waiting in the queue is not yet at the desk)."""
    from features.desk_zones import points_in_zone, zone_px

    tracks = {t.track_id: t for t in camera.tracker.tracks(min_points=MIN_TRACK_POINTS)}
    at_desk = list(tracks.values())
    if settings.desk_zone is not None and camera.frame_px is not None:
        zone = zone_px(settings.desk_zone, width_px=camera.frame_px[0], height_px=camera.frame_px[1])
        at_desk = [Track(t.track_id, points_in_zone(t.points, zone)) for t in at_desk]
    found = visits(at_desk, min_visit_s=settings.min_visit_s, visit_gap_s=settings.visit_gap_s)
    return found, tracks


def visit_documents(video_path: str | Path, settings: Settings, *, buttons: Sequence[ButtonPress] = (),
                    video_started_at: datetime | None = None, desk_id: str | None = None,
                    site_id: str | None = None, operator_id: str | None = None, camera: Any = None,
                    extras: Extras | None = None, progress: bool | None = None) -> list[dict[str, Any]]:
    """The visit documents of a video, by arrival (README "Desk videos" has the format).

    ``buttons`` (a button log) are linked to visits as :func:`features.desk.linked_presses` says;
    ``ts`` presses need ``video_started_at``. ``camera`` is a :class:`~hardware.vision.DeskCamera` (default:
    :func:`settings_camera`); ``extras`` gives each visit's ``wait_s``, ``age_band`` and ``gender``
    (default: :func:`settings_extras`). A progress bar goes to stderr when it is a terminal (``progress`` None).
    Raises FrameError for a file that is not a video, ValueError for a press that cannot be placed.
    """
    from tqdm import tqdm

    # FFmpeg inside OpenCV writes its own lines on a file it cannot read; FrameError says it once. Read
    # when cv2 is first imported, so this is set before hardware.vision imports it.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    from hardware.vision import FrameError, video_frames

    path = Path(video_path)
    if path.is_file() and path.stat().st_size == 0:
        raise FrameError(f"{path.name}: empty file (0 bytes); expected a video")
    times = press_times_s(list(buttons), video_started_at, name=path.name)
    frames = video_frames(path, sample_fps=settings.camera_fps)
    try:
        first = next(frames)  # FrameError here, before the models load, for a file that is not a video
    except FrameError as error:  # named as every ingest message names a file: by its name
        raise FrameError(str(error).replace(str(path), path.name)) from None
    camera = camera if camera is not None else settings_camera(settings)
    extras = extras if extras is not None else settings_extras(camera, settings)
    show = sys.stderr.isatty() if progress is None else progress
    for t_s, frame in tqdm(itertools.chain([first], frames), desc=path.name, unit="frame", disable=not show,
                           leave=False, file=sys.stderr):
        camera(t_s, frame)
    found, tracks = camera_visits(camera, settings)
    linked = linked_presses([(v.arrive_s, v.leave_s) for v in found], times, window_s=settings.button_window_s)
    return [visit_document(visit, [tracks[i] for i in visit.track_ids], source=path.name, desk_id=desk_id,
                           site_id=site_id, operator_id=operator_id, started_at=video_started_at,
                           button=None if press is None else _button(buttons[press], times[press], video_started_at),
                           extras=extras)
            for visit, press in zip(found, linked, strict=True)]


def visit_contact_id(origin: str, arrive_s: float, nth: int = 0) -> str:
    """A desk contact's id: the video's sha256 (or ``camera:<id>``) and the arrival to 0.1 s; ``nth`` > 0
    tells apart the visits that arrive in the same tenth of a second (a group walks in together).

    >>> visit_contact_id("camera:desk-1", 12.04) == visit_contact_id("camera:desk-1", 11.96)
    True
    >>> visit_contact_id("camera:desk-1", 12.0) == visit_contact_id("camera:desk-1", 12.0, 1)
    False
    """
    tail = f"\n{nth}" if nth else ""
    return hashlib.sha256(f"{origin}\n{round(float(arrive_s), 1):.1f}{tail}".encode()).hexdigest()[:16]


def document_bytes(document: Mapping[str, Any]) -> bytes:
    """A visit document as stored: UTF-8 JSON, keys sorted (the same visit is the same bytes)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, allow_nan=False).encode()


def visit_order(document: Mapping[str, Any]) -> tuple:
    """How visit documents are numbered: by arrival, then by their first track."""
    return (float(document["arrive_s"]), list(document.get("track_ids") or []))


def store_visits(store: Store, documents: Sequence[Mapping[str, Any]], settings: Settings, *, origin: str,
                 source: str | None = None, report: IngestReport | None = None) -> list[str]:
    """Store each visit document once (key by content under ``desk/``) and add its ``desk`` contact;
    returns the contacts' ids by arrival (:func:`visit_order`), new or already stored. ``origin`` is the
    video's sha256 or ``camera:<id>``; a contact's source is ``<source or the document's>#visit-<n>``, n
    from 1 by arrival. ``report`` (when given) notes which contacts were new."""
    report = report if report is not None else IngestReport()
    ids: list[str] = []
    same_tenth: dict[str, int] = {}
    for n, document in enumerate(sorted(documents, key=visit_order), start=1):
        tenth = f"{round(float(document['arrive_s']), 1):.1f}"
        nth = same_tenth[tenth] = same_tenth.get(tenth, -1) + 1
        data = document_bytes(document)
        key = content_key(DESK_PREFIX, hashlib.sha256(data).hexdigest())
        if not store.objects.exists(key):
            put_bytes(store.objects, key, data, content_type="application/json",
                      metadata={"source": str(document.get("source") or "")[:200]})
        started = document.get("video_started_at")
        arrived = (datetime.fromisoformat(started) + timedelta(seconds=document["arrive_s"])
                   if started else None)
        contact = Contact(contact_id=visit_contact_id(origin, document["arrive_s"], nth), channel="desk",
                          source=f"{source or document['source']}#visit-{n}", object_key=key, started_at=arrived,
                          operator_id=document.get("operator_id"), ingested_at=datetime.now(UTC), language=None)
        add_contact(store, contact, report)
        ids.append(contact.contact_id)
    return ids
