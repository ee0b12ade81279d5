"""Survey invitations, answers and consent changes in the catalog, on SQLite and the live PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.catalog import Catalog
from pipeline.records import ConsentChange, SurveyAnswer, SurveyInvitation

MSK = timezone(timedelta(hours=3))
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def _answer(kind="csat", value=4, minutes=0, **kwargs):
    values = dict(customer_id="cu-1", kind=kind, value=value, answered_at=T0 + timedelta(minutes=minutes),
                  invitation_id="inv-1", contact_id="c1", operator_id="op-1", channel="sms", team="cards")
    values.update(kwargs)
    return SurveyAnswer(**values)


def test_invitations_roundtrip_once_and_filter_by_time_operator_contact(catalog):
    first = SurveyInvitation("inv-1", "cu-1", "sms", T0, contact_id="c1", operator_id="op-1", team="cards")
    second = SurveyInvitation("inv-2", "cu-2", "web", T0 + timedelta(hours=2), operator_id="op-2")
    assert catalog.add_survey_invitation(first) is True
    assert catalog.add_survey_invitation(first) is False
    assert catalog.add_survey_invitations([second, second, first]) == 1
    stored = catalog.survey_invitations()
    assert stored == [first, second]  # every field, and the same instant
    assert stored[0].sent_at.utcoffset() == timedelta(0)
    assert catalog.survey_invitations(since=T0 + timedelta(minutes=1)) == [second]
    assert catalog.survey_invitations(until=T0 + timedelta(hours=2)) == [first]  # until is exclusive
    assert catalog.survey_invitations(operator_id="op-2") == [second]
    assert catalog.survey_invitations(contact_id="c1") == [first]
    assert catalog.survey_invitations(customer_id="cu-3") == []


def test_the_same_answer_twice_is_one_row(catalog):
    answer = _answer(text="Оператор не знал ответа", reason="employee_not_prepared")
    assert catalog.add_survey_answer(answer) is True
    assert catalog.add_survey_answer(answer) is False
    # linked to its contact only on a later ingest: still the same answer
    assert catalog.add_survey_answer(_answer(text="Оператор не знал ответа", contact_id=None)) is False
    assert catalog.add_survey_answers([_answer(kind="nps", value=3), _answer(kind="nps", value=3)]) == 1
    assert sorted(catalog.survey_answers(), key=lambda a: a.kind) == [answer, _answer(kind="nps", value=3)]


def test_answers_filter_by_time_operator_contact_customer_kind(catalog):
    early = _answer(minutes=0)
    late = _answer(kind="nps", value=9, minutes=60, operator_id="op-2", contact_id="c2", customer_id="cu-2",
                   invitation_id="inv-2")
    catalog.add_survey_answers([late, early])
    assert catalog.survey_answers() == [early, late]
    assert catalog.survey_answers(since=T0 + timedelta(minutes=30)) == [late]
    assert catalog.survey_answers(until=T0 + timedelta(minutes=60)) == [early]
    assert catalog.survey_answers(operator_id="op-1") == [early]
    assert catalog.survey_answers(contact_id="c2") == [late]
    assert catalog.survey_answers(customer_id="cu-2", kind="csat") == []
    assert catalog.survey_answers(invitation_id="inv-1") == [early]


def test_consent_state_is_the_latest_change_and_none_when_never_asked(catalog):
    def change(granted, minutes, source="consent registry", **kwargs):
        return ConsentChange("cu-1", granted, T0 + timedelta(minutes=minutes), "web", source, **kwargs)

    assert catalog.consent_state("cu-1") is None and catalog.consent_history("cu-1") == []
    catalog.add_consent_change(change(True, 0))
    assert catalog.consent_state("cu-1") is True
    stop = change(False, 30, "chat message", contact_id="chat-9")
    assert catalog.add_consent_change(stop) is True
    assert catalog.add_consent_change(stop) is False  # history is appended to once per change
    assert catalog.consent_state("cu-1") is False
    catalog.add_consent_change(change(True, 10))  # arrives late, took effect before the STOP
    assert catalog.consent_state("cu-1") is False
    assert [(c.granted, c.at) for c in catalog.consent_history("cu-1")] == [
        (True, T0), (True, T0 + timedelta(minutes=10)), (False, T0 + timedelta(minutes=30))]
    assert catalog.consent_history("cu-1")[-1] == stop
    assert catalog.consent_state("cu-1", at=T0 + timedelta(minutes=29)) is True
    assert catalog.consent_state("cu-1", at=T0 - timedelta(minutes=1)) is None


def test_at_the_same_instant_a_withdrawal_wins(catalog):
    catalog.add_consent_changes([ConsentChange("cu-1", False, T0, "chat", "chat message"),
                                 ConsentChange("cu-1", True, T0, "web", "consent registry")])
    assert catalog.consent_state("cu-1") is False
    assert catalog.consent_history("cu-1")[-1].granted is False


def test_consent_states_of_many_customers(catalog):
    catalog.add_consent_changes([ConsentChange(f"cu-{i}", i % 2 == 0, T0, "web") for i in range(600)])
    states = catalog.consent_states()
    assert len(states) == 600 and states["cu-0"] is True and states["cu-1"] is False
    wanted = [f"cu-{i}" for i in range(0, 1200, 2)]  # more than one IN list's worth, half unknown
    assert catalog.consent_states(wanted) == {f"cu-{i}": True for i in range(0, 600, 2)}
    assert catalog.consent_states(["cu-1", "nobody"]) == {"cu-1": False}


def test_survey_records_at_the_same_instant_in_any_offset(catalog):
    catalog.add_survey_answer(_answer(answered_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC)))
    assert catalog.add_survey_answer(_answer(answered_at=T0)) is False  # 10:00 MSK is 07:00 UTC
    [stored] = catalog.survey_answers()
    assert stored.answered_at == T0 and stored.answered_at.tzinfo is not None


def test_consent_changes_of_everyone_by_time_and_kind(catalog):
    changes = [ConsentChange("cu-1", True, T0, "web", "consent registry"),
               ConsentChange("cu-2", False, T0 + timedelta(hours=1), "sms", "survey reply"),
               ConsentChange("cu-1", False, T0 + timedelta(hours=2), "chat", "chat message", contact_id="c9")]
    catalog.add_consent_changes(reversed(changes))
    assert catalog.consent_changes() == changes
    assert catalog.consent_changes(granted=False) == changes[1:]
    assert catalog.consent_changes(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2)) == [changes[1]]
    assert catalog.consent_changes(customer_id="cu-1", granted=False) == [changes[2]]
