"""Personal data never in errors or quarantine (issue 11): messages, quarantine keys, object metadata and
every command that prints a record show phone numbers, e-mails and cards as tags; quarantined chats and
survey files are kept redacted unless ``keep_unredacted``; survey free text is redacted like chat text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.ingest import ingest_paths
from pipeline.personal_data import redacted, redacted_bytes
from pipeline.records import ErrorRecord
from pipeline.settings import Settings
from pipeline.store import LocalObjectStore
from pipeline.store.intake import keeps_redacted, name_text, redacted_error
from pipeline.store.objects import get_bytes

PHONE, EMAIL, CARD = "+7 916 123-45-67", "ivan.petrov@example.ru", "4111 1111 1111 1111"
NAME_PHONE = "89031234567"  # a file named by the customer's number
PLANTED = (PHONE, EMAIL, CARD, NAME_PHONE)
TS_HINT = "expected e.g. 2024-05-01T13:00:00+03:00"


def _tagged(data: bytes) -> bytes:
    """``data`` as the quarantine keeps it with personal data tagged, written out by hand."""
    for value, tag in ((PHONE, "[PHONE]"), (EMAIL, "[EMAIL]"), (CARD, "[CARD]")):
        data = data.replace(value.encode(), tag.encode()).replace(value.encode("cp1251"), tag.encode())
    return data


def _leaks(text: str) -> list[str]:
    return [value for value in PLANTED if value in text]


def _chat_lines() -> bytes:
    rows = [
        {"chat_id": "c1", "ts": "2026-11-20T10:00:00+03:00", "role": "customer", "author": PHONE,
         "text": f"Пишите на {EMAIL}, карта {CARD}"},
        {"chat_id": "c1", "ts": PHONE, "role": "agent", "author": "Анна", "text": "Здравствуйте"},
        {"chat_id": "c1", "ts": "2026-11-20T10:02:00+03:00", "role": "agent", "author": "Анна",
         "text": "Готово"},
    ]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def _cli(store, monkeypatch, *args: str) -> str:
    from pipeline.cli import main

    monkeypatch.setattr("pipeline.cli.contacts.open_configured_store", lambda: store)
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.output


def _metadata_texts(store, key: str) -> list[str]:
    """The quarantined object's metadata as the store gives it back, and as a local store keeps it on disk."""
    texts = [json.dumps(dict(store.objects.stat(key).metadata), ensure_ascii=False)]
    if isinstance(store.objects, LocalObjectStore):
        meta = store.objects.root / f"{key}.meta.json"
        texts += [meta.read_text(), json.dumps(json.loads(meta.read_text()), ensure_ascii=False)]
    return texts


# the bytes of a text file --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16"])
def test_a_text_file_is_tagged_and_every_other_byte_kept(encoding):
    text = f"имя;телефон;почта\nИван;{PHONE};{EMAIL}\nАнна;{CARD};нет\n"
    data = text.encode(encoding)
    tagged = "имя;телефон;почта\nИван;[PHONE];[EMAIL]\nАнна;[CARD];нет\n".encode(encoding)
    assert redacted_bytes(data) == (tagged, 3)


def test_bytes_no_encoding_reads_are_carried_through_untouched():
    junk = bytes(range(256))
    assert redacted_bytes(junk) == (junk, 0)  # nothing found: the very same bytes
    data = b"\x98\xff\x00" + PHONE.encode() + b"\x81\xc0\x98" + EMAIL.encode() + b" \xff"
    assert redacted_bytes(data) == (b"\x98\xff\x00[PHONE]\x81\xc0\x98[EMAIL] \xff", 2)
    utf16_odd = "\ufeff".encode("utf-16-le") + f"tel {PHONE}".encode("utf-16-le") + b"\xd8\x00\x41"
    assert redacted_bytes(utf16_odd) == (b"\xff\xfe" + "tel [PHONE]".encode("utf-16-le") + b"\xd8\x00\x41", 1)


def test_a_file_full_of_personal_data_is_tagged_in_time_linear_in_its_size():
    import time

    line = f"{PHONE};{EMAIL};{CARD}\n".encode()
    started = time.perf_counter()
    tagged, found = redacted_bytes(line * 50_000)  # 2.7 MB, 150,000 items: minutes if each looked at all others
    assert (tagged, found) == (b"[PHONE];[EMAIL];[CARD]\n" * 50_000, 150_000)
    assert time.perf_counter() - started < 20


def test_redacted_error_tags_what_output_shows_and_the_switch_follows_the_settings():
    error = ErrorRecord(error_id="e1", source=f"/in/{NAME_PHONE}.csv", stage="ingest",
                        message=f"{NAME_PHONE}.csv: line 2: ts '{PHONE}' is not ISO 8601",
                        created_at=datetime(2026, 12, 3, tzinfo=UTC),
                        quarantine_key=f"quarantine/ab/abcd/{NAME_PHONE}.csv")
    shown = redacted_error(error)
    assert (shown.source, shown.message, shown.quarantine_key) == (
        "/in/[PHONE].csv", "[PHONE].csv: line 2: ts '[PHONE]' is not ISO 8601", "quarantine/ab/abcd/[PHONE].csv")
    assert redacted_error(shown) == shown
    assert [keeps_redacted(Settings(pii_redaction=p, keep_unredacted=k)) for p, k in
            [(True, False), (True, True), (False, False), (False, True)]] == [True, False, False, False]


def test_the_docstring_examples_hold():
    import doctest

    import pipeline.personal_data

    result = doctest.testmod(pipeline.personal_data)
    assert result.attempted >= 4 and result.failed == 0


# chats ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keep_unredacted", [False, True])
def test_a_chat_with_a_broken_line_is_quarantined_redacted_and_no_output_shows_personal_data(
        store, tmp_path, monkeypatch, keep_unredacted):
    path = tmp_path / "in" / f"{NAME_PHONE}.jsonl"
    path.parent.mkdir()
    data = _chat_lines()
    path.write_bytes(data)
    report = ingest_paths(store, [path.parent], settings=Settings(keep_unredacted=keep_unredacted))

    [contact_id] = report.new
    [error] = report.errors
    kept = "" if keep_unredacted else "; kept with personal data tagged (4 items)"
    assert error.message == f"[PHONE].jsonl: line 2: ts '[PHONE]' is not ISO 8601; {TS_HINT}{kept}"
    [stored] = store.catalog.errors()
    assert (stored.message, stored.source) == (error.message, name_text(str(path)))  # the path, as given
    assert error.quarantine_key.endswith("/[PHONE].jsonl")
    quarantined = get_bytes(store.objects, error.quarantine_key)
    assert quarantined == (data if keep_unredacted else _tagged(data))
    metadata = store.objects.stat(error.quarantine_key).metadata
    assert (metadata["source"], metadata["reason"]) == ("[PHONE].jsonl", error.message)
    assert all(_leaks(text) == [] for text in _metadata_texts(store, error.quarantine_key))
    raw = [key for key in store.objects.list("raw/")]
    assert [get_bytes(store.objects, key) for key in raw] == ([data] if keep_unredacted else [])
    chat = get_bytes(store.objects, store.catalog.get_contact(contact_id).object_key).decode()
    assert _leaks(chat) == [] and "[PHONE]" in chat and "[EMAIL]" in chat and "[CARD]" in chat

    for args in (["errors"], ["errors", "--json"], ["ls"], ["ls", "--json"], ["show", contact_id],
                 ["show", contact_id, "--json"]):
        output = _cli(store, monkeypatch, *args)
        assert _leaks(output) == [], (args, output)
        assert "[PHONE]" in output, (args, output)


@pytest.mark.parametrize(("name", "shown"), [
    (f"{PHONE}.csv", "[PHONE].csv"),
    (f"+7\n916 123-45-67 {EMAIL}.csv", "[PHONE] [EMAIL].csv"),  # a newline inside the number
])
def test_a_chat_that_is_no_chat_at_all_is_kept_redacted_under_a_redacted_name(store, tmp_path, name, shown):
    path = tmp_path / "in" / name
    path.parent.mkdir()
    data = f"chat_id;{PHONE};text\n1;{CARD};привет\n".encode("cp1251")
    path.write_bytes(data)
    [error] = ingest_paths(store, [path.parent]).errors
    assert error.message == (f"{shown}: header 'chat_id;[PHONE];text' lacks ts, role; expected columns chat_id, ts, "
                             "role, author, text separated by ',' or ';'; kept with personal data tagged (2 items)")
    assert error.quarantine_key.endswith(f"/{shown}")
    assert get_bytes(store.objects, error.quarantine_key) == _tagged(data)
    assert all(_leaks(text) == [] for text in _metadata_texts(store, error.quarantine_key))


def test_a_value_written_across_a_line_break_is_still_tagged_in_the_message(store, tmp_path):
    path = tmp_path / "in" / "c.jsonl"
    path.parent.mkdir()
    ts = "+7\n916 123-45-67\u2028"  # the message quotes it as repr() writes it: '+7\\n916 123-45-67\\u2028'
    good = {"chat_id": "c", "ts": "2026-11-20T10:00:00+03:00", "role": "agent", "text": "ok"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "ts": ts}) + "\n")
    [error] = ingest_paths(store, [path.parent]).errors
    assert error.message == (f"c.jsonl: line 2: ts '[PHONE]\\u2028' is not ISO 8601; {TS_HINT}; "
                             "kept with personal data tagged (1 item)")
    assert get_bytes(store.objects, error.quarantine_key) == path.read_bytes().replace(
        b"+7\\n916 123-45-67", b"[PHONE]")


def test_a_meta_sidecar_is_quarantined_byte_for_byte_with_a_redacted_message(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{NAME_PHONE}.jsonl").write_bytes(_chat_lines().splitlines(keepends=True)[0])
    meta = json.dumps({"customer_id": PHONE, "started_at": EMAIL}).encode()
    (folder / f"{NAME_PHONE}.meta.json").write_bytes(meta)
    [error] = ingest_paths(store, [folder]).errors
    assert error.message.startswith("[PHONE].meta.json: started_at: ") and _leaks(error.message) == []
    assert error.quarantine_key.endswith("/[PHONE].meta.json")
    assert get_bytes(store.objects, error.quarantine_key) == meta  # sidecars: exact, see pipeline.store.intake


# surveys ----------------------------------------------------------------------------------------------

SURVEYS = ("customer_id;channel;sent_at;answered_at;csat;text\n"
           f"cust-1;sms;2026-11-20T10:00:00+03:00;2026-11-20T11:00:00+03:00;2;Перезвоните {PHONE}, {EMAIL}\n"
           f"cust-2;sms;{PHONE};;;\n")
CONSENTS = ("customer_id,granted,at,channel,source\n"
            f"cust-1,yes,2026-11-20T10:00:00+03:00,sms,form signed by {EMAIL}\n"
            f"cust-2,maybe,2026-11-20T10:00:00+03:00,sms,card {CARD}\n")


@pytest.mark.parametrize(("pii_redaction", "keep_unredacted"), [(True, False), (True, True), (False, False)])
def test_survey_free_text_is_redacted_and_bad_survey_files_are_kept_redacted(
        store, tmp_path, monkeypatch, pii_redaction, keep_unredacted):
    folder = tmp_path / "in"
    folder.mkdir()
    surveys, consents = SURVEYS.encode("cp1251"), CONSENTS.encode()
    (folder / "crm.surveys.csv").write_bytes(surveys)
    (folder / f"{NAME_PHONE}.consents.csv").write_bytes(consents)
    settings = Settings(pii_redaction=pii_redaction, keep_unredacted=keep_unredacted)
    report = ingest_paths(store, [folder], settings=settings)

    assert report.added == {"survey_invitations": 1, "survey_answers": 1, "consent_changes": 1}
    [answer] = store.catalog.survey_answers()
    [consent] = store.catalog.consent_changes()
    if pii_redaction:
        assert (answer.text, consent.source) == ("Перезвоните [PHONE], [EMAIL]", "form signed by [EMAIL]")
    else:
        assert (answer.text, consent.source) == (f"Перезвоните {PHONE}, {EMAIL}", f"form signed by {EMAIL}")
    redacting = pii_redaction and not keep_unredacted
    by_file = {Path(e.source).name: e for e in report.errors}
    assert sorted(e.message for e in report.errors) == [
        "[PHONE].consents.csv: line 3: granted='maybe'; expected yes/no, true/false or 1/0"
        + ("; kept with personal data tagged (2 items)" if redacting else ""),
        "crm.surveys.csv: line 3: sent_at '[PHONE]' is not ISO 8601; expected e.g. 2026-11-20T10:15:00+03:00"
        + ("; kept with personal data tagged (3 items)" if redacting else ""),
    ]
    for error, data in ((by_file["crm.surveys.csv"], surveys), (by_file[f"{NAME_PHONE}.consents.csv"], consents)):
        assert get_bytes(store.objects, error.quarantine_key) == (_tagged(data) if redacting else data)
        assert all(_leaks(text) == [] for text in _metadata_texts(store, error.quarantine_key))
    for args in (["errors"], ["errors", "--json"]):
        output = _cli(store, monkeypatch, *args)
        assert _leaks(output) == [] and "[PHONE]" in output, (args, output)


def test_survey_text_with_a_nul_is_a_named_row_problem_on_every_store(store, tmp_path):
    path = tmp_path / "in" / "nul.surveys.jsonl"
    path.parent.mkdir()
    good = {"customer_id": "c1", "channel": "sms", "sent_at": "2026-11-20T10:00:00+03:00",
            "answered_at": "2026-11-20T11:00:00+03:00", "csat": 5, "text": "ok"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "customer_id": "c2", "text": "a\x00b"}) + "\n")
    report = ingest_paths(store, [path.parent])
    assert [e.message for e in report.errors] == [
        "nul.surveys.jsonl: line 2: text holds control character U+0000 at character 2; expected printable text"]
    assert [a.customer_id for a in store.catalog.survey_answers()] == ["c1"]


# control characters in chat text ------------------------------------------------------------------------

def test_control_characters_in_chat_text_become_replacement_characters():
    from pipeline.chats.formats import parse_chat

    rows = [{"chat_id": "c", "ts": "2026-11-20T10:00:00+03:00", "role": "customer", "text": "a\x00b\x1b[2J\tc\nd\x85"}]
    parsed = parse_chat("c.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
    assert [m.text for m in parsed.chats["c"]] == ["a\ufffdb\ufffd[2J\tc\nd\ufffd"]
    whatsapp = "[01.05.24, 13:00:05] Анна: при\x00вет\x07\n".encode()
    assert [m.text for m in parse_chat("w.txt", whatsapp).chats["w"]] == ["при\ufffdвет\ufffd"]


@pytest.mark.model  # the chat stage's sentiment model
def test_a_chat_with_nul_and_escapes_is_ingested_processed_and_shown_on_every_store(store, tmp_path, monkeypatch):
    from pipeline.stages import process_contact, stages_by_channel

    rows = [{"chat_id": "c", "ts": "2026-11-20T10:00:00+03:00", "role": "customer", "author": "Иван",
             "text": "Карта\x00 заблокирована \x1b[2J"},
            {"chat_id": "c", "ts": "2026-11-20T10:01:00+03:00", "role": "agent", "author": "Анна",
             "text": "Добрый день\x00\x7f"}]
    path = tmp_path / "in" / "nul.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    [contact_id] = ingest_paths(store, [path.parent]).new
    outcomes = process_contact(store, contact_id, Settings())
    assert [(o.stage, o.ok) for o in outcomes] == [(name, True) for name in stages_by_channel()["chat"]], outcomes
    assert [t.text for t in store.catalog.transcript(contact_id).turns] == [
        "Карта\ufffd заблокирована \ufffd[2J", "Добрый день\ufffd\ufffd"]
    output = _cli(store, monkeypatch, "show", contact_id)
    assert "\x00" not in output and "\x1b" not in output and "Карта\ufffd" in output


def test_every_planted_value_is_one_that_is_tagged():
    assert [redacted(v) for v in PLANTED] == ["[PHONE]", "[EMAIL]", "[CARD]", "[PHONE]"]
