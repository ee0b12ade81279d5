"""A site's button boxes read into the spool for as long as a capture runs (``flows.desk.capture_desk``).

One reader per thing opened: a keyboard box (its ``/dev/input`` event file), a HID box, or a serial
port with every registered serial device on it (a hub's lines each name their device). A reader
appends each press to the spool (fsync'd, as ``cxmon devices serve`` does) and writes each line it
could not read to the rejects file in :class:`hardware.http_endpoint.JsonlRejectLog`'s format, so
``cxmon devices flush`` records it as an error with its raw payload. A device that cannot be opened
or goes away (unplugged, no such port) is tried again after 1, 2, 4 ... s (capped at
``backoff_max_s``); the other readers and the cameras carry on. ``http`` devices post to
``cxmon devices serve`` and are not read here.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hardware.camera import backoff_delays
from hardware.keyboard import read_input_device
from hardware.registry import Camera, Device, DeviceInputError, Registry
from hardware.spool import Spool
from pipeline.records import DeviceEvent

log = logging.getLogger(__name__)

READ_KINDS = ("keyboard", "hid", "serial")
"""The kinds read here; an ``http`` device posts to ``cxmon devices serve``."""


@dataclass(frozen=True, slots=True)
class DeviceReader:
    """One thing to open and read: ``name`` is the event file, the serial port, or the HID device's id."""

    kind: str
    name: str
    devices: tuple[Device, ...]


@dataclass(frozen=True, slots=True)
class CapturePlan:
    """What a capture of one site runs: its cameras, its device readers, and a note per device not read."""

    site: str
    cameras: tuple[Camera, ...]
    readers: tuple[DeviceReader, ...]
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class ReaderReport:
    """What one reader did: presses appended to the spool, inputs rejected, failed opens or reads."""

    name: str
    presses: int = 0
    rejected: int = 0
    open_failures: int = 0
    given_up: str | None = None


def capture_plan(registry: Registry, site: str) -> CapturePlan:
    """The cameras and device readers of ``site``; ValueError naming the site and the registry file
    when it has neither."""
    cameras = tuple(registry.cameras_at(site))
    readers: list[DeviceReader] = []
    ports: dict[str, list[Device]] = {}
    notes: list[str] = []
    for device in sorted(registry, key=lambda d: d.device_id):
        if device.site_id != site:
            continue
        if device.kind not in READ_KINDS:
            notes.append(f"{device.device_id}: an {device.kind} device; it posts to `cxmon devices serve`")
        elif device.kind == "hid" and device.path is None and (device.vendor_id is None or device.product_id is None):
            notes.append(f"{device.device_id}: no vendor_id/product_id in {device.source}; not read")
        elif device.kind != "hid" and not device.path:
            where = "port" if device.kind == "serial" else "path"
            notes.append(f"{device.device_id}: no {where} in {device.source}; not read")
        elif device.kind == "serial":
            ports.setdefault(device.path, []).append(device)
        else:
            name = device.path if device.kind == "keyboard" else \
                f"{device.device_id} ({device.vendor_id:04x}:{device.product_id:04x})"
            readers.append(DeviceReader(device.kind, name, (device,)))
    readers += [DeviceReader("serial", port, tuple(devices)) for port, devices in sorted(ports.items())]
    if not cameras and not readers:
        unread = f" ({'; '.join(notes)})" if notes else ""
        raise ValueError(f"site {site!r}: no cameras and no keyboard, hid or serial devices in "
                         f"{registry.source or 'the registry'}{unread}; expected a camera under `cameras:` or a "
                         "device under `devices:` whose desk is at this site")
    return CapturePlan(site, cameras, tuple(readers), tuple(notes))


def read_keyboard(path: str, device: Device, *, stop: Callable[[], bool], poll_s: float = 0.5,
                  grab: bool = True) -> Iterator[DeviceEvent | DeviceInputError]:
    """Presses and errors from the event file at ``path`` until ``stop()`` (checked every ``poll_s``)
    or the end of the file: :func:`hardware.keyboard.read_input_device` without blocking, so a capture
    stops on time when nobody presses; a file that is not an input device (a FIFO replaying a
    recorded stream) is read without being grabbed."""
    is_device = stat.S_ISCHR(os.stat(path).st_mode)
    if grab and not is_device:
        log.warning("%s: not an input device; read without grabbing it", path)
    return read_input_device(path, device, grab=grab and is_device, stop=stop, poll_s=poll_s)


def _state_path(state_dir: Path, port: str) -> Path:
    return state_dir / ("serial-" + re.sub(r"[^A-Za-z0-9_.-]", "_", port).strip("_") + ".json")


def _inputs(reader: DeviceReader, registry: Registry, stop: Callable[[], bool],
            state_dir: Path) -> Iterator[DeviceEvent | DeviceInputError]:
    device = reader.devices[0]
    if reader.kind == "keyboard":
        yield from read_keyboard(reader.name, device, stop=stop)
    elif reader.kind == "hid":
        from hardware.hid import read_hid_device

        yield from read_hid_device(device, stop=stop)
    else:
        from hardware.serial_box import open_port, read_port

        port = open_port(reader.name, baudrate=device.baudrate)
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            yield from read_port(port, registry, name=reader.name, stop=stop,
                                 state_path=_state_path(state_dir, reader.name))
        finally:
            port.close()


def write_rejection(path: Path, error: DeviceInputError) -> None:
    """One line in the rejects file for input that is no event (the format ``cxmon devices flush`` reads)."""
    from hardware.http_endpoint import JsonlRejectLog

    raw = (error.raw or "").encode("utf-8", "surrogatepass")
    JsonlRejectLog(path)(error.message, raw, error.device_id)


def run_reader(reader: DeviceReader, registry: Registry, spool: Spool, rejects_path: Path, *,
               stop: threading.Event, until_s: float | None = None, state_dir: Path,
               backoff_first_s: float = 1.0, backoff_max_s: float = 30.0,
               clock: Callable[[], float] = time.monotonic,
               inputs: Callable[..., Iterator[DeviceEvent | DeviceInputError]] = _inputs) -> ReaderReport:
    """Read ``reader`` into ``spool`` until ``stop`` is set or the ``clock`` reaches ``until_s``.

    Opening or reading failing (``OSError``, which pyserial's and hidapi's errors are) or the stream
    ending is logged and retried after a back-off; a missing package ends this reader only."""
    report = ReaderReport(reader.name)
    rejects_path.parent.mkdir(parents=True, exist_ok=True)

    def stopped() -> bool:
        return stop.is_set() or (until_s is not None and clock() >= until_s)

    delays, failures = backoff_delays(first_s=backoff_first_s, max_s=backoff_max_s), 0
    while not stopped():
        try:
            for item in inputs(reader, registry, stopped, state_dir):
                if failures:
                    log.info("%s %s: back after %d failed attempts", reader.kind, reader.name, failures)
                    delays, failures = backoff_delays(first_s=backoff_first_s, max_s=backoff_max_s), 0
                if isinstance(item, DeviceEvent):
                    try:
                        spool.append([item])
                        report.presses += 1
                        continue
                    except ValueError as error:  # a field longer than the catalog holds
                        item = DeviceInputError(f"{reader.name}: {error}", raw=item.raw, device_id=item.device_id)
                log.warning("%s %s: %s", reader.kind, reader.name, item.message)
                write_rejection(rejects_path, item)
                report.rejected += 1
            problem = "the stream ended"
        except ImportError as error:
            report.given_up = f"{error}; install cxmon[desk]"
            log.error("%s %s: %s; not read", reader.kind, reader.name, report.given_up)
            return report
        except OSError as error:
            problem = f"cannot open or read it ({error})"
        if stopped():
            break
        failures += 1
        report.open_failures += 1
        delay = next(delays)
        log.warning("%s %s: %s; trying again in %g s (attempt %d)", reader.kind, reader.name, problem, delay,
                    failures)
        left = delay if until_s is None else min(delay, max(0.0, until_s - clock()))
        stop.wait(left)
    return report


@dataclass(frozen=True, slots=True)
class SpoolPaths:
    """Where a site's readers write: the spool, the rejects file, the serial boxes' press numbers."""

    spool_dir: Path
    rejects_path: Path
    state_dir: Path

    @classmethod
    def under(cls, home: Path) -> SpoolPaths:
        """The places ``cxmon devices serve`` and ``cxmon devices flush`` use under ``home``."""
        return cls(home / "device-spool", home / "device-rejected.jsonl", home / "device-state")
