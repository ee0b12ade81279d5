"""Read the text files people export (chats, surveys, consents) row by row, each bad row named by its line.

Text is UTF-8 (a BOM is dropped) or, when it is not valid UTF-8, cp1251 (:func:`decoded_text`).
A row that cannot be read becomes a :class:`LineProblem` with its 1-based line number, and the
reader goes on with the next one: :func:`jsonl_objects` for JSON Lines, :func:`csv_rows` for CSV.

Every JSON text is read by :func:`bounded_json`, which refuses nesting deeper than
:data:`MAX_JSON_DEPTH` before the parser's recursion can blow up, and text longer than the
caller's limit before it becomes objects; :func:`checked_field` keeps a value the catalog stores
within its column and free of control characters.
"""

from __future__ import annotations

import csv  # noqa: F401  (the doctests below use it)
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

_UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t")
MAX_JSON_DEPTH = 64
"""Deepest nesting of lists and objects read; real exports and sidecars nest a few levels."""
MAX_LINE_CHARS = 1_000_000
"""Longest JSON Lines row read (a chat message or a survey answer is far shorter)."""
_NOT_BRACKET = bytes(code for code in range(256) if code not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_LONG_NUMBER = re.compile(r"\d{4301,}")  # Python's int() refuses longer digit strings
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR are text
_ID_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class JsonLimitError(ValueError):
    """JSON refused before parsing: too deep, too long, a number too long. ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


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


def json_depth(text: str) -> int:
    """The deepest nesting of lists and objects in JSON ``text``; brackets inside strings do not
    count, and a scalar is 0 deep.

    >>> json_depth('{"a": [1, {"b": "[[[\\\\\\"{"}]}')
    3
    """
    # str methods, not a regular expression (twice as slow): about as fast as json.loads itself
    unescaped = text.replace("\\\\", "__").replace('\\"', "__")
    outside = "".join(unescaped.split('"')[::2]).encode("utf-8", "replace")
    brackets = outside.translate(None, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _line_reaching(text: str, depth: int) -> int:
    """The 1-based line where nesting first reaches ``depth`` (slow: only for a text refused)."""
    level = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            level += 1
            if level == depth:
                return text.count("\n", 0, match.start()) + 1
        elif token in "]}":
            level -= 1
    return 1


def bounded_json(text: str, *, max_depth: int = MAX_JSON_DEPTH, max_chars: int | None = None) -> Any:
    """``json.loads(text)``, refusing first what would exhaust the parser: more than ``max_chars``
    characters, lists and objects nested deeper than ``max_depth``, a number of more digits than
    Python reads. Raises :class:`JsonLimitError` for those (with the line), ``json.JSONDecodeError``
    for text that is not JSON.

    >>> try:
    ...     bounded_json("[" * 100 + "]" * 100)
    ... except JsonLimitError as error:
    ...     print(error.line, error)
    1 nested 100 deep; expected at most 64
    """
    if max_chars is not None and len(text) > max_chars:
        raise JsonLimitError(1, f"{len(text)} characters; expected at most {max_chars}")
    depth = json_depth(text) if text.count("[") + text.count("{") > max_depth else 0
    if depth > max_depth:
        line = _line_reaching(text, max_depth + 1)
        raise JsonLimitError(line, f"nested {depth} deep; expected at most {max_depth}")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:  # not JSON, so the scan above counted what the parser did not
        line = _line_reaching(text, max_depth + 1)
        raise JsonLimitError(line, f"nested too deep; expected at most {max_depth}") from None
    except ValueError:  # int() refused a number of thousands of digits
        long = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, long.start()) + 1 if long else 1
        raise JsonLimitError(line, "a number of more than 4300 digits; expected at most 4300") from None


def checked_field(name: str, value: str, *, max_chars: int, free_text: bool = False) -> str:
    """``value`` when it fits a catalog column of ``max_chars`` and holds no control character
    (``free_text`` allows tabs and line breaks); else ValueError naming the field and the limit,
    never the value, which may be personal.

    >>> checked_field("team", "a\\x00b", max_chars=128)
    Traceback (most recent call last):
    ...
    ValueError: team holds control character U+0000 at character 2; expected printable text
    """
    if len(value) > max_chars:
        raise ValueError(f"{name} is {len(value)} characters long; expected at most {max_chars}")
    bad = (_CONTROL if free_text else _ID_CONTROL).search(value)
    if bad:
        raise ValueError(f"{name} holds control character U+{ord(bad.group()):04X} at character {bad.start() + 1}; "
                         f"expected printable text")
    return value


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
            fields = bounded_json(line, max_chars=MAX_LINE_CHARS)
        except json.JSONDecodeError as error:
            problems.append(LineProblem(number, f"not JSON ({error.msg} at column {error.colno}); "
                                                f"expected one JSON object per line"))
            continue
        except JsonLimitError as error:
            problems.append(LineProblem(number, str(error)))
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
