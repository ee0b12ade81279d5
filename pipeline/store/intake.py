"""What every kind of input shares on its way into the store: the kind itself, the report, the quarantine.

An :class:`InputKind` says how to recognise a file, which sidecars it takes and how to ingest it;
each capability defines its own (``pipeline.calls.ingest.RECORDINGS``, ...) and
:data:`pipeline.ingest.INPUT_KINDS` lists them. Ingesting adds what happened to an
:class:`IngestReport`. A bad file never stops the batch and never loses bytes: :func:`quarantine`
keeps its raw bytes in the quarantine area of the object store and records an :class:`ErrorRecord`
saying which file and what is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from pipeline.jsonlines import LineProblem
from pipeline.records import Contact, ErrorRecord, TelephonyEvent
from pipeline.settings import Settings
from pipeline.sidecars import SIDECAR_SUFFIXES
from pipeline.store import QUARANTINE_PREFIX, Store
from pipeline.store.objects import content_key, sha256_of_file


@dataclass(slots=True)
class IngestReport:
    new: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)  # new catalog records other than contacts, by table


@dataclass(frozen=True, slots=True)
class InputKind:
    """One kind of file that ingest takes.

    ``name`` is plural ("recordings"); ``noun`` names one file of the kind where a message lists
    the kinds ("no recording or chat named a.* beside it"); ``expected`` describes the kind where a
    message says what a file should have been. A file is of the kind whose ``suffixes`` end its
    name, compared case-insensitively; a longer suffix beats a shorter one (``.surveys.csv`` before
    ``.csv``). ``sidecars`` are the sidecar suffixes (:data:`~pipeline.sidecars.SIDECAR_SUFFIXES`)
    the kind takes from beside its files; a kind that takes any says in ``refused`` why each other
    sidecar beside its files is an error. ``input_of`` makes the input to ingest from a file and
    its sidecars (by suffix); ``ingest`` ingests one input, adding what happened to the report.
    ``channel`` is the channel of the contacts it makes (None: it adds other catalog records).
    """

    name: str
    noun: str
    expected: str
    suffixes: tuple[str, ...]
    input_of: Callable[[Path, Mapping[str, Path]], Any]
    ingest: Callable[[Store, Any, IngestReport, Settings], None]
    channel: str | None = None
    sidecars: frozenset[str] = frozenset()
    refused: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.suffixes or any(s != s.lower() or not s.startswith(".") for s in self.suffixes):
            raise ValueError(f"{self.name}: suffixes={self.suffixes!r}; expected lower-case suffixes like '.wav'")
        if self.sidecars and sorted([*self.sidecars, *self.refused]) != sorted(SIDECAR_SUFFIXES):
            raise ValueError(f"{self.name}: takes {sorted(self.sidecars)} and refuses {sorted(self.refused)}; "
                             f"expected each of {list(SIDECAR_SUFFIXES)} taken or refused, once")

    def suffix_of(self, name: str) -> str | None:
        """The longest of ``suffixes`` that ends ``name``, or None.

        A one-part suffix is ``name``'s own as :class:`pathlib.PurePath` tells it, so a dotfile
        named ``.wav`` is no recording.
        """
        lowered = name.lower()
        last = PurePath(lowered).suffix
        matches = [s for s in self.suffixes if lowered.endswith(s) and (s == last or s.count(".") > 1)]
        return max(matches, key=len, default=None)


def add_contact(store: Store, contact: Contact, report: IngestReport, events: Sequence[TelephonyEvent] = ()) -> None:
    """Add ``contact`` and its telephony ``events`` to the catalog, noting in ``report`` whether it is new."""
    (report.new if store.catalog.add_contact(contact, events) else report.existing).append(contact.contact_id)


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


def quarantine_problems(store: Store, path: Path, problems: Iterable[LineProblem], report: IngestReport) -> None:
    """Quarantine ``path`` once per problem, each named ``NAME: line N: message`` (``NAME: message`` for
    line 0), adding the errors to ``report``."""
    for problem in problems:
        where = f"line {problem.line}: " if problem.line else ""
        report.errors.append(quarantine(store, path, stage="ingest", message=f"{path.name}: {where}{problem.message}"))
