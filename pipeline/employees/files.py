"""Read an employee survey file (CSV or JSON Lines), bytes in, anonymous answers out.

Columns (CSV header, or JSON keys):

``team`` (required)
    The team the employee works in, as the contacts name it (so the report can set it beside the
    team's customer NPS/CSI).
``date`` (required)
    When the employee answered: ``2026-03-15``, ``15.03.2026``, an ISO 8601 time, or just ``2026-03``.
    Only the month is kept.
``enps`` (optional)
    "How likely are you to recommend working here?", a whole number 0..10; empty: not answered.
any other column
    An engagement item, named by its header (``workload``, ``manager_support``, ...), a whole number
    1..5 (5: agree fully); empty: not answered.
``respondent_id``, ``employee_id``, ``respondent``, ``employee``, ``email``, ``name``, ``comment``, ...
    (see :data:`DROPPED_COLUMNS`) are read past and never kept: answers are anonymous by design.

A row needs at least one score. A row that breaks a rule is a :class:`~pipeline.jsonlines.LineProblem`
with its line; a file that cannot be read at all raises :class:`EmployeeFileError`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pipeline.jsonlines import LineProblem, checked_field, csv_delimiter, csv_rows, decoded_text, jsonl_objects

REQUIRED = ("team", "date")
SCORE_COLUMNS = ("enps",)
DROPPED_COLUMNS = frozenset({"respondent_id", "employee_id", "respondent", "employee", "employee_name", "email",
                             "name", "full_name", "login", "id", "comment", "comments", "text", "free_text"})
"""Columns that could tell who answered (or free text that might): read past, never stored."""
MAX_FILE_BYTES = 50_000_000
MAX_ITEMS = 100
ITEM_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")
_MONTH_ONLY = re.compile(r"^\d{4}-\d{2}$")
_RUSSIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _name(header: str) -> str:
    """A header name as used: ``Team``/``DATE``/``eNPS`` as the known columns, an item name as written."""
    name = header.strip()
    return name.lower() if name.lower() in (*REQUIRED, *SCORE_COLUMNS) else name


class EmployeeFileError(ValueError):
    """The file cannot be read as an employee survey file at all; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class EmployeeAnswer:
    """One employee's answers: the team, the month (``YYYY-MM``), eNPS 0..10 or None, and the answered
    engagement items as ``(name, 1..5)`` pairs. Nothing that says who answered."""

    team: str
    month: str
    enps: int | None
    items: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.team:
            raise ValueError("team is empty; expected the employee's team")
        if not _MONTH_ONLY.match(self.month):
            raise ValueError(f"month {self.month!r}; expected YYYY-MM")
        if self.enps is not None and not 0 <= self.enps <= 10:
            raise ValueError(f"enps {self.enps}; expected 0..10")
        if any(not 1 <= value <= 5 for _, value in self.items):
            raise ValueError("an engagement item is off the 1..5 scale")
        if self.enps is None and not self.items:
            raise ValueError("no eNPS and no engagement item answered; expected at least one score")


@dataclass(frozen=True, slots=True)
class EmployeeFile:
    """What a file held: its answers, the rows left out (with why), the items, the columns dropped unread."""

    answers: tuple[EmployeeAnswer, ...]
    problems: tuple[LineProblem, ...]
    items: tuple[str, ...]
    dropped_columns: tuple[str, ...]


def month_of(value: str) -> str:
    """The ``YYYY-MM`` month of a date as written in a file.

    >>> month_of("2026-03-15"), month_of("15.03.2026"), month_of("2026-03-15T23:30:00+03:00"), month_of("2026-03")
    ('2026-03', '2026-03', '2026-03', '2026-03')
    """
    text = value.strip()
    try:
        if _MONTH_ONLY.match(text):
            return date.fromisoformat(text + "-01").strftime("%Y-%m")
        russian = _RUSSIAN_DATE.match(text)
        if russian:
            return date(int(russian[3]), int(russian[2]), int(russian[1])).strftime("%Y-%m")
        if len(text) == 10:
            return date.fromisoformat(text).strftime("%Y-%m")
        return datetime.fromisoformat(text).strftime("%Y-%m")  # the date as the employee saw it, no time zone shift
    except ValueError:
        raise ValueError(f"date {text[:40]!r}; expected a date such as 2026-03-15, 15.03.2026 or 2026-03") from None


def _score(name: str, value: Any, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,3}", text):
            raise ValueError(f"{name} is {text[:20]!r}; expected a whole number {low}..{high}")
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} is a {type(value).__name__}; expected a whole number {low}..{high}")
    if not low <= value <= high:
        raise ValueError(f"{name} is {value}; expected a whole number {low}..{high}")
    return value


def _text(name: str, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} is empty; expected a value")
    if not isinstance(value, str):
        raise ValueError(f"{name} is a {type(value).__name__}; expected text")
    return checked_field(name, value.strip(), max_chars=128)


def answer_of(fields: dict[str, Any], items: tuple[str, ...]) -> EmployeeAnswer:
    """The answer a row's fields hold (keys: column names); ValueError says what is wrong with it."""
    team = _text("team", fields.get("team"))
    month = month_of(_text("date", fields.get("date")))
    enps = _score("enps", fields.get("enps"), 0, 10)
    answered = tuple((item, v) for item in items if (v := _score(item, fields.get(item), 1, 5)) is not None)
    if enps is None and not answered:
        raise ValueError("no eNPS and no engagement item answered; expected at least one score")
    return EmployeeAnswer(team=team, month=month, enps=enps, items=answered)


def _columns(names: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The item columns and the dropped ones of a header; EmployeeFileError when it is not usable."""
    seen = set()
    for name in names:
        if name in seen:
            raise EmployeeFileError(f"column {name[:64]!r} appears twice in the header; expected unique names")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise EmployeeFileError(f"no {' and no '.join(missing)} column; expected columns team, date, enps "
                                f"and engagement items (found: {', '.join(n[:32] for n in names[:12])})")
    dropped = tuple(n for n in names if n.lower() in DROPPED_COLUMNS)
    items = tuple(n for n in names if n not in (*REQUIRED, *SCORE_COLUMNS) and n not in dropped)
    for item in items:
        if not ITEM_NAME.match(item):
            raise EmployeeFileError(f"column {item[:64]!r}: expected an item name of 1..64 printable characters")
    if len(items) > MAX_ITEMS:
        raise EmployeeFileError(f"{len(items)} engagement items; expected at most {MAX_ITEMS}")
    return items, dropped


def read_employee_file(data: bytes, *, jsonl: bool) -> EmployeeFile:
    """Parse an employee survey file's bytes (CSV with a header row, or JSON Lines)."""
    if len(data) > MAX_FILE_BYTES:
        raise EmployeeFileError(f"{len(data)} bytes; expected at most {MAX_FILE_BYTES} (split the file)")
    try:
        text, _ = decoded_text(data)
    except ValueError as error:
        raise EmployeeFileError(str(error)) from None
    if "\x00" in text:
        raise EmployeeFileError("holds NUL bytes: not a text file; expected CSV or JSON Lines")
    problems: list[LineProblem] = []
    rows: list[tuple[int, dict[str, Any]]]
    if jsonl:
        rows = list(jsonl_objects(text, problems))
        names = list(dict.fromkeys(_name(k) for _, fields in rows for k in fields))
        rows = [(line, {_name(k): v for k, v in fields.items()}) for line, fields in rows]
    else:
        first = text.split("\n", 1)[0]
        if not first.strip():
            raise EmployeeFileError("no header row; expected a first line such as team,date,enps,workload")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(first))
        try:
            names = [_name(name) for name in next(reader)]
            rows = [(line, dict(zip(names, cells))) for line, cells in csv_rows(reader, names, problems)]
        except csv.Error as error:  # e.g. a field over the csv module's size limit
            raise EmployeeFileError(f"line {reader.line_num}: not readable as CSV ({error})") from None
    if not rows and problems:  # every row is bad: say which and why, line by line
        return EmployeeFile(answers=(), problems=tuple(problems), items=(), dropped_columns=())
    if not rows:
        raise EmployeeFileError("no answers; expected one row per employee after the header")
    items, dropped = _columns(names)
    answers = []
    for line, fields in rows:
        try:
            answers.append(answer_of(fields, items))
        except ValueError as error:
            problems.append(LineProblem(line, str(error)))
    return EmployeeFile(answers=tuple(answers), problems=tuple(sorted(problems, key=lambda p: p.line)),
                        items=items, dropped_columns=dropped)
