"""Words and their dictionary forms, so a phrase list can name a word once for all its forms.

- Words are runs of letters and digits (Cyrillic, Latin or any other script), lowercased, with
  ``ё`` read as ``е``; an apostrophe or a hyphen inside a word keeps it whole (``don't``,
  ``кто-нибудь``, ``интернет-магазин``: pymorphy3 knows such words whole, not in halves).
- Russian words get their pymorphy3 normal form (``извинения`` -> ``извинение``, ``зовут`` ->
  ``звать``). pymorphy3 picks the likeliest reading out of context, so an ambiguous form can get
  a lemma of another word; a phrase written in the same form still matches it.
- English words (and Latin-script words in Russian text) go through a small rule-based
  normaliser instead of a dictionary: contractions are opened (``I'm`` -> ``i be``, ``can't`` ->
  ``can not``), a possessive ``'s`` is dropped, British ``-ise`` verbs are spelt ``-ize``, a tiny
  irregular map handles ``is/was/were`` -> ``be`` and the like, and plural ``-s/-es/-ies``,
  ``-ed`` and ``-ing`` are taken off where that is safe. The result is a shared key rather than
  always a real word (``always`` -> ``alway``), which is fine because phrases go through the
  same normaliser.
- Digits stay as they are.

pymorphy3 is imported on first use, so importing this module stays instant.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.records import LANGUAGES

if TYPE_CHECKING:
    import pymorphy3

_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: ``surface`` as written, ``word`` lowercased (``ё`` -> ``е``), its ``lemma``.

    An English contraction gives several tokens with the same surface (``I'm`` -> ``i``, ``be``).
    """

    surface: str
    word: str
    lemma: str


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r}; expected one of {sorted(LANGUAGES)}")


_DETACHED_HYPHEN = re.compile(r"(\w) -(?=\w)")


def words(text: str) -> list[str]:
    """The words of ``text`` as written (apostrophes made plain), in order.

    Whisper writes a hyphenated Russian word with a space before the hyphen ("Что -то", "из -за",
    "15 -го"); such a word is read whole, as it is meant.

    >>> words("Алло, это Пётр? Don’t hang up, кто-нибудь!")
    ['Алло', 'это', 'Пётр', "Don't", 'hang', 'up', 'кто-нибудь']
    >>> words("Что -то ещё? Да - нет")
    ['Что-то', 'ещё', 'Да', 'нет']
    """
    return _WORD.findall(_DETACHED_HYPHEN.sub(r"\1-", text.replace("’", "'").replace("ʼ", "'")))


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е")


@functools.cache
def _morph() -> pymorphy3.MorphAnalyzer:
    import pymorphy3  # heavy dictionaries: loaded once, on first use

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def _ru_lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


@functools.lru_cache(maxsize=50_000)
def _ru_could_be_name(word: str) -> bool:
    parses = _morph().parse(word)
    if any({"Name", "Surn", "Patr"} & p.tag.grammemes for p in parses):
        return True
    return not any(p.is_known for p in parses)  # a name pymorphy3 has never seen


# --- English -------------------------------------------------------------------------------

_EN_IRREGULAR: dict[str, str] = {
    "am": "be", "is": "be", "are": "be", "was": "be", "were": "be", "been": "be", "being": "be",
    "has": "have", "had": "have", "having": "have",
    "does": "do", "did": "do", "done": "do", "doing": "do",
    "goes": "go", "went": "go", "gone": "go", "going": "go",
    "says": "say", "said": "say", "made": "make", "got": "get", "gotten": "get",
    "came": "come", "gave": "give", "given": "give", "took": "take", "taken": "take",
    "spoke": "speak", "spoken": "speak", "told": "tell", "sent": "send", "paid": "pay",
    "bought": "buy", "saw": "see", "seen": "see", "knew": "know", "known": "know",
    "thought": "think", "heard": "hear", "felt": "feel", "used": "use", "agreed": "agree",
    "created": "create", "creating": "create",
    "people": "person", "men": "man", "women": "woman", "children": "child",
}
_EN_CONTRACTED: dict[str, tuple[str, ...]] = {
    "can't": ("can", "not"), "cannot": ("can", "not"), "won't": ("will", "not"),
    "shan't": ("shall", "not"), "ain't": ("be", "not"), "let's": ("let", "us"),
}
_EN_SUFFIX: dict[str, str] = {"n't": "not", "'re": "be", "'m": "be", "'ve": "have", "'ll": "will", "'d": "would"}
# After these words "'s" means "is"; anywhere else it is taken for a possessive and dropped.
_EN_S_IS = frozenset({"it", "that", "there", "here", "what", "who", "where", "how", "he", "she", "name", "this"})
_EN_BRITISH = re.compile(
    r"^(apolog|real|recogn|organ|author|priorit|final|emphas|custom|sympath|minim|maxim|util|summar|"
    r"special|personal|categor|critic|memor|standard)is(e|es|ed|ing|er|ers|ation|ations)$"
)
# Words whose -ing/-ed/-s is part of the word, not an ending.
_EN_KEEP = frozenset({
    "morning", "evening", "nothing", "something", "anything", "everything", "thing", "during",
    "bring", "king", "ring", "sing", "spring", "string", "wing", "ceiling", "sibling", "pudding",
    "indeed", "hundred", "speed", "proceed", "succeed", "exceed", "need", "feed", "bleed",
})
_VOWELS = frozenset("aeiou")


def _en_restore(stem: str) -> str:
    """Undo what English spelling did to a stem when -ed/-ing was added (Porter's step 1b)."""
    if stem.endswith(("at", "bl", "iz")) and not stem.endswith("eat"):
        return stem + "e"  # updated -> update, apologized -> apologize; but treated -> treat
    if len(stem) >= 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS and stem[-1] not in "lsz":
        return stem[:-1]  # stopped -> stop; but called -> call, missed -> miss
    if len(stem) == 3 and stem[0] not in _VOWELS and stem[1] in _VOWELS and stem[2] not in _VOWELS | set("wxy"):
        return stem + "e"  # hoped -> hope, named -> name
    return stem


def _en_word(word: str) -> str:
    if word in _EN_IRREGULAR:
        return _EN_IRREGULAR[word]
    if len(word) <= 3 or word in _EN_KEEP or not word.isalpha():
        return word
    word = _EN_BRITISH.sub(r"\1iz\2", word)
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"  # apologies -> apology
    if word.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return word[:-2]  # classes -> class, matches -> match
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]  # thanks -> thank
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"  # replied -> reply
    if word.endswith("ed") and len(word) > 4 and not word.endswith("eed"):
        return _en_restore(word[:-2])
    if word.endswith("ing") and len(word) > 5:
        return _en_restore(word[:-3])
    return word


@functools.lru_cache(maxsize=50_000)
def _en_lemmas(word: str) -> tuple[str, ...]:
    """Lemmas of one lowercased English word; a contraction gives two."""
    if word in _EN_CONTRACTED:
        return _EN_CONTRACTED[word]
    for suffix, lemma in _EN_SUFFIX.items():
        if word.endswith(suffix) and len(word) > len(suffix):
            return (*_en_lemmas(word[: -len(suffix)]), lemma)
    if word.endswith("'s"):
        base = word[:-2]
        return (_en_word(base), "be") if base in _EN_S_IS else _en_lemmas(base)
    if "-" in word:
        return ("-".join(_en_word(part) for part in word.split("-")),)  # e-mails -> e-mail
    return tuple(_en_word(part) for part in word.split("'"))


# --- both languages ------------------------------------------------------------------------

def _word_lemmas(word: str, language: str) -> tuple[str, ...]:
    if _LATIN.search(word):
        return _en_lemmas(word)
    if language == "ru" and _CYRILLIC.search(word):
        return (_ru_lemma(word),)
    return (word,)


def tokens(text: str, language: str) -> list[Token]:
    """The words of ``text`` with their lemmas, in order (see the module docstring for the rules).

    >>> [t.lemma for t in tokens("I'm calling", "en")]
    ['i', 'be', 'call']
    """
    _check_language(language)
    out = []
    for surface in words(text):
        word = _fold(surface)
        out.extend(Token(surface, word, lemma) for lemma in _word_lemmas(word, language))
    return out


def lemmas(text: str, language: str) -> list[str]:
    """The lemma of every word of ``text`` (``language``: ``"ru"`` or ``"en"``), in order.

    Empty or word-less text gives ``[]``.

    >>> lemmas("Приносим свои извинения!", "ru")
    ['приносить', 'свой', 'извинение']
    >>> lemmas("We apologise, thanks for waiting", "en")
    ['we', 'apologize', 'thank', 'for', 'wait']
    """
    return [t.lemma for t in tokens(text, language)]


# Function words that never stand where a name is expected ("this is not from...", "I'm here").
_NOT_NAMES = frozenset({
    "i", "me", "my", "you", "your", "we", "our", "he", "him", "his", "she", "her", "it", "its",
    "they", "them", "their", "this", "that", "these", "those", "who", "what", "how", "why", "where",
    "when", "here", "there", "not", "no", "yes", "a", "an", "the", "is", "am", "are", "was", "were",
    "be", "been", "so", "very", "just", "really", "also", "from", "to", "with", "at", "in", "on", "of",
    "for", "and", "or", "but", "all", "some", "any", "one", "sorry", "glad", "happy", "sure", "afraid",
    "я", "ты", "вы", "мы", "он", "она", "оно", "они", "это", "тот", "не", "ни", "да", "нет", "вот",
})


def could_be_name(surface: str, language: str, *, cased: bool = True) -> bool:
    """Whether a word, as written, can be someone's name (for the ``{name}`` slot of phrase rules).

    Russian: pymorphy3 knows it as a first name, surname or patronymic, or does not know the word
    at all. English (no dictionary): not a function word, and capitalised when the text around it
    uses capitals (``cased``); an all-lowercase chat gives no such hint, so pass ``cased=False``.

    >>> could_be_name("Анна", "ru"), could_be_name("связи", "ru")
    (True, False)
    >>> could_be_name("John", "en"), could_be_name("different", "en"), could_be_name("john", "en", cased=False)
    (True, False, True)
    """
    _check_language(language)
    word = _fold(surface)
    if not word or word in _NOT_NAMES or "'" in word or not word.isalpha():
        return False
    if language == "ru" and _CYRILLIC.search(word):
        return _ru_could_be_name(word)
    return surface[0].isupper() or not cased
