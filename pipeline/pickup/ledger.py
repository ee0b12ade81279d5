"""One pickup pass: list the source, note what is new or still growing, take each group that has settled.

A group is a file and its sidecars (``NAME.wav``, ``NAME.meta.json``, ``NAME.events.json``: one base name
in one folder or key prefix). When it is taken:

- Settling. A file is settled when its size and time (an S3 object's etag) are what the ledger saw at
  least ``settle_s`` seconds ago. The ledger's own clock decides, not the file's mtime (a recorder on
  another machine, an NFS mount: clocks differ), so a file is taken no sooner than the pass after the one
  that first saw it. A group waits until every file of it has settled: a sidecar written after its
  recording holds the recording back while it keeps changing.
- Once. Each file is claimed with a conditional UPDATE of its ledger row (waiting -> taking) naming this
  pass; a group any of whose files another pickup claimed first is left to it. A claim whose taker died
  (older than ``stale_s``) is taken over: ingest is idempotent (contacts are named by their content).
- New versions. A file taken (or failed) that shows up again with another size or time (S3: etag) is a
  new version: a new ledger row that waits and settles like a new file. Ingest names a contact by its
  content, so new bytes make a new contact (the old one stays) and the same bytes touched again give the
  existing contact, never a copy.
- Late sidecars. A sidecar that arrives after its recording was taken is ingested alone and fails (no
  recording beside it: an error record with its bytes in quarantine); re-ingest both to use it.
- Nothing is moved or deleted in the source (the recorder owns it) unless ``remove_taken`` says so; then
  a group's files go once every one of them is taken.

A group that fails (a recording that cannot be decoded, a file that vanished) marks its files failed with
the reason; the pass goes on. A store that cannot be reached gives the claims back (the files wait for the
next pass) and ends the pass, saying what was down.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.sidecars import SIDECAR_SUFFIXES
from pipeline.store import Store
from pipeline.store.intake import IngestReport, describe_os_error, display_text, name_text
from pipeline.store.outages import is_outage

if TYPE_CHECKING:
    from pipeline.catalog.pickup import PickedFile

log = logging.getLogger(__name__)

STALE_CLAIM_S = 3600.0
"""A claim older than this is a dead pickup's: another pass takes the file over."""

Ingest = Callable[[Store, Sequence[Path]], IngestReport]
"""Ingests files (a group) into the store: ``pipeline.ingest.ingest_paths`` with the settings bound."""


def group_of(folder: str, name: str) -> str:
    """What a file shares with its sidecars: its folder and its name without the sidecar suffix, or without
    its own last suffix.

    >>> group_of("/drop", "a.meta.json") == group_of("/drop", "a.wav"), group_of("/drop", "a.b.wav")
    (True, '/drop/a.b')
    """
    sidecar = next((suffix for suffix in SIDECAR_SUFFIXES if name.endswith(suffix)), None)
    base = name.removesuffix(sidecar) if sidecar else (PurePosixPath(name).stem or name)
    return f"{folder.rstrip('/')}/{base}"


@dataclass(frozen=True, slots=True)
class Seen:
    """A file as a listing found it. ``source`` is the ledger's name for it (a path, ``s3://bucket/key``,
    as :func:`~pipeline.store.intake.name_text` writes it); ``group`` is :func:`group_of`'s; ``name`` is
    the file's own name, as it is."""

    source: str
    group: str
    name: str
    size_bytes: int
    mtime_ns: int | None
    etag: str | None = None

    def same_as(self, row: PickedFile) -> bool:
        """Whether the ledger's ``row`` saw this file as it is now: size and etag for an object (its time
        changes when the same bytes are uploaded again), size and time for a file."""
        if self.etag is not None or row.etag is not None:
            return (self.size_bytes, self.etag) == (row.size_bytes, row.etag)
        return (self.size_bytes, self.mtime_ns) == (row.size_bytes, row.mtime_ns)


class Source(Protocol):
    """Where files are picked up: a drop folder, an S3 prefix."""

    where: str
    """What it is, for messages: ``/drop``, ``s3://bucket/prefix``."""

    def listing(self) -> list[Seen]:
        """Every file there now (hidden ones, whose names start with ".", are someone's work in progress)."""
        ...

    def fetch(self, files: Sequence[Seen], into: Path) -> dict[str, Path]:
        """Local paths of ``files`` by source, downloaded into ``into`` (keeping their names) if need be."""
        ...

    def remove(self, file: Seen) -> None: ...


@dataclass(slots=True)
class PickupReport:
    """What a pass did: files seen, still waiting to settle, left to another pickup that claimed them
    (``busy``), taken (with their contacts), failed (with why), and what could not be reached."""

    where: str
    seen: int = 0
    waiting: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    taken: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    outage: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"source": self.where, "seen": self.seen, "waiting": self.waiting, "busy": self.busy,
                "taken": [{"file": f, "contact_ids": list(ids)} for f, ids in self.taken],
                "failed": [{"file": f, "error": e} for f, e in self.failed], "removed": self.removed,
                "outage": self.outage}


def default_owner() -> str:
    """This pass's name in the ledger's claims: host, process and a random part."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def pickup_pass(
    store: Store, source: Source, *, ingest: Ingest, settle_s: float, now: Callable[[], datetime] | None = None,
    owner: str | None = None, stale_s: float = STALE_CLAIM_S, remove_taken: bool = False, progress: bool = False,
) -> PickupReport:
    """List ``source`` once, note new and changed files in the ledger and take every group that has settled
    (see the module's docstring). ``now`` is the clock (tests give their own)."""
    from tqdm import tqdm

    if not settle_s >= 0:
        raise ValueError(f"settle_s={settle_s!r}; expected seconds >= 0")
    clock = now or (lambda: datetime.now(UTC))
    owner = owner or default_owner()
    report = PickupReport(where=source.where)
    files = source.listing()
    report.seen = len(files)
    at = clock()
    latest = store.catalog.picked_latest([f.source for f in files])
    ready: dict[str, list[tuple[Seen, PickedFile]]] = {}
    held: set[str] = set()  # groups with a file that is new, changing or being taken by another pickup
    for file in files:
        row = latest.get(file.source)
        if row is not None and row.state in ("taken", "failed") and file.same_as(row):
            continue  # done with
        if row is None or row.state in ("taken", "failed"):  # new, or a new version of a file done with
            store.catalog.add_picked(file.source, 1 if row is None else row.version + 1, size_bytes=file.size_bytes,
                                     mtime_ns=file.mtime_ns, etag=file.etag, at=at)
            held.add(file.group)
        elif not file.same_as(row):
            store.catalog.note_picked_change(file.source, row.version, size_bytes=file.size_bytes,
                                             mtime_ns=file.mtime_ns, etag=file.etag, at=at)
            held.add(file.group)
        elif row.state == "taking" and row.claimed_at is not None and at - row.claimed_at < timedelta(seconds=stale_s):
            report.busy.append(file.source)
            held.add(file.group)
        elif at - row.unchanged_since < timedelta(seconds=settle_s):
            held.add(file.group)
        else:
            ready.setdefault(file.group, []).append((file, row))
    report.waiting = [f.source for f in files if f.group in held and f.source not in report.busy
                      and not _done(latest.get(f.source), f)]
    groups = [members for group, members in sorted(ready.items()) if group not in held]
    for members in tqdm(groups, desc="pickup", unit="group", disable=not progress, leave=False):
        if not _take(store, source, members, ingest=ingest, owner=owner, clock=clock, stale_s=stale_s,
                     remove_taken=remove_taken, report=report):
            break
    return report


def _done(row: PickedFile | None, file: Seen) -> bool:
    return row is not None and row.state in ("taken", "failed") and file.same_as(row)


def _take(store: Store, source: Source, members: list[tuple[Seen, PickedFile]], *, ingest: Ingest, owner: str,
          clock: Callable[[], datetime], stale_s: float, remove_taken: bool, report: PickupReport) -> bool:
    """Claim, ingest and mark one group; False when the store could not be reached (the pass stops)."""
    catalog = store.catalog
    claimed: list[PickedFile] = []
    at = clock()
    for _, row in members:
        if not catalog.claim_picked(row.source, row.version, size_bytes=row.size_bytes, mtime_ns=row.mtime_ns,
                                    etag=row.etag, owner=owner, at=at, stale_before=at - timedelta(seconds=stale_s)):
            for mine in claimed:
                catalog.release_picked(mine.source, mine.version, owner=owner)
            report.busy += [file.source for file, _ in members]
            return True
        claimed.append(row)
    with tempfile.TemporaryDirectory(prefix="cxmon-pickup-") as folder:
        try:
            local = source.fetch([file for file, _ in members], Path(folder))
            result = ingest(store, list(local.values()))
        except BaseException as error:  # Ctrl-C too: the claims go back, not to wait out STALE_CLAIM_S
            if isinstance(error, Exception) and is_outage(error):
                for row in claimed:
                    catalog.release_picked(row.source, row.version, owner=owner)
                report.outage = display_text(f"{type(error).__name__}: {error}")[:300]
                log.warning("pickup stopped, the store cannot be reached: %s", report.outage)
                return False
            if not isinstance(error, (OSError, ValueError)):
                for row in claimed:
                    catalog.release_picked(row.source, row.version, owner=owner)
                raise
            why = describe_os_error(error) if isinstance(error, OSError) else display_text(str(error))
            for file, row in members:
                message = f"{name_text(file.name)}: not taken: {why}"
                catalog.finish_picked(row.source, row.version, owner=owner, at=clock(), error=message)
                report.failed.append((file.source, message))
            return True
        _finish(store, members, local, result, owner=owner, at=clock(), report=report)
    if remove_taken and all(file.source in dict(report.taken) for file, _ in members):
        for file, _ in members:
            source.remove(file)
            report.removed.append(file.source)
    return True


def _finish(store: Store, members: list[tuple[Seen, PickedFile]], local: dict[str, Path], result: IngestReport, *,
            owner: str, at: datetime, report: PickupReport) -> None:
    """Mark each file of a group taken or failed from what ingest reported; the records of a download name
    the file where it came from."""
    errors = {error.source: error for error in result.errors}
    contact_ids = tuple(dict.fromkeys([*result.new, *result.existing]))
    for file, row in members:
        shown = name_text(str(local[file.source]))
        if shown != file.source:
            store.catalog.rename_source(shown, file.source)
        error = errors.get(shown)
        if error is None and not contact_ids and result.errors:  # a sidecar of a recording that failed
            error = result.errors[0]
        if error is None:
            store.catalog.finish_picked(row.source, row.version, owner=owner, at=at, contact_ids=contact_ids)
            report.taken.append((file.source, contact_ids))
        else:
            message = error.message if errors.get(shown) is error else f"not ingested: {error.message}"
            store.catalog.finish_picked(row.source, row.version, owner=owner, at=at, error=message,
                                        contact_ids=[error.contact_id] if error.contact_id else [])
            report.failed.append((file.source, message))
