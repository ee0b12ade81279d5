"""Survey and consent files through the ingest API: records in the catalog, linked contacts, quarantine, idempotence."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pipeline.ingest import ingest_paths, plan_inputs
from pipeline.records import Contact
from tests.pipeline.surveys.samples import CONSENTS_CSV, SURVEYS_CSV, surveys_jsonl

CHAT_1042 = [  # the chat cust-1042 had with op-17 before the survey
    {"chat_id": "web-1042", "ts": "2026-11-20T10:15:00+03:00", "role": "customer", "text": "Карта заблокирована"},
    {"chat_id": "web-1042", "ts": "2026-11-20T10:16:00+03:00", "role": "agent", "author": "Анна",
     "text": "Сейчас проверю"},
]


def write_inbox(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "crm-2026-11-20.surveys.csv").write_bytes(SURVEYS_CSV.encode("cp1251"))
    (folder / "web-2026-11-21.surveys.jsonl").write_text(surveys_jsonl(), encoding="utf-8")
    (folder / "registry.consents.csv").write_text(CONSENTS_CSV, encoding="utf-8")
    (folder / "chat-1042.jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in CHAT_1042),
                                            encoding="utf-8")
    (folder / "chat-1042.meta.json").write_text(json.dumps({"customer_id": "cust-1042", "team": "cards"}))
    return folder


def _call_3003(store):
    store.catalog.add_contact(Contact(contact_id="CALL3003", channel="call", source="/calls/3003.wav",
                                      object_key="raw/ca/CALL3003", customer_id="cust-3003", operator_id="op-21",
                                      team="loans", started_at=datetime(2026, 11, 20, 9, 50, tzinfo=UTC)))


def test_survey_files_are_not_chats_and_chats_stay_chats(tmp_path):
    inbox = write_inbox(tmp_path / "in")
    plan = plan_inputs([inbox])
    assert sorted(p.name for p in plan.surveys) == [
        "crm-2026-11-20.surveys.csv", "registry.consents.csv", "web-2026-11-21.surveys.jsonl"]
    [chat] = plan.chats
    assert chat.path.name == "chat-1042.jsonl" and chat.meta.name == "chat-1042.meta.json"
    assert plan.unusable == ()


def test_surveys_and_consents_land_in_the_catalog_with_bad_rows_quarantined(store, tmp_path):
    _call_3003(store)
    report = ingest_paths(store, [write_inbox(tmp_path / "in")])

    assert len(report.new) == 1  # the chat
    assert report.added == {"survey_invitations": 7, "survey_answers": 7, "consent_changes": 6}
    problems = sorted(e.message for e in report.errors)
    assert problems == [
        "crm-2026-11-20.surveys.csv: line 7: sent_at '2026-11-20 15:00' has no UTC offset; "
        "expected e.g. 2026-11-20T10:15:00+03:00",
        "crm-2026-11-20.surveys.csv: line 8: csat=7; expected an integer 1..5",
        "registry.consents.csv: line 7: granted='maybe'; expected yes/no, true/false or 1/0",
        "web-2026-11-21.surveys.jsonl: line 3: a JSON str; expected an object",
        "web-2026-11-21.surveys.jsonl: line 4: answered_at 2026-11-21T09:00:00+00:00 is before sent_at "
        "2026-11-21T09:10:00+00:00",
    ]
    assert all(e.quarantine_key.startswith("quarantine/") and store.objects.exists(e.quarantine_key)
               for e in report.errors)
    assert {e.message for e in store.catalog.errors()} == set(problems)

    invitations = {i.customer_id: i for i in store.catalog.survey_invitations()}
    assert set(invitations) == {"cust-1042", "cust-2001", "cust-3003", "cust-4004", "cust-7007", "cust-8008",
                                "cust-9010"}
    assert store.catalog.survey_answers(customer_id="cust-2001") == []  # invited, never answered


def test_answers_are_linked_to_their_contacts(store, tmp_path):
    _call_3003(store)
    ingest_paths(store, [write_inbox(tmp_path / "in")])
    [chat] = [c for c in store.catalog.contacts() if c.channel == "chat"]

    # cust-1042's row names no contact: it is linked to the chat the customer had 25 minutes before
    invitation = store.catalog.survey_invitations(customer_id="cust-1042")[0]
    assert (invitation.contact_id, invitation.operator_id, invitation.team) == (chat.contact_id, "op-17", "cards")
    answers = store.catalog.survey_answers(contact_id=chat.contact_id)
    assert [(a.kind, a.value, a.reason) for a in answers] == [("csat", 2, "employee_not_prepared"),
                                                              ("nps", 3, "employee_not_prepared")]
    # cust-3003's row names the call and no operator: the call's operator and team are filled in
    call_answers = store.catalog.survey_answers(contact_id="CALL3003")
    assert {(a.operator_id, a.team) for a in call_answers} == {("op-21", "loans")} and len(call_answers) == 3
    assert store.catalog.survey_answers(operator_id="op-21", kind="nps") == [
        a for a in store.catalog.survey_answers(kind="nps") if a.customer_id in {"cust-3003", "cust-7007"}]
    # cust-2001 had no contact in the store: the invitation stays unlinked
    assert store.catalog.survey_invitations(customer_id="cust-2001")[0].contact_id is None


def test_a_stop_reply_in_a_survey_file_withdraws_consent(store, tmp_path):
    ingest_paths(store, [write_inbox(tmp_path / "in")])
    [granted, stop] = store.catalog.consent_history("cust-4004")
    assert (granted.granted, granted.source) == (True, "consent registry")
    assert (stop.granted, stop.source, stop.channel) == (False, "survey reply", "sms")
    assert store.catalog.consent_state("cust-4004") is False


def test_ingesting_again_adds_nothing(store, tmp_path):
    _call_3003(store)
    inbox = write_inbox(tmp_path / "in")
    first = ingest_paths(store, [inbox])
    counts = (len(store.catalog.survey_invitations()), len(store.catalog.survey_answers()),
              sum(len(store.catalog.consent_history(c)) for c in ("cust-1042", "cust-3003", "cust-4004")))

    copy = tmp_path / "again" / "renamed.surveys.csv"  # the same export under another name, and everything again
    copy.parent.mkdir()
    copy.write_bytes((inbox / "crm-2026-11-20.surveys.csv").read_bytes())
    second = ingest_paths(store, [inbox, copy])
    assert second.new == [] and second.added == {"survey_invitations": 0, "survey_answers": 0, "consent_changes": 0}
    assert (len(store.catalog.survey_invitations()), len(store.catalog.survey_answers()),
            sum(len(store.catalog.consent_history(c)) for c in ("cust-1042", "cust-3003", "cust-4004"))) == counts
    assert len(store.catalog.errors()) == len(first.errors) + 2  # the copy's two bad rows, under its own name


def test_an_answer_arriving_later_joins_its_invitation(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "monday.surveys.csv").write_text(
        "customer_id,channel,sent_at,invitation_id\ncust-1,sms,2026-11-20T10:00:00+03:00,inv-1\n")
    (folder / "tuesday.surveys.csv").write_text(
        "customer_id,channel,sent_at,invitation_id,answered_at,csat\n"
        "cust-1,sms,2026-11-20T10:00:00+03:00,inv-1,2026-11-21T08:00:00+03:00,4\n")
    report = ingest_paths(store, [folder])
    assert report.added == {"survey_invitations": 1, "survey_answers": 1, "consent_changes": 0}
    [answer] = store.catalog.survey_answers()
    assert (answer.invitation_id, answer.value) == ("inv-1", 4)
