"""Read the text files people export (chats, surveys, consents) row by row, each bad row named by its line.

Text is UTF-8 (a BOM is dropped) or, when it is not valid UTF-8, cp1251 (:func:`decoded_text`).
A row that cannot be read becomes a :class:`LineProblem` with its 1-based line number, and the
reader goes on with the next one: :func:`jsonl_objects` for JSON Lines, :func:`csv_rows` for CSV.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A part of a file that was left out, and why.

    ``line`` is the 1-based physical line in the file where the problem starts (0 = the file as
    a whole, or a line that cannot be told, as in minified JSON).
    """

    line: int
    message: str

    def __post_init__(self) -> None:
        if self.line < 0:
            raise ValueError(f"line={self.line}; expected a 1-based line number, or 0 for the whole file")


def decoded_text(data: bytes) -> tuple[str, str]:
    """The text of an exported file and its encoding, ``"utf-8"`` or ``"cp1251"``.

    Valid UTF-8 is always read as UTF-8 (a leading BOM is dropped); anything else is read as
    cp1251, which is what Russian Windows and Excel write. Raises ValueError for UTF-16 text and
    for bytes that are neither.

    >>> decoded_text("Привет".encode("cp1251"))
    ('Привет', 'cp1251')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("UTF-16 text; expected UTF-8 or cp1251 (save the export as UTF-8)")
    try:
        return data.removeprefix(_UTF8_BOM).decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as error:
        raise ValueError(f"byte 0x{data[error.start]:02x} at {error.start} is neither UTF-8 nor cp1251") from None


def jsonl_objects(text: str, problems: list[LineProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object of a JSON Lines text with its line number; blank lines are skipped, and a
    line that is not a JSON object is added to ``problems`` instead.

    >>> problems = []
    >>> list(jsonl_objects('{"a": 1}\\n\\n[2]', problems)), problems
    ([(1, {'a': 1})], [LineProblem(line=3, message='a JSON list; expected an object')])
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(LineProblem(number, f"not JSON ({error.msg} at column {error.colno}); "
                                                f"expected one JSON object per line"))
            continue
        if not isinstance(fields, dict):
            problems.append(LineProblem(number, f"a JSON {type(fields).__name__}; expected an object"))
            continue
        yield number, fields


def csv_delimiter(header_line: str) -> str:
    """``,``, ``;`` (Russian Excel) or a tab: whichever the header row holds most of."""
    return max(DELIMITERS, key=header_line.count)


def csv_rows(reader: Any, header: list[str], problems: list[LineProblem]) -> Iterator[tuple[int, list[str]]]:
    """The rows ``reader`` (a :func:`csv.reader` past the ``header`` row) has left, each with the line
    it starts on; blank rows are skipped, and a row with more or fewer cells than the header is added
    to ``problems`` instead. Quoted cells may span lines.

    >>> import io
    >>> reader = csv.reader(io.StringIO('a,b\\n"1\\n1",2\\n\\n3\\n'))
    >>> problems = []
    >>> list(csv_rows(reader, next(reader), problems)), problems
    ([(2, ['1\\n1', '2'])], [LineProblem(line=5, message='1 fields; expected 2 as in the header')])
    """
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            if len(row) != len(header):
                problems.append(LineProblem(start, f"{len(row)} fields; expected {len(header)} as in the header"))
            else:
                yield start, row
        start = reader.line_num + 1
