from __future__ import annotations

import doctest

import pipeline.text.language as language
from pipeline.text.language import guess_language


def test_docstring_examples():
    assert doctest.testmod(language).failed == 0


def test_mixed_text_goes_by_the_majority_of_letters():
    assert guess_language(["Здравствуйте, у меня iPhone 13 и приложение не работает"], default="en") == "ru"
    assert guess_language(["My card ends in 1234, спасибо"], default="ru") == "en"
