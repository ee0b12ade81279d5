"""Never lose a press: a local, append-only spool between the device adapters and the store.

An adapter hands its :class:`~pipeline.records.DeviceEvent`\\ s to :meth:`Spool.append`, which
writes them as JSON lines to the spool's current segment file and returns only once the bytes
(and, for a new segment, the directory entry) are fsync'd: a press the adapter has acknowledged
survives a power cut. :meth:`Spool.flush` moves what the segments hold into the catalog in
batches; the catalog (or the network) being down only stops the flush -- the next one carries on.

Exactly once comes from two things: the catalog keeps each ``event_id`` once
(``add_device_events`` is idempotent), and a cursor file (``cursor.json``, replaced atomically
and fsync'd) says how far the segments are stored. It moves only after the catalog has committed
a batch, so a flusher killed mid-batch leaves the cursor before that batch, and the re-run stores
the rest: the part the killed one committed is found there already and not stored twice.

Files in the spool's directory: ``NNNNNNNNNNNN.jsonl`` segments (append-only, rotated at
``segment_bytes``), ``cursor.json``, ``append.lock`` and ``flush.lock`` (``fcntl.flock``: appenders
in several threads or processes take turns, and two flushers never run at once). A segment whose
last line was torn by a crash mid-write is never appended to again; the torn line (and any line
that is not an event) is skipped with a note, its bytes kept in ``NNNNNNNNNNNN.jsonl.skipped`` for
a person to look at. A segment is deleted once all of it is stored.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pipeline.catalog.schema import device_events
from pipeline.records import DeviceEvent
from pipeline.store.outages import is_outage

SEGMENT_BYTES = 4 * 1024 * 1024
"""A segment is rotated once it holds this many bytes (a few tens of thousands of presses)."""
_SEGMENT = re.compile(r"^(\d{12})\.jsonl$")
_FIELDS = tuple(f.name for f in fields(DeviceEvent))


class DeviceEventSink(Protocol):
    """What a flush stores into: :class:`pipeline.catalog.Catalog` is one."""

    def add_device_events(self, events: Iterable[DeviceEvent]) -> int: ...


@dataclass(slots=True)
class FlushReport:
    """What one :meth:`Spool.flush` did: events ``read`` from the spool and committed to the catalog,
    how many of them were ``stored`` new (the rest were there already), ``notes`` on lines skipped,
    and ``outage`` (why the flush stopped early, when the catalog could not be reached)."""

    read: int = 0
    stored: int = 0
    batches: int = 0
    notes: list[str] = field(default_factory=list)
    outage: str | None = None

    @property
    def duplicates(self) -> int:
        return self.read - self.stored


def checked_event(event: DeviceEvent) -> DeviceEvent:
    """``event`` when each of its fields fits its catalog column; else ValueError naming the field.
    (An event the catalog refuses would stop every flush after it.)"""
    for name in _FIELDS:
        limit = getattr(device_events.c[name].type, "length", None)
        value = getattr(event, name)
        if limit is not None and value is not None and len(value) > limit:
            raise ValueError(f"{name} is {len(value)} characters long; expected at most {limit}")
    return event


def event_line(event: DeviceEvent) -> bytes:
    """``event`` as one spool line (JSON, ``at`` in ISO 8601 with its zone, newline-terminated); ValueError
    for an event the catalog could not hold (:func:`checked_event`)."""
    checked_event(event)
    fields_ = {name: getattr(event, name) for name in _FIELDS}
    fields_["at"] = event.at.isoformat()
    # ASCII: a lone surrogate (an undecodable byte kept by surrogateescape) is written as \udcNN and read back
    return (json.dumps(fields_, separators=(",", ":")) + "\n").encode("ascii")


def event_of_line(line: bytes) -> DeviceEvent:
    """The event a spool line holds; ValueError when it holds none."""
    try:
        fields_: Any = json.loads(line.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a JSON line ({error})") from None
    if not isinstance(fields_, dict) or set(fields_) != set(_FIELDS):
        raise ValueError(f"expected an object with the fields {', '.join(_FIELDS)}")
    try:
        return checked_event(DeviceEvent(**{**fields_, "at": datetime.fromisoformat(fields_["at"])}))
    except (TypeError, ValueError) as error:
        raise ValueError(str(error)) from None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """An append-only, fsync'd spool of device events in ``directory`` (created if missing)."""

    def __init__(self, directory: Path | str, *, segment_bytes: int = SEGMENT_BYTES) -> None:
        if segment_bytes < 1:
            raise ValueError(f"segment_bytes={segment_bytes}; expected at least 1")
        self.directory = Path(directory)
        self.segment_bytes = segment_bytes
        self.directory.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"Spool({str(self.directory)!r})"

    @contextmanager
    def _locked(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        with open(self.directory / name, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def segments(self) -> list[Path]:
        """The segment files not yet wholly stored, oldest first."""
        return sorted(p for p in self.directory.iterdir() if _SEGMENT.match(p.name))

    def _segment(self, number: int) -> Path:
        return self.directory / f"{number:012d}.jsonl"

    def append(self, events: Iterable[DeviceEvent]) -> int:
        """Write ``events`` to the spool and fsync them; how many were written. Returns only when they
        are on disk: an adapter acknowledges a press after this, never before. ValueError (and nothing
        written) when an event has a field longer than the catalog holds."""
        data = b"".join(event_line(e) for e in events)
        if not data:
            return 0
        with self._locked("append.lock"):
            segments = self.segments()
            path = segments[-1] if segments else None
            if path is not None:
                size = path.stat().st_size
                torn = size > 0 and _last_byte(path) != b"\n"  # a crash cut the last write short
                if torn or size >= self.segment_bytes:
                    path = None
            new = path is None
            if new:
                last = int(_SEGMENT.match(segments[-1].name).group(1)) if segments else self._cursor()[0]
                path = self._segment(last + 1)
            with open(path, "ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if new:
                _fsync_dir(self.directory)
        return data.count(b"\n")

    def _cursor(self) -> tuple[int, int]:
        """(segment number, bytes of it stored): everything before is in the catalog."""
        try:
            cursor = json.loads((self.directory / "cursor.json").read_text())
            return int(cursor["segment"]), int(cursor["offset"])
        except FileNotFoundError:
            return 0, 0

    def _set_cursor(self, segment: int, offset: int) -> None:
        temporary = self.directory / "cursor.json.tmp"
        with open(temporary, "w") as fh:
            json.dump({"segment": segment, "offset": offset}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, self.directory / "cursor.json")
        _fsync_dir(self.directory)

    def pending(self) -> int:
        """Bytes in the spool not yet stored (0: everything appended is in the catalog)."""
        number, offset = self._cursor()
        sizes = [(int(_SEGMENT.match(p.name).group(1)), p.stat().st_size) for p in self.segments()]
        return sum(size - (offset if n == number else 0) for n, size in sizes if n >= number)

    def flush(self, catalog: DeviceEventSink, *, batch: int = 500, wait: bool = True) -> FlushReport:
        """Store what the spool holds into ``catalog``, ``batch`` events per transaction, and move the
        cursor after each commit; delete each segment once stored.

        The catalog being down stops the flush: the report says so (``outage``) and holds what was
        stored before; nothing is lost, and the next flush carries on. Another error is raised, the
        cursor left after the last committed batch. With ``wait=False`` a flush finding another one
        running returns at once, its report's ``outage`` saying so."""
        if batch < 1:
            raise ValueError(f"batch={batch}; expected at least 1")
        report = FlushReport()
        with self._locked("flush.lock", wait=wait) as held:
            if not held:
                report.outage = "another flush is running"
                return report
            with self._locked("append.lock"):  # a consistent picture: no append is half written
                sizes = [(int(_SEGMENT.match(p.name).group(1)), p, p.stat().st_size) for p in self.segments()]
            done, offset = self._cursor()
            for index, (number, path, size) in enumerate(sizes):
                if number < done:  # stored before a crash kept it from being deleted
                    self._retire(path)
                    continue
                start = offset if number == done else 0
                if not self._flush_segment(catalog, path, number, start, size, batch, report):
                    return report
                # Appends go to the last segment only, and never to one whose last line is torn.
                if index < len(sizes) - 1 or _last_byte(path, size) not in (b"\n", b""):
                    self._set_cursor(number + 1, 0)
                    self._retire(path)
        return report

    def _retire(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        _fsync_dir(self.directory)

    def _skip(self, path: Path, position: int, raw: bytes, why: str, report: FlushReport) -> None:
        """Keep the bytes of a line that holds no event in ``NAME.skipped`` and note why."""
        kept = path.with_name(path.name + ".skipped")
        with open(kept, "ab") as fh:
            fh.write(raw if raw.endswith(b"\n") else raw + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        report.notes.append(f"{path.name}: byte {position}: {why}; skipped, its bytes kept in {kept.name}")

    def _flush_segment(self, catalog: DeviceEventSink, path: Path, number: int, start: int, size: int,
                       batch: int, report: FlushReport) -> bool:
        """Store the lines of ``path`` from byte ``start`` to ``size``; False when an outage stopped it."""
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(size - start)
        pending: list[DeviceEvent] = []
        position = start
        for raw in data.split(b"\n"):
            if position == size:
                break  # what follows the last newline: nothing
            torn = position + len(raw) == size  # no newline after it: a write cut short
            end = position + len(raw) + (0 if torn else 1)
            if torn:
                self._skip(path, position, raw, f"a torn last line ({len(raw)} bytes)", report)
            else:
                try:
                    pending.append(event_of_line(raw))
                except ValueError as error:
                    self._skip(path, position, raw, str(error), report)
            position = end
            if len(pending) >= batch and not self._store(catalog, pending, number, end, report):
                return False
        return self._store(catalog, pending, number, position, report)

    def _store(self, catalog: DeviceEventSink, pending: list[DeviceEvent], number: int, end: int,
               report: FlushReport) -> bool:
        """Add ``pending`` to the catalog and move the cursor to ``end``; False (cursor kept) on an outage."""
        if pending:
            try:
                stored = catalog.add_device_events(pending)
            except Exception as error:
                if not is_outage(error):
                    raise
                report.outage = (f"the catalog could not be reached ({type(error).__name__}); "
                                 f"{len(pending)} events wait in {self.directory}")
                return False
            report.read += len(pending)
            report.stored += stored
            report.batches += 1
            pending.clear()
        self._set_cursor(number, end)
        return True


def _last_byte(path: Path, size: int | None = None) -> bytes:
    size = path.stat().st_size if size is None else size
    if size == 0:
        return b""
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1)
