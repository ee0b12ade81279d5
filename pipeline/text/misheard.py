"""Finding a rule's phrases in a turn as speech recognition misheard them (:mod:`pipeline.text.fuzzy`).

A phrase matches at a word when its slots are filled there as usual, except that each plain word
may be the same lemma or a near written word (:func:`~pipeline.text.fuzzy.phrase_close`; never a
near lemma: "знаю" gives "знать", one letter from "звать"), or when a phrase of plain words is
the words written there run together or split one word more or fewer ("post code", "Николадите
трубку"). The phrases are indexed by their first word, so that most words are passed over after
one (cached) comparison per distinct first word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.text.fuzzy import phrase_close, word_edits
from pipeline.text.lemmas import Token
from pipeline.text.slots import is_plain, slot_matches


@dataclass(frozen=True, slots=True)
class Near:
    """One phrase that may match as misheard: its slots with the words as written, and its threshold."""

    order: int                              # its place in the rule
    phrase: str
    slots: tuple[tuple[str, str], ...]      # (slot, the phrase's word as written, lowercased)
    threshold: float

    @property
    def joined(self) -> str | None:
        """The phrase's words run together, when all its slots are plain words."""
        return "".join(w for _, w in self.slots) if all(is_plain(s) for s, _ in self.slots) else None


@dataclass(frozen=True, slots=True)
class NearIndex:
    by_first: tuple[tuple[str, str, tuple[Near, ...]], ...]   # (first slot, its written word, phrases)
    open_first: tuple[Near, ...]                              # phrases starting with *, {name} or root*
    by_letter: dict[str, tuple[tuple[Near, str], ...]]        # first letter -> (phrase, joined words)

    def __bool__(self) -> bool:
        return bool(self.by_first or self.open_first)


def near_index(entries: Sequence[Near]) -> NearIndex:
    first: dict[tuple[str, str], list[Near]] = {}
    letters: dict[str, list[tuple[Near, str]]] = {}
    open_first = []
    for near in entries:
        slot, written = near.slots[0]
        if is_plain(slot):
            first.setdefault((slot, written), []).append(near)
        else:
            open_first.append(near)
        if near.joined:
            letters.setdefault(near.joined[0], []).append((near, near.joined))
    return NearIndex(tuple((s, w, tuple(n)) for (s, w), n in first.items()), tuple(open_first),
                     {k: tuple(v) for k, v in letters.items()})


def _same_count(near: Near, toks: Sequence[Token], i: int, language: str, cased: bool) -> bool:
    window = toks[i : i + len(near.slots)]
    if len(window) < len(near.slots):
        return False
    pairs = []
    for t, (slot, written) in zip(window, near.slots, strict=True):
        if not is_plain(slot):
            if not slot_matches(slot, t, language, cased):
                return False
        else:
            pairs.append(((slot,), (slot,)) if t.lemma == slot else ((t.word,), (written,)))
    return phrase_close([h for h, _ in pairs], [w for _, w in pairs], near.threshold)


def _run_together(near: Near, joined: str, toks: Sequence[Token], i: int) -> bool:
    for n in (len(near.slots) - 1, len(near.slots) + 1):
        if 1 <= n and i + n <= len(toks) and abs(sum(len(t.word) for t in toks[i : i + n]) - len(joined)) <= 2:
            if phrase_close([["".join(t.word for t in toks[i : i + n])]], [[joined]], near.threshold):
                return True
    return False


def earliest_misheard(index: NearIndex, toks: Sequence[Token], language: str, cased: bool) -> str | None:
    """The phrase that matches first as misheard (the earlier-listed one when two start together)."""
    for i, token in enumerate(toks):
        found = [n for slot, written, nears in index.by_first
                 if token.lemma == slot or word_edits(token.word, written) is not None
                 for n in nears if _same_count(n, toks, i, language, cased)]
        found += [n for n in index.open_first if _same_count(n, toks, i, language, cased)]
        found += [n for n, joined in index.by_letter.get(token.word[:1], ()) if _run_together(n, joined, toks, i)]
        if found:
            return min(found, key=lambda n: n.order).phrase
    return None
