"""PII redaction: realistic positives, and near misses that must stay."""

from __future__ import annotations

import pytest

from pipeline.personal_data import find_pii, luhn_valid, redact
from pipeline.records import Turn, Word
from pipeline.text.pii import redact_turn


@pytest.mark.parametrize(("text", "expected"), [
    ("позвоните мне +7 912 345-67-89 после обеда", "позвоните мне [PHONE] после обеда"),
    ("мой номер 8 (495) 123-45-67", "мой номер [PHONE]"),
    ("номер 89123456789, жду", "номер [PHONE], жду"),
    ("call me on +44 20 7946 0958 tomorrow", "call me on [PHONE] tomorrow"),
    ("+1-202-555-0143", "[PHONE]"),
    ("пишите на anna.petrova+bank@mail.example.ru.", "пишите на [EMAIL]."),
    ("my email is John_Smith@example.co.uk", "my email is [EMAIL]"),
    ("карта 4111 1111 1111 1111 заблокирована", "карта [CARD] заблокирована"),
    ("card 5500-0000-0000-0004 please", "card [CARD] please"),
    ("номер карты 2200700012345673", "номер карты [CARD]"),
    ("паспорт серия 45 10 номер 123456", "паспорт серия [PASSPORT]"),
    ("passport 4510123456", "passport [PASSPORT]"),
    ("данные 4510 123456 выдан", "данные [PASSPORT] выдан"),
])
def test_personal_data_is_tagged(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "заявка номер 125 от 20.11.2026",
    "сумма 12 000 рублей, проценты 19,9%",
    "звонок в 10:15, ожидание 4 минуты",
    "account 4111 1111 1111 1112 is closed",   # 16 digits, Luhn fails: not a card
    "order 1234567890123",                      # 13 digits, Luhn fails
    "дата 2026-11-20, код 4512",
    "in 2026 about 300 clients",
    "email at example dot com",
    "ставка 8 процентов годовых",
    "индекс 123456",
])
def test_near_misses_stay(text):
    assert redact(text).text == text and find_pii(text) == []


def test_luhn():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_found_items_name_kind_and_place():
    text = "e-mail a@b.ru, tel +7 912 345 67 89"
    assert [(k, text[s:e]) for k, s, e in find_pii(text)] == [("EMAIL", "a@b.ru"), ("PHONE", "+7 912 345 67 89")]


def test_turn_words_that_spell_a_number_are_tagged_too():
    words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("мой номер +7 912 345 67 89 спасибо".split()))
    turn = Turn("customer", 0.0, 4.0, " ".join(w.text for w in words), words)
    clean = redact_turn(turn)
    assert clean.text == "мой номер [PHONE] спасибо"
    assert [w.text for w in clean.words] == ["мой", "номер"] + ["[PHONE]"] * 5 + ["спасибо"]
    assert [w.start_s for w in clean.words] == [w.start_s for w in words]
    untouched = Turn("agent", 0.0, 1.0, "добрый день", (Word("добрый", 0, 0.4), Word("день", 0.5, 0.9)))
    assert redact_turn(untouched) is untouched
