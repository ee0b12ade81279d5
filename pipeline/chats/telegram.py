"""Telegram Desktop exports ("Export chat history", JSON): ``result.json``.

One chat is an object with ``name``, ``type``, ``id`` and a ``messages`` list; a whole-account
export holds several under ``chats.list`` and both are read. Each message has ``id``, ``type``
(``message``, or ``service`` for joins, pins, calls, which are skipped), ``date`` (local time of
the exporting computer, no offset), ``date_unixtime`` (UTC seconds, as a string, in exports
since 2021; preferred), ``from``, ``from_id`` and ``text``: a string, or a list of strings and
entities like ``{"type": "bold", "text": "..."}``, joined in order.

A photo, voice message, sticker or file without a caption keeps ``text=""``: the message is
still there for timing and turn counts, and no placeholder leaks into text analytics. The
chat_id is ``telegram-<id>``. Times are given in ``timezone`` (the instant comes from
``date_unixtime``; a message without it has its ``date`` read as local time in ``timezone``).
A problem's line is the line of the message's ``"id"`` (0 in minified JSON).
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from pipeline.chats.base import Authored
from pipeline.jsonlines import LineProblem, checked_field

EXPECTED = (
    'a Telegram Desktop export (result.json): an object with "id", "name", "type" and a '
    '"messages" list'
)

AUTHOR_CHARS = 128  # an author may become the contact's operator_id, String(128) in the catalog


def _is_chat(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value and isinstance(value.get("messages"), list)


def chats_of(data: Any) -> list[dict[str, Any]] | None:
    """The chats of an export, or None when ``data`` is not a Telegram Desktop export."""
    if _is_chat(data):
        return [data]
    listed = data.get("chats") if isinstance(data, dict) else None
    listed = listed.get("list") if isinstance(listed, dict) else None
    if isinstance(listed, list) and listed and all(_is_chat(chat) for chat in listed):
        return listed
    return None


class _Lines:
    """Finds the line where a message starts in pretty-printed JSON, searching forward only."""

    def __init__(self, text: str) -> None:
        self._lines = text.split("\n")
        self._cursor = 0

    def of(self, message_id: object) -> int:
        pattern = re.compile(rf'^\s*"id":\s*{re.escape(str(message_id))}\s*,?\s*$')
        for index in range(self._cursor, len(self._lines)):
            if pattern.match(self._lines[index]):
                self._cursor = index + 1
                return index + 1
        return 0


def _text(value: Any) -> str:
    """The plain text of a ``text`` field; raises ValueError on anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [part.get("text") if isinstance(part, dict) else part for part in value]
        if all(isinstance(part, str) for part in parts):
            return "".join(parts)
    got = "a list holding other things" if isinstance(value, list) else f"a JSON {type(value).__name__}"
    raise ValueError(f"text is {got}; expected a string, or a list of strings and {{type, text}} entities")


def _sent_at(message: dict[str, Any], timezone: tzinfo) -> datetime:
    unix = message.get("date_unixtime")
    if isinstance(unix, (str, int)) and not isinstance(unix, bool) and str(unix).isdigit():
        return datetime.fromtimestamp(int(unix), timezone)
    date = message.get("date")
    try:
        local = datetime.fromisoformat(date) if isinstance(date, str) else None
    except ValueError:
        local = None
    if local is None:
        raise ValueError(f"date_unixtime={unix!r}, date={date!r}; expected UTC seconds or a local ISO 8601 time")
    return local if local.tzinfo else local.replace(tzinfo=timezone)


def read_telegram(
    chats: list[dict[str, Any]], source: str, *, timezone: tzinfo
) -> tuple[list[Authored], list[LineProblem]]:
    """Messages and problems of the chats :func:`chats_of` found; ``source`` is the file's text."""
    lines = _Lines(source)
    said: list[Authored] = []
    problems: list[LineProblem] = []
    for chat in chats:
        chat_id = f"telegram-{chat['id']}"
        for index, message in enumerate(chat["messages"]):
            if not isinstance(message, dict):
                kind = type(message).__name__
                problems.append(LineProblem(0, f"{chat_id} message {index}: a JSON {kind}; expected an object"))
                continue
            if message.get("type", "message") != "message":
                continue
            try:
                sent_at = _sent_at(message, timezone)
                text = _text(message.get("text", message.get("text_entities", "")))
            except ValueError as error:
                where = f"{chat_id} message {message.get('id')}"
                problems.append(LineProblem(lines.of(message.get("id")), f"{where}: {error}"))
                continue
            author = message.get("from") or message.get("from_id") or ""
            try:
                author = checked_field("from", str(author), max_chars=AUTHOR_CHARS)
            except ValueError as error:
                where = f"{chat_id} message {message.get('id')}"
                problems.append(LineProblem(lines.of(message.get("id")), f"{where}: {error}"))
                continue
            aliases = (str(message["from_id"]),) if message.get("from_id") else ()
            said.append(Authored(chat_id, sent_at, str(author), text, aliases))
    return said, problems
