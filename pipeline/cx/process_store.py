"""What the process metrics read from the catalog: contacts of a period, their telephony events and the
two marks their transcripts may carry, in batched queries (SQLite and PostgreSQL alike).

- A contact's time is its start, else its ingest (as everywhere in the reports).
- Handle time beyond telephony events: a chat's messages (its transcript, one turn per message with the
  role as speaker, written by the chat stage) and, for a call without events, its ``call`` feature set.
- Transcript marks: a customer turn tagged ``asks_for_operator`` (the shipped phrase tag, in calls and
  chats), and the contact's topic: its first phrase tag named ``topic_<name>`` (a site's phrase
  dictionary defines them, e.g. ``[topic_cards]``). Only transcripts whose JSON names one of them are
  parsed, so a large catalog is not read turn by turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.schema import contacts, feature_sets, telephony_events, transcripts
from pipeline.catalog.sql import batches, utc

ASKS_FOR_OPERATOR = "asks_for_operator"
TOPIC_PREFIX = "topic_"


@dataclass(frozen=True, slots=True)
class ContactRow:
    """The catalog's facts about one contact that the process metrics group by."""

    contact_id: str
    channel: str
    customer_id: str | None
    operator_id: str | None
    team: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class TurnMarks:
    asked_for_operator: bool = False
    topic: str | None = None


def _when() -> sa.ColumnElement:
    return sa.func.coalesce(contacts.c.started_at, contacts.c.ingested_at)


def _in_period(since: datetime | None, until: datetime | None) -> list[sa.ColumnElement[bool]]:
    where = []
    if since is not None:
        where.append(_when() >= utc(since))
    if until is not None:
        where.append(_when() < utc(until))
    return where


def _row(r: sa.Row) -> ContactRow:
    return ContactRow(r.contact_id, r.channel, r.customer_id, r.operator_id, r.team, utc(r.at))


_COLUMNS = (contacts.c.contact_id, contacts.c.channel, contacts.c.customer_id, contacts.c.operator_id,
            contacts.c.team, _when().label("at"))


def contacts_in(engine: sa.Engine, *, since: datetime | None, until: datetime | None) -> list[ContactRow]:
    """The contacts whose time lies in ``[since, until)`` (None: open), by time and id."""
    query = sa.select(*_COLUMNS).where(*_in_period(since, until)).order_by(_when(), contacts.c.contact_id)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).all()]


def histories(engine: sa.Engine, of_period: tuple[datetime | None, datetime | None], *, since: datetime | None,
              until: datetime | None) -> list[ContactRow]:
    """Every contact whose time lies in ``[since, until)`` of the customers who have a contact in the
    period ``of_period`` (``(since, until)``)."""
    customers = sa.select(contacts.c.customer_id).where(contacts.c.customer_id.is_not(None), *_in_period(*of_period))
    query = sa.select(*_COLUMNS).where(contacts.c.customer_id.in_(customers.scalar_subquery()),
                                       *_in_period(since, until))
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).all()]


def _ranked(until: datetime | None) -> sa.Subquery:
    rank = sa.func.row_number().over(partition_by=contacts.c.customer_id,
                                     order_by=(_when().desc(), contacts.c.contact_id.desc())).label("rank")
    return sa.select(*_COLUMNS, rank).where(contacts.c.customer_id.is_not(None), *_in_period(None, until)).subquery()


def last_contacts(engine: sa.Engine, *, n: int, until: datetime | None) -> tuple[list[ContactRow], sa.Select]:
    """Each customer's last ``n`` contacts before ``until`` (all customers with an id), newest first, and
    their ids as a subquery for ``IN``."""
    ranked = _ranked(until)
    query = (sa.select(ranked.c.contact_id, ranked.c.channel, ranked.c.customer_id, ranked.c.operator_id,
                       ranked.c.team, ranked.c.at).where(ranked.c.rank <= n)
             .order_by(ranked.c.customer_id, ranked.c.rank))
    again = _ranked(until)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).all()], sa.select(again.c.contact_id).where(again.c.rank <= n)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A telephony event as the catalog keeps it (checked when it was ingested; not checked again here)."""

    type: str
    t_s: float
    exit: str | None
    extra: Mapping[str, Any]


def _extra(value: object) -> Mapping[str, Any]:
    if isinstance(value, str):  # read as text: most events have none, and JSON-decoding every "null" is slow
        value = json.loads(value) if value != "null" else None
    return value if isinstance(value, dict) else {}


def ids_in_period(since: datetime | None, until: datetime | None) -> sa.Select:
    """The ids of the contacts in ``[since, until)``, as a subquery for ``IN``."""
    return sa.select(contacts.c.contact_id).where(*_in_period(since, until))


def events_of(engine: sa.Engine, contact_ids: Iterable[str] | sa.Select,
              types: Iterable[str] | None = None) -> dict[str, list[StoredEvent]]:
    """``{contact_id: [events in order]}`` for the contacts named (ids, or a subquery of them, e.g.
    :func:`ids_in_period`) that have events (of ``types``, when given)."""
    found: dict[str, list[StoredEvent]] = {}
    e = telephony_events.c
    chunks = [contact_ids] if isinstance(contact_ids, sa.Select) else batches(contact_ids)
    with engine.connect() as conn:
        for chunk in chunks:
            query = sa.select(e.contact_id, e.type, e.t_s, e.exit, sa.type_coerce(e.extra, sa.Text).label("extra")) \
                .where(e.contact_id.in_(chunk))
            if types is not None:
                query = query.where(e.type.in_(sorted(types)))
            for contact_id, type_, t_s, exit_, extra in conn.execute(query.order_by(e.contact_id, e.seq)).all():
                found.setdefault(contact_id, []).append(StoredEvent(type_, t_s, exit_, _extra(extra)))
    return found


def turn_marks(engine: sa.Engine, contact_ids: Iterable[str] | sa.Select) -> dict[str, TurnMarks]:
    """``{contact_id: TurnMarks}`` for the contacts named (ids, or a subquery of them) whose transcript asks
    for an operator or names a topic."""
    text = sa.cast(transcripts.c.turns, sa.Text)
    named = sa.or_(text.like(f'%"{ASKS_FOR_OPERATOR}"%'), text.like(f'%"{TOPIC_PREFIX}%'))
    found: dict[str, TurnMarks] = {}
    chunks = [contact_ids] if isinstance(contact_ids, sa.Select) else batches(contact_ids)
    with engine.connect() as conn:
        for chunk in chunks:
            query = sa.select(transcripts.c.contact_id, transcripts.c.turns).where(
                transcripts.c.contact_id.in_(chunk), named)
            for contact_id, turns in conn.execute(query):
                marks = marks_of(turns)
                if marks != TurnMarks():
                    found[contact_id] = marks
    return found


def marks_of(turns: object) -> TurnMarks:
    """The marks of stored transcript turns (a JSON list of turn objects); anything else has none.

    >>> marks_of([{"speaker": "agent", "tags": ["topic_cards"]}, {"speaker": "customer", "tags": ["asks_for_operator"]}])
    TurnMarks(asked_for_operator=True, topic='cards')
    >>> marks_of([{"speaker": "agent", "tags": ["asks_for_operator"]}]), marks_of("broken")
    (TurnMarks(asked_for_operator=False, topic=None), TurnMarks(asked_for_operator=False, topic=None))
    """
    asked, topic = False, None
    for turn in turns if isinstance(turns, list) else ():
        tags = turn.get("tags") if isinstance(turn, dict) else None
        if not isinstance(tags, list):
            continue
        tags = [t for t in tags if isinstance(t, str)]
        asked = asked or (turn.get("speaker") == "customer" and ASKS_FOR_OPERATOR in tags)
        if topic is None:
            topic = next((t[len(TOPIC_PREFIX):] for t in tags if t.startswith(TOPIC_PREFIX) and len(t) > len(TOPIC_PREFIX)),
                         None)
    return TurnMarks(asked, topic)


def chat_messages(engine: sa.Engine, contact_ids: sa.Select) -> dict[str, list[tuple[str, float]]]:
    """``{contact_id: [(role, t_s), ...]}`` of the chats among ``contact_ids`` (a subquery) whose chat stage
    stored their messages; turns that are no message (no speaker or time) are skipped."""
    query = (sa.select(transcripts.c.contact_id, transcripts.c.turns)
             .join(contacts, contacts.c.contact_id == transcripts.c.contact_id)
             .where(contacts.c.channel == "chat", transcripts.c.contact_id.in_(contact_ids)))
    found: dict[str, list[tuple[str, float]]] = {}
    with engine.connect() as conn:
        for contact_id, turns in conn.execute(query):
            found[contact_id] = [(t["speaker"], float(t["start_s"])) for t in turns if isinstance(turns, list)
                                 and isinstance(t, dict) and isinstance(t.get("speaker"), str)
                                 and isinstance(t.get("start_s"), (int, float)) and not isinstance(t["start_s"], bool)]
    return found


def call_features_without_events(engine: sa.Engine, contact_ids: sa.Select) -> dict[str, Mapping[str, Any]]:
    """``{contact_id: call feature values}`` of the calls among ``contact_ids`` (a subquery) that have a
    ``call`` feature set and no telephony event (their handle time is estimated from the audio)."""
    has_events = sa.exists().where(telephony_events.c.contact_id == feature_sets.c.contact_id)
    query = (sa.select(feature_sets.c.contact_id, feature_sets.c["values"])
             .join(contacts, contacts.c.contact_id == feature_sets.c.contact_id)
             .where(feature_sets.c.name == "call", contacts.c.channel == "call",
                    feature_sets.c.contact_id.in_(contact_ids), ~has_events))
    with engine.connect() as conn:
        return {contact_id: values for contact_id, values in conn.execute(query) if isinstance(values, dict)}
