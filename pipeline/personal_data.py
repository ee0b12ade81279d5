"""Personal data out of text and text files: phone numbers, e-mails, card numbers, passport numbers.

Each found item becomes a tag (``[PHONE]``, ``[EMAIL]``, ``[CARD]``, ``[PASSPORT]``). Card
numbers must pass the Luhn check, so an order or account number of the same length stays.
Phone numbers need a country prefix (+7, 8 or +N) and 10-15 digits: a date, an amount or a
short reference number is not a phone.

:func:`redact` tags a text (transcripts, chat messages, survey comments, error messages),
:func:`redacted_name` a file name or path; :func:`redacted_bytes` tags a text file's bytes and
keeps every other byte as it was, so a quarantined export stays the file it was, less the
personal data. This module is on the ground floor so that the store can keep error messages and
quarantined files free of personal data; ``pipeline.text.pii`` tags transcript turns with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEP = r"[\s\-.()]*"
PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Zа-яА-Я]{2,}(?![\w-])"),
    "CARD": re.compile(r"(?<![\d])(?:\d[\s\-]?){12,18}\d(?![\d])"),
    # After the word "passport" (its series and number may stand apart: "серия 45 10 номер 123456"),
    # or in the printed form "4510 123456".
    "PASSPORT": re.compile(
        r"(?:паспорт\w*|passport)\D{0,25}(?P<pii>\d{2}\s?\d{2}\D{0,10}\d{6})(?!\d)"
        r"|(?<!\d)\d{2}\s?\d{2}\s(?:№\s?)?\d{6}(?!\d)",
        re.IGNORECASE,
    ),
    "PHONE": re.compile(r"(?<![\w+])(?:\+\d{1,3}|8)" + _SEP + r"\d(?:" + _SEP + r"\d){8,13}(?!\d)"),
}
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_ESCAPE = re.compile(r"\\(?:[ntr]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")  # as repr() and messages write controls


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that every payment card number passes.

    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    found: tuple[tuple[str, int, int], ...]  # (kind, start, end) in the original text


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _accept(kind: str, match: str) -> bool:
    digits = _digits(match)
    if kind == "CARD":
        return 13 <= len(digits) <= 19 and luhn_valid(digits)
    if kind == "PHONE":
        return 10 <= len(digits) <= 15
    return True


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of every item found, in order, never overlapping."""
    found: list[tuple[str, int, int]] = []  # sorted, so also by end; a whole file may hold many thousands
    for kind, pattern in PATTERNS.items():  # earlier kinds win where two overlap
        taken, before = [], 0  # found[:before] ends before this match starts (matches come in order)
        for match in pattern.finditer(text):
            part = "pii" if "pii" in pattern.groupindex and match.group("pii") else 0
            start, end = match.span(part)
            while before < len(found) and found[before][2] <= start:
                before += 1
            if (before == len(found) or found[before][1] >= end) and _accept(kind, match.group(part)):
                taken.append((kind, start, end))
        found = sorted(found + taken, key=lambda item: item[1])
    return found


def redact(text: str) -> Redaction:
    """``text`` with each item replaced by its tag.

    >>> redact("Мой номер +7 (912) 345-67-89, почта anna@example.ru").text
    'Мой номер [PHONE], почта [EMAIL]'
    """
    return _tagged(text, find_pii(text))


def _tagged(text: str, found: list[tuple[str, int, int]]) -> Redaction:
    pieces, cursor = [], 0
    for kind, start, end in found:
        pieces += [text[cursor:start], f"[{kind}]"]
        cursor = end
    pieces.append(text[cursor:])
    return Redaction(text="".join(pieces), found=tuple(found))


def redacted(text: str) -> str:
    """``text`` with personal data tagged: what a message may show of it. A message writes a control
    character escaped (``\\n``, ``\\x0a``, ``\\u2028``, as :func:`repr` does), and an escape is read
    as the space it stands for, so a number written across a line break is still found.

    >>> redacted("/in/+7 916 123-45-67.csv: ts 'ivan@example.ru' is not ISO 8601")
    "/in/[PHONE].csv: ts '[EMAIL]' is not ISO 8601"
    >>> redacted("ts '+7\\\\n916\\\\x0a123-45-67' is not ISO 8601")
    "ts '[PHONE]' is not ISO 8601"
    """
    return _tagged(text, _found_escaped(text)).text


def _found_escaped(text: str) -> list[tuple[str, int, int]]:
    """:func:`find_pii` reading each escape of a control character as a space."""
    if "\\" not in text:
        return find_pii(text)
    return find_pii(_ESCAPE.sub(lambda match: " " * len(match.group()), text))  # the same length: spans carry over


def redacted_name(name: str) -> str:
    """A file name or path with personal data tagged and its suffix kept, which an e-mail address
    would otherwise take for the end of its domain (unless the address needs it: ``a@b.com``).

    >>> redacted_name("/in/ivan@example.ru.csv"), redacted_name("ivan@example.com"), redacted_name("a.b")
    ('/in/[EMAIL].csv', '[EMAIL]', 'a.b')
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix or not find_pii(name):
        return redacted(name)
    return f"{redacted(stem)}.{suffix}" if len(find_pii(stem)) == len(find_pii(name)) else redacted(name)


def redacted_bytes(data: bytes) -> tuple[bytes, int]:
    """A text file's bytes with personal data tagged, and how many items were tagged.

    The text is read as UTF-16 after a UTF-16 byte-order mark, else as UTF-8 when it is valid
    UTF-8, else as cp1251 (as :func:`pipeline.jsonlines.decoded_text` reads exports). A byte the
    encoding cannot read is carried through untouched (``surrogateescape``; ``surrogatepass`` for
    UTF-16, whose odd last byte is kept as well), so every byte outside an item comes back as it
    was. Phones, e-mails, cards and printed passport numbers are ASCII and are found whichever
    encoding a file is read in, and across a control character escaped as JSON writes it (``\\n``).

    >>> redacted_bytes("Иван;+7 916 123-45-67;".encode("cp1251") + b"\\x98\\n")
    (b'\\xc8\\xe2\\xe0\\xed;[PHONE];\\x98\\n', 1)
    >>> redacted_bytes(b"ok\\xff") == (b"ok\\xff", 0)
    True
    """
    bom = data[:2] if data[:2] in _UTF16_BOMS else b""
    if bom:
        body = data[2:]
        even = len(body) - len(body) % 2
        codec, errors, tail = _UTF16_BOMS[bom], "surrogatepass", body[even:]
        text = body[:even].decode(codec, errors)
    else:
        try:
            text, codec = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, codec = data.decode("cp1251", "surrogateescape"), "cp1251"
        errors, tail = "surrogateescape", b""
    redaction = _tagged(text, _found_escaped(text))  # JSON escapes a control as a message does
    if not redaction.found:
        return data, 0
    return bom + redaction.text.encode(codec, errors) + tail, len(redaction.found)
