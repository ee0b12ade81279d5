"""The slots of a phrase pattern and how one token fills one (:mod:`pipeline.text.phrases` has the format):
a lemma, ``*`` (any one word), ``{name}`` (a word that can be a name) or ``root*``."""

from __future__ import annotations

from pipeline.text.lemmas import Token, could_be_name

ANY_WORD = "*"
NAME_SLOT = "{name}"


def is_plain(slot: str) -> bool:
    """Whether the slot is a word's lemma (not ``*``, ``{name}`` or ``root*``)."""
    return slot not in (ANY_WORD, NAME_SLOT) and not slot.endswith("*")


def slot_matches(slot: str, token: Token, language: str, cased: bool) -> bool:
    """Whether ``token`` fills ``slot``; ``cased``: the text has capitals, so a name must have one."""
    if slot == ANY_WORD:
        return True
    if slot == NAME_SLOT:
        return could_be_name(token.surface, language, cased=cased)
    if slot.endswith("*"):
        root = slot[:-1]
        return token.lemma.startswith(root) or token.word.startswith(root)
    return token.lemma == slot
