"""How far a word heard by speech recognition is from a dictionary word, in letters.

Whisper on phone audio writes "Go afternoon" for "Good afternoon", "здраствуйте" for
"здравствуйте", "добрый ден" for "добрый день": a letter or two lost, swapped or doubled, or the
end of a word cut off. A phrase still matches when each of its words is close
(:func:`word_edits`) and the letters changed over the whole phrase stay within its threshold
(:func:`phrase_close`). Short words must be exact: one letter turns "day" into "way" and "hi" into
"i", and a word cut to less than half of itself is another word.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

EXACT_UP_TO_CHARS = 3
"""Words this short must be heard exactly."""
MIN_FUZZY_CHARS = 6
"""A phrase with fewer letters than this (over its plain words) is matched exactly only ("hello", "sorry")."""
LONG_WORD_CHARS = 8
"""Words this long may differ by two edits; shorter ones by one (a cut-off ending aside)."""


def edit_distance(a: str, b: str, *, limit: int | None = None) -> int:
    """Levenshtein distance: the fewest letters inserted, deleted or replaced to turn ``a`` into ``b``.

    With ``limit``, any distance above it is returned as ``limit + 1`` (computed faster).

    >>> edit_distance("afternon", "afternoon"), edit_distance("здраствуйте", "здравствуйте")
    (1, 1)
    >>> edit_distance("kitten", "sitting"), edit_distance("", "abc"), edit_distance("abc", "xyz", limit=1)
    (3, 3, 2)
    """
    if len(a) > len(b):
        a, b = b, a
    cap = len(b) if limit is None else limit
    if len(b) - len(a) > cap:
        return cap + 1
    previous = list(range(len(a) + 1))
    for j, cb in enumerate(b, 1):
        current = [j]
        for i, ca in enumerate(a, 1):
            current.append(min(previous[i] + 1, current[i - 1] + 1, previous[i - 1] + (ca != cb)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return min(previous[-1], cap + 1)


@functools.lru_cache(maxsize=1 << 16)  # a contact centre's words repeat: most pairs are asked again
def word_edits(heard: str, wanted: str) -> int | None:
    """Letters to change in ``heard`` to get ``wanted``, or None when the two are different words.

    Allowed: one edit in a word of 4-7 letters, two from 8 letters on, or the word's end cut off
    when at least half of it was heard ("go" for "good", "ден" for "день"); words of up to 3 letters
    must be equal.

    >>> word_edits("go", "good"), word_edits("ден", "день"), word_edits("afternon", "afternoon")
    (2, 1, 1)
    >>> word_edits("way", "day") is None, word_edits("дед", "день") is None, word_edits("g", "good") is None
    (True, True, True)
    """
    if heard == wanted:
        return 0
    if len(wanted) <= EXACT_UP_TO_CHARS or not heard:
        return None
    if wanted.startswith(heard) and 2 * len(heard) >= len(wanted):
        return len(wanted) - len(heard)
    allowed = 2 if len(wanted) >= LONG_WORD_CHARS else 1
    if abs(len(heard) - len(wanted)) > allowed or len(set(heard) ^ set(wanted)) > 2 * allowed:
        return None   # each edit changes the length by at most 1 and the set of letters by at most 2
    found = edit_distance(heard, wanted, limit=allowed)
    return found if found <= allowed else None


def phrase_close(heard: Sequence[Sequence[str]], wanted: Sequence[Sequence[str]], threshold: float) -> bool:
    """Whether words heard one after another are the phrase's words, give or take ``threshold``.

    ``heard[k]`` and ``wanted[k]`` are the forms of the k-th word to compare, pairwise (e.g. the
    lemma and the lowercased word); each word takes its closest pair. The phrase matches when every
    word is close (:func:`word_edits`) and all edits together are at most ``threshold`` of the
    phrase's letters. Phrases of fewer than :data:`MIN_FUZZY_CHARS` letters must match exactly.

    >>> phrase_close([["go"], ["afternoon"]], [["good"], ["afternoon"]], 0.2)
    True
    >>> phrase_close([["go"], ["day"]], [["good"], ["day"]], 0.2)   # 2 of 7 letters
    False
    """
    if len(heard) != len(wanted) or not 0 <= threshold < 1:
        raise ValueError(f"{len(heard)} heard words for {len(wanted)} wanted and threshold {threshold!r}; "
                         "expected as many heard as wanted and 0 <= threshold < 1")
    edits = letters = 0
    for said, want in zip(heard, wanted, strict=True):
        best: tuple[float, int, int] | None = None
        for h, w in zip(said, want, strict=True):
            found = word_edits(h, w)
            if found is not None and (best is None or found / len(w) < best[0]):
                best = (found / len(w), found, len(w))
        if best is None:
            return False
        edits, letters = edits + best[1], letters + best[2]
    if letters < MIN_FUZZY_CHARS:
        return edits == 0
    return edits <= threshold * letters
