"""Chat exports through the ingest API: contacts, line-numbered problems, redaction, idempotence."""

from __future__ import annotations

import json

from pipeline.ingest import ingest_paths
from pipeline.settings import Settings
from pipeline.store.objects import get_bytes

JSONL_LINES = [
    {"chat_id": "c-1", "ts": "2026-11-20T10:00:00+03:00", "role": "customer", "author": "Ivan",
     "text": "Здравствуйте, карта заблокирована, мой телефон +7 916 123-45-67"},
    {"chat_id": "c-1", "ts": "2026-11-20T10:01:30+03:00", "role": "agent", "author": "Анна", "text": "Добрый день!"},
    {"chat_id": "c-2", "ts": "2026-11-20T11:00:00+00:00", "role": "customer", "author": "Tom",
     "text": "Hi, write to tom@example.com"},
]
WHATSAPP = """\
20.11.2026, 10:02 - Мария: Здравствуйте! Спишите мне кэшбэк
20.11.2026, 10:05 - Оператор Анна: Добрый день, проверю.
"""


def _jsonl(lines) -> str:
    return "\n".join(lines) + "\n"


def _write_inputs(folder):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(line, ensure_ascii=False) for line in JSONL_LINES]
    lines.insert(2, '{"chat_id": "c-1", "ts": "not a time", "role": "agent", "text": "x"}')  # line 3
    (folder / "web.jsonl").write_text(_jsonl(lines), encoding="utf-8")
    (folder / "wa.txt").write_text(WHATSAPP, encoding="utf-8")
    (folder / "wa.meta.json").write_text(json.dumps({"roles": {"Оператор Анна": "agent"}, "team": "chat"},
                                                   ensure_ascii=False))


def test_chats_become_contacts_and_bad_lines_are_reported_by_number(store, tmp_path):
    _write_inputs(tmp_path / "in")
    report = ingest_paths(store, [tmp_path / "in"], settings=Settings(timezone="Europe/Moscow"))

    assert len(report.new) == 3  # two chats in web.jsonl, one in wa.txt
    [problem] = report.errors
    assert problem.message.startswith("web.jsonl: line 3: ") and problem.quarantine_key.endswith("/web.jsonl")
    contacts = {c.source.rsplit("/", 1)[1]: c for c in store.catalog.contacts()}
    assert set(contacts) == {"web.jsonl#c-1", "web.jsonl#c-2", "wa.txt"}
    assert all(c.channel == "chat" for c in contacts.values())
    first = contacts["web.jsonl#c-1"]
    assert first.started_at.isoformat() == "2026-11-20T07:00:00+00:00" and first.language == "ru"
    assert first.operator_id == "Анна"
    assert contacts["web.jsonl#c-2"].language == "en"
    whatsapp = contacts["wa.txt"]
    assert whatsapp.team == "chat" and whatsapp.operator_id == "Оператор Анна"
    assert whatsapp.started_at.isoformat() == "2026-11-20T07:02:00+00:00"  # 10:02 Moscow time


def test_stored_chats_are_redacted_and_the_export_is_not_kept(store, tmp_path):
    _write_inputs(tmp_path / "in")
    ingest_paths(store, [tmp_path / "in"])
    stored = b"".join(get_bytes(store.objects, c.object_key) for c in store.catalog.contacts()).decode()
    assert "[PHONE]" in stored and "[EMAIL]" in stored
    assert "123-45-67" not in stored and "tom@example.com" not in stored
    assert not list(store.objects.list("raw/"))


def test_keep_unredacted_keeps_the_export(store, tmp_path):
    _write_inputs(tmp_path / "in")
    ingest_paths(store, [tmp_path / "in"], settings=Settings(keep_unredacted=True))
    raw = [get_bytes(store.objects, key) for key in store.objects.list("raw/")]
    assert (tmp_path / "in" / "web.jsonl").read_bytes() in raw


def test_ingesting_again_adds_nothing(store, tmp_path):
    _write_inputs(tmp_path / "in")
    first = ingest_paths(store, [tmp_path / "in"])
    second = ingest_paths(store, [tmp_path / "in"])
    assert second.new == [] and sorted(second.existing) == sorted(first.new)
    assert len(store.catalog.errors()) == 1


def test_a_file_that_is_no_chat_goes_to_quarantine(store, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.json").write_text('{"rows": [1, 2, 3]}')
    report = ingest_paths(store, [tmp_path / "in"])
    [error] = report.errors
    assert report.new == [] and error.message.startswith("export.json: ")
    assert get_bytes(store.objects, error.quarantine_key) == b'{"rows": [1, 2, 3]}'
