"""Lemmas: Russian inflections collapse to one form, the English normaliser joins the forms
the phrase dictionaries need, and pymorphy3 loads only when first used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.text.lemmas import could_be_name, lemmas, tokens, words

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("text", "expected"), [
    ("Приносим свои извинения", ["приносить", "свой", "извинение"]),
    ("извиняюсь", ["извиняться"]),
    ("Благодарю вас!", ["благодарить", "вы"]),
    ("Меня зовут Анна.", ["я", "звать", "анна"]),
    ("Соедините меня с живым оператором", ["соединить", "я", "с", "живой", "оператор"]),
    ("хочу поговорить со специалистом", ["хотеть", "поговорить", "с", "специалист"]),
    ("Всего доброго, до свидания", ["весь", "добрый", "до", "свидание"]),
    ("Ёлки, ещё ЁЖ", ["елка", "еще", "еж"]),           # ё is е, on the way in and out
    ("кто-нибудь из интернет-магазина, 24 часа", ["кто-нибудь", "из", "интернет-магазин", "24", "час"]),
])
def test_russian_lemmas(text, expected):
    assert lemmas(text, "ru") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("I'm so sorry", ["i", "be", "so", "sorry"]),
    ("apologise apologize apologised apologizing apologizes", ["apologize"] * 5),
    ("my apologies", ["my", "apology"]),
    ("Thanks, thank you, thanked", ["thank", "thank", "you", "thank"]),
    ("can't won't don't you're we've let's", ["can", "not", "will", "not", "do", "not", "you", "be",
                                              "we", "have", "let", "us"]),
    ("My name's John, the customer's card", ["my", "name", "be", "john", "the", "customer", "card"]),
    ("stopped called missed hoped transferring", ["stop", "call", "miss", "hope", "transfer"]),
    ("speaking operators matches replies", ["speak", "operator", "match", "reply"]),
    ("good morning, this is nothing", ["good", "morning", "this", "be", "nothing"]),  # not "morn", "th"
    ("Don’t", ["do", "not"]),                                                     # typographic apostrophe
    ("two e-mails", ["two", "e-mail"]),
])
def test_english_normaliser(text, expected):
    assert lemmas(text, "en") == expected


def test_latin_words_in_russian_text_use_the_english_rules():
    assert lemmas("Sorry, спасибо за звонки", "ru") == ["sorry", "спасибо", "за", "звонок"]


def test_cyrillic_words_in_english_text_are_only_lowercased():
    assert lemmas("Thanks, Спасибо", "en") == ["thank", "спасибо"]


@pytest.mark.parametrize("text", ["", "   ", "?!.. — ,", "___"])
def test_no_words_gives_no_lemmas(text):
    assert lemmas(text, "ru") == [] and lemmas(text, "en") == []


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language='de'"):
        lemmas("Guten Tag", "de")


def test_a_contraction_gives_tokens_that_keep_the_written_word():
    pairs = [(t.surface, t.lemma) for t in tokens("I'm Anna", "en")]
    assert pairs == [("I'm", "i"), ("I'm", "be"), ("Anna", "anna")]


def test_words_keep_the_written_form():
    expected = ["Алло", "это", "Пётр", "Don't", "hang", "up", "кто-нибудь"]
    assert words("Алло, это Пётр? Don’t hang up, кто-нибудь!") == expected


@pytest.mark.parametrize(("surface", "language", "cased", "expected"), [
    ("Анна", "ru", True, True),
    ("Иванова", "ru", True, True),       # a surname
    ("Дильноза", "ru", True, True),
    ("анна", "ru", True, True),          # case does not matter in Russian: the dictionary knows names
    ("связи", "ru", True, False),        # "оператор связи" is not an introduction
    ("вас", "ru", True, False),
    ("John", "en", True, True),
    ("john", "en", True, False),         # capitals elsewhere in the text, none here
    ("john", "en", False, True),         # an all-lowercase chat
    ("different", "en", False, True),    # no dictionary for English: only function words are ruled out
    ("Not", "en", True, False),
    ("I'm", "en", True, False),
    ("42", "en", True, False),
])
def test_could_be_name(surface, language, cased, expected):
    assert could_be_name(surface, language, cased=cased) is expected


def test_importing_the_text_modules_does_not_load_pymorphy3():
    code = ("import sys, pipeline.text.lemmas, pipeline.text.phrases; "
            "print('pymorphy3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
