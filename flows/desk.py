"""``capture_desk``: run a site's desk cameras and button boxes; visits become ``desk`` contacts, presses
device events.

The site's cameras and its keyboard, HID and serial devices come from the device registry
(``settings.device_registry``; README "Desk devices"), each run in its own task (threads):

- a camera: :class:`hardware.camera.Camera` (reconnects with back-off) feeds
  :class:`hardware.vision.DeskCamera`; every ``flush_s`` seconds of stream, the visits that are over
  (their face unseen for longer than ``visit_gap_s`` plus the tracker's ``max_lost_s``) become visit
  documents and desk contacts through ``pipeline.desk.visits.store_visits``; the rest when the
  capture ends. Frames stay in memory; only numbers are stored. ``origin`` is
  ``camera:<id>@<capture start>``, so two captures of one camera never give the same contact id;
- a device reader (:mod:`hardware.capture_devices`): presses appended to the spool
  (``HOME/device-spool``), unreadable input to ``HOME/device-rejected.jsonl``; a device that cannot
  be opened is retried with back-off while the rest carry on;
- a flusher: the spool into the catalog every ``flush_s`` seconds and once more at the end, and the
  rejected input into error records, as ``cxmon devices flush`` does.

The capture ends when ``seconds`` have passed (seconds of stream for a camera, of the wall clock for
the devices), when :data:`STOP` is set (open visits are stored, the spool flushed), or, for a camera
reading a file, at its end. Expired desk images are purged once at the start. The desk stage links
presses to visits from the catalog's device events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.settings import Settings

log = logging.getLogger(__name__)

STOP = threading.Event()
"""Set it to end every running capture (they store their open visits first)."""
_OPENING = threading.Lock()


def _open_store(settings: Settings) -> Any:
    """The store, opened by one task thread at a time (opening runs the catalog's migrations: alembic's
    state is global)."""
    from pipeline.store import open_store

    with _OPENING:
        return open_store(settings)


@task
def capture_camera(camera: Mapping[str, Any], site: str, *, seconds: float | None = None,
                   flush_s: float = 10.0) -> list[str]:
    """Capture one camera (``{"id", "source", "desk", "operator"?}``) until ``seconds`` of stream, the
    stop event or a file's end; returns the desk contacts added, by arrival."""
    from hardware.camera import Camera
    from pipeline.desk.visits import camera_visits, settings_camera, settings_extras, store_visits, visit_document

    settings = Settings()
    store = _open_store(settings)
    camera_id = str(camera["id"])
    capture = Camera(camera["source"], fps=settings.camera_fps, stop=STOP)
    desk = settings_camera(settings)
    extras = settings_extras(desk, settings)
    closed_after_s = settings.visit_gap_s + desk.tracker.max_lost_s
    stored: set[tuple[int, ...]] = set()
    ids: list[str] = []

    def flush(now_s: float | None) -> None:
        found, tracks = camera_visits(desk, settings)
        over = [v for v in found if v.track_ids not in stored and (now_s is None or now_s - v.leave_s > closed_after_s)]
        if not over:
            return
        documents = [visit_document(v, [tracks[i] for i in v.track_ids], source=f"camera:{camera_id}",
                                    desk_id=camera.get("desk"), site_id=site, operator_id=camera.get("operator"),
                                    started_at=capture.started_at, extras=extras)
                     for v in over]
        origin = f"camera:{camera_id}@{capture.started_at.isoformat()}"
        ids.extend(store_visits(store, documents, settings, origin=origin))
        stored.update(v.track_ids for v in over)
        log.info("camera %s: %d visits stored (%s)", camera_id, len(over),
                 "capture ended" if now_s is None else f"{timedelta(seconds=round(now_s))} of stream")

    last_flush, announced = 0.0, False
    for t_s, frame in capture.frames():
        if not announced:
            announced = True
            log.info("camera %s: capturing %s from %s", camera_id, capture.name, capture.started_at.isoformat())
        desk(t_s, frame)
        if t_s - last_flush >= flush_s:
            flush(t_s)
            last_flush = t_s
        if seconds is not None and t_s >= seconds:
            break
    flush(None)
    return ids


@task(retries=2, retry_delay_seconds=5)
def purge_images() -> int:
    """Delete the desk images past their retention (none are kept by default)."""
    from pipeline.desk.images import purge_expired_images

    return purge_expired_images(_open_store(Settings()), datetime.now(timezone.utc))


@task(cache_policy=NO_CACHE)
def read_devices(reader: Any, registry: Any, *, until_s: float | None) -> dict[str, Any]:
    """Read one keyboard box, HID box or serial port into the spool until the capture ends."""
    from dataclasses import asdict

    from hardware.capture_devices import SpoolPaths, run_reader
    from hardware.spool import Spool

    paths = SpoolPaths.under(Settings().home)
    report = run_reader(reader, registry, Spool(paths.spool_dir), paths.rejects_path, stop=STOP, until_s=until_s,
                        state_dir=paths.state_dir)
    return asdict(report)


def flush_once(store: Any, settings: Settings) -> dict[str, Any]:
    """The spool into the catalog and the rejected input into error records, once (``cxmon devices flush``)."""
    from hardware.capture_devices import SpoolPaths
    from hardware.spool import Spool
    from pipeline.devices.rejects import store_rejections
    from pipeline.devices.stored import RedactingSink
    from pipeline.store.intake import keeps_redacted
    from pipeline.store.outages import is_outage

    paths = SpoolPaths.under(settings.home)
    redact = keeps_redacted(settings)
    report = Spool(paths.spool_dir).flush(RedactingSink(store.catalog) if redact else store.catalog)
    if report.outage:
        log.warning("device spool: %s", report.outage)
        return {"stored": report.stored, "rejections": 0}
    for note in report.notes:
        log.warning("device spool: %s", note)
    try:
        rejected = store_rejections(store, paths.rejects_path, redact_pii=redact).stored
    except Exception as error:
        if not is_outage(error):
            raise
        log.warning("device rejections wait in %s: the store could not be reached (%s)", paths.rejects_path,
                    type(error).__name__)
        rejected = 0
    return {"stored": report.stored, "rejections": rejected}


@task
def flush_spool(*, flush_s: float, until_s: float | None, final: bool = False) -> dict[str, int]:
    """Flush every ``flush_s`` seconds until the capture ends (``final``: once, now); totals stored."""
    import time

    settings = Settings()
    store = _open_store(settings)
    totals = {"stored": 0, "rejections": 0}

    def add(done: dict[str, Any]) -> None:
        for key in totals:
            totals[key] += done[key]

    if final:
        add(flush_once(store, settings))
        return totals
    while not STOP.wait(flush_s if until_s is None else max(0.0, min(flush_s, until_s - time.monotonic()))):
        add(flush_once(store, settings))
        if until_s is not None and time.monotonic() >= until_s:
            break
    return totals


def _stopped_cleanly(wait: Callable[[], Any]) -> Any:
    """``wait()``; Ctrl-C or SIGTERM (Prefect's ``TerminationSignal``, also how a runner cancels a run) while
    it waits sets :data:`STOP`, and the capture ends as after ``seconds``: open visits stored, spool flushed."""
    from prefect.exceptions import TerminationSignal

    while True:
        try:
            return wait()
        except (KeyboardInterrupt, TerminationSignal) as error:
            log.warning("capture stopped (%s): storing the open visits and flushing the spool",
                        type(error).__name__)
            STOP.set()


MAX_TASKS = 256
"""Cameras and device readers one capture runs at once (each holds a thread for the whole capture)."""


@flow(name="capture_desk", task_runner=ThreadPoolTaskRunner(max_workers=MAX_TASKS))
def capture_desk(site: str, *, registry: Path | str | None = None, seconds: float | None = None,
                 flush_s: float = 10.0) -> dict[str, Any]:
    """Capture the site's cameras and devices (``registry``: the YAML file, default the
    ``device_registry`` setting); returns what was stored (README "Desk capture")."""
    import time

    from hardware.capture_devices import capture_plan
    from hardware.registry import load_registry

    settings = Settings()
    path = registry if registry is not None else settings.device_registry
    if path is None:
        raise ValueError("no device registry: pass registry= or set device_registry (CXMON_DEVICE_REGISTRY)")
    loaded = load_registry(Path(path))
    plan = capture_plan(loaded, site)
    if len(plan.cameras) + len(plan.readers) + 1 > MAX_TASKS:  # one waiting for a thread would never start
        raise ValueError(f"site {site}: {len(plan.cameras)} cameras and {len(plan.readers)} device readers; at most "
                         f"{MAX_TASKS - 1} in one capture: split the site's desks into several sites")
    for note in plan.notes:
        log.info("site %s: %s", site, note)
    STOP.clear()  # a stop asked of an earlier capture in this process is not one of this capture
    until_s = None if seconds is None else time.monotonic() + seconds
    purged = purge_images()
    cameras = {c.camera_id: capture_camera.submit({"id": c.camera_id, "source": c.source, "desk": c.desk_id,
                                                   "operator": c.operator_id}, site, seconds=seconds,
                                                  flush_s=flush_s)
               for c in plan.cameras}
    readers = [read_devices.submit(r, loaded, until_s=until_s) for r in plan.readers]
    flusher = flush_spool.submit(flush_s=flush_s, until_s=until_s) if plan.readers else None
    # a reader or camera that fails leaves the others running; its error is raised once all have ended
    # and the presses are flushed, so nothing of theirs is lost
    devices = _stopped_cleanly(lambda: {r.name: f.result(raise_on_failure=False) for r, f in zip(plan.readers,
                                                                                                 readers)})
    flushed = [_stopped_cleanly(flusher.result), flush_spool(flush_s=flush_s, until_s=None, final=True)] \
        if flusher else []
    contacts = _stopped_cleanly(lambda: {camera_id: future.result(raise_on_failure=False)
                                         for camera_id, future in cameras.items()})
    for outcome in [*devices.values(), *contacts.values()]:
        if isinstance(outcome, BaseException):
            raise outcome
    return {
        "site": site,
        "contacts": contacts,
        "presses_read": sum(d["presses"] for d in devices.values()),
        "presses_stored": sum(f["stored"] for f in flushed),
        "rejected": sum(d["rejected"] for d in devices.values()),
        "rejections_recorded": sum(f["rejections"] for f in flushed),
        "devices": devices,
        "images_purged": purged,
        "notes": list(plan.notes),
    }
