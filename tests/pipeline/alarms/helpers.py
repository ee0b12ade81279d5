"""Contacts, facts and stores built by hand for the alarm tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.rules.facts import ContactFacts
from pipeline.records import Contact, FeatureSet, Score, SurveyAnswer

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def contact(contact_id: str = "c1", *, minutes: float = -30, channel: str = "call", operator: str | None = "op-1",
            customer: str | None = "cu-1", team: str | None = "cards") -> Contact:
    return Contact(contact_id=contact_id, channel=channel, source=f"{contact_id}.wav", object_key=f"raw/{contact_id}",
                   started_at=NOW + timedelta(minutes=minutes), operator_id=operator, customer_id=customer, team=team,
                   ingested_at=NOW + timedelta(minutes=minutes))


def facts(values: dict, **kwargs) -> ContactFacts:
    return ContactFacts(contact=contact(**kwargs), values=dict(values))


def add_contact(store, c: Contact, *, features: dict | None = None, csi: float | None = None,
                answers: dict | None = None, answered_at: datetime | None = None) -> Contact:
    """Store the contact with a ``call`` feature set, a model CSI and survey answers ``{kind: value}``."""
    store.catalog.add_contact(c)
    if features is not None:
        store.catalog.put_feature_set(FeatureSet(c.contact_id, c.channel, features))
    if csi is not None:
        store.catalog.put_score(Score(c.contact_id, "csi", csi, "model"))
    for kind, value in (answers or {}).items():
        store.catalog.add_survey_answer(SurveyAnswer(
            customer_id=c.customer_id or "anon", kind=kind, value=value,
            answered_at=answered_at or c.started_at + timedelta(minutes=20), contact_id=c.contact_id,
            operator_id=c.operator_id, invitation_id=f"inv-{c.contact_id}"))
    return c


class Recorder:
    """A sink that keeps what it was sent."""

    def __init__(self, name: str = "log") -> None:
        self.name = name
        self.sent = []

    def send(self, alarm):
        self.sent.append(alarm)
        return {"sink": self.name, "ok": True, "attempts": 1, "status": None, "error": None, "at": "now"}


def rules(tmp_path, text: str, name: str = "rules.yaml"):
    from textwrap import dedent

    from pipeline.alarms.rules import load_rules

    path = tmp_path / name
    path.write_text(dedent(text).lstrip("\n"))
    return load_rules([path])
