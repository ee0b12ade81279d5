"""Consent: STOP as a whole message, and nobody invited without a grant that still stands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.ingest import ingest_paths
from pipeline.records import ChatMessage, ConsentChange, Contact, SurveyInvitation
from pipeline.settings import Settings
from pipeline.stages import process_contact
from pipeline.surveys.consent import contacts_to_invite, invitation_candidates, is_stop, stop_changes
from tests.pipeline.surveys.samples import CONSENTS_CSV, SURVEYS_CSV

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["STOP", "СТОП", "stop", "Стоп!", "STOP.", " stop \n", "«СТОП»", '"Stop"',
                                  "стоп!!!", "STOP 🛑", "Ｓｔｏｐ", "стоп."])
def test_stop_as_the_whole_message(text):
    assert is_stop(text)


@pytest.mark.parametrize("text", ["не останавливайте", "stop the card", "Stop sending me these", "стоп-лист",
                                  "stopped", "nonstop", "остановите", "стопка", "STOP 2", "S T O P", "s.t.o.p",
                                  "", "   ", "!!!", "please stop", "не стоп"])
def test_near_misses_are_not_stop(text):
    assert not is_stop(text)


def _contact(contact_id, customer_id, minutes=0, **kwargs):
    return Contact(contact_id=contact_id, channel="chat", source=f"/chats/{contact_id}.jsonl",
                   object_key=f"chats/{contact_id}", customer_id=customer_id,
                   started_at=T0 + timedelta(minutes=minutes), **kwargs)


def _consent(customer_id, granted, minutes, source="consent registry"):
    return ConsentChange(customer_id=customer_id, granted=granted, at=T0 + timedelta(minutes=minutes),
                         channel="web", source=source)


def test_only_customers_whose_latest_change_grants_are_invited(store):
    store.catalog.add_consent_changes([
        _consent("granted", True, 0),
        _consent("stopped", True, 0), _consent("stopped", False, 30, "survey reply"),
        _consent("back", False, 0), _consent("back", True, 60),
        _consent("refused", False, 0),
    ])
    contacts = [_contact(f"c-{name}", name) for name in ("granted", "stopped", "back", "refused", "never-asked")]
    contacts.append(_contact("c-anonymous", None))
    assert [c.contact_id for c in invitation_candidates(store, contacts)] == ["c-granted", "c-back"]
    assert invitation_candidates(store, ["never-asked", "granted", "refused", "granted"]) == ["granted", "granted"]
    # as of a moment: before the STOP "stopped" could still be asked, before the re-grant "back" could not
    as_of = T0 + timedelta(minutes=15)
    assert invitation_candidates(store, ["granted", "stopped", "back"], at=as_of) == ["granted", "stopped"]
    invitations = [SurveyInvitation(f"inv-{c}", c, "sms", T0) for c in ("granted", "refused")]
    assert invitation_candidates(store, invitations) == invitations[:1]


def test_contacts_to_invite_skips_the_invited_and_the_unconsenting(store):
    for contact in [_contact("c1", "cust-a"), _contact("c2", "cust-a", 90), _contact("c3", "cust-b", 5),
                    _contact("c4", "cust-c", 10), _contact("c5", None, 20)]:
        store.catalog.add_contact(contact)
    store.catalog.add_consent_changes([_consent("cust-a", True, -60), _consent("cust-b", True, -60),
                                       _consent("cust-b", False, 30, "chat message")])
    store.catalog.add_survey_invitation(SurveyInvitation("inv-1", "cust-a", "sms", T0 + timedelta(minutes=30),
                                                         contact_id="c1"))
    assert [c.contact_id for c in contacts_to_invite(store)] == ["c2"]  # c1 invited, b withdrew, c never asked
    assert contacts_to_invite(store, since=T0 + timedelta(minutes=91)) == []


def test_stop_changes_come_only_from_the_customer_of_a_known_customer():
    def msg(role, text, minutes):
        return ChatMessage("web-1", T0 + timedelta(minutes=minutes), role, "", text)

    messages = (msg("customer", "Стоп!", 1), msg("agent", "STOP", 2), msg("customer", "stop the card", 3))
    [change] = stop_changes(_contact("c1", "cust-1"), messages)
    assert (change.customer_id, change.granted, change.at, change.channel, change.source, change.contact_id) == (
        "cust-1", False, T0 + timedelta(minutes=1), "chat", "chat message", "c1")
    assert stop_changes(_contact("c1", None), messages) == []


def test_a_stop_survey_reply_drops_the_customer_from_the_invitation_list(store, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "registry.consents.csv").write_text(CONSENTS_CSV)
    ingest_paths(store, [inbox])
    customers = ["cust-1042", "cust-2001", "cust-4004", "cust-9010"]
    assert invitation_candidates(store, customers) == ["cust-1042", "cust-4004"]  # 2001 never asked, 9010 said no

    (inbox / "crm.surveys.csv").write_bytes(SURVEYS_CSV.encode("cp1251"))  # cust-4004 replied СТОП
    ingest_paths(store, [inbox])
    assert invitation_candidates(store, customers) == ["cust-1042"]


CHAT_WITH_STOP = [
    ("2026-11-20T10:00:00+03:00", "bot", "Оцените, пожалуйста, разговор с оператором от 1 до 5"),
    ("2026-11-20T10:02:00+03:00", "customer", "СТОП"),
    ("2026-11-20T10:02:05+03:00", "bot", "Вы отписались от опросов."),
]


@pytest.mark.model
def test_a_stop_chat_message_withdraws_consent_when_the_chat_is_processed(store, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "registry.consents.csv").write_text("customer_id,granted,at,channel\n"
                                                 "cust-1042,yes,2026-11-01T09:00:00+03:00,web\n")
    (inbox / "bot-1042.jsonl").write_text("".join(
        json.dumps({"chat_id": "bot-1042", "ts": ts, "role": role, "text": text}, ensure_ascii=False) + "\n"
        for ts, role, text in CHAT_WITH_STOP), encoding="utf-8")
    (inbox / "bot-1042.meta.json").write_text(json.dumps({"customer_id": "cust-1042"}))
    [contact_id] = ingest_paths(store, [inbox]).new
    assert invitation_candidates(store, ["cust-1042"]) == ["cust-1042"]  # granted, the chat not processed yet

    outcomes = process_contact(store, contact_id, Settings())
    assert all(o.ok for o in outcomes), outcomes
    assert store.catalog.consent_state("cust-1042") is False
    stop = store.catalog.consent_history("cust-1042")[-1]
    assert (stop.source, stop.contact_id, stop.at) == ("chat message", contact_id,
                                                       datetime(2026, 11, 20, 7, 2, tzinfo=UTC))
    assert invitation_candidates(store, ["cust-1042"]) == []
    assert contacts_to_invite(store) == []  # the chat's own customer is not asked about it
