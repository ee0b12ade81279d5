"""Chat features: known answers on chats built here, and the edge cases."""

from __future__ import annotations

import pytest

from features.chat import CHAT_FEATURE_NAMES, ChatLine, chat_features, response_times_s


def _chat(*lines):
    return [ChatLine(t, role, text, negative) for t, role, text, *rest in lines for negative in [bool(rest and rest[0])]]


SUPPORT_CHAT = _chat(
    (100, "customer", "Здравствуйте, карта не работает", True),
    (103, "customer", "совсем"),
    (105, "bot", "Соединяю с оператором"),
    (160, "agent", "Добрый день, меня зовут Анна"),
    (200, "customer", "уже час жду, безобразие", True),
    (260, "agent", "Проверяю, минуту"),
    (262, "agent", "Ограничение снято"),
    (300, "customer", "спасибо"),
    (301, "customer", "до свидания"),
)


def test_known_answers_on_a_support_chat():
    f = chat_features(SUPPORT_CHAT)
    assert set(f) == set(CHAT_FEATURE_NAMES)
    assert (f["customer_messages"], f["agent_messages"], f["bot_messages"]) == (5, 3, 1)
    assert (f["customer_words"], f["agent_words"]) == (12, 9)  # 4+1+4+1+2 and 5+2+2
    assert f["first_response_s"] == 5.0          # 100 -> bot at 105
    assert f["agent_first_response_s"] == 60.0   # 100 -> agent at 160
    assert response_times_s(SUPPORT_CHAT) == [5.0, 60.0]  # runs at 100 (-> 105) and 200 (-> 260); 300 unanswered
    assert f["response_mean_s"] == 32.5 and f["response_max_s"] == 60.0
    assert f["unanswered_customer_messages"] == 2
    assert f["session_s"] == 201.0
    assert f["bot_handoff"] == 1
    assert f["customer_negative_messages"] == 2


def test_order_of_input_does_not_matter():
    assert chat_features(list(reversed(SUPPORT_CHAT))) == chat_features(SUPPORT_CHAT)


def test_a_chat_nobody_answered():
    f = chat_features(_chat((0, "customer", "hello?"), (60, "customer", "anyone")))
    assert f["first_response_s"] is f["agent_first_response_s"] is f["response_mean_s"] is None
    assert f["unanswered_customer_messages"] == 2 and f["bot_handoff"] == 0 and f["session_s"] == 60.0


def test_bot_only_chat_is_no_handoff():
    f = chat_features(_chat((0, "customer", "balance"), (1, "bot", "Your balance is 100")))
    assert f["bot_handoff"] == 0 and f["first_response_s"] == 1.0 and f["agent_first_response_s"] is None
    assert f["unanswered_customer_messages"] == 0


def test_empty_chat_and_bad_role():
    f = chat_features([])
    assert f["customer_messages"] == 0 and f["session_s"] == 0.0 and f["response_max_s"] is None
    with pytest.raises(ValueError, match="role='operator'"):
        ChatLine(0, "operator", "hi")
