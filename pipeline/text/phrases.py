"""Phrase tags: which turns greet, introduce the agent, apologise, thank, say goodbye, swear or
ask for a human operator, found by lemma so every inflection of a listed phrase counts.

A dictionary is a TOML file with one table per tag (``phrases_ru.toml`` and ``phrases_en.toml``
ship with the package; users may load their own)::

    [greeting]
    phrases = ["здравствуйте", "добрый день"]   # required
    speaker = "agent"           # who must say it (any speaker when left out)
    first_turns = 2             # only within that speaker's first 2 turns
    last_turns = 3              # only within that speaker's last 3 turns
    after_silence_s = 5.0       # the turn starts >= 5 s after every earlier turn has ended
    after_interruption = true   # the turn starts before the other party's last turn has ended
    fuzzy = 0.2                 # share of a phrase's letters ASR may get wrong (default 0.2; 0: exact)
    fuzzy_phrases = {"good afternoon" = 0.3}   # the same, for one phrase

A phrase matches a turn when its lemmas occur one after another in the turn's lemmas
(:mod:`pipeline.text.lemmas`). In a phrase:

- ``*`` stands for any one word;
- ``{name}`` stands for one word that can be a name (:func:`~pipeline.text.lemmas.could_be_name`);
- ``root*`` (a word ending in ``*``) stands for any word whose lemma or written form starts with
  ``root`` (``пизд*``), for word families that a lemma alone does not gather.

A phrase that does not match exactly still matches what speech recognition misheard ("Go
afternoon", "здраствуйте", "добрый ден", "post code"): each word close to the phrase's word or
lemma (or the words run together), at most ``fuzzy`` of the phrase's letters changed in all
(:mod:`pipeline.text.fuzzy`; words of up to 3 letters and phrases under 6 letters must be exact).

Filler words (``пожалуйста``, ``же``, ``ну``, ``вот``, ``бы``; ``a``, ``an``, ``the``, ``please``,
``just``) are skipped on both sides, so "соедините меня, пожалуйста, с оператором" matches
"соедините меня с оператором" and "talk to a human" matches "talk to human". Negation is not
understood: "я не благодарю" still counts as thanks.

``first_turns``/``last_turns`` count the turns of the speaker who said the turn. The first turn of
a contact never comes "after silence" (there is no earlier turn to measure from). A chat gives
every message ``start_s == end_s``, so ``after_interruption`` never holds there.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.records import LANGUAGES, SPEAKERS, Turn
from pipeline.text.lemmas import Token, tokens, words
from pipeline.text.misheard import Near, NearIndex, earliest_misheard, near_index
from pipeline.text.positions import position_ok, turn_places
from pipeline.text.slots import ANY_WORD, NAME_SLOT, slot_matches

PHRASE_TAGS = ("greeting", "introduced_by_name", "apology", "thanks", "farewell", "profanity", "asks_for_operator")

FILLERS: dict[str, frozenset[str]] = {
    "ru": frozenset({"пожалуйста", "же", "ну", "вот", "бы"}),
    "en": frozenset({"a", "an", "the", "please", "just"}),
}
_TAG = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_KEYS = ("phrases", "speaker", "first_turns", "last_turns", "after_silence_s", "after_interruption", "fuzzy",
              "fuzzy_phrases")
FUZZY_DEFAULT, MAX_FUZZY = 0.2, 0.5   # share of a phrase's letters that may be misheard: default, most


class PhraseDictionaryError(ValueError):
    """A phrase dictionary cannot be used; the message names the file, the tag and the bad key."""


def _check_count(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name}={value!r}; expected a whole number of turns >= 1")


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """One tag: the phrases that give it and where in the contact a turn must be to get it."""

    tag: str
    phrases: tuple[str, ...]
    speaker: str | None = None
    first_turns: int | None = None
    last_turns: int | None = None
    after_silence_s: float | None = None
    after_interruption: bool = False
    fuzzy: float = FUZZY_DEFAULT
    fuzzy_phrases: tuple[tuple[str, float], ...] = ()   # (phrase, share): its own threshold instead of fuzzy

    def __post_init__(self) -> None:
        if not isinstance(self.tag, str) or not _TAG.match(self.tag):
            raise ValueError(f"tag={self.tag!r}; expected lowercase letters, digits and _, starting with a letter")
        if not isinstance(self.phrases, tuple) or not self.phrases:
            raise ValueError(f"phrases={self.phrases!r}; expected a non-empty tuple of strings")
        for phrase in self.phrases:
            if not isinstance(phrase, str) or not phrase.strip():
                raise ValueError(f"phrases has {phrase!r}; expected non-empty strings")
        if self.speaker is not None and self.speaker not in SPEAKERS:
            raise ValueError(f"speaker={self.speaker!r}; expected one of {sorted(SPEAKERS)} or none")
        _check_count("first_turns", self.first_turns)
        _check_count("last_turns", self.last_turns)
        silence = self.after_silence_s
        is_number = isinstance(silence, (int, float)) and not isinstance(silence, bool)
        if silence is not None and (not is_number or not math.isfinite(silence) or silence < 0):
            raise ValueError(f"after_silence_s={silence!r}; expected a finite number of seconds >= 0")
        if not isinstance(self.after_interruption, bool):
            raise ValueError(f"after_interruption={self.after_interruption!r}; expected true or false")
        for phrase, share in (("fuzzy", self.fuzzy), *self.fuzzy_phrases):
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= MAX_FUZZY:
                raise ValueError(f"fuzzy share {share!r} for {phrase!r}; expected a number from 0 to {MAX_FUZZY}")
            if phrase != "fuzzy" and phrase not in self.phrases:
                raise ValueError(f"fuzzy_phrases names {phrase!r}, which is not one of the phrases")

    def threshold(self, phrase: str) -> float:  # the share of the phrase's letters that may be misheard
        return next((share for p, share in self.fuzzy_phrases if p == phrase), self.fuzzy)


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A turn that got a tag; ``phrase`` is the dictionary phrase that matched, ``start_s`` the turn's start."""

    tag: str
    turn_index: int
    speaker: str
    phrase: str
    start_s: float
    exact: bool = True
    """False when the phrase matched only as misheard (within its fuzzy threshold)."""


# --- compiling phrases ---------------------------------------------------------------------

Pattern = tuple[str, ...]  # a lemma, ANY_WORD, NAME_SLOT, or a root ending in "*"


def compile_phrase(phrase: str, language: str) -> Pattern:
    """The pattern a phrase is matched with: its lemmas, fillers left out, slots kept.

    >>> compile_phrase("Соедините меня, пожалуйста, с оператором", "ru")
    ('соединить', 'я', 'с', 'оператор')
    >>> compile_phrase("this is {name} from", "en")
    ('this', 'be', '{name}', 'from')
    """
    return tuple(slot for slot, _ in _slots(phrase, language))


def _slots(phrase: str, language: str) -> list[tuple[str, str]]:
    """(slot, the word as written, lowercased) for each slot of the phrase's pattern."""
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r}; expected one of {sorted(LANGUAGES)}")
    pattern: list[tuple[str, str]] = []
    for chunk in (c.strip(".,;:!?«»\"()") for c in phrase.split()):
        if not chunk:
            continue
        if chunk in (ANY_WORD, NAME_SLOT):
            pattern.append((chunk, chunk))
        elif chunk.endswith("*"):
            root = words(chunk[:-1])
            if len(root) != 1 or root[0] != chunk[:-1]:
                raise ValueError(f"phrase {phrase!r}: {chunk!r}; expected a root of letters before '*'")
            pattern.append((root[0].lower().replace("ё", "е") + "*", chunk))
        elif "*" in chunk or "{" in chunk or "}" in chunk:
            raise ValueError(f"phrase {phrase!r}: {chunk!r}; expected a word, '*', 'root*' or '{{name}}'")
        else:
            pattern.extend((t.lemma, t.word) for t in tokens(chunk, language) if t.lemma not in FILLERS[language])
    if all(p in (ANY_WORD, NAME_SLOT) for p, _ in pattern):
        raise ValueError(f"phrase {phrase!r} has no words besides fillers and slots; it would match anything")
    return pattern


_Entry = tuple[int, str, Pattern]  # (order in the rule, phrase as written, pattern)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A rule's patterns, indexed by their first slot so most words are passed over at once."""

    rule: PhraseRule
    by_lemma: dict[str, tuple[_Entry, ...]]   # patterns starting with a plain lemma
    roots: tuple[str, ...]                    # the roots that start the patterns in by_root
    by_root: tuple[_Entry, ...]               # patterns starting with "root*"
    by_slot: tuple[_Entry, ...]               # patterns starting with "*" or "{name}"
    near: NearIndex | None = None             # the phrases that may match as misheard

    def candidates(self, token: Token) -> list[_Entry]:
        found = list(self.by_lemma.get(token.lemma, ()))
        if self.roots and (token.lemma.startswith(self.roots) or token.word.startswith(self.roots)):
            found.extend(self.by_root)
        found.extend(self.by_slot)
        return sorted(found, key=lambda entry: entry[0]) if len(found) > 1 else found


def _index(rule: PhraseRule, language: str) -> _Compiled:
    by_lemma: dict[str, list[_Entry]] = {}
    by_root: list[_Entry] = []
    by_slot: list[_Entry] = []
    near: list[Near] = []
    for n, phrase in enumerate(rule.phrases):
        slots = _slots(phrase, language)
        pattern = tuple(slot for slot, _ in slots)
        if rule.threshold(phrase) > 0:
            near.append(Near(n, phrase, tuple(slots), rule.threshold(phrase)))
        first = pattern[0]
        if first in (ANY_WORD, NAME_SLOT):
            by_slot.append((n, phrase, pattern))
        elif first.endswith("*"):
            by_root.append((n, phrase, pattern))
        else:
            by_lemma.setdefault(first, []).append((n, phrase, pattern))
    return _Compiled(rule, {k: tuple(v) for k, v in by_lemma.items()}, tuple(p[2][0][:-1] for p in by_root),
                     tuple(by_root), tuple(by_slot), near_index(near) if near else None)


@functools.lru_cache(maxsize=32)
def _compile(rules: tuple[PhraseRule, ...], language: str) -> tuple[_Compiled, ...]:
    out = []
    for rule in rules:
        try:
            out.append(_index(rule, language))
        except ValueError as err:
            raise ValueError(f"[{rule.tag}] {err}") from err
    return tuple(out)


# --- loading dictionaries ------------------------------------------------------------------

def _rule_from_table(tag: str, table: object, source: str, language: str) -> PhraseRule:
    where = f"{source}: [{tag}]"
    if not isinstance(table, dict):
        raise PhraseDictionaryError(f"{source}: {tag} = {table!r}; expected a [{tag}] table with phrases = [...]")
    unknown = sorted(set(table) - set(_RULE_KEYS))
    if unknown:
        raise PhraseDictionaryError(f"{where} unknown key {unknown[0]!r}; expected some of {list(_RULE_KEYS)}")
    phrases = table.get("phrases")
    if not isinstance(phrases, list) or not phrases:
        raise PhraseDictionaryError(f"{where} phrases = {phrases!r}; expected a non-empty list of strings")
    try:
        near = table.get("fuzzy_phrases", {})
        if not isinstance(near, dict):
            raise ValueError(f"fuzzy_phrases = {near!r}; expected a table {{\"phrase\" = share}}")
        rule = PhraseRule(tag=tag, **{**table, "phrases": tuple(phrases), "fuzzy_phrases": tuple(near.items())})
        for phrase in rule.phrases:
            compile_phrase(phrase, language)
    except ValueError as err:
        raise PhraseDictionaryError(f"{where} {err}") from err
    return rule


def load_phrase_rules(language: str, path: Path | None = None) -> tuple[PhraseRule, ...]:
    """The rules of a phrase dictionary: the shipped one for ``language``, or the TOML file at ``path``.

    ``language`` (``"ru"`` or ``"en"``) also decides how the phrases are lemmatised when checked.
    Raises :class:`PhraseDictionaryError` naming the file, the tag and the key when the file
    cannot be read, is not TOML, or a rule is wrong (unknown key, bad value, a phrase of fillers only).

    >>> [r.tag for r in load_phrase_rules("en")][:3]
    ['greeting', 'introduced_by_name', 'apology']
    """
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r}; expected one of {sorted(LANGUAGES)}")
    try:
        if path is None:
            source = f"phrases_{language}.toml"
            text = resources.files("pipeline.text").joinpath(source).read_text(encoding="utf-8")
        else:
            source = str(path)
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PhraseDictionaryError(f"{source}: not valid TOML: {err}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise PhraseDictionaryError(f"{source}: cannot be read: {err}") from err
    if not data:
        raise PhraseDictionaryError(f"{source}: no tags; expected [tag] tables with phrases = [...]")
    for tag in data:
        if not _TAG.match(tag):
            raise PhraseDictionaryError(f"{source}: tag [{tag}]; expected lowercase letters, digits and _")
    return tuple(_rule_from_table(tag, table, source, language) for tag, table in data.items())


@functools.lru_cache(maxsize=len(LANGUAGES))
def _shipped(language: str) -> tuple[PhraseRule, ...]:
    return load_phrase_rules(language)


# --- tagging -------------------------------------------------------------------------------

def _matches_at(pattern: Pattern, toks: Sequence[Token], i: int, language: str, cased: bool) -> bool:
    if i + len(pattern) > len(toks):
        return False
    return all(slot_matches(slot, toks[i + k], language, cased) for k, slot in enumerate(pattern))


def tag_turns(turns: Sequence[Turn], language: str, rules: Sequence[PhraseRule] | None = None) -> list[PhraseHit]:
    """Every (tag, turn) whose rule holds, in turn order and then rule order; at most one hit per pair.

    ``turns`` must be sorted by ``start_s`` (as a Transcript's are); ``rules`` default to the
    shipped dictionary for ``language``. The hit names the phrase that matched earliest in the turn.

    >>> from pipeline.records import Turn
    >>> hits = tag_turns([Turn("agent", 0.0, 3.0, "Добрый день, меня зовут Анна"),
    ...                   Turn("customer", 3.5, 6.0, "Соедините с живым оператором!")], "ru")
    >>> [(h.tag, h.turn_index, h.phrase) for h in hits]  # doctest: +NORMALIZE_WHITESPACE
    [('greeting', 0, 'добрый день'), ('introduced_by_name', 0, 'меня зовут *'),
     ('asks_for_operator', 1, 'живой оператор')]
    """
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r}; expected one of {sorted(LANGUAGES)}")
    for i in range(1, len(turns)):
        if turns[i].start_s < turns[i - 1].start_s:
            raise ValueError(f"turn {i} starts at {turns[i].start_s} s, before turn {i - 1} at "
                             f"{turns[i - 1].start_s} s; expected turns sorted by start_s")
    compiled = _compile(_shipped(language) if rules is None else tuple(rules), language)
    fillers = FILLERS[language]

    hits: list[PhraseHit] = []
    for i, (turn, place) in enumerate(zip(turns, turn_places(turns), strict=True)):
        live = [c for c in compiled if position_ok(c.rule, turn, place)]
        if not live or not turn.text.strip():
            continue
        toks = [t for t in tokens(turn.text, language) if t.lemma not in fillers]
        cased = turn.text != turn.text.lower()
        tagged: set[str] = set()
        for c in live:
            if c.rule.tag in tagged:
                continue
            found, exact = _earliest(c, toks, language, cased), True
            if found is None and c.near:
                found, exact = earliest_misheard(c.near, toks, language, cased), False
            if found is not None:
                tagged.add(c.rule.tag)
                hits.append(PhraseHit(c.rule.tag, i, turn.speaker, found, turn.start_s, exact))
    return hits


def _earliest(rule: _Compiled, toks: Sequence[Token], language: str, cased: bool) -> str | None:
    """The phrase that matches first in the turn (the earlier-listed one when two start together)."""
    for i, token in enumerate(toks):
        for _, phrase, pattern in rule.candidates(token):
            if _matches_at(pattern, toks, i, language, cased):
                return phrase
    return None


def phrase_tag_counts(hits: Sequence[PhraseHit], tags: Sequence[str] = PHRASE_TAGS) -> dict[str, int]:
    """How many turns got each of ``tags`` (0 when none did); hits of other tags are left out.

    >>> phrase_tag_counts([PhraseHit("thanks", 3, "customer", "спасибо", 12.0)], ["thanks", "apology"])
    {'thanks': 1, 'apology': 0}
    """
    counts = dict.fromkeys(tags, 0)
    for hit in hits:
        if hit.tag in counts:
            counts[hit.tag] += 1
    return counts
