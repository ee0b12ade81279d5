"""Read survey and consent files, bytes in, records out.

The kind comes from a double suffix, so that these files are never taken for chat exports:

``NAME.surveys.csv`` / ``NAME.surveys.jsonl``
    One row per invitation: ``customer_id``, ``channel``, ``sent_at`` (ISO 8601 with a UTC
    offset); optional ``contact_id``, ``operator_id``, ``team``, ``invitation_id`` (default: a
    hash of customer, channel, sent_at and contact); then the answer, if any: ``answered_at``,
    ``csat`` (1-5), ``nps`` (0-10), ``ces`` (1-7), ``discourage`` (0-10: "how likely are you to
    discourage others from ...", for WoMI), ``goal`` (0 = no, 1 = partly, 2 = yes: "was the goal of your
    contact reached?") and ``emotion`` (1 = very bad .. 5 = very good: "how did you feel?"), the two CSI
    parts besides effort (CES), ``text``, ``reason`` (a free code, see
    :data:`RECOMMENDED_REASONS`). A row without ``answered_at`` is an invitation not answered
    (yet); a row with it needs a score, unless its text is STOP (a withdrawal, no score).
``NAME.consents.csv`` / ``NAME.consents.jsonl``
    The consent registry: ``customer_id``, ``granted`` (yes/no, true/false, 1/0, да/нет),
    ``at`` (ISO 8601 with offset), ``channel``, optional ``source``.

CSV has a header row and is separated by ``,``, ``;`` or tabs, as the header shows; text is
UTF-8 (with or without a BOM) or cp1251. An empty cell (or a JSON null) is a missing value.

Bad input is handled as for chats (both read rows with :mod:`pipeline.jsonlines`): a row that
cannot be read becomes a :class:`~pipeline.jsonlines.LineProblem` with its line number and the
other rows are kept; unknown columns are one problem and are ignored; a file that cannot be read
at all, or whose every row is bad, raises :class:`SurveyFileError`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pipeline.jsonlines import LineProblem, checked_field, csv_delimiter, csv_rows, decoded_text, jsonl_objects
from pipeline.records import SURVEY_RANGES, ConsentChange, Contact, SurveyAnswer, SurveyInvitation
from pipeline.surveys.consent import FROM_SURVEY_REPLY, is_stop

SURVEYS_SUFFIXES = (".surveys.csv", ".surveys.jsonl")
CONSENTS_SUFFIXES = (".consents.csv", ".consents.jsonl")
SURVEY_FILE_SUFFIXES = SURVEYS_SUFFIXES + CONSENTS_SUFFIXES

SURVEY_COLUMNS = ("customer_id", "channel", "sent_at", "contact_id", "operator_id", "team", "invitation_id",
                  "answered_at", "csat", "nps", "ces", "discourage", "goal", "emotion", "text", "reason")
CONSENT_COLUMNS = ("customer_id", "granted", "at", "channel", "source")
_REQUIRED = {"surveys": ("customer_id", "channel", "sent_at"), "consents": ("customer_id", "granted", "at", "channel")}
_COLUMNS = {"surveys": SURVEY_COLUMNS, "consents": CONSENT_COLUMNS}

RECOMMENDED_REASONS: Mapping[str, str] = {
    "employee_not_prepared": "the operator lacked knowledge or did not know the procedure",
    "attitude": "rude, indifferent or impatient operator",
    "late": "slow answer, long wait or queue, a promised call-back late",
    "no_benefit": "the contact changed nothing for the customer",
    "not_resolved": "the problem is still there",
    "transferred": "passed between operators or teams",
    "process": "the rules or the product, not the operator",
    "other": "none of the above",
}
"""Reason codes to use in the ``reason`` column (any code is accepted; these keep reports comparable)."""

DEFAULT_CONSENT_SOURCE = "consent registry"
_TRUE = frozenset({"yes", "true", "1", "да", "y"})
_FALSE = frozenset({"no", "false", "0", "нет", "n"})
_SHOWN_PROBLEMS = 3
FIELD_CHARS = {"customer_id": 128, "channel": 64, "contact_id": 64, "operator_id": 128, "team": 128,
               "invitation_id": 128, "reason": 128}
"""The fields stored in a catalog column of that size (pipeline/catalog/schema.py); others are free text."""


class SurveyFileError(ValueError):
    """The file cannot be read as a survey or consent file at all; the message names it and what was expected."""


@dataclass(frozen=True, slots=True)
class SurveyRow:
    """One invitation row: the invitation, its scores (one answer each), and a withdrawal if the reply was STOP."""

    line: int
    invitation: SurveyInvitation
    answers: tuple[SurveyAnswer, ...] = ()
    withdrawal: ConsentChange | None = None

    def linked(self, contact: Contact) -> SurveyRow:
        """The row about ``contact``: its id, and its operator and team where the row names none."""
        invitation = self.invitation
        link = {"contact_id": contact.contact_id, "operator_id": invitation.operator_id or contact.operator_id,
                "team": invitation.team or contact.team}
        withdrawal = self.withdrawal and replace(self.withdrawal, contact_id=contact.contact_id)
        return replace(self, invitation=replace(invitation, **link),
                       answers=tuple(replace(a, **link) for a in self.answers), withdrawal=withdrawal)


@dataclass(frozen=True, slots=True)
class ParsedSurveyFile:
    """What one survey or consent file holds; ``kind`` is ``"surveys"`` or ``"consents"``."""

    kind: str
    encoding: str
    rows: tuple[SurveyRow, ...]
    consents: tuple[ConsentChange, ...]
    problems: tuple[LineProblem, ...]


def survey_file_kind(name: str) -> str | None:
    """``"surveys"``, ``"consents"``, or None when ``name`` has neither double suffix."""
    lowered = name.lower()
    if lowered.endswith(SURVEYS_SUFFIXES):
        return "surveys"
    if lowered.endswith(CONSENTS_SUFFIXES):
        return "consents"
    return None


def invitation_id(customer_id: str, channel: str, sent_at: datetime, contact_id: str | None) -> str:
    """The default invitation id: the same customer, channel, instant and contact are one invitation."""
    parts = ("invitation", customer_id, channel, sent_at.astimezone(UTC).isoformat(), contact_id or "")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# reading values ------------------------------------------------------------------------------

def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{name}={value!r}; expected a string")
    text = str(value).strip()
    if name in FIELD_CHARS:
        return checked_field(name, text, max_chars=FIELD_CHARS[name]) or None
    return checked_field(name, text, max_chars=len(text), free_text=True) or None


def _required(fields: Mapping[str, Any], name: str) -> str:
    value = _text(fields, name)
    if value is None:
        raise ValueError(f"{name} is missing")
    return value


def _instant(fields: Mapping[str, Any], name: str) -> datetime | None:
    value = _text(fields, name)
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not ISO 8601; expected e.g. 2026-11-20T10:15:00+03:00") from None
    if instant.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no UTC offset; expected e.g. 2026-11-20T10:15:00+03:00")
    return instant


def _score(fields: Mapping[str, Any], kind: str) -> int | None:
    value = fields.get(kind)
    low, high = SURVEY_RANGES[kind]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{kind}={value!r}; expected an integer {low}..{high}")
    return value


def _granted(fields: Mapping[str, Any]) -> bool:
    value = fields.get("granted")
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold() if isinstance(value, (str, int)) else None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"granted={value!r}; expected yes/no, true/false or 1/0")


# rows to records ---------------------------------------------------------------------------

def survey_row(line: int, fields: Mapping[str, Any]) -> SurveyRow:
    """One invitation row as records; raises ValueError saying what is wrong and what was expected."""
    customer_id, channel = _required(fields, "customer_id"), _required(fields, "channel")
    sent_at = _instant(fields, "sent_at")
    if sent_at is None:
        raise ValueError("sent_at is missing")
    contact_id, operator_id, team = _text(fields, "contact_id"), _text(fields, "operator_id"), _text(fields, "team")
    invitation = SurveyInvitation(
        invitation_id=_text(fields, "invitation_id") or invitation_id(customer_id, channel, sent_at, contact_id),
        customer_id=customer_id, channel=channel, sent_at=sent_at, contact_id=contact_id, operator_id=operator_id,
        team=team,
    )
    answered_at = _instant(fields, "answered_at")
    scores = {kind: score for kind in SURVEY_RANGES if (score := _score(fields, kind)) is not None}
    text, reason = _text(fields, "text") or "", _text(fields, "reason")
    if answered_at is None:
        if scores or text or reason:
            raise ValueError(f"an answer ({', '.join(SURVEY_RANGES)}, text or reason) without answered_at")
        return SurveyRow(line, invitation)
    if answered_at < sent_at:
        raise ValueError(f"answered_at {answered_at.isoformat()} is before sent_at {sent_at.isoformat()}")
    stop = is_stop(text)
    if not scores and not stop:
        raise ValueError("answered_at without a score; expected at least one score of "
                         f"{', '.join(SURVEY_RANGES)} (only a STOP reply comes without one)")
    answers = tuple(
        SurveyAnswer(customer_id=customer_id, kind=kind, value=value, answered_at=answered_at, contact_id=contact_id,
                     operator_id=operator_id, text=text, reason=reason and reason.lower(),
                     invitation_id=invitation.invitation_id, channel=channel, team=team)
        for kind, value in scores.items()
    )
    withdrawal = (ConsentChange(customer_id=customer_id, granted=False, at=answered_at, channel=channel,
                                source=FROM_SURVEY_REPLY, contact_id=contact_id) if stop else None)
    return SurveyRow(line, invitation, answers, withdrawal)


def consent_row(fields: Mapping[str, Any]) -> ConsentChange:
    """One consent registry row; raises ValueError saying what is wrong and what was expected."""
    customer_id, channel = _required(fields, "customer_id"), _required(fields, "channel")
    if fields.get("granted") is None or fields.get("granted") == "":
        raise ValueError("granted is missing")
    at = _instant(fields, "at")
    if at is None:
        raise ValueError("at is missing")
    return ConsentChange(customer_id=customer_id, granted=_granted(fields), at=at, channel=channel,
                         source=_text(fields, "source") or DEFAULT_CONSENT_SOURCE)


# files to rows ---------------------------------------------------------------------------

def _csv_rows(name: str, text: str, kind: str, problems: list[LineProblem]) -> Iterator[tuple[int, dict]]:
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise SurveyFileError(f"{name}: empty file; expected a header row with {', '.join(_REQUIRED[kind])}")
    header_line = lines[header_at]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(header_line))
    header = next((row for row in reader if any(cell.strip() for cell in row)), [])
    header = [column.strip().lower() for column in header]
    missing = [column for column in _REQUIRED[kind] if column not in header]
    if missing:
        raise SurveyFileError(
            f"{name}: header {header_line.strip()[:80]!r} lacks {', '.join(missing)}; expected columns "
            f"{', '.join(_COLUMNS[kind])} separated by ',' or ';'"
        )
    unknown = [column for column in header if column not in _COLUMNS[kind]]
    if unknown:
        problems.append(LineProblem(reader.line_num, f"unknown column(s) {', '.join(map(repr, unknown))} ignored; "
                                                     f"expected {', '.join(_COLUMNS[kind])}"))
    for line, row in csv_rows(reader, header, problems):
        yield line, {column: cell for column, cell in zip(header, row, strict=True)
                     if column in _COLUMNS[kind] and cell.strip()}


def _jsonl_rows(text: str, kind: str, problems: list[LineProblem]) -> Iterator[tuple[int, dict]]:
    unknown_seen: set[str] = set()
    for number, fields in jsonl_objects(text, problems):
        unknown = sorted(set(fields) - set(_COLUMNS[kind]) - unknown_seen)
        if unknown:
            unknown_seen.update(unknown)
            problems.append(LineProblem(number, f"unknown field(s) {', '.join(map(repr, unknown))} ignored; "
                                                f"expected {', '.join(_COLUMNS[kind])}"))
        yield number, {key: value for key, value in fields.items() if key in _COLUMNS[kind]}


def parse_survey_file(name: str, data: bytes) -> ParsedSurveyFile:
    """Read one survey or consent file named ``name`` (its double suffix picks the kind and format).

    Raises SurveyFileError when the file cannot be read at all or every row in it is bad. A
    file with a header and no rows is valid and empty.
    """
    kind = survey_file_kind(name)
    if kind is None:
        raise SurveyFileError(f"{name}: not a survey or consent file; expected one of {', '.join(SURVEY_FILE_SUFFIXES)}")
    try:
        text, encoding = decoded_text(data)
    except ValueError as error:
        raise SurveyFileError(f"{name}: {error}") from None
    if not text.strip():
        raise SurveyFileError(f"{name}: empty file; expected {kind} rows")
    problems: list[LineProblem] = []
    rows: list[SurveyRow] = []
    consents: list[ConsentChange] = []
    found = 0
    read = _jsonl_rows(text, kind, problems) if name.lower().endswith(".jsonl") else _csv_rows(name, text, kind, problems)
    for line, fields in read:
        found += 1
        try:
            if kind == "surveys":
                rows.append(survey_row(line, fields))
            else:
                consents.append(consent_row(fields))
        except ValueError as error:
            problems.append(LineProblem(line, str(error)))
    if (found or problems) and not rows and not consents:
        shown = "; ".join(f"line {p.line}: {p.message}" for p in problems[:_SHOWN_PROBLEMS])
        raise SurveyFileError(f"{name}: no readable row in this {kind} file" + (f"; {shown}" if shown else ""))
    problems.sort(key=lambda p: p.line)
    return ParsedSurveyFile(kind, encoding, tuple(rows), tuple(consents), tuple(problems))
