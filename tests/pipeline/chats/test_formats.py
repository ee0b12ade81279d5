"""Chat export parsers: hand-written samples of each format read to known messages, bad lines are
named by line number and the rest is kept, and a file that is no chat at all is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.chats.formats import (
    CHAT_SUFFIXES,
    ChatFormatError,
    LineProblem,
    ParsedChats,
    parse_chat,
)
from pipeline.jsonlines import decoded_text as decode_chat_text
from pipeline.records import ChatMessage

SAMPLES = Path(__file__).parent / "samples"
MSK = ZoneInfo("Europe/Moscow")
PLUS3 = timezone(timedelta(hours=3))


def _parse(name: str, **options) -> ParsedChats:
    return parse_chat(name, (SAMPLES / name).read_bytes(), **options)


def _only_chat(parsed: ParsedChats) -> tuple[ChatMessage, ...]:
    assert len(parsed.chats) == 1
    return next(iter(parsed.chats.values()))


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- decoding -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Привет, мир".encode(), ("Привет, мир", "utf-8")),
        (b"\xef\xbb\xbf" + "Привет".encode(), ("Привет", "utf-8")),
        ("Привет, мир".encode("cp1251"), ("Привет, мир", "cp1251")),
        ("ё№—".encode("cp1251"), ("ё№—", "cp1251")),
        (b"", ("", "utf-8")),
    ],
)
def test_decode_prefers_utf8_then_cp1251(data, expected):
    assert decode_chat_text(data) == expected


def test_valid_utf8_is_never_taken_for_cp1251():
    # "РџСЂ" is what these UTF-8 bytes look like in cp1251: both decode, UTF-8 must win.
    data = "Привет".encode()
    assert data.decode("cp1251") != "Привет"
    assert decode_chat_text(data) == ("Привет", "utf-8")


@pytest.mark.parametrize(("data", "expected"), [
    ("hi".encode("utf-16"), r"UTF-16 text; expected UTF-8 or cp1251"),
    (b"ok \x98", r"byte 0x98 at 3 is neither UTF-8 nor cp1251"),
])
def test_decode_refuses_other_encodings(data, expected):
    with pytest.raises(ValueError, match=expected):
        decode_chat_text(data)
    with pytest.raises(ChatFormatError, match=rf"^chat\.jsonl: {expected}"):
        parse_chat("chat.jsonl", data)


# --- JSON Lines ---------------------------------------------------------------------------------

def test_jsonl_sample_keeps_good_lines_of_two_chats_and_names_the_bad_ones():
    parsed = _parse("support.jsonl")
    assert (parsed.format, parsed.encoding, parsed.roles_source) == ("jsonl", "utf-8", "file")
    assert list(parsed.chats) == ["web-1001", "web-1002"]
    assert parsed.chats["web-1001"] == (
        ChatMessage("web-1001", datetime(2024, 5, 1, 13, 0, 5, tzinfo=PLUS3), "bot", "Ромашка Бот",
                    "Здравствуйте! Чем могу помочь?"),
        ChatMessage("web-1001", datetime(2024, 5, 1, 13, 0, 30, tzinfo=PLUS3), "customer", "Анна",
                    "Где мой заказ №4521?"),
        ChatMessage("web-1001", datetime(2024, 5, 1, 13, 1, 10, tzinfo=PLUS3), "agent", "Ольга",
                    "Анна, добрый день! Заказ передан в доставку.\nКурьер будет до 18:00."),
        ChatMessage("web-1001", datetime(2024, 5, 1, 13, 2, tzinfo=PLUS3), "customer", "", "Спасибо!"),
    )
    # Sorted by time although line 12 ("Hello?") comes last; "Agent" on line 8 is read as agent.
    assert [(m.sent_at, m.role, m.text[:6]) for m in parsed.chats["web-1002"]] == [
        (_utc(2024, 5, 1, 10, 1), "customer", "Hello?"),
        (_utc(2024, 5, 1, 10, 2), "customer", "Hi, I "),
        (_utc(2024, 5, 1, 10, 5), "agent", "Refund"),
    ]
    assert parsed.chats["web-1001"][0].sent_at.utcoffset() == timedelta(hours=3)
    assert [p.line for p in parsed.problems] == [6, 7, 10, 11]
    assert parsed.problems[0] == LineProblem(
        6, "ts '2024-05-01 13:03' has no UTC offset; expected ISO 8601 with offset")
    assert "role='operator'; expected one of agent, bot, customer" in parsed.problems[1].message
    assert parsed.problems[2].message.startswith("not JSON")
    assert parsed.problems[3].message.startswith("missing text;")


def test_jsonl_roles_in_the_file_win_over_the_mapping():
    parsed = _parse("support.jsonl", roles={"Mike": "customer", "Анна": "agent"})
    assert parsed.roles_source == "file"
    assert [m.role for m in parsed.chats["web-1002"] if m.author == "Mike"] == ["agent"]
    assert [m.role for m in parsed.chats["web-1001"] if m.author == "Анна"] == ["customer"]


@pytest.mark.parametrize(("line", "expected"), [
    ('["web-1", "2024-05-01T10:00:00Z"]', "a JSON list; expected an object"),
    ('{"chat_id": "", "ts": "2024-05-01T10:00:00Z", "role": "agent", "text": "x"}', "chat_id=''"),
    ('{"chat_id": "w", "ts": "yesterday", "role": "agent", "text": "x"}', "ts 'yesterday' is not ISO 8601"),
    ('{"chat_id": "w", "ts": 1714557600, "role": "agent", "text": "x"}', "ts=1714557600; expected an ISO 8601"),
    ('{"chat_id": "w", "ts": "2024-05-01T10:00:00Z", "text": "x"}', "missing role;"),
    ('{"chat_id": "w", "ts": "2024-05-01T10:00:00Z", "role": "agent", "text": 5}', "must be strings"),
])
def test_jsonl_each_kind_of_bad_line_is_a_problem_on_its_line(line, expected):
    good = '{"chat_id": "w", "ts": "2024-05-01T10:00:00Z", "role": "agent", "text": "ok"}'
    parsed = parse_chat("chat.jsonl", f"{good}\n\n{line}\n{good}\n".encode())
    assert [m.text for m in parsed.chats["w"]] == ["ok", "ok"]
    assert len(parsed.problems) == 1 and parsed.problems[0].line == 3
    assert expected in parsed.problems[0].message


def test_jsonl_with_crlf_and_numeric_chat_id():
    data = b'{"chat_id": 42, "ts": "2024-05-01T10:00:00+05:00", "role": "customer", "text": "hi"}\r\n'
    parsed = parse_chat("chat.jsonl", data)
    assert parsed.chats == {"42": (ChatMessage("42", _utc(2024, 5, 1, 5), "customer", "", "hi"),)}
    assert parsed.problems == ()


def test_a_file_without_any_good_line_is_refused_with_its_first_problems():
    with pytest.raises(ChatFormatError, match=r"^chat\.jsonl: no chat messages in this jsonl file; line 1: not JSON"):
        parse_chat("chat.jsonl", b"chat_id;ts;role;text\nw;2024;agent;x\n")


# --- CSV ----------------------------------------------------------------------------------------

def test_cp1251_excel_csv_with_semicolons_and_multiline_text():
    parsed = _parse("excel_ru.csv")
    assert (parsed.format, parsed.encoding, parsed.roles_source) == ("csv", "cp1251", "file")
    assert _only_chat(parsed) == (
        ChatMessage("site-77", datetime(2024, 5, 2, 9, 15, tzinfo=PLUS3), "customer", "Пётр Иванов",
                    "Добрый день, не могу оплатить картой"),
        ChatMessage("site-77", datetime(2024, 5, 2, 9, 16, 20, tzinfo=PLUS3), "agent", "Мария (поддержка)",
                    "Пётр, здравствуйте!\n"
                    "Попробуйте, пожалуйста, другой браузер; если не поможет — пришлите скриншот."),
        ChatMessage("site-77", datetime(2024, 5, 2, 9, 21, 5, tzinfo=PLUS3), "customer", "Пётр Иванов",
                    'Вот ошибка: "Платёж отклонён"'),
        ChatMessage("site-77", datetime(2024, 5, 2, 9, 25, tzinfo=PLUS3), "bot", "Бот опроса",
                    "Оцените, пожалуйста, консультацию от 1 до 5"),
    )
    # The record after the two-line one starts on physical line 5.
    assert parsed.problems == (
        LineProblem(5, "ts '02.05.2024 09:20' is not ISO 8601; expected e.g. 2024-05-01T13:00:00+03:00"),
        LineProblem(8, "4 fields; expected 5 as in the header"),
    )


def test_utf8_bom_csv_with_commas_extra_columns_and_no_author():
    text = (
        "Chat_ID,TS,Role,Text,channel\n"
        'c1,2024-05-01T10:00:00Z,customer,"Hello, is anyone there?",web\n'
        "\n"
        "c1,2024-05-01T10:00:40Z,agent,Hi! How can I help?,web\n"
    )
    parsed = parse_chat("export.csv", b"\xef\xbb\xbf" + text.encode())
    assert parsed.encoding == "utf-8" and parsed.problems == ()
    assert parsed.chats["c1"] == (
        ChatMessage("c1", _utc(2024, 5, 1, 10), "customer", "", "Hello, is anyone there?"),
        ChatMessage("c1", _utc(2024, 5, 1, 10, 0, 40), "agent", "", "Hi! How can I help?"),
    )


def test_csv_header_without_a_required_column_is_refused():
    with pytest.raises(ChatFormatError, match=r"^chats\.csv: header 'chat_id;ts;author;text' lacks role; expected"):
        parse_chat("chats.csv", "chat_id;ts;author;text\nw;2024-05-01T10:00:00Z;A;hi\n".encode("cp1251"))


# --- Telegram -----------------------------------------------------------------------------------

def test_telegram_export_reads_text_entities_media_and_skips_service_messages():
    parsed = _parse("telegram_result.json", timezone=MSK)
    assert (parsed.format, parsed.encoding, parsed.roles_source) == ("telegram", "utf-8", "guess")
    anna, shop, chat = "Анна Смирнова", "Ромашка | Поддержка", "telegram-5012345678"
    assert _only_chat(parsed) == (
        ChatMessage(chat, _utc(2024, 5, 1, 10, 0, 5), "customer", anna,
                    "Здравствуйте! Заказ №4521 до сих пор не пришёл"),
        ChatMessage(chat, _utc(2024, 5, 1, 10, 2, 40), "agent", shop,
                    "Анна, добрый день! Отследить заказ можно здесь: https://romashka.example/track/4521. "
                    "Курьер привезёт его до 18:00."),
        ChatMessage(chat, _utc(2024, 5, 1, 10, 3, 10), "customer", anna, ""),  # photo, no caption
        ChatMessage(chat, _utc(2024, 5, 1, 10, 3, 30), "customer", anna, ""),  # voice message
        ChatMessage(chat, _utc(2024, 5, 1, 10, 5), "agent", shop,
                    "Если курьер не дозвонится, наберите +7 800 555-35-35.\nХорошего дня!"),
        ChatMessage(chat, _utc(2024, 5, 1, 10, 6, 15), "customer", anna, "Спасибо!"),
    )
    assert _only_chat(parsed)[0].sent_at.utcoffset() == timedelta(hours=3)  # given in the timezone asked
    # Message 107 has neither date_unixtime nor a readable date; its "id" is on line 137.
    assert parsed.problems == (LineProblem(
        137, "telegram-5012345678 message 107: date_unixtime=None, date='вчера'; "
             "expected UTC seconds or a local ISO 8601 time"),)


def test_telegram_roles_from_a_mapping_by_name_or_from_id():
    parsed = _parse("telegram_result.json", roles={"  ромашка | поддержка ": "agent"})
    assert parsed.roles_source == "mapping"
    assert [m.role for m in _only_chat(parsed)] == ["customer", "agent", "customer", "customer", "agent", "customer"]
    # Naming only the customer (by from_id) makes every unmapped author a customer too.
    parsed = _parse("telegram_result.json", roles={"user5012345678": "customer"})
    assert parsed.roles_source == "mapping"
    assert {m.role for m in _only_chat(parsed)} == {"customer"}


def _telegram(*messages: dict, chat_id: int = 777) -> dict:
    return {"name": "Shop", "type": "personal_chat", "id": chat_id, "messages": list(messages)}


def test_old_telegram_export_without_unixtime_is_read_in_the_timezone():
    export = _telegram(
        {"id": 1, "type": "message", "date": "2020-03-01T09:00:00", "from": "Ivan", "from_id": "user1", "text": "hi"},
        {"id": 2, "type": "message", "date": "2020-03-01T09:01:00", "from": "SupportBot", "from_id": "user2",
         "text": [{"type": "italic", "text": "Hello"}, " Ivan"]},
        {"id": 3, "type": "message", "date": "2020-03-01T09:02:00", "from": "Olga", "from_id": "user3", "text": "x"},
    )
    parsed = parse_chat("result.json", json.dumps(export, indent=1).encode(), timezone=MSK)
    assert [(m.sent_at, m.role, m.text) for m in parsed.chats["telegram-777"]] == [
        (_utc(2020, 3, 1, 6), "customer", "hi"),
        (_utc(2020, 3, 1, 6, 1), "bot", "Hello Ivan"),
        (_utc(2020, 3, 1, 6, 2), "agent", "x"),
    ]


def test_whole_account_telegram_export_gives_one_chat_each_with_roles_guessed_per_chat():
    first = {"id": 1, "type": "message", "date_unixtime": "1714557600", "from": "Ivan", "text": "a"}
    second = {"id": 1, "type": "message", "date_unixtime": "1714557660", "from": "Olga", "text": "b"}
    reply = {"id": 2, "type": "message", "date_unixtime": "1714557720", "from": "Ivan", "text": "c"}
    export = {"about": "...", "chats": {"about": "...", "list": [_telegram(first, chat_id=1),
                                                              _telegram(second, reply, chat_id=2)]}}
    parsed = parse_chat("result.json", json.dumps(export).encode())
    assert [(m.chat_id, m.author, m.role) for ms in parsed.chats.values() for m in ms] == [
        ("telegram-1", "Ivan", "customer"), ("telegram-2", "Olga", "customer"), ("telegram-2", "Ivan", "agent"),
    ]


def test_bad_telegram_text_is_a_problem_at_line_0_in_minified_json():
    export = _telegram(
        {"id": 5, "type": "message", "date_unixtime": "1714557600", "from": "Ivan", "text": 12},
        {"id": 6, "type": "message", "date_unixtime": "1714557600", "from": "Ivan", "text": "ok"},
    )
    parsed = parse_chat("result.json", json.dumps(export).encode())
    assert parsed.problems == (LineProblem(
        0, "telegram-777 message 5: text is a JSON int; expected a string, or a list of strings and "
           "{type, text} entities"),)
    assert [m.text for m in parsed.chats["telegram-777"]] == ["ok"]


@pytest.mark.parametrize(("content", "expected"), [
    ('{"events": []}', r"keys \['events'\]; expected a Telegram Desktop export"),
    ("[1, 2]", r"a JSON list; expected a Telegram Desktop export"),
    ('{"chat_id": "w"}\n{"chat_id": "v"}\n',
     r"malformed JSON at line 2 \(Extra data\) \(one object per line is JSON Lines"),
    ("", r"malformed JSON at line 1"),
])
def test_json_that_is_not_a_telegram_export_is_refused(content, expected):
    with pytest.raises(ChatFormatError, match=rf"^data\.json: {expected}"):
        parse_chat("data.json", content.encode())


def test_telegram_export_with_only_service_messages_is_refused():
    export = _telegram({"id": 1, "type": "service", "date_unixtime": "1714557600", "action": "phone_call"})
    with pytest.raises(ChatFormatError, match=r"^result\.json: no chat messages in this telegram file$"):
        parse_chat("result.json", json.dumps(export).encode())


# --- WhatsApp -----------------------------------------------------------------------------------

WHATSAPP_SAMPLES = ["whatsapp_android_ru.txt", "whatsapp_ios_ru.txt", "whatsapp_us.txt"]
EXPECTED_WHATSAPP_UTC = [
    _utc(2024, 5, 1, 10, 0), _utc(2024, 5, 1, 10, 0), _utc(2024, 5, 1, 10, 4), _utc(2024, 5, 1, 10, 6),
    _utc(2024, 5, 1, 10, 7), _utc(2024, 5, 1, 10, 8), _utc(2024, 5, 1, 20, 55), _utc(2024, 5, 1, 21, 5),
]
EXPECTED_WHATSAPP_ROLES = ["customer", "bot", "agent", "agent", "customer", "customer", "agent", "customer"]


@pytest.mark.parametrize("name", WHATSAPP_SAMPLES)
def test_whatsapp_variants_give_the_same_instants_and_roles(name):
    parsed = _parse(name, timezone=MSK)
    assert (parsed.format, parsed.roles_source, parsed.problems) == ("whatsapp", "guess", ())
    messages = parsed.chats[Path(name).stem]
    assert [m.sent_at for m in messages] == EXPECTED_WHATSAPP_UTC
    assert all(m.sent_at.utcoffset() == timedelta(hours=3) for m in messages)
    assert [m.role for m in messages] == EXPECTED_WHATSAPP_ROLES
    assert messages[3].text.count("\n") == 2 and messages[3].text.endswith("RA123456789RU")


def test_whatsapp_android_text_is_joined_and_system_lines_are_skipped():
    messages = _only_chat(_parse("whatsapp_android_ru.txt", timezone=MSK))
    assert messages[0] == ChatMessage(
        "whatsapp_android_ru", datetime(2024, 5, 1, 13, 0, tzinfo=MSK), "customer", "Анна Смирнова",
        "Здравствуйте! Заказ №4521 до сих пор не пришёл")
    assert messages[3].text == (
        "Заказ передан в доставку 30 апреля.\nКурьер привезёт его сегодня до 18:00.\nТрек-номер: RA123456789RU")
    assert messages[4].text == "<Без медиафайлов>"
    assert not any("шифрованием" in m.text or "безопасности" in m.text for m in messages)


def test_whatsapp_ios_drops_direction_marks_and_the_notice_it_puts_under_a_name():
    messages = _only_chat(_parse("whatsapp_ios_ru.txt", timezone=MSK))
    assert messages[4].text == "изображение отсутствует"
    assert messages[0].text.startswith("Здравствуйте!")
    assert all("\u200e" not in m.text and "\r" not in m.text for m in messages)


def test_whatsapp_us_bracketed_twelve_hour_clock_with_narrow_space():
    text = (
        "[5/1/24, 12:59:58\u202fPM] Anna Smith: Hi\n"
        "[5/1/24, 1:00:00\u202fPM] Olga: Hello!\n"
        "[5/2/24, 12:00:01\u202fAM] Anna Smith: Thanks\n"
    )
    parsed = parse_chat("anna.txt", text.encode(), timezone=MSK)
    assert [(m.sent_at, m.role) for m in parsed.chats["anna"]] == [
        (_utc(2024, 5, 1, 9, 59, 58), "customer"),
        (_utc(2024, 5, 1, 10), "agent"),
        (_utc(2024, 5, 1, 21, 0, 1), "customer"),
    ]


@pytest.mark.parametrize(("lines", "expected_day"), [
    # A day above 12 anywhere in the file makes every slashed date day-first.
    (["03/05/2024, 10:00 - A: x", "13/05/2024, 10:00 - B: y"], [3, 13]),
    # No day above 12: slashed dates are month-first ...
    (["05/03/2024, 10:00 - A: x", "05/04/2024, 10:00 - B: y"], [3, 4]),
    # ... unless a second number above 12 says so anyway, and dotted dates are day-first.
    (["05/03/2024, 10:00 - A: x", "05/30/2024, 10:00 - B: y"], [3, 30]),
    (["03.05.24, 10:00 - A: x", "04.05.24, 10:00 - B: y"], [3, 4]),
])
def test_whatsapp_day_and_month_order_is_decided_per_file(lines, expected_day):
    parsed = parse_chat("c.txt", "\n".join(lines).encode())
    assert [m.sent_at.day for m in parsed.chats["c"]] == expected_day


def test_whatsapp_lines_before_the_first_message_and_impossible_dates_are_problems():
    text = (
        "Chat with Anna, exported 2024-05-02\n"
        "\n"
        "31.04.2024, 10:00 - Anna: this date does not exist\n"
        "and neither does this line's message\n"
        "01.05.2024, 10:00 - Anna: hello\n"
        "01.05.2024, 10:01 - Olga: hi, Anna\n"
        "\n"
        "how can I help?\n"
    )
    parsed = parse_chat("anna.txt", text.encode())
    assert [(m.author, m.text) for m in parsed.chats["anna"]] == [
        ("Anna", "hello"), ("Olga", "hi, Anna\n\nhow can I help?"),
    ]
    assert [p.line for p in parsed.problems] == [1, 3]
    assert parsed.problems[0].message.startswith("'Chat with Anna, exported 2024-05-02' is not a message; expected")
    assert parsed.problems[1].message == "time '31.04.2024, 10:00' (day-first): day is out of range for month"


def test_whatsapp_twelve_hour_clock_rejects_hour_13():
    parsed = parse_chat("c.txt", "5/1/24, 13:00 PM - A: x\n5/1/24, 1:00 PM - A: y\n".encode())
    assert [p.line for p in parsed.problems] == [1]
    assert "hour 13 with PM; expected 1..12" in parsed.problems[0].message


def test_whatsapp_roles_from_a_mapping():
    parsed = _parse("whatsapp_android_ru.txt", roles={"ольга ромашка ": "agent"}, timezone=MSK)
    assert parsed.roles_source == "mapping"
    assert [m.role for m in _only_chat(parsed)] == EXPECTED_WHATSAPP_ROLES
    # A mapping overrides the bot rule and the guess alike.
    parsed = _parse("whatsapp_android_ru.txt", roles={"Ромашка Бот": "agent", "Анна Смирнова": "agent"})
    assert [m.role for m in _only_chat(parsed)] == ["agent", "agent", "customer", "customer", "agent", "agent",
                                                     "customer", "agent"]


def test_whatsapp_guess_never_takes_a_bot_for_the_customer():
    text = "01.05.2024, 10:00 - ShopBot: Hello!\n01.05.2024, 10:01 - Ivan: hi\n01.05.2024, 10:02 - Olga: Ivan?\n"
    parsed = parse_chat("c.txt", text.encode(), roles={"Nobody": "agent"})
    assert parsed.roles_source == "guess"  # the mapping names no author of this file
    assert [m.role for m in parsed.chats["c"]] == ["bot", "customer", "agent"]


def test_whatsapp_times_follow_the_timezone_given():
    text = b"01.05.2024, 13:00 - A: x\n"
    assert parse_chat("c.txt", text).chats["c"][0].sent_at == _utc(2024, 5, 1, 13)
    assert parse_chat("c.txt", text, timezone=MSK).chats["c"][0].sent_at == _utc(2024, 5, 1, 10)


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello Anna,\nhere is the chat you asked for.\n", r"no line starts a WhatsApp message; expected lines like"),
    ("01.05.2024, 12:59 - Messages and calls are end-to-end encrypted.\n", r"no chat messages in this whatsapp file$"),
    ("", r"no line starts a WhatsApp message"),
])
def test_txt_without_messages_is_refused(text, expected):
    with pytest.raises(ChatFormatError, match=rf"^anna\.txt: {expected}"):
        parse_chat("anna.txt", text.encode())


# --- everything ---------------------------------------------------------------------------------

def test_suffix_picks_the_format_and_others_are_refused():
    assert CHAT_SUFFIXES == {".jsonl", ".csv", ".json", ".txt"}
    assert parse_chat("X.TXT", b"01.05.2024, 13:00 - A: x").format == "whatsapp"
    with pytest.raises(ChatFormatError, match=r"^chat\.xml: suffix '\.xml'; expected one of \.csv, \.json"):
        parse_chat("chat.xml", b"<chat/>")


def test_a_role_that_does_not_exist_in_the_mapping_is_a_caller_error():
    with pytest.raises(ValueError, match=r"roles\['Olga'\]='operator'; expected one of") as raised:
        parse_chat("c.txt", b"01.05.2024, 13:00 - A: x", roles={"Olga": "operator"})
    assert not isinstance(raised.value, ChatFormatError)


@pytest.mark.parametrize("name", ["support.jsonl", "excel_ru.csv", "telegram_result.json", *WHATSAPP_SAMPLES])
def test_every_chat_is_sorted_and_stable(name):
    parsed = _parse(name, timezone=MSK)
    for chat_id, messages in parsed.chats.items():
        assert all(m.chat_id == chat_id for m in messages)
        assert all(a.sent_at <= b.sent_at for a, b in zip(messages, messages[1:]))
    if parsed.format == "whatsapp":  # customer and bot wrote in the same minute: file order is kept
        assert [m.role for m in _only_chat(parsed)[:2]] == ["customer", "bot"]


def test_docstring_examples_hold():
    import doctest

    import pipeline.chats.formats

    result = doctest.testmod(pipeline.chats.formats)
    assert result.failed == 0 and result.attempted > 0


# bounded input (issue 11) ------------------------------------------------------------------------------

_GOOD_LINE = '{"chat_id": "w", "ts": "2024-05-01T10:00:00Z", "role": "agent", "author": "Anna", "text": "ok"}'


@pytest.mark.parametrize(("line", "expected"), [
    ('{"chat_id": "w", "text": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested 100001 deep; expected at most 64"),
    ('{"chat_id": "w", "ts": ' + "9" * 5000 + "}", "a number of more than 4300 digits; expected at most 4300"),
    ('{"chat_id": "w", "text": "' + "x" * 1_000_000 + '"}', "1000028 characters; expected at most 1000000"),
    (_GOOD_LINE.replace('"Anna"', '"Anna\\u0000"'),
     "author holds control character U+0000 at character 5; expected printable text"),
    (_GOOD_LINE.replace('"Anna"', '"' + "A" * 129 + '"'), "author is 129 characters long; expected at most 128"),
    (_GOOD_LINE.replace('"w"', '"w\\u001b[2J"'), "chat_id holds control character U+001B at character 2; "
                                                  "expected printable text"),
])
def test_a_hostile_jsonl_line_is_a_problem_on_its_line_and_the_rest_is_kept(line, expected):
    parsed = parse_chat("chat.jsonl", f"{_GOOD_LINE}\n{line}\n{_GOOD_LINE}\n".encode())
    assert [m.text for m in parsed.chats["w"]] == ["ok", "ok"]
    assert parsed.problems == (LineProblem(2, expected),)


def test_a_deeply_nested_telegram_export_is_refused_naming_file_line_and_limit():
    export = json.dumps(_telegram({"id": 1, "type": "message", "date_unixtime": "1714557600", "from": "A",
                                   "text": "hi"}), indent=1)
    hostile = export.replace('"hi"', "\n" + "[" * 50_000 + "]" * 50_000)
    with pytest.raises(ChatFormatError) as caught:
        parse_chat("result.json", hostile.encode())
    assert str(caught.value) == ('result.json: line 12: nested 50003 deep; expected at most 64; expected a Telegram '
                                 'Desktop export (result.json): an object with "id", "name", "type" and a "messages" list')


def test_a_telegram_author_the_catalog_cannot_hold_is_a_problem_at_its_message():
    messages = [{"id": n, "type": "message", "date_unixtime": "1714557600", "from": author, "text": "hi"}
                for n, author in ((1, "Anna"), (2, "B\x00b"), (3, "C" * 200))]
    parsed = parse_chat("result.json", json.dumps(_telegram(*messages), indent=1).encode())
    assert [m.author for m in _only_chat(parsed)] == ["Anna"]
    assert [(p.line, p.message) for p in parsed.problems] == [
        (14, "telegram-777 message 2: from holds control character U+0000 at character 2; expected printable text"),
        (21, "telegram-777 message 3: from is 200 characters long; expected at most 128"),
    ]


def test_a_whatsapp_author_with_a_control_character_is_a_problem_on_its_line():
    text = "01.05.2024, 10:00 - Anna: hi\n01.05.2024, 10:01 - B\x07b: ring\n01.05.2024, 10:02 - Anna: ok\n"
    parsed = parse_chat("chat.txt", text.encode())
    assert [m.text for m in _only_chat(parsed)] == ["hi", "ok"]
    assert parsed.problems == (
        LineProblem(2, "author holds control character U+0007 at character 2; expected printable text"),)
