"""Phrase tags: inflected phrases hit, near misses stay clean, position rules hold at known
times, and a user's dictionary is read or refused with the file and key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.records import Turn
from pipeline.text.phrases import (
    PHRASE_TAGS,
    PhraseDictionaryError,
    PhraseHit,
    PhraseRule,
    compile_phrase,
    load_phrase_rules,
    phrase_tag_counts,
    tag_turns,
)


def _tags(text: str, speaker: str, language: str) -> set[str]:
    """Tags of a one-turn contact (so first_turns and last_turns both hold)."""
    return {h.tag for h in tag_turns([Turn(speaker, 0.0, 2.0, text)], language)}


@pytest.mark.parametrize(("text", "speaker", "tag"), [
    ("Здравствуйте!", "agent", "greeting"),
    ("Доброго времени суток", "agent", "greeting"),
    ("Вас приветствует банк Ромашка", "agent", "greeting"),
    ("Меня зовут Анна", "agent", "introduced_by_name"),
    ("Это Дмитрий из службы поддержки", "agent", "introduced_by_name"),
    ("оператор Иванова, слушаю вас", "agent", "introduced_by_name"),
    ("Приносим свои извинения за ожидание", "agent", "apology"),
    ("извиняюсь, связь прервалась", "customer", "apology"),
    ("Прошу прощения за неудобства", "agent", "apology"),
    ("Благодарю вас", "customer", "thanks"),
    ("спасибо большое!", "customer", "thanks"),
    ("Выражаем вам благодарность за терпение", "agent", "thanks"),
    ("Всего доброго, до свидания", "agent", "farewell"),
    ("Хорошего вечера!", "agent", "farewell"),
    ("Да это пиздец какой-то", "customer", "profanity"),
    ("вы там совсем охуели?", "customer", "profanity"),   # pymorphy3 guesses a wrong lemma; the root still matches
    ("отъебитесь от меня", "customer", "profanity"),
    ("Соедините меня с живым оператором", "customer", "asks_for_operator"),
    ("хочу поговорить с оператором", "customer", "asks_for_operator"),
    ("Соедините меня, пожалуйста, с оператором", "customer", "asks_for_operator"),  # filler skipped
    ("Я бы хотел поговорить со специалистом", "customer", "asks_for_operator"),
    ("позовите человека уже", "customer", "asks_for_operator"),
])
def test_russian_phrases_hit_in_any_inflection(text, speaker, tag):
    assert tag in _tags(text, speaker, "ru")


@pytest.mark.parametrize(("text", "speaker", "tag"), [
    ("Hello, my name is John", "agent", "greeting"),
    ("Hello, my name is John", "agent", "introduced_by_name"),
    ("Good afternoon, this is Priya from Acme Bank", "agent", "introduced_by_name"),
    ("Sam speaking, how can I help?", "agent", "introduced_by_name"),
    ("hi you're chatting with mike", "agent", "introduced_by_name"),   # all-lowercase chat
    ("I'm so sorry", "agent", "apology"),
    ("We apologise for the delay", "agent", "apology"),
    ("My apologies", "agent", "apology"),
    ("Thanks a lot", "customer", "thanks"),
    ("much appreciated!", "customer", "thanks"),
    ("Have a nice day, goodbye", "agent", "farewell"),
    ("this is fucking ridiculous", "customer", "profanity"),
    ("what a load of bullshit", "customer", "profanity"),
    ("can I talk to a real person", "customer", "asks_for_operator"),
    ("Please transfer me to an agent", "customer", "asks_for_operator"),
    ("I want to speak to a human", "customer", "asks_for_operator"),
])
def test_english_phrases_hit(text, speaker, tag):
    assert tag in _tags(text, speaker, "en")


@pytest.mark.parametrize(("text", "speaker", "language", "tag"), [
    ("Здравствуйте", "customer", "ru", "greeting"),                   # greeting is the agent's
    ("Мой оператор связи не пропускает смс", "customer", "ru", "asks_for_operator"),
    ("Вас приветствует оператор связи", "agent", "ru", "introduced_by_name"),  # "связи" is no name
    ("Это не из нашего отдела", "agent", "ru", "introduced_by_name"),
    ("К сожалению, скидки нет", "agent", "ru", "apology"),             # "unfortunately", not sorry
    ("Застрахуйте машину, потом похудеете", "customer", "ru", "profanity"),  # roots only at a word's start
    ("Хлеба и потребовать", "customer", "ru", "profanity"),
    ("Спасибо", "agent", "ru", "farewell"),
    ("Hello", "customer", "en", "greeting"),
    ("That's no excuse", "customer", "en", "apology"),
    ("This is different from what I was told", "agent", "en", "introduced_by_name"),
    ("Who am I speaking with?", "customer", "en", "introduced_by_name"),
    ("My mobile operator is down", "customer", "en", "asks_for_operator"),
    ("The agent was rude to me", "customer", "en", "asks_for_operator"),
    ("Let me assess the class of Scunthorpe passes", "customer", "en", "profanity"),
    ("I want to talk to a human", "agent", "en", "asks_for_operator"),  # the agent saying it does not count
])
def test_near_misses_are_not_tagged(text, speaker, language, tag):
    assert tag not in _tags(text, speaker, language)


def _call(*spoken: tuple[str, float, float, str]) -> list[Turn]:
    return [Turn(speaker, start_s, end_s, text) for speaker, start_s, end_s, text in spoken]


def test_greeting_counts_only_in_the_agents_first_two_turns():
    speakers = ["agent", "customer"] * 5
    turns = _call(*[(who, 3.0 * i, 3.0 * i + 2.0, "Добрый день") for i, who in enumerate(speakers)])
    hits = [h for h in tag_turns(turns, "ru") if h.tag == "greeting"]
    assert [h.turn_index for h in hits] == [0, 2]   # the agent's turns 1 and 2, not 3..5 (turns 4..8)
    assert all(h.speaker == "agent" and h.phrase == "добрый день" for h in hits)


def test_farewell_counts_only_in_the_agents_last_three_turns():
    turns = _call(*[("agent", 3.0 * i, 3.0 * i + 2.0, "Хорошего дня") for i in range(5)])
    assert [h.turn_index for h in tag_turns(turns, "ru") if h.tag == "farewell"] == [2, 3, 4]


def test_hit_fields_name_the_turn_and_the_earliest_phrase():
    turns = _call(("agent", 0.0, 4.0, "Добрый день"),
                  ("customer", 4.5, 9.0, "Извините, я не понял. Прошу прощения, повторите"))
    hits = [h for h in tag_turns(turns, "ru") if h.tag == "apology"]
    assert hits == [PhraseHit(tag="apology", turn_index=1, speaker="customer", phrase="извините", start_s=4.5)]


def test_at_most_one_hit_per_tag_and_turn():
    rules = (PhraseRule("thanks", ("спасибо",)), PhraseRule("thanks", ("благодарю",)))
    turns = _call(("customer", 0.0, 5.0, "Спасибо, спасибо большое, благодарю"), ("agent", 6.0, 7.0, "Пожалуйста"))
    assert tag_turns(turns, "ru", rules) == [PhraseHit("thanks", 0, "customer", "спасибо", 0.0)]


def test_after_silence_needs_a_gap_after_every_earlier_turn():
    rule = PhraseRule("thanks_for_waiting", ("спасибо за ожидание",), speaker="agent", after_silence_s=10.0)
    turns = _call(
        ("agent", 0.0, 5.0, "Спасибо за ожидание"),        # first turn: no earlier turn to wait after
        ("customer", 6.0, 30.0, "..."),
        ("agent", 12.0, 14.0, "Спасибо за ожидание"),      # the customer is still talking: no gap
        ("agent", 39.0, 41.0, "Спасибо за ожидание"),      # 9 s after the customer ended at 30 s
        ("agent", 51.0, 53.0, "Спасибо за ожидание!"),     # 10 s after 41 s
    )
    assert [h.turn_index for h in tag_turns(turns, "ru", [rule])] == [4]


def test_after_interruption_needs_the_other_party_still_talking():
    rule = PhraseRule("cuts_in", ("подождите",), after_interruption=True)
    turns = _call(
        ("agent", 0.0, 10.0, "Подождите"),                 # nobody to interrupt
        ("customer", 8.0, 12.0, "Подождите"),              # starts 2 s before the agent's turn ends
        ("customer", 13.0, 14.0, "Подождите"),             # the agent's latest turn ended at 10 s
        ("agent", 14.0, 16.0, "Подождите"),                # starts exactly when the customer ended
        ("agent", 20.0, 21.0, "Подождите"),
        ("customer", 20.5, 22.0, "Подождите"),             # the agent's latest turn (20-21 s), not the first
    )
    assert [h.turn_index for h in tag_turns(turns, "ru", [rule])] == [1, 5]


def test_chat_messages_are_never_interruptions():
    rule = PhraseRule("cuts_in", ("стоп",), after_interruption=True)
    chat = _call(("agent", 0.0, 0.0, "Стоп"), ("customer", 0.0, 0.0, "стоп"), ("customer", 5.0, 5.0, "стоп"))
    assert tag_turns(chat, "ru", [rule]) == []


def test_wildcards_in_phrases():
    rules = (PhraseRule("name", ("меня зовут *",)), PhraseRule("named", ("зовут {name}",)),
             PhraseRule("root", ("перезвон*",)))
    hits = tag_turns(_call(("agent", 0, 1, "Меня зовут Анна"), ("agent", 1, 2, "Меня зовут как обычно"),
                           ("agent", 2, 3, "Перезвоните позже"), ("agent", 3, 4, "меня зовут")), "ru", rules)
    assert [(h.tag, h.turn_index) for h in hits] == [("name", 0), ("named", 0), ("name", 1), ("root", 2)]


def test_empty_input_gives_no_hits():
    assert tag_turns([], "ru") == []
    assert tag_turns(_call(("agent", 0.0, 1.0, "")), "en") == []


def test_turns_out_of_order_are_refused():
    with pytest.raises(ValueError, match="turn 1 starts at 1.0 s, before turn 0"):
        tag_turns(_call(("agent", 5.0, 6.0, "Hello"), ("customer", 1.0, 2.0, "Hi")), "en")


def test_counts_name_every_tag():
    hits = [PhraseHit("thanks", 1, "customer", "спасибо", 3.0), PhraseHit("thanks", 4, "customer", "спасибо", 9.0),
            PhraseHit("custom", 2, "agent", "x", 5.0)]
    assert phrase_tag_counts(hits, PHRASE_TAGS) == {
        "greeting": 0, "introduced_by_name": 0, "apology": 0, "thanks": 2, "farewell": 0, "profanity": 0,
        "asks_for_operator": 0,
    }


@pytest.mark.parametrize("language", ["ru", "en"])
def test_shipped_dictionaries_have_every_tag(language):
    rules = {r.tag: r for r in load_phrase_rules(language)}
    assert tuple(rules) == PHRASE_TAGS
    assert sum(len(r.phrases) for r in rules.values()) >= 60
    assert rules["greeting"].speaker == rules["introduced_by_name"].speaker == "agent"
    assert rules["asks_for_operator"].speaker == "customer"
    assert rules["profanity"].speaker is None
    assert rules["greeting"].first_turns == 2


def test_compile_phrase_uses_lemmas_and_drops_fillers():
    assert compile_phrase("talk to the real person, please", "en") == ("talk", "to", "real", "person")
    assert compile_phrase("Пизд*", "ru") == ("пизд*",)


def test_a_users_dictionary_file(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('[refund]\nphrases = ["верните деньги", "хочу возврат"]\nspeaker = "customer"\n'
                    '[hold]\nphrases = ["оставайтесь на линии"]\nafter_silence_s = 2.5\n', encoding="utf-8")
    rules = load_phrase_rules("ru", path)
    assert rules == (PhraseRule("refund", ("верните деньги", "хочу возврат"), speaker="customer"),
                     PhraseRule("hold", ("оставайтесь на линии",), after_silence_s=2.5))
    turns = _call(("customer", 0.0, 3.0, "Верните мне деньги!"), ("customer", 4.0, 5.0, "Вернёте деньги?"))
    hits = tag_turns(turns, "ru", rules)
    assert [(h.tag, h.turn_index) for h in hits] == [("refund", 1)]   # "мне" breaks the first


@pytest.mark.parametrize(("content", "message"), [
    ('[greeting\nphrases = ["hi"]', r"bad\.toml: not valid TOML"),
    ('[greeting]\nphrases = ["hi"]\nfrist_turns = 2\n', r"bad\.toml: \[greeting\] unknown key 'frist_turns'"),
    ('[greeting]\nphrases = ["hi"]\nfirst_turns = 0\n', r"bad\.toml: \[greeting\] first_turns=0; expected"),
    ('[greeting]\nphrases = "hi"\n', r"bad\.toml: \[greeting\] phrases = 'hi'; expected a non-empty list"),
    ('[greeting]\nphrases = []\n', r"bad\.toml: \[greeting\] phrases = \[\]"),
    ('[greeting]\nphrases = ["hi"]\nspeaker = "boss"\n', r"bad\.toml: \[greeting\] speaker='boss'"),
    ('[greeting]\nphrases = ["hi"]\nafter_interruption = "yes"\n', r"bad\.toml: \[greeting\] after_interruption="),
    ('[greeting]\nphrases = ["the *"]\n', r"bad\.toml: \[greeting\] phrase 'the \*' has no words"),
    ('[greeting]\nphrases = ["hi {nam}"]\n', r"bad\.toml: \[greeting\] phrase 'hi \{nam\}'"),
    ('greeting = "hi"\n', r"bad\.toml: greeting = 'hi'; expected a \[greeting\] table"),
    ('[Greeting]\nphrases = ["hi"]\n', r"bad\.toml: tag \[Greeting\]"),
    ('', r"bad\.toml: no tags"),
])
def test_a_bad_dictionary_names_the_file_and_the_key(tmp_path: Path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PhraseDictionaryError, match=message):
        load_phrase_rules("en", path)


def test_a_missing_dictionary_names_the_file(tmp_path: Path):
    with pytest.raises(PhraseDictionaryError, match=r"nowhere\.toml: cannot be read"):
        load_phrase_rules("ru", tmp_path / "nowhere.toml")


def test_a_rule_checks_itself():
    with pytest.raises(ValueError, match="last_turns=-1"):
        PhraseRule("farewell", ("bye",), last_turns=-1)
    with pytest.raises(ValueError, match="phrases="):
        PhraseRule("farewell", ["bye"])  # type: ignore[arg-type]


def test_phrases_starting_at_the_same_word_report_the_one_listed_first():
    rules = (PhraseRule("thanks", ("спасибо большое", "спасибо")), PhraseRule("callback", ("вам перезвон*",)))
    hits = tag_turns(_call(("agent", 0.0, 3.0, "Спасибо большое, мы вам перезвоним")), "ru", rules)
    assert [(h.tag, h.phrase) for h in hits] == [("thanks", "спасибо большое"), ("callback", "вам перезвон*")]
