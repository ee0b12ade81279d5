"""Survey and consent files, bytes in, records out: answers, non-answers, STOP, bad rows by line number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.surveys.files import (RECOMMENDED_REASONS, SurveyFileError, invitation_id, parse_survey_file,
                                    survey_file_kind)
from tests.pipeline.surveys.samples import CONSENTS_CSV, SURVEYS_CSV, surveys_jsonl

MSK = timezone(timedelta(hours=3))


def test_cp1251_semicolon_csv_gives_invitations_answers_a_stop_and_numbered_problems():
    parsed = parse_survey_file("crm-2026-11-20.surveys.csv", SURVEYS_CSV.encode("cp1251"))
    assert (parsed.kind, parsed.encoding) == ("surveys", "cp1251")
    assert [row.line for row in parsed.rows] == [2, 3, 4, 6]
    assert [(p.line, p.message.split(";")[0]) for p in parsed.problems] == [
        (7, "sent_at '2026-11-20 15:00' has no UTC offset"),
        (8, "csat=7"),
    ]

    unhappy, silent, happy, stop = parsed.rows
    assert unhappy.invitation.sent_at == datetime(2026, 11, 20, 10, 40, tzinfo=MSK)
    assert [(a.kind, a.value) for a in unhappy.answers] == [("csat", 2), ("nps", 3)]
    assert {a.reason for a in unhappy.answers} == {"employee_not_prepared"}  # codes are lower-cased
    assert unhappy.answers[0].text == "Оператор не знал, как разблокировать карту"
    assert all(a.invitation_id == unhappy.invitation.invitation_id and a.operator_id == "op-17"
               and a.team == "cards" and a.channel == "sms" for a in unhappy.answers)
    assert unhappy.withdrawal is None

    assert silent.answers == () and silent.withdrawal is None  # invited, not (yet) answered
    assert [(a.kind, a.value) for a in happy.answers] == [("csat", 5), ("nps", 10), ("ces", 2)]
    assert happy.answers[0].text == "Всё отлично; спасибо!\r\nБыстро решили"
    assert happy.invitation.contact_id == "CALL3003"

    assert stop.answers == ()  # a STOP reply carries no score ...
    assert (stop.withdrawal.customer_id, stop.withdrawal.granted, stop.withdrawal.source) == (
        "cust-4004", False, "survey reply")  # ... and withdraws consent when it was written
    assert stop.withdrawal.at == datetime(2026, 11, 20, 14, 30, tzinfo=MSK)


def test_jsonl_rows_and_a_bad_line_by_number():
    parsed = parse_survey_file("web.surveys.jsonl", surveys_jsonl().encode())
    assert [row.invitation.customer_id for row in parsed.rows] == ["cust-7007", "cust-8008", "cust-9010"]
    assert [(p.line, p.message) for p in parsed.problems] == [
        (3, "a JSON str; expected an object"),
        (4, "answered_at 2026-11-21T09:00:00+00:00 is before sent_at 2026-11-21T09:10:00+00:00"),
    ]
    answered, open_, late = parsed.rows
    assert answered.invitation.invitation_id == "inv-7007" == answered.answers[0].invitation_id
    assert [(a.kind, a.value, a.text) for a in answered.answers] == [("nps", 9, "good")]
    assert open_.answers == ()
    assert late.answers[0].reason == "late"


def test_the_same_row_in_csv_and_jsonl_is_the_same_invitation():
    sent_at = "2026-11-20T10:40:00+03:00"
    csv_file = parse_survey_file("a.surveys.csv", f"customer_id,channel,sent_at\ncust-1,sms,{sent_at}\n".encode())
    jsonl = parse_survey_file("b.SURVEYS.JSONL",
                              f'{{"customer_id": "cust-1", "channel": "sms", "sent_at": "{sent_at}"}}\n'.encode())
    assert csv_file.rows[0].invitation.invitation_id == jsonl.rows[0].invitation.invitation_id
    assert csv_file.rows[0].invitation.invitation_id == invitation_id(
        "cust-1", "sms", datetime(2026, 11, 20, 7, 40, tzinfo=UTC), None)
    assert invitation_id("cust-1", "sms", datetime(2026, 11, 20, 7, 40, tzinfo=UTC), "c9") != \
        csv_file.rows[0].invitation.invitation_id


@pytest.mark.parametrize(("row", "problem"), [
    ("cust-1,sms,2026-11-20T10:00:00+03:00,,5,,,,",
     "an answer (csat, nps, ces, discourage, goal, emotion, text or reason) without answered_at"),
    ("cust-1,sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,,,,спасибо,",
     "answered_at without a score"),
    ("cust-1,sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,,11,,,", "nps=11; expected an integer 0..10"),
    ("cust-1,sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,4.5,,,,", "csat='4.5'; expected an integer 1..5"),
    ("cust-1,sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,,,0,,", "ces=0; expected an integer 1..7"),
    (",sms,2026-11-20T10:00:00+03:00,,,,,,", "customer_id is missing"),
    ("cust-1,sms,yesterday,,,,,,", "sent_at 'yesterday' is not ISO 8601"),
    ("cust-1,sms,2026-11-20T10:00:00+03:00,,,", "6 fields; expected 9 as in the header"),
])
def test_bad_rows_are_problems_and_the_good_row_is_kept(row, problem):
    text = ("customer_id,channel,sent_at,answered_at,csat,nps,ces,text,reason\n"
            "cust-0,sms,2026-11-20T09:00:00+03:00,,,,,,\n" + row + "\n")
    parsed = parse_survey_file("x.surveys.csv", text.encode())
    assert [r.invitation.customer_id for r in parsed.rows] == ["cust-0"]
    [found] = parsed.problems
    assert found.line == 3 and found.message.startswith(problem), found.message


def test_unknown_columns_are_reported_once_and_the_rows_kept():
    text = "customer_id,channel,sent_at,csta,answered_at\ncust-1,sms,2026-11-20T10:00:00Z,5,\n"
    parsed = parse_survey_file("x.surveys.csv", text.encode())
    [problem] = parsed.problems
    assert problem.line == 1 and problem.message.startswith("unknown column(s) 'csta' ignored")
    assert parsed.rows[0].answers == ()


@pytest.mark.parametrize(("data", "message"), [
    (b"", "x.surveys.csv: empty file"),
    ("customer_id;sent_at\ncust-1;2026-11-20T10:00:00Z\n".encode(), "x.surveys.csv: header 'customer_id;sent_at' lacks channel"),
    ("customer_id,channel,sent_at\ncust-1,sms,\n,sms,2026-11-20T10:00:00Z\n".encode(),
     "x.surveys.csv: no readable row in this surveys file; line 2: sent_at is missing; line 3: customer_id is missing"),
    (b"\xff\xfec\x00", "x.surveys.csv: UTF-16 text"),
])
def test_a_file_with_nothing_readable_is_one_error(data, message):
    with pytest.raises(SurveyFileError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_survey_file("x.surveys.csv", data)


def test_a_header_without_rows_is_an_empty_file_not_an_error():
    parsed = parse_survey_file("quiet-day.surveys.csv", b"customer_id,channel,sent_at\n")
    assert parsed.rows == () and parsed.problems == ()


def test_consent_registry_values_and_a_bad_one():
    parsed = parse_survey_file("registry.consents.csv", CONSENTS_CSV.encode())
    assert parsed.kind == "consents" and parsed.rows == ()
    assert [(c.customer_id, c.granted) for c in parsed.consents] == [
        ("cust-1042", True), ("cust-3003", True), ("cust-4004", True), ("cust-7007", True), ("cust-9010", False)]
    assert parsed.consents[0].source == "online banking" and parsed.consents[2].source == "consent registry"
    assert parsed.consents[0].at == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    [problem] = parsed.problems
    assert (problem.line, problem.message) == (7, "granted='maybe'; expected yes/no, true/false or 1/0")


def test_kind_by_double_suffix_only():
    assert survey_file_kind("crm.surveys.csv") == survey_file_kind("A.Surveys.JSONL") == "surveys"
    assert survey_file_kind("registry.consents.csv") == "consents"
    assert survey_file_kind("surveys.csv") is survey_file_kind("chat.jsonl") is survey_file_kind("x.meta.json") is None


def test_the_recommended_reasons_include_the_ones_teams_use():
    assert {"employee_not_prepared", "attitude", "late", "no_benefit"} <= set(RECOMMENDED_REASONS)
    assert all(code == code.lower() and " " not in code for code in RECOMMENDED_REASONS)


# bounded input (issue 11) ------------------------------------------------------------------------------

_ROW = '{"customer_id": "cu-1", "channel": "sms", "sent_at": "2026-11-20T10:00:00+03:00"}'


@pytest.mark.parametrize(("row", "expected"), [
    ('{"customer_id": ' + "[" * 20_000 + "]" * 20_000 + "}", "nested 20001 deep; expected at most 64"),
    (_ROW.replace('"cu-1"', '"' + "7" * 129 + '"'), "customer_id is 129 characters long; expected at most 128"),
    (_ROW.replace('"sms"', '"' + "s" * 65 + '"'), "channel is 65 characters long; expected at most 64"),
    (_ROW.replace('"cu-1"', '"+7 916\\u0000 123"'),
     "customer_id holds control character U+0000 at character 7; expected printable text"),
    (_ROW[:-1] + ', "answered_at": "2026-11-20T11:00:00+03:00", "csat": 5, "text": "ok\\u0000"}',
     "text holds control character U+0000 at character 3; expected printable text"),
])
def test_a_hostile_survey_row_is_a_problem_on_its_line_without_its_value(row, expected):
    parsed = parse_survey_file("crm.surveys.jsonl", f"{_ROW}\n{row}\n{_ROW}\n".encode())
    assert [r.line for r in parsed.rows] == [1, 3]
    assert [(p.line, p.message) for p in parsed.problems] == [(2, expected)]
    assert not any("916" in p.message for p in parsed.problems)  # a phone number is not repeated


def test_survey_free_text_keeps_its_line_breaks_and_tabs():
    row = _ROW[:-1] + ', "answered_at": "2026-11-20T11:00:00+03:00", "csat": 5, "text": "a\\tb\\r\\nc"}'
    parsed = parse_survey_file("crm.surveys.jsonl", row.encode())
    assert parsed.rows[0].answers[0].text == "a\tb\r\nc" and parsed.problems == ()
