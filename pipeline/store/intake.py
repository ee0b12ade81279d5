"""What every kind of input shares on its way into the store: the kind itself, the report, the quarantine.

An :class:`InputKind` says how to recognise a file, which sidecars it takes and how to ingest it;
each capability defines its own (``pipeline.calls.ingest.RECORDINGS``, ...) and
:data:`pipeline.ingest.INPUT_KINDS` lists them. Ingesting adds what happened to an
:class:`IngestReport`. A bad file never stops the batch and never loses bytes: :func:`quarantine`
keeps its raw bytes in the quarantine area of the object store and records an :class:`ErrorRecord`
saying which file and what is wrong; :func:`refuse` records one whose bytes are not read at all
(a symlink out of the ingested folders, an unreadable file).

File names are data, not keys. Any name a file system holds is accepted, including backslashes,
newlines and bytes that are not UTF-8 (which Python holds as ``surrogateescape`` code points
U+DC80..U+DCFF). The catalog stores a name as :func:`name_text` writes it: the name itself,
except that a backslash is written ``\\\\``, an undecodable byte ``\\xNN``, a control character
``\\xNN`` (``\\uNNNN`` above U+007F) -- text every database takes and every terminal shows
on one line, which :func:`name_of_text` turns back into the exact name. Messages quote names
the same way; a quarantine key holds the name percent-encoded where it is not plain
(:func:`key_name`), and object metadata is encoded by the object store.

Personal data stays out of what errors say and keep (:mod:`pipeline.personal_data`). Every error
message, and the name in a quarantine key and its object metadata, has phone numbers, e-mails,
card and passport numbers tagged (``[PHONE]``...), whether they came from a field the message
quotes or from the file's name; the record's ``source`` keeps the path as given (escaped), as it is
how an operator finds the file, and whatever prints a record shows it through :func:`redacted_error`.
A quarantined file of an :class:`InputKind` whose files are ``personal_text`` (chat exports, survey
and consent files) is kept with its personal data tagged and every other byte as it was, and its
message says so, when :func:`keeps_redacted` (``pii_redaction`` on, ``keep_unredacted`` off);
otherwise its bytes are kept as given. Recordings and sidecars are always kept byte for byte: a
recording cannot be tagged, and a sidecar holds ids, times and roles that the catalog holds anyway
(its ``customer_id`` is the contact's), kept exact so that an operator can see what to mend.
"""

from __future__ import annotations

import errno
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from pipeline.jsonlines import LineProblem
from pipeline.personal_data import redacted, redacted_bytes, redacted_name
from pipeline.records import Contact, ErrorRecord, TelephonyEvent
from pipeline.settings import Settings
from pipeline.sidecars import SIDECAR_SUFFIXES
from pipeline.store import QUARANTINE_PREFIX, Store
from pipeline.store.objects import content_key, encode_metadata_value, sha256_of_file
from pipeline.store.outages import is_outage

# Characters a name keeps out of the catalog, messages and keys as they are: controls (C0, DEL, C1),
# line and paragraph separators, bidirectional overrides (they make a terminal show a name backwards),
# non-characters and surrogates (undecodable bytes under surrogateescape).
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:\\|x([0-9a-f]{2})|u([0-9a-f]{4}))")
_KEY_NAME_BYTES = 160  # a quarantine key's last part, percent-encoded: room for ".meta.json" in 255 bytes
_METADATA_CHARS = 600  # per value, encoded: three values stay well inside S3's 2 KB of metadata


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape holds it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def display_text(text: str) -> str:
    """``text`` with the characters no terminal line or database should hold escaped (backslashes left as
    they are): for messages that quote something outside cxmon's control.

    >>> display_text("a\\nb\\udcff.wav: bad")
    'a\\\\x0ab\\\\xff.wav: bad'
    """
    return _UNSHOWN.sub(lambda m: _escape(m.group()), text)


def name_text(name: str) -> str:
    """A file name or path as the catalog stores it and messages show it; :func:`name_of_text` reverses it.

    >>> name_text("звонок.wav"), name_text("a\\\\b\\n.wav"), name_text("\\udcff.wav")
    ('звонок.wav', 'a\\\\\\\\b\\\\x0a.wav', '\\\\xff.wav')
    """
    return display_text(name.replace("\\", "\\\\"))


def name_of_text(text: str) -> str:
    """The name (``surrogateescape`` str, as :func:`os.fsdecode` gives it) that :func:`name_text` wrote as ``text``.

    >>> all(name_of_text(name_text(n)) == n for n in ["a\\\\xff", "\\udcff\\n", "звонок\\u202e.wav"])
    True
    """
    def unescape(match: re.Match[str]) -> str:
        byte, code = match.group(1), match.group(2)
        if code is not None:
            return chr(int(code, 16))
        if byte is None:
            return "\\"
        value = int(byte, 16)
        return chr(value) if value < 0x80 else chr(0xDC00 + value)

    return _ESCAPE.sub(unescape, text)


def key_name(name: str) -> str:
    """``name`` as the last part of an object key: percent-encoded where it is not plain (``%``, ``\\``,
    what :func:`display_text` escapes), its bytes for an undecodable one; cut short (its suffix kept)
    where it would be longer than a file system takes.

    >>> key_name("a b.wav"), key_name("a\\\\b%\\udcff\\n.wav")
    ('a b.wav', 'a%5Cb%25%FF%0A.wav')
    """
    def encode(char: str) -> str:
        code = ord(char)
        raw = bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else char.encode("utf-8", "surrogatepass")
        return quote(raw, safe="")

    encoded = re.sub(f"[%\\\\]|{_UNSHOWN.pattern}", lambda m: encode(m.group()), name)
    if len(encoded.encode()) <= _KEY_NAME_BYTES:
        return encoded
    suffix = PurePath(encoded).suffix if len(PurePath(encoded).suffix.encode()) <= 16 else ""
    head = encoded.encode()[: _KEY_NAME_BYTES - len(suffix.encode()) - 1].decode("utf-8", "ignore")
    cut = head.rfind("%", len(head) - 2)  # a '%' in the last two characters starts an escape cut short
    return f"{head if cut == -1 else head[:cut]}~{suffix}"


def describe_os_error(error: OSError) -> str:
    """What went wrong, without the file name the error carries: ``Permission denied (EACCES)``."""
    code = errno.errorcode.get(error.errno or -1)
    if error.strerror:
        return f"{error.strerror} ({code})" if code else error.strerror
    return display_text(str(error) or type(error).__name__)


def _metadata_value(text: str) -> str:
    """``text`` cut to what encodes in :data:`_METADATA_CHARS` characters."""
    while len(encode_metadata_value(text)) > _METADATA_CHARS:
        text = text[: max(0, min(len(text) - 1, len(text) * _METADATA_CHARS // len(encode_metadata_value(text))))]
    return text


@dataclass(slots=True)
class IngestReport:
    new: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)  # new catalog records other than contacts, by table
    notes: list[str] = field(default_factory=list)
    """What was taken but not used (an event's unknown fields or type): no error, nothing quarantined."""


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
    ``personal_text``: its files are text holding personal data, quarantined with it tagged where
    :func:`keeps_redacted` says so.
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
    personal_text: bool = False

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
    """Add ``contact`` and its telephony ``events`` to the catalog, noting in ``report`` whether it is new.

    The contact's source (a path) is stored as :func:`name_text` writes it."""
    contact = replace(contact, source=name_text(contact.source))
    (report.new if store.catalog.add_contact(contact, events) else report.existing).append(contact.contact_id)


def add_note(report: IngestReport, path: Path, message: str) -> None:
    """Add a note on ``path`` to ``report``, its name shown and personal data tagged as in error messages."""
    report.notes.append(_message(path, message))


def keeps_redacted(settings: Settings) -> bool:
    """Whether a quarantined file of personal text is kept with its personal data tagged: ``pii_redaction``
    on and ``keep_unredacted`` off."""
    return settings.pii_redaction and not settings.keep_unredacted


def redacted_error(error: ErrorRecord) -> ErrorRecord:
    """``error`` as output may show it: personal data tagged in its source, message and quarantine key
    (records written before messages were tagged included)."""
    return replace(error, source=redacted_name(error.source), message=redacted(error.message),
                   quarantine_key=error.quarantine_key and redacted_name(error.quarantine_key))


def _message(path: Path, message: str) -> str:
    """``message`` with ``path``'s name (and path) quoted as :func:`name_text` writes it, personal data
    tagged, the rest displayable."""
    for raw in (str(path), path.name):
        # Tagged before escaping: a phone number split by a newline in a name is still one number.
        shown = name_text(redacted_name(raw))
        for written in (raw, name_text(raw)):
            if written and written != shown:
                message = message.replace(written, shown)
    return display_text(redacted(message))


def refuse(
    store: Store, path: Path, *, stage: str, message: str, contact_id: str | None = None
) -> ErrorRecord:
    """Record why ``path`` is not ingested, without reading it (nothing goes to quarantine)."""
    message = _message(path, message)
    source = name_text(str(path))
    error = ErrorRecord(
        error_id=hashlib.sha256(f"{source}\n{stage}\n{message}".encode()).hexdigest()[:16],
        source=source,
        stage=stage,
        message=message,
        created_at=datetime.now(UTC),
        contact_id=contact_id,
    )
    store.catalog.add_error(error)
    return error


def quarantine(
    store: Store, path: Path, *, stage: str, message: str, contact_id: str | None = None, redact_pii: bool = False
) -> ErrorRecord:
    """Keep the raw bytes of ``path`` in quarantine and record why; returns the error record.

    Any name is taken (see the module's note). With ``redact_pii`` (a file of personal text, where
    :func:`keeps_redacted`), the bytes kept have personal data tagged, and the message says how many
    items were. A file that cannot be read is recorded by :func:`refuse`, with the reading error
    added to ``message``.
    """
    return _quarantined(store, path, stage=stage, message=message, contact_id=contact_id,
                        tagged=(lambda: redacted_bytes(path.read_bytes())) if redact_pii else None)


def _quarantined(store: Store, path: Path, *, stage: str, message: str, contact_id: str | None,
                 tagged: Callable[[], tuple[bytes, int]] | None) -> ErrorRecord:
    """:func:`quarantine`, the bytes to keep coming from ``tagged`` (redacted bytes, items tagged) when given."""
    message = _message(path, message)
    try:
        if tagged is not None:
            data, found = tagged()
            sha = hashlib.sha256(data).hexdigest()
        else:
            data, found, sha = None, 0, sha256_of_file(path)
        kept = message + (f"; kept with personal data tagged ({found} item{'s' if found > 1 else ''})" if found else "")
        name = redacted_name(path.name)
        key = f"{content_key(QUARANTINE_PREFIX, sha)}/{key_name(name)}"
        if not store.objects.exists(key):
            metadata = {"sha256": sha, "source": _metadata_value(name), "reason": _metadata_value(kept)}
            with path.open("rb") if data is None else io.BytesIO(data) as fh:
                store.objects.put_stream(key, fh, metadata=metadata)
        message = kept
    except OSError as error:
        if is_outage(error):
            raise  # the store is down, not the file unreadable: keeping its bytes is still to be done
        return refuse(store, path, stage=stage, contact_id=contact_id,
                      message=f"{message}; its bytes were not kept: {describe_os_error(error)}")
    error = ErrorRecord(
        # The same bytes failing the same way are one error, however often they are ingested.
        error_id=hashlib.sha256(f"{sha}\n{stage}\n{message}".encode()).hexdigest()[:16],
        source=name_text(str(path)),
        stage=stage,
        message=message,
        created_at=datetime.now(UTC),
        quarantine_key=key,
        contact_id=contact_id,
    )
    store.catalog.add_error(error)
    return error


def quarantine_problems(
    store: Store, path: Path, problems: Iterable[LineProblem], report: IngestReport, *, redact_pii: bool = False
) -> None:
    """Quarantine ``path`` once per problem, each named ``NAME: line N: message`` (``NAME: message`` for
    line 0), adding the errors to ``report``; ``redact_pii`` as for :func:`quarantine`."""
    once: list[tuple[bytes, int]] = []  # a file with many bad lines is read and tagged once

    def tagged() -> tuple[bytes, int]:
        if not once:
            once.append(redacted_bytes(path.read_bytes()))
        return once[0]

    for problem in problems:
        where = f"line {problem.line}: " if problem.line else ""
        report.errors.append(_quarantined(store, path, stage="ingest", message=f"{path.name}: {where}{problem.message}",
                                          contact_id=None, tagged=tagged if redact_pii else None))
