"""Which of cxmon's languages a text is in, from its letters (Cyrillic or Latin)."""

from __future__ import annotations

from collections.abc import Iterable


def guess_language(texts: Iterable[str], *, default: str) -> str:
    """``ru`` when most letters are Cyrillic, ``en`` when most are Latin, ``default`` with no letters.

    >>> guess_language(["Здравствуйте, карта не работает", "ok"], default="en")
    'ru'
    >>> guess_language(["Hello, my card is blocked"], default="ru")
    'en'
    >>> guess_language(["12:30", ""], default="ru")
    'ru'
    """
    cyrillic = latin = 0
    for text in texts:
        for char in text:
            if "а" <= char.lower() <= "я" or char in "ёЁ":
                cyrillic += 1
            elif "a" <= char.lower() <= "z":
                latin += 1
    if cyrillic == latin == 0:
        return default
    return "ru" if cyrillic >= latin else "en"
