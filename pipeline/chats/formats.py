"""Read a chat export, bytes in, :class:`~pipeline.records.ChatMessage` records out.

The format comes from the file's suffix:

``.jsonl``
    The cxmon format, documented in the README: one JSON object per line with ``chat_id``,
    ``ts`` (ISO 8601 with a UTC offset), ``role`` (agent | customer | bot), ``author``
    (optional) and ``text``. Blank lines are ignored; one file may hold several chats.
``.csv``
    The same columns under a header row, separated by ``,`` or ``;`` (Russian Excel) or tabs,
    as the header shows; quoted text may span lines; extra columns are ignored.
``.json``
    A Telegram Desktop export, see :mod:`pipeline.chats.telegram`.
``.txt``
    A WhatsApp export, see :mod:`pipeline.chats.whatsapp`.

Text is UTF-8 (a BOM is dropped) or, when it is not valid UTF-8, cp1251. A control character in a
message's text (NUL, ESC, any C0 or C1 control but tab, LF and CR) becomes U+FFFD, the
replacement character: the message stays, with as many characters as it had, and neither the
catalog (PostgreSQL's text columns refuse NUL) nor a terminal that shows it gets a control.

Bad input is handled at two levels. A line (a record, a message) that cannot be read becomes a
:class:`~pipeline.jsonlines.LineProblem` with its line number and the rest of the file is kept.
A file that yields no message at all (empty, not the format its suffix names, a CSV header
without a required column, every line bad) raises :class:`ChatFormatError` naming the file,
what was expected and the first problems. Roles in ``.jsonl``/``.csv`` come from the file and
``roles`` is not used there; for Telegram and WhatsApp see :mod:`pipeline.chats.base` for how
names become roles.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import PurePath
from typing import Any

from pipeline.chats import telegram, whatsapp
from pipeline.chats.base import Authored, ChatFormatError, checked_roles, with_roles
from pipeline.jsonlines import (
    JsonLimitError,
    LineProblem,
    bounded_json,
    checked_field,
    csv_delimiter,
    csv_rows,
    decoded_text,
    jsonl_objects,
)
from pipeline.records import CHAT_ROLES, ChatMessage

__all__ = ["CHAT_SUFFIXES", "ChatFormatError", "LineProblem", "ParsedChats", "parse_chat"]

CHAT_SUFFIXES = frozenset({".jsonl", ".csv", ".json", ".txt"})
REQUIRED_COLUMNS = ("chat_id", "ts", "role", "text")
_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".json": "telegram", ".txt": "whatsapp"}
_SHOWN_PROBLEMS = 3
MAX_TELEGRAM_CHARS = 256 * 1024 * 1024
"""Largest Telegram export read (its objects take several times the text's memory)."""
ID_CHARS = 128  # chat_id and author: an author may become the contact's operator_id, String(128)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF and CR are text


def printable_text(text: str) -> str:
    """``text`` with each control character but tab, LF and CR replaced by U+FFFD.

    >>> printable_text("a\\x00b\\x1b[2J\\tc\\n")
    'a\\ufffdb\\ufffd[2J\\tc\\n'
    """
    return _CONTROL.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class ParsedChats:
    """What one chat file holds.

    ``chats`` maps each chat_id, in the order the file first names it, to its messages sorted
    by ``sent_at`` (equal times keep file order). ``roles_source`` is ``"file"`` (jsonl, csv),
    ``"mapping"`` or ``"guess"``.
    """

    format: str
    encoding: str
    chats: Mapping[str, tuple[ChatMessage, ...]]
    problems: tuple[LineProblem, ...]
    roles_source: str

    def __post_init__(self) -> None:
        if self.format not in _FORMATS.values():
            raise ValueError(f"format={self.format!r}; expected one of {sorted(_FORMATS.values())}")
        if self.roles_source not in ("file", "mapping", "guess"):
            raise ValueError(f"roles_source={self.roles_source!r}; expected file, mapping or guess")


def _sent_at(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"ts={value!r}; expected an ISO 8601 string with offset, e.g. 2024-05-01T13:00:00+03:00")
    try:
        sent_at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"ts {value!r} is not ISO 8601; expected e.g. 2024-05-01T13:00:00+03:00") from None
    if sent_at.tzinfo is None:
        raise ValueError(f"ts {value!r} has no UTC offset; expected ISO 8601 with offset")
    return sent_at


def _record(fields: Mapping[str, Any]) -> ChatMessage:
    """One jsonl/csv record as a message; raises ValueError saying what is wrong and what was expected."""
    missing = [name for name in REQUIRED_COLUMNS if fields.get(name) is None]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}; expected chat_id, ts, role, text (author optional)")
    chat_id, role, author, text = fields["chat_id"], fields["role"], fields.get("author") or "", fields["text"]
    if isinstance(chat_id, bool) or not isinstance(chat_id, (str, int)) or not str(chat_id).strip():
        raise ValueError(f"chat_id={chat_id!r}; expected a non-empty string")
    role_name = role.strip().lower() if isinstance(role, str) else role
    if role_name not in CHAT_ROLES:
        raise ValueError(f"role={role!r}; expected one of {', '.join(sorted(CHAT_ROLES))}")
    if not isinstance(author, str) or not isinstance(text, str):
        raise ValueError("author and text must be strings")
    chat_id = checked_field("chat_id", str(chat_id).strip(), max_chars=ID_CHARS)
    author = checked_field("author", author.strip(), max_chars=ID_CHARS)
    return ChatMessage(chat_id, _sent_at(fields["ts"]), role_name, author, text)


def _messages(rows: Iterator[tuple[int, Mapping[str, Any]]], problems: list[LineProblem]) -> list[ChatMessage]:
    messages = []
    for number, fields in rows:
        try:
            messages.append(_record(fields))
        except ValueError as error:
            problems.append(LineProblem(number, str(error)))
    return messages


def _read_jsonl(text: str) -> tuple[list[ChatMessage], list[LineProblem]]:
    problems: list[LineProblem] = []
    return _messages(jsonl_objects(text, problems), problems), problems


def _read_csv(name: str, text: str) -> tuple[list[ChatMessage], list[LineProblem]]:
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(header_line))
    header = [column.strip().lower() for column in next(reader, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ChatFormatError(
            f"{name}: header {header_line.strip()[:80]!r} lacks {', '.join(missing)}; "
            f"expected columns chat_id, ts, role, author, text separated by ',' or ';'"
        )
    problems: list[LineProblem] = []
    rows = ((line, dict(zip(header, row, strict=True))) for line, row in csv_rows(reader, header, problems))
    return _messages(rows, problems), problems


def _read_telegram(name: str, text: str, timezone: tzinfo) -> tuple[list[Authored], list[LineProblem]]:
    try:
        data = bounded_json(text, max_chars=MAX_TELEGRAM_CHARS)
    except JsonLimitError as error:
        raise ChatFormatError(f"{name}: line {error.line}: {error}; expected {telegram.EXPECTED}") from None
    except json.JSONDecodeError as error:
        hint = " (one object per line is JSON Lines: name the file .jsonl)" if error.msg == "Extra data" else ""
        raise ChatFormatError(
            f"{name}: malformed JSON at line {error.lineno} ({error.msg}){hint}; expected {telegram.EXPECTED}"
        ) from None
    chats = telegram.chats_of(data)
    if chats is None:
        got = f"keys {sorted(data)[:6]}" if isinstance(data, dict) else f"a JSON {type(data).__name__}"
        raise ChatFormatError(f"{name}: {got}; expected {telegram.EXPECTED}")
    return telegram.read_telegram(chats, text, timezone=timezone)


def _read_whatsapp(name: str, text: str, timezone: tzinfo) -> tuple[list[Authored], list[LineProblem]]:
    lines = re.split(r"\r\n|\r|\n", text)
    chat_id = PurePath(name).stem.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")  # any name
    said, problems, starts = whatsapp.read_whatsapp(lines, chat_id=chat_id, timezone=timezone)
    if not starts:
        raise ChatFormatError(f"{name}: no line starts a WhatsApp message; expected lines like {whatsapp.EXAMPLE}")
    return said, problems


def _grouped(messages: Sequence[ChatMessage]) -> dict[str, tuple[ChatMessage, ...]]:
    chats: dict[str, list[ChatMessage]] = {}
    for message in messages:
        chats.setdefault(message.chat_id, []).append(message)
    return {chat_id: tuple(sorted(group, key=lambda m: m.sent_at)) for chat_id, group in chats.items()}


def parse_chat(
    name: str, data: bytes, *, roles: Mapping[str, str] | None = None, timezone: tzinfo = UTC
) -> ParsedChats:
    """Read one chat file named ``name`` (its suffix picks the format, its stem is the WhatsApp chat_id).

    ``roles`` maps author names to roles for Telegram and WhatsApp; ``timezone`` is where times
    without an offset were written (WhatsApp, old Telegram exports). Raises ChatFormatError when
    the file yields no message, ValueError when ``roles`` names a role that does not exist.

    >>> data = "chat_id;ts;role;text\\n7;2024-05-01T13:00:00+03:00;customer;Привет".encode("cp1251")
    >>> parsed = parse_chat("c.csv", data)
    >>> parsed.format, parsed.encoding, [(m.chat_id, m.role, m.text) for m in parsed.chats["7"]]
    ('csv', 'cp1251', [('7', 'customer', 'Привет')])
    """
    keyed_roles = checked_roles(roles)
    suffix = PurePath(name).suffix.lower()
    if suffix not in _FORMATS:
        raise ChatFormatError(f"{name}: suffix {suffix!r}; expected one of {', '.join(sorted(CHAT_SUFFIXES))}")
    try:
        text, encoding = decoded_text(data)
    except ValueError as error:
        raise ChatFormatError(f"{name}: {error}") from None
    kind = _FORMATS[suffix]
    if kind in ("jsonl", "csv"):
        messages, problems = _read_jsonl(text) if kind == "jsonl" else _read_csv(name, text)
        roles_source = "file"
    else:
        reader = _read_telegram if kind == "telegram" else _read_whatsapp
        said, problems = reader(name, text, timezone)
        messages, roles_source = with_roles(said, keyed_roles)
    if not messages:
        shown = "; ".join(f"line {p.line}: {p.message}" for p in problems[:_SHOWN_PROBLEMS])
        raise ChatFormatError(f"{name}: no chat messages in this {kind} file" + (f"; {shown}" if shown else ""))
    messages = [replace(m, text=printable_text(m.text)) if _CONTROL.search(m.text) else m for m in messages]
    return ParsedChats(kind, encoding, _grouped(messages), tuple(problems), roles_source)
