"""Read a mystery shopper file: ``NAME.mystery.csv`` or ``NAME.mystery.jsonl``, bytes in, rows out.

CSV: a header row with the evaluation's fields (:data:`~pipeline.mystery.evaluation.FIELDS`) and one
column per checklist item, named by the item's id; a cell holds ``yes``/``no`` (``да``/``нет``, 1/0),
a scale point, ``n/a``, or nothing (the shopper did not judge the item). One file may hold several
checklists: a row's cells for items of another checklist must be empty.

JSON Lines: one object per evaluation with the same fields and ``answers``: ``{item id: answer}``
(``null``: not applicable).

Rows come out as ``(line, fields, answers)``; checking them against the checklists is
:func:`pipeline.mystery.evaluation.evaluation_of`'s work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from pipeline.jsonlines import LineProblem, csv_delimiter, csv_rows, decoded_text, jsonl_objects
from pipeline.mystery.evaluation import FIELDS

SUFFIXES = (".mystery.csv", ".mystery.jsonl")
MAX_FILE_BYTES = 20_000_000
Row = tuple[int, dict[str, Any], dict[str, Any]]


class MysteryFileError(ValueError):
    """The file cannot be read as a mystery shopper file at all; the message says what was expected."""


def file_kind(name: str) -> str:
    """``csv`` or ``jsonl`` for a mystery shopper file's name; MysteryFileError for another.

    >>> file_kind("november.mystery.csv"), file_kind("B.MYSTERY.JSONL")
    ('csv', 'jsonl')
    """
    lower = name.lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return suffix.rsplit(".", 1)[1]
    raise MysteryFileError(f"file name {name[:80]!r}; expected NAME.mystery.csv or NAME.mystery.jsonl")


def _csv(text: str, problems: list[LineProblem]) -> Iterator[Row]:
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise MysteryFileError("no header row; expected e.g. "
                               "shopper_id,operator_id,channel,at,checklist_id,greeting,...")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(first))
    try:
        names = [name.strip() for name in next(reader)]
        seen = set()
        for name in names:
            if not name or name in seen:
                raise MysteryFileError(f"column {name[:64]!r} is empty or appears twice in the header; "
                                       "expected unique names")
            seen.add(name)
        if "checklist_id" not in seen:
            raise MysteryFileError("no checklist_id column; expected shopper_id, operator_id, channel, at, "
                                   "checklist_id and one column per item")
        for line, cells in csv_rows(reader, names, problems):
            row = dict(zip(names, cells))
            fields = {k: v for k, v in row.items() if k in FIELDS}
            answers = {k: v for k, v in row.items() if k not in FIELDS and v.strip()}
            yield line, fields, answers
    except csv.Error as error:
        raise MysteryFileError(f"line {reader.line_num}: not readable as CSV ({error})") from None


def _jsonl(text: str, problems: list[LineProblem]) -> Iterator[Row]:
    for line, obj in jsonl_objects(text, problems):
        unknown = [k for k in obj if k not in FIELDS and k != "answers"]
        if unknown:
            problems.append(LineProblem(line, f"unknown field {unknown[0][:64]!r}; expected some of "
                                              f"{', '.join(FIELDS)}, answers"))
            continue
        answers = obj.get("answers")
        if not isinstance(answers, dict):
            problems.append(LineProblem(line, "answers is missing or not an object; expected "
                                              '"answers": {"item_id": "yes", ...}'))
            continue
        yield line, {k: v for k, v in obj.items() if k != "answers"}, answers


def read_mystery_file(data: bytes, *, kind: str) -> tuple[list[Row], list[LineProblem]]:
    """The rows of a file's bytes (``kind``: csv or jsonl) and the lines that could not be read."""
    if len(data) > MAX_FILE_BYTES:
        raise MysteryFileError(f"{len(data)} bytes; expected at most {MAX_FILE_BYTES} (split the file)")
    try:
        text, _ = decoded_text(data)
    except ValueError as error:
        raise MysteryFileError(str(error)) from None
    if "\x00" in text:
        raise MysteryFileError("holds NUL bytes: not a text file; expected CSV or JSON Lines")
    problems: list[LineProblem] = []
    rows = list(_csv(text, problems) if kind == "csv" else _jsonl(text, problems))
    if not rows and not problems:
        raise MysteryFileError("no evaluations; expected one row per evaluation")
    return rows, problems
