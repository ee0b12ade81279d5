"""WhatsApp "Export chat" text files, iOS and Android, 24- and 12-hour clocks.

A message starts on a line like one of these (``<LRM>`` stands for U+200E, an invisible mark iOS puts
before many lines and texts; newer exports put U+202F, a narrow no-break space, before AM/PM)::

    [01.05.24, 13:00:05] Анна: текст           iOS, day-first
    <LRM>[01.05.2024, 13:00:05] Анна: <LRM>image omitted
    01.05.2024, 13:00 - Анна: текст            Android, 24-hour
    5/1/24, 1:00 PM - Anna: text               Android, US 12-hour
    [5/1/24, 1:00:05 PM] Anna: text            iOS, US 12-hour

Every other line continues the message before it (multi-line messages keep their line breaks).
Lines with a time but no "Name:" are system notices (group changes, "Messages and calls are
end-to-end encrypted") and are skipped, as are the encryption and business-account notices
that iOS attributes to a person. Media placeholders ("<Media omitted>", "image omitted") stay as
the export wrote them, without the U+200E marks. Lines before the first message that do not
start one are problems.

Day and month are decided once per file: if some date has a first number above 12 the file is
day-first, else if some date has a second number above 12 it is month-first, else dotted and
dashed dates are day-first and slashed dates month-first. Two-digit years are 20yy. The export
holds local times without an offset; they are read in the ``timezone`` the caller gives.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from pipeline.chats.base import Authored
from pipeline.jsonlines import LineProblem, checked_field

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_STAMP = (
    r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2}),? "
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:[ \u202f\u00a0]?(?P<ampm>[AaPp]\.?[Mm]\.?))?"
)
_HEADERS = (
    re.compile(rf"^[{_MARKS}]*\[{_STAMP}\] (?P<rest>.*)$"),
    re.compile(rf"^[{_MARKS}]*{_STAMP} [-–] (?P<rest>.*)$"),
)
# "Name: text" or "Name:" alone; a colon inside a time ("at 13:00") does not make a name.
_SPEAKER = re.compile(r"^(?P<author>[^:]{1,80}?):(?:$| (?P<text>.*))", re.DOTALL)
# Notices iOS attributes to a person; matched at the start of the text only, so a customer who
# asks "are messages end-to-end encrypted?" is still heard.
_SYSTEM_NOTICES = re.compile(
    r"messages .{0,60}end-to-end encrypt|сообщения .{0,60}сквозным шифрованием"
    r"|this (?:business|chat) (?:uses|is now using|is with) (?:a secure service|a business account)"
    r"|(?:этот|эта) (?:чат|компания) .{0,60}(?:бизнес|meta)"
    r"|your security code with .{1,80} changed|ваш код безопасности",
    re.IGNORECASE,
)
EXAMPLE = "'[01.05.24, 13:00:05] Name: text' or '01.05.2024, 13:00 - Name: text'"


_NO_MARKS = str.maketrans("", "", _MARKS)


def _strip_marks(text: str) -> str:
    return text.translate(_NO_MARKS)


def _header(line: str) -> re.Match[str] | None:
    for pattern in _HEADERS:
        match = pattern.match(line)
        if match:
            return match
    return None


def _day_first(stamps: list[re.Match[str]]) -> bool:
    if any(int(m["a"]) > 12 for m in stamps):
        return True
    if any(int(m["b"]) > 12 for m in stamps):
        return False
    return not stamps or stamps[0]["sep"] != "/"


def _local_time(m: re.Match[str], *, day_first: bool, timezone: tzinfo) -> datetime:
    """The stamp as an aware datetime; raises ValueError saying what is wrong with it."""
    day, month = (int(m["a"]), int(m["b"])) if day_first else (int(m["b"]), int(m["a"]))
    year = int(m["year"]) + (2000 if len(m["year"]) == 2 else 0)
    hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with {m['ampm']}; expected 1..12 on a 12-hour clock")
        hour = hour % 12 + (12 if m["ampm"][0] in "Pp" else 0)
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone)


def read_whatsapp(
    lines: list[str], *, chat_id: str, timezone: tzinfo
) -> tuple[list[Authored], list[LineProblem], int]:
    """Messages, problems, and the number of lines that looked like message starts.

    ``lines`` are the physical lines of the file, without line ends.
    """
    stamps = [_header(line) for line in lines]
    day_first = _day_first([m for m in stamps if m])
    said: list[Authored] = []
    problems: list[LineProblem] = []
    open_lines: list[str] | None = None  # lines of the message being read; None inside a skipped entry
    started = False

    def close() -> None:
        if open_lines is not None:
            last = said[-1]
            text = "\n".join([last.text, *open_lines]).rstrip()
            said[-1] = Authored(chat_id, last.sent_at, last.author, text)

    for number, (line, stamp) in enumerate(zip(lines, stamps, strict=True), start=1):
        if stamp is None:
            if open_lines is not None:
                open_lines.append(_strip_marks(line))
            elif not started and line.strip():
                problems.append(LineProblem(number, f"{line.strip()[:60]!r} is not a message; expected {EXAMPLE}"))
            continue
        close()
        started, open_lines = True, None
        try:
            sent_at = _local_time(stamp, day_first=day_first, timezone=timezone)
        except ValueError as error:
            order = "day-first" if day_first else "month-first"
            written = line[stamp.start("a") : stamp.start("rest")].strip(_MARKS + "[]-–, ")
            problems.append(LineProblem(number, f"time {written!r} ({order}): {error}"))
            continue
        speaker = _SPEAKER.match(_strip_marks(stamp["rest"]))
        text = (speaker and speaker["text"]) or ""
        if speaker is None or _SYSTEM_NOTICES.match(text):
            continue
        try:  # an author may become the contact's operator_id: no control characters into the catalog
            author = checked_field("author", speaker["author"].strip(), max_chars=80)
        except ValueError as error:
            problems.append(LineProblem(number, str(error)))
            continue
        said.append(Authored(chat_id, sent_at, author, text.rstrip()))
        open_lines = []
    close()
    return said, problems, sum(m is not None for m in stamps)
