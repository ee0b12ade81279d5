"""Personal data out of transcript turns: their text and the words that spell it.

The patterns and the Luhn check live in :mod:`pipeline.personal_data` (the store tags error
messages and quarantined files with them too); here a turn's words are tagged along with its text.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.personal_data import find_pii, redact
from pipeline.records import Turn, Word


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
