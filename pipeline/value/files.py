"""Read a customer value file from the CRM (``NAME.customer-value.csv|jsonl``), bytes in, records out.

Columns (CSV header, or JSON keys; header names in any case):

``customer`` (or ``customer_id``, required)
    The customer id, as contacts and survey answers name it.
``revenue`` (required)
    The customer's revenue in the period, a number in the CRM's currency (``1234.5``, ``1 234,50``).
``as_of`` (required)
    When the CRM computed the figures: ``2026-03-31``, ``31.03.2026`` or an ISO 8601 time (without an
    offset: in the site's time zone). A later ``as_of`` replaces the customer's stored figures; an
    earlier one is left out.
``tenure_months`` (optional)
    Months the customer has been with the company, a number >= 0.
``products`` (optional)
    How many products the customer holds, a whole number >= 0.
``clv`` (optional)
    Customer lifetime value, where the CRM computes it (same currency).
``segment`` (optional)
    The CRM's segment (``mass``, ``premium``, ``sme``, ...), up to 128 characters.

Any other column is a problem of its line (so that a misspelt ``revenu`` is not silently dropped). A
row that breaks a rule is a :class:`~pipeline.jsonlines.LineProblem` with its line; a file that cannot
be read at all raises :class:`ValueFileError`. A customer given twice in one file keeps its latest
``as_of`` (the same ``as_of`` twice is a problem: which one is meant cannot be told).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from pipeline.jsonlines import LineProblem, checked_field, csv_delimiter, csv_rows, decoded_text, jsonl_objects

VALUE_SUFFIXES = (".customer-value.csv", ".customer-value.jsonl")
REQUIRED = ("customer", "revenue", "as_of")
OPTIONAL = ("tenure_months", "products", "clv", "segment")
COLUMNS = (*REQUIRED, *OPTIONAL)
ALIASES = {"customer_id": "customer"}
MAX_FILE_BYTES = 200_000_000
_RUSSIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


class ValueFileError(ValueError):
    """The file cannot be read as a customer value file at all; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class CustomerValue:
    """One customer's value figures as the CRM gave them ``as_of`` (aware)."""

    customer_id: str
    revenue: float
    as_of: datetime
    tenure_months: float | None = None
    products: int | None = None
    clv: float | None = None
    segment: str | None = None

    def __post_init__(self) -> None:
        if not self.customer_id:
            raise ValueError("customer is empty; expected the customer id")
        for name in ("revenue", "tenure_months", "clv"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name}={value!r}; expected a finite number")
        if self.tenure_months is not None and self.tenure_months < 0:
            raise ValueError(f"tenure_months={self.tenure_months}; expected >= 0")
        if self.products is not None and self.products < 0:
            raise ValueError(f"products={self.products}; expected >= 0")
        if self.as_of.tzinfo is None or self.as_of.utcoffset() is None:
            raise ValueError("as_of has no time zone; expected an aware time")


@dataclass(frozen=True, slots=True)
class ValueFile:
    """What a file held: the latest figures of each customer, and the rows left out (with why)."""

    values: tuple[CustomerValue, ...]
    problems: tuple[LineProblem, ...]
    rows: int


def value_file_kind(name: str) -> bool:
    """Whether ``name`` is a customer value file.

    >>> value_file_kind("crm-2026-03.customer-value.csv"), value_file_kind("crm.customers.csv")
    (True, False)
    """
    return name.lower().endswith(VALUE_SUFFIXES)


def _column(name: str) -> str:
    lowered = name.strip().lower()
    return ALIASES.get(lowered, lowered)


def _number(name: str, value: Any, *, whole: bool = False, at_least_zero: bool = False) -> float | int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if not _NUMBER.match(text):
            raise ValueError(f"{name} is {value.strip()[:24]!r}; expected a number such as 1234.5")
        value = float(text.replace(",", "."))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} is {str(value)[:24]!r}; expected a finite number")
    if at_least_zero and value < 0:
        raise ValueError(f"{name} is {value:g}; expected a number >= 0")
    if whole:
        if float(value) != int(value):
            raise ValueError(f"{name} is {value:g}; expected a whole number")
        return int(value)
    return float(value)


def as_of_time(value: Any, tz: tzinfo) -> datetime:
    """``as_of`` as an aware time: a date is the end of that day in ``tz``; a time without offset is in ``tz``.

    >>> from datetime import UTC
    >>> as_of_time("31.03.2026", UTC).isoformat(), as_of_time("2026-03-31T10:00:00+03:00", UTC).isoformat()
    ('2026-03-31T23:59:59+00:00', '2026-03-31T10:00:00+03:00')
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("as_of is missing; expected a date such as 2026-03-31")
    text = value.strip()
    try:
        russian = _RUSSIAN_DATE.match(text)
        if russian:
            day = date(int(russian[3]), int(russian[2]), int(russian[1]))
        elif len(text) == 10:
            day = date.fromisoformat(text)
        else:
            at = datetime.fromisoformat(text)
            return at if at.tzinfo is not None else at.replace(tzinfo=tz)
    except ValueError:
        raise ValueError(f"as_of {text[:40]!r}; expected a date such as 2026-03-31, 31.03.2026 or an ISO 8601 "
                         f"time") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def value_of(fields: dict[str, Any], tz: tzinfo) -> CustomerValue:
    """The figures a row's fields hold (keys: column names); ValueError says what is wrong with them."""
    customer = fields.get("customer")
    if isinstance(customer, int) and not isinstance(customer, bool):
        customer = str(customer)
    if not isinstance(customer, str) or not customer.strip():
        raise ValueError("customer is missing; expected the customer id")
    customer = checked_field("customer", customer.strip(), max_chars=128)
    revenue = _number("revenue", fields.get("revenue"))
    if revenue is None:
        raise ValueError("revenue is missing; expected the period's revenue, a number")
    segment = fields.get("segment")
    if segment is not None and not isinstance(segment, str):
        raise ValueError(f"segment is a {type(segment).__name__}; expected text")
    segment = checked_field("segment", segment.strip(), max_chars=128) if segment and segment.strip() else None
    return CustomerValue(customer_id=customer, revenue=float(revenue), as_of=as_of_time(fields.get("as_of"), tz),
                         tenure_months=_number("tenure_months", fields.get("tenure_months"), at_least_zero=True),
                         products=_number("products", fields.get("products"), whole=True, at_least_zero=True),
                         clv=_number("clv", fields.get("clv")), segment=segment)


def _rows(text: str, jsonl: bool, problems: list[LineProblem]) -> list[tuple[int, dict[str, Any]]]:
    if jsonl:
        found = []
        for line, fields in jsonl_objects(text, problems):
            named = {_column(k): v for k, v in fields.items()}
            unknown = sorted(set(named) - set(COLUMNS))
            if unknown:
                problems.append(LineProblem(line, f"unknown field(s) {', '.join(map(repr, unknown))}; expected "
                                                  f"{', '.join(COLUMNS)}"))
                continue
            found.append((line, named))
        return found
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ValueFileError("no header row; expected a first line such as customer,revenue,as_of,clv,segment")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(first))
    try:
        return _csv_fields(reader, problems)
    except csv.Error as error:  # e.g. a field over the csv module's size limit
        raise ValueFileError(f"line {reader.line_num}: not readable as CSV ({error})") from None


def _csv_fields(reader: Any, problems: list[LineProblem]) -> list[tuple[int, dict[str, Any]]]:
    header = [_column(name) for name in next(reader)]
    if len(set(header)) != len(header):
        raise ValueFileError("a column appears twice in the header; expected unique names")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueFileError(f"no {' and no '.join(missing)} column; expected columns {', '.join(COLUMNS)} "
                             f"(found: {', '.join(h[:32] for h in header[:12])})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ValueFileError(f"unknown column(s) {', '.join(repr(h[:32]) for h in unknown)}; expected "
                             f"{', '.join(COLUMNS)}")
    return [(line, dict(zip(header, row, strict=True))) for line, row in csv_rows(reader, header, problems)]


def read_value_file(data: bytes, *, jsonl: bool, tz: tzinfo) -> ValueFile:
    """Parse a customer value file's bytes (CSV with a header row, or JSON Lines)."""
    if len(data) > MAX_FILE_BYTES:
        raise ValueFileError(f"{len(data)} bytes; expected at most {MAX_FILE_BYTES} (split the file)")
    try:
        text, _ = decoded_text(data)
    except ValueError as error:
        raise ValueFileError(str(error)) from None
    if "\x00" in text:
        raise ValueFileError("holds NUL bytes: not a text file; expected CSV or JSON Lines")
    if not text.strip():
        raise ValueFileError("empty file; expected a header row and one row per customer")
    problems: list[LineProblem] = []
    latest: dict[str, tuple[int, CustomerValue]] = {}
    rows = _rows(text, jsonl, problems)
    for line, fields in rows:
        try:
            value = value_of(fields, tz)
        except ValueError as error:
            problems.append(LineProblem(line, str(error)))
            continue
        seen = latest.get(value.customer_id)
        if seen is not None and seen[1].as_of == value.as_of:
            problems.append(LineProblem(line, f"customer {value.customer_id!r} again with the same as_of as on "
                                              f"line {seen[0]}; expected one row per customer and as_of"))
        elif seen is None or value.as_of > seen[1].as_of:
            latest[value.customer_id] = (line, value)
    problems.sort(key=lambda p: p.line)
    return ValueFile(tuple(v for _, v in latest.values()), tuple(problems), len(rows))
