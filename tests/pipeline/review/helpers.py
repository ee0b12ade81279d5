"""Contacts, checklist answers and alarms written straight into the catalog's tables for review tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.catalog import Catalog
from pipeline.catalog.schema import alarms, checklist_results
from pipeline.records import Contact, FeatureSet, Score

T0 = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # a Monday: ISO week 2026-W47
NA = "na"


def at(minutes: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


def add_contact(catalog: Catalog, contact_id: str, *, operator: str | None = "op-1", started_at: datetime | None = T0,
                channel: str = "call", csi: float | None = None, **features) -> Contact:
    contact = Contact(contact_id=contact_id, channel=channel, source=f"{contact_id}.wav", object_key=f"raw/{contact_id}",
                      started_at=started_at, operator_id=operator, ingested_at=T0)
    catalog.add_contact(contact)
    if csi is not None:
        catalog.put_score(Score(contact_id, "csi", csi, "model"))
    if features:
        catalog.put_feature_set(FeatureSet(contact_id, channel, features))
    return contact


def add_answers(catalog: Catalog, contact_id: str, answers: dict, *, checklist: str = "basic", state: str = "auto",
                source: str = "rule") -> None:
    """One ``checklist_results`` row per item: a value, None (no answer yet) or NA (not applicable)."""
    rows = [{"contact_id": contact_id, "checklist_id": checklist, "item_id": item, "checklist_version": "1",
             "value": None if value in (None, NA) else float(value), "not_applicable": value == NA,
             "source": source, "state": state, "evidence": [{"note": "test"}], "comment": "", "reviewer": None,
             "updated_at": T0} for item, value in answers.items()]
    with catalog.engine.begin() as conn:
        conn.execute(checklist_results.insert(), rows)


def add_alarm(catalog: Catalog, contact_id: str, rule: str = "profanity") -> None:
    with catalog.engine.begin() as conn:
        conn.execute(alarms.insert().values(
            alarm_id=f"{rule}-{contact_id}", rule=rule, severity="critical", message="test", contact_id=contact_id,
            customer_id=None, operator_id=None, dedup_key=f"contact:{contact_id}", raised_at=T0, details={},
            deliveries=[]))
