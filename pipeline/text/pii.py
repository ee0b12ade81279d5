"""Personal data out of stored text: phone numbers, e-mails, card numbers, passport numbers.

Each found item becomes a tag (``[PHONE]``, ``[EMAIL]``, ``[CARD]``, ``[PASSPORT]``). Card
numbers must pass the Luhn check, so an order or account number of the same length stays.
Phone numbers need a country prefix (+7, 8 or +N) and 10-15 digits: a date, an amount or a
short reference number is not a phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.records import Turn, Word

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
    found: list[tuple[str, int, int]] = []
    for kind, pattern in PATTERNS.items():  # earlier kinds win where two overlap
        for match in pattern.finditer(text):
            part = "pii" if "pii" in pattern.groupindex and match.group("pii") else 0
            start, end = match.span(part)
            if _accept(kind, match.group(part)) and all(end <= s or start >= e for _, s, e in found):
                found.append((kind, start, end))
    return sorted(found, key=lambda item: item[1])


def redact(text: str) -> Redaction:
    """``text`` with each item replaced by its tag.

    >>> redact("Мой номер +7 (912) 345-67-89, почта anna@example.ru").text
    'Мой номер [PHONE], почта [EMAIL]'
    """
    found = find_pii(text)
    pieces, cursor = [], 0
    for kind, start, end in found:
        pieces += [text[cursor:start], f"[{kind}]"]
        cursor = end
    pieces.append(text[cursor:])
    return Redaction(text="".join(pieces), found=tuple(found))


def redact_turn(turn: Turn) -> Turn:
    """The turn with personal data tagged in its text and in the words that spell it."""
    if not turn.words:
        return replace(turn, text=redact(turn.text).text)
    joined, offsets = "", []
    for word in turn.words:
        joined += (" " if joined else "")
        offsets.append((len(joined), len(joined) + len(word.text)))
        joined += word.text
    found = find_pii(joined)
    if not found:
        return turn
    words = []
    for word, (start, end) in zip(turn.words, offsets):
        kinds = [kind for kind, s, e in found if start < e and end > s]
        words.append(Word(f"[{kinds[0]}]", word.start_s, word.end_s, word.probability) if kinds else word)
    return replace(turn, text=redact(joined).text, words=tuple(words))
