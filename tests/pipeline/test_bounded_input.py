"""Bounded parsers (issue 11): hostile JSON, sidecars, chats and surveys in one folder with good files.

Every good file is ingested, every hostile one becomes an error record naming the file, the line
and the limit, its bytes are quarantined as they were, and nothing raises: not RecursionError,
not MemoryError, not the database refusing a value (run against PostgreSQL when it is there).
"""

from __future__ import annotations

import json

import pytest

from pipeline.ingest import ingest_paths
from pipeline.jsonlines import MAX_JSON_DEPTH, JsonLimitError, bounded_json, checked_field, json_depth
from pipeline.sidecars import MAX_EVENTS
from pipeline.store.objects import get_bytes
from tests.conftest import stereo_call

TS = "2026-11-20T10:00:00+03:00"
CHAT_LINE = json.dumps({"chat_id": "c1", "ts": TS, "role": "customer", "author": "Ivan", "text": "hello"})
SURVEY_ROW = json.dumps({"customer_id": "cu-1", "channel": "sms", "sent_at": TS})


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0), ("[]", 1), ('{"a": [{"b": []}]}', 4),
    ('["[[[[", "]]]]", {"x": "{{{"}]', 2),                     # brackets in strings do not count
    ('["\\"[[[", "\\\\", ["\\\\\\"]]"]]', 2),                  # nor do escaped quotes and backslashes
    ("[" * 70 + "]" * 70, 70),
])
def test_json_depth_counts_only_structure(text, depth):
    assert json_depth(text) == depth
    if depth <= 70:
        assert json.loads(text) is not None  # the cases are JSON


def test_bounded_json_refuses_before_parsing_and_says_where():
    assert bounded_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == json.loads("[" * 64 + "]" * 64)
    with pytest.raises(JsonLimitError) as caught:
        bounded_json('{\n"a":\n' + "[" * 1_000_000 + "]" * 1_000_000 + "}")
    assert (caught.value.line, str(caught.value)) == (3, "nested 1000001 deep; expected at most 64")
    with pytest.raises(JsonLimitError, match=r"^11 characters; expected at most 10$"):
        bounded_json('"xxxxxxxxx"', max_chars=10)
    with pytest.raises(JsonLimitError) as caught:
        bounded_json('{"a": 1,\n "b": ' + "1" * 5000 + "}")
    assert (caught.value.line, str(caught.value)) == (2, "a number of more than 4300 digits; expected at most 4300")
    with pytest.raises(json.JSONDecodeError):
        bounded_json('{"a": ')  # not JSON is the caller's usual message, not a limit


@pytest.mark.parametrize(("value", "free_text", "expected"), [
    ("op\x00", False, "operator_id holds control character U+0000 at character 3; expected printable text"),
    ("op\n", False, "operator_id holds control character U+000A at character 3; expected printable text"),
    ("a\tb\nc\x1b", True, "operator_id holds control character U+001B at character 6; expected printable text"),
    ("o" * 129, False, "operator_id is 129 characters long; expected at most 128"),
])
def test_checked_field_names_the_field_and_the_limit_never_the_value(value, free_text, expected):
    with pytest.raises(ValueError) as caught:
        checked_field("operator_id", value, max_chars=128, free_text=free_text)
    assert str(caught.value) == expected
    assert checked_field("operator_id", "Иван\tП.", max_chars=128, free_text=True) == "Иван\tП."


@pytest.fixture
def hostile_folder(tmp_path):
    """Good recordings, chats and surveys, and beside them each kind of input a bounded parser refuses."""
    d = tmp_path / "inbox"
    recordings = {name: stereo_call(d / name, seconds=1.0 + n / 10, subtype="PCM_16")
                  for n, name in enumerate(["good.wav", "deep.wav", "many.wav", "long.wav", "nul.wav"])}
    files = {
        "good.meta.json": json.dumps({"operator_id": "op-1", "team": "cards"}),
        "deep.meta.json": '{"team":\n' + "[" * 100_000 + "]" * 100_000 + "}",
        "many.events.json": json.dumps({"events": [{"type": "transfer", "t_s": 0.5}] * (MAX_EVENTS + 1)}),
        "long.meta.json": json.dumps({"operator_id": "o" * 300}),
        "nul.meta.json": json.dumps({"customer_id": "+7 916 555\u000012 34"}),
        "chat.jsonl": "\n".join([CHAT_LINE, '{"chat_id": ' + "[" * 50_000 + "]" * 50_000 + "}",
                                 CHAT_LINE.replace("Ivan", "Iv\\u0000an"), CHAT_LINE.replace("hello", "bye")]),
        "result.json": ('{"id": 1, "name": "x", "type": "personal_chat", "messages": '
                        + "[" * 30_000 + "]" * 30_000 + "}"),
        "crm.surveys.jsonl": "\n".join([SURVEY_ROW, '{"customer_id": ' + "{" * 10_000 + "}" * 10_000 + "}",
                                        SURVEY_ROW.replace("cu-1", "c" * 200)]),
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d, recordings


EXPECTED = [
    "chat.jsonl: line 2: nested 50001 deep; expected at most 64",
    "chat.jsonl: line 3: author holds control character U+0000 at character 3; expected printable text",
    "crm.surveys.jsonl: line 2: nested 10001 deep; expected at most 64",
    "crm.surveys.jsonl: line 3: customer_id is 200 characters long; expected at most 128",
    "deep.meta.json: line 2: nested 100001 deep; expected at most 64",
    "long.meta.json: operator_id is 300 characters long; expected at most 128",
    "many.events.json: 10001 events; expected at most 10000",
    "nul.meta.json: customer_id holds control character U+0000 at character 11; expected printable text",
    'result.json: line 1: nested 30001 deep; expected at most 64; expected a Telegram Desktop export '
    '(result.json): an object with "id", "name", "type" and a "messages" list',
]


def test_hostile_json_beside_good_files_becomes_error_records_and_the_batch_goes_on(store, hostile_folder):
    folder, recordings = hostile_folder
    report = ingest_paths(store, [folder])

    sources = sorted(c.source.split("/")[-1] for c in store.catalog.contacts())
    assert sources == sorted([*recordings, "chat.jsonl"])  # every recording, meta refused or not, and the chat
    by_name = {c.source.split("/")[-1]: c for c in store.catalog.contacts()}
    assert (by_name["good.wav"].operator_id, by_name["good.wav"].team) == ("op-1", "cards")
    assert by_name["long.wav"].operator_id is None and by_name["nul.wav"].customer_id is None
    assert store.catalog.events(by_name["many.wav"].contact_id) == []

    assert sorted(e.message for e in report.errors) == EXPECTED
    assert not any("916" in e.message for e in store.catalog.errors())  # the phone number is not repeated
    for error in report.errors:
        name = error.message.split(":")[0]
        assert get_bytes(store.objects, error.quarantine_key) == (folder / name).read_bytes(), name

    again = ingest_paths(store, [folder])  # a re-run neither crashes nor adds anything
    assert again.new == [] and len(store.catalog.contacts()) == len(sources)


def test_the_bounded_reader_examples_run():
    import doctest

    import pipeline.jsonlines

    result = doctest.testmod(pipeline.jsonlines)
    assert result.attempted >= 5 and result.failed == 0
