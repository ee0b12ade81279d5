"""Word error rate of a transcript against a reference text, after a light normalisation.

Strings in, a number out: used to measure speech to text (tests, benchmarks).
"""

from __future__ import annotations

import unicodedata

_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")


def normalized_words(text: str) -> list[str]:
    """The words of ``text`` as `word_error_rate` compares them.

    NFKC, case-folded, Russian ``ё`` read as ``е``; apostrophes dropped (``don't`` -> ``dont``);
    every other punctuation mark or symbol becomes a space (``кто-то`` -> ``кто то``); split on
    whitespace. Numbers are not spelled out: ``10`` and ``ten`` differ.

    >>> normalized_words("Ёлки-палки, it's  ДА!")
    ['елки', 'палки', 'its', 'да']
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").translate(_APOSTROPHES)
    return "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate: (substitutions + deletions + insertions) / reference words, >= 0.

    Both texts go through `normalized_words` first; the edit distance is a Levenshtein over
    words. It can exceed 1 when the hypothesis adds many words. An empty reference (after
    normalising) gives 0.0 for an empty hypothesis and 1.0 otherwise, so a silence that was
    transcribed counts as wholly wrong rather than dividing by zero.

    >>> word_error_rate("Ask not what your country can do", "ask not what the country can do for")
    0.2857142857142857
    """
    ref, hyp = normalized_words(reference), normalized_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))  # distances from an empty reference prefix
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        for j, hyp_word in enumerate(hyp, start=1):
            current.append(min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (ref_word != hyp_word),  # match or substitution
            ))
        previous = current
    return previous[-1] / len(ref)
