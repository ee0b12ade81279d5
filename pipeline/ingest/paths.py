"""Ingest files and folders: each file goes to its input kind, with the sidecars found beside it.

Which kind a file is, which sidecars it takes and how it is ingested is the registry's
(:data:`~pipeline.ingest.registry.INPUT_KINDS`), not this module's. A file of no kind, and a
sidecar with nothing beside it to use it, become error records with their bytes in quarantine.

Walking a folder never leaves it and never skips a file without a record: a hidden file (its name
starts with ".") is skipped with a record saying so (its bytes not read: editors' and file
managers' droppings are no one's data), and a hidden folder is one such record; a symlink is
followed only to a file inside the ingested folders; a symlink out of them, a broken one, a
symlink loop, a file that cannot be opened and anything that is not a regular file (FIFO,
socket, device) are records without their bytes read. Ingesting is a loop of
independent items: whatever one input raises becomes its error record, and the batch goes on.

A store that cannot be reached is no fault of an input: :func:`ingest_batch` pauses and tries the
same input again (:data:`OUTAGE_PAUSES_S`), then stops the batch and says which inputs were not
ingested. Nothing is recorded against them: the same command again ingests them, and nothing twice
(keys and contact ids come from the content, so an input half done before the outage, its object
written and its catalog row not, is finished, not copied).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.ingest.registry import INPUT_KINDS, expected_inputs, kind_of
from pipeline.personal_data import redacted_name
from pipeline.settings import Settings, masked_url
from pipeline.sidecars import SIDECAR_SUFFIXES
from pipeline.store import Store
from pipeline.store.intake import (
    IngestReport,
    InputKind,
    describe_os_error,
    display_text,
    keeps_redacted,
    name_text,
    quarantine,
    refuse,
)
from pipeline.store.outages import is_outage, outage_server

log = logging.getLogger(__name__)
# An OSError with one of these while ingesting a file is the file's (or its disk's) fault.
_READ_ERRNOS = frozenset({errno.EIO, errno.EACCES, errno.EPERM, errno.ENOENT, errno.EISDIR, errno.ENXIO,
                          errno.ENODEV, errno.ESTALE, errno.EBADF, errno.ELOOP, errno.ENAMETOOLONG})

OUTAGE_PAUSES_S: tuple[float, ...] = (2.0, 8.0, 30.0)
"""Pauses before an input is tried again when the store cannot be reached; after the last, the batch stops."""

_Key = tuple[Path, str]  # a folder and a name without its suffix: what a file and its sidecars share
_ByKind = dict[str, dict[_Key, list[Path]]]  # kind name -> key -> its files of that kind


@dataclass(frozen=True, slots=True)
class InputPlan:
    """What a batch holds: the inputs of each kind by kind name (also ``plan.recordings``, ``plan.chats``,
    ...), the file each input was made from (``sources``, in the same order), every file that cannot be
    ingested with why (``unusable``: its bytes go to quarantine) and every path refused without
    reading it (``refused``: hidden files, symlinks out of the folders, loops, unreadable or irregular
    files)."""

    inputs: Mapping[str, tuple[Any, ...]]
    unusable: tuple[tuple[Path, str], ...]
    refused: tuple[tuple[Path, str], ...] = ()
    sources: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> tuple[Any, ...]:
        inputs = object.__getattribute__(self, "inputs")
        if name not in inputs:
            raise AttributeError(f"{name!r}: no such input kind; expected one of {sorted(inputs)}")
        return inputs[name]


def _open_for_reading(path: Path) -> int:
    """A descriptor of ``path`` opened for reading (without blocking); its own function so tests can fail it."""
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK)


def _kind_of_file(mode: int) -> str:
    return {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
            stat.S_IFBLK: "a block device"}.get(stat.S_IFMT(mode), "not a regular file")


@dataclass(slots=True)
class _Walk:
    files: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)  # recorded, never read

    def add_file(self, path: Path) -> None:
        """Take ``path`` if it is a regular file that opens; else refuse it saying why."""
        shown = name_text(path.name)
        try:
            mode = path.stat().st_mode
            if not stat.S_ISREG(mode):
                self.refused.append((path, f"{shown}: {_kind_of_file(mode)}; expected a regular file, not read"))
                return
            os.close(_open_for_reading(path))
        except OSError as error:
            self.refused.append((path, f"{shown}: cannot be read: {describe_os_error(error)}"))
            return
        self.files.append(path)

    def add_link(self, path: Path, roots: Sequence[Path]) -> None:
        """Follow the symlink ``path`` only to a file inside ``roots``; a folder inside is walked anyway."""
        shown = name_text(path.name)
        try:
            target = path.resolve(strict=True)
        except RuntimeError:  # Python < 3.13 says "Symlink loop" this way
            self.refused.append((path, f"{shown}: symlink loop; not followed"))
            return
        except OSError as error:
            if error.errno == errno.ELOOP:
                self.refused.append((path, f"{shown}: symlink loop; not followed"))
            else:
                self.refused.append((path, f"{shown}: symlink to {name_text(os.readlink(path))}, which cannot be "
                                           f"reached: {describe_os_error(error)}"))
            return
        if not any(target.is_relative_to(root) for root in roots):
            self.refused.append((path, f"{shown}: symlink to {name_text(str(target))}, outside the ingested "
                                       f"folders; not followed"))
        elif not target.is_dir():  # a folder inside the roots is walked where it is
            self.add_file(path)

    def walk(self, folder: Path, roots: Sequence[Path]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: os.fsencode(entry.name))
        except OSError as error:
            self.refused.append((folder, f"{name_text(folder.name)}: folder cannot be read: "
                                         f"{describe_os_error(error)}"))
            return
        for entry in entries:
            path = Path(entry.path)
            shown = name_text(entry.name)
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir(follow_symlinks=False)
            except OSError as error:
                self.refused.append((path, f"{shown}: cannot be read: {describe_os_error(error)}"))
                continue
            if entry.name.startswith("."):
                what = "folder" if is_dir else "symlink" if is_link else "file"
                self.refused.append((path, f"{shown}: hidden {what}; skipped (name it without the leading '.' "
                                           f"to ingest it)"))
            elif is_link:
                self.add_link(path, roots)
            elif is_dir:
                self.walk(path, roots)
            else:
                self.add_file(path)


def _walk(paths: Iterable[Path]) -> _Walk:
    """Every file under ``paths``, and the paths refused or hidden with why. A path named here is taken as
    it is (a named symlink is followed, a named dotfile ingested); inside a folder the rules above apply."""
    paths = [Path(path) for path in paths]
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{display_text(str(path))}: no such file or folder")
    roots = [path.resolve() for path in paths if path.is_dir()]
    found = _Walk()
    for path in paths:
        if path.is_dir():
            found.walk(path, roots)
        else:
            found.add_file(path)
    found.files = list(dict.fromkeys(found.files))
    return found


def _sorted_files(walked: _Walk) -> tuple[_ByKind, dict[_Key, dict[str, Path]], list[tuple[Path, str]]]:
    """The files walked by kind and key, the sidecars by key and suffix, and the files of no kind."""
    files: _ByKind = {kind.name: {} for kind in INPUT_KINDS}
    sidecars: dict[_Key, dict[str, Path]] = {}
    unusable: list[tuple[Path, str]] = []
    for path in walked.files:
        name = path.name
        sidecar = next((suffix for suffix in SIDECAR_SUFFIXES if name.endswith(suffix)), None)
        if sidecar is not None:
            sidecars.setdefault((path.parent, name.removesuffix(sidecar)), {})[sidecar] = path
            continue
        found = kind_of(path)
        if found is None:
            unusable.append((path, f"{name_text(name)}: unsupported file type; expected {expected_inputs()}"))
            continue
        kind, suffix = found
        # A kind without sidecars has no use for a shared key: each of its files is one input.
        key = (path.parent, name[: -len(suffix)] if kind.sidecars else name)
        files[kind.name].setdefault(key, []).append(path)
    return files, sidecars, unusable


def plan_inputs(paths: Iterable[Path]) -> InputPlan:
    """Sort files by input kind and pair each with its sidecars; name every file that is none of these.

    The sidecars beside files of several kinds go to the first kind in the registry that takes any.
    """
    walked = _walk(paths)
    files, sidecars, unusable = _sorted_files(walked)
    inputs: dict[str, tuple[Any, ...]] = {}
    sources: dict[str, tuple[Path, ...]] = {}
    owned: set[_Key] = set()
    for kind in INPUT_KINDS:
        items, made_from = [], []
        for key, paths_of_key in files[kind.name].items():
            beside: dict[str, Path] = {}
            if kind.sidecars and key not in owned:
                owned.add(key)
                beside = sidecars.get(key, {})
            taken = {suffix: path for suffix, path in beside.items() if suffix in kind.sidecars}
            items.extend(kind.input_of(path, taken) for path in paths_of_key)
            made_from.extend(paths_of_key)
            unusable.extend((path, f"{name_text(path.name)}: {kind.refused[suffix]}") for suffix, path in beside.items()
                            if suffix in kind.refused)
        inputs[kind.name] = tuple(items)
        sources[kind.name] = tuple(made_from)
    nouns = " or ".join(kind.noun for kind in INPUT_KINDS if kind.sidecars)
    for key, orphans in sidecars.items():
        if key not in owned:
            unusable.extend((path, f"{name_text(path.name)}: no {nouns} named {name_text(key[1])}.* beside it")
                            for path in orphans.values())
    return InputPlan(inputs, tuple(unusable), tuple(walked.refused), sources)


def _ingest_one(store: Store, kind: InputKind, path: Path, item: Any, report: IngestReport, settings: Settings) -> None:
    """Ingest one input; whatever it raises becomes its error record naming the file (a store that cannot
    be reached is no fault of the file: that still raises)."""
    try:
        kind.ingest(store, item, report, settings)
    except OSError as error:
        if is_outage(error):
            raise  # a server that is down: no fault of this file
        where, named = path, error.filename
        if isinstance(named, (str, bytes, os.PathLike)) and Path(os.fsdecode(named)).parent == path.parent:
            where, named = Path(os.fsdecode(named)), None  # the input or a sidecar beside it
        what = "cannot be read" if error.errno in _READ_ERRNOS else "not ingested"
        at = f" ({name_text(os.fsdecode(named))})" if isinstance(named, (str, bytes, os.PathLike)) else ""
        log.debug("ingest of %s failed", name_text(str(path)), exc_info=True)
        report.errors.append(refuse(store, where, stage="ingest",
                                    message=f"{name_text(where.name)}: {what}: {describe_os_error(error)}{at}"))
    except (ValueError, LookupError, TypeError, ArithmeticError, RuntimeError) as error:
        if is_outage(error):
            raise
        log.debug("ingest of %s failed", name_text(str(path)), exc_info=True)
        detail = display_text(str(error)) or "no detail"
        report.errors.append(quarantine(store, path, stage="ingest",
                                        message=f"{name_text(path.name)}: {type(error).__name__}: {detail}",
                                        redact_pii=kind.personal_text and keeps_redacted(settings)))


@dataclass(slots=True)
class BatchReport(IngestReport):
    """An :class:`IngestReport` of a batch that may have met a store outage: the inputs it did not get to
    (``not_ingested``, as their names are shown), and what could not be reached (``outage``, e.g.
    ``S3 127.0.0.1:8333: MaxRetryError``, secrets masked; None when nothing was)."""

    not_ingested: list[str] = field(default_factory=list)
    outage: str | None = None
    outage_error: BaseException | None = field(default=None, repr=False, compare=False)


def describe_outage(store: Store, error: BaseException) -> str:
    """Which server of ``store`` could not be reached, and the error's type: ``S3 127.0.0.1:8333: MaxRetryError``,
    ``catalog postgresql+psycopg://cxmon:***@db:5432/cxmon: OperationalError``; never a secret."""
    server = outage_server(error)
    if server == "objects" and hasattr(store.objects, "endpoint"):
        where = f"S3 {store.objects.endpoint}"
    elif server == "catalog" and hasattr(store.catalog, "engine"):
        where = f"catalog {store.catalog.engine.url.render_as_string(hide_password=False)}"
    else:
        where = "the store"
    return f"{masked_url(where)}: {type(error).__name__}"


@dataclass(frozen=True, slots=True)
class _Mark:
    """How far ``report`` had got before an attempt, so that an attempt cut short by an outage can be undone."""

    new: int
    existing: int
    errors: int
    added: dict[str, int]

    @classmethod
    def of(cls, report: IngestReport) -> _Mark:
        return cls(len(report.new), len(report.existing), len(report.errors), dict(report.added))

    def undo(self, report: IngestReport) -> list[str]:
        """Forget what the attempt added to ``report``; returns the contacts it had found new."""
        found_new = report.new[self.new:]
        del report.new[self.new:], report.existing[self.existing:], report.errors[self.errors:]
        report.added.clear()
        report.added.update(self.added)
        return found_new


def _with_back_off(store: Store, shown: str, attempt: Callable[[], None], report: BatchReport,
                   pauses_s: Sequence[float]) -> bool:
    """Run ``attempt`` (one input, named ``shown``); while the store cannot be reached, pause and run it again.
    False when the store stayed down after the last pause (the report then holds nothing of the input)."""
    new_before: list[str] = []
    for pause_s in (*pauses_s, None):
        mark = _Mark.of(report)
        try:
            attempt()
        except Exception as error:
            if not is_outage(error):
                raise
            new_before += mark.undo(report)
            report.outage, report.outage_error = describe_outage(store, error), error
            if pause_s is None:
                return False
            log.warning("store unreachable (%s); trying %s again in %s s", report.outage, shown, f"{pause_s:g}")
            time.sleep(pause_s)
            continue
        # A contact added by an attempt that the outage then cut short is still new to this batch.
        for contact_id in [c for c in report.existing[mark.existing:] if c in new_before]:
            report.existing.remove(contact_id)
            report.new.append(contact_id)
        return True
    raise AssertionError("unreachable: the last pause returns")


def ingest_batch(
    store: Store, paths: Sequence[Path], *, settings: Settings | None = None, progress: bool = False,
    pauses_s: Sequence[float] | None = None,
) -> BatchReport:
    """Ingest files and folders (recursively), riding out a store outage; raises FileNotFoundError before
    anything if a path is missing, and nothing for an outage.

    When the store cannot be reached, the input at hand is tried again after each of ``pauses_s`` (default:
    :data:`OUTAGE_PAUSES_S`); if it is
    still down then, the batch stops there: ``not_ingested`` names that input and every one after it, and
    ``outage`` says what was down. ``settings`` gives chat exports their author roles, time zone and
    redaction (default: ``Settings()``).
    """
    from tqdm import tqdm

    settings = settings or Settings()
    plan = plan_inputs(paths)
    report = BatchReport()

    def refused(path: Path, message: str) -> None:
        report.errors.append(refuse(store, path, stage="ingest", message=message))

    def unusable(path: Path, message: str) -> None:
        report.errors.append(quarantine(store, path, stage="ingest", message=message))

    def one(kind: InputKind, path: Path, item: Any) -> None:
        _ingest_one(store, kind, path, item, report, settings)

    items: list[tuple[Path, Callable[[], None]]] = [
        *((path, lambda p=path, m=message: refused(p, m)) for path, message in plan.refused),
        *((path, lambda p=path, m=message: unusable(p, m)) for path, message in plan.unusable),
        *((path, lambda k=kind, p=path, i=item: one(k, p, i)) for kind in INPUT_KINDS
          for path, item in zip(plan.sources[kind.name], plan.inputs[kind.name], strict=True)),
    ]
    for index, (path, attempt) in enumerate(tqdm(items, desc="ingest", unit="file", disable=not progress,
                                                 leave=False)):
        if not _with_back_off(store, name_text(redacted_name(path.name)), attempt, report,
                              OUTAGE_PAUSES_S if pauses_s is None else pauses_s):
            report.not_ingested = [name_text(str(p)) for p, _ in items[index:]]
            break
    return report


def ingest_paths(
    store: Store, paths: Sequence[Path], *, settings: Settings | None = None, progress: bool = False
) -> IngestReport:
    """Ingest files and folders (recursively). Raises FileNotFoundError before anything if a path is missing,
    and the store's own error, at once, when the store cannot be reached (see :func:`ingest_batch`, which
    rides an outage out).

    ``settings`` gives chat exports their author roles, time zone and redaction (default: ``Settings()``).
    """
    report = ingest_batch(store, paths, settings=settings, progress=progress, pauses_s=())
    if report.outage_error is not None and report.not_ingested:
        raise report.outage_error
    return report
