"""Campaign rows in the catalog (tables of :mod:`pipeline.catalog.campaigns_schema`): plain functions over
the engine, as :mod:`pipeline.employees.store` does. Rows are keyed by stable ids, so a file read twice
or a run repeated adds nothing twice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.campaigns.files import CrmEvent, CustomerAddress
from pipeline.catalog.campaigns_schema import campaign_customers, campaign_invitations, campaign_tasks, crm_events
from pipeline.catalog.schema import contacts, stage_runs, survey_invitations
from pipeline.catalog.sql import dialect_insert, utc


def stable_id(*parts: object) -> str:
    return hashlib.sha256("\n".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


def _insert_new(engine: sa.Engine, table: sa.Table, rows: Sequence[dict]) -> int:
    if not rows:
        return 0
    [key] = table.primary_key.columns
    statement = dialect_insert(engine)(table).on_conflict_do_nothing(index_elements=[key]).returning(key)
    with engine.begin() as conn:
        return sum(len(conn.execute(statement, list(rows[i:i + 500])).all()) for i in range(0, len(rows), 500))


def add_crm_events(engine: sa.Engine, events: Iterable[CrmEvent], source: str) -> int:
    now = datetime.now(UTC)
    rows = {stable_id(e.customer_id, e.event, utc(e.at).isoformat()): e for e in events}
    return _insert_new(engine, crm_events, [
        {"event_id": k, "customer_id": e.customer_id, "event": e.event, "at": utc(e.at), "source": source,
         "recorded_at": now} for k, e in rows.items()])


def save_customers(engine: sa.Engine, customers: Iterable[CustomerAddress]) -> int:
    """Insert or update each customer's addresses and zone (a value left empty keeps the stored one)."""
    now = datetime.now(UTC)
    given = list(customers)
    known = customer_addresses(engine, [c.customer_id for c in given])
    with engine.begin() as conn:
        for c in given:
            old = known.get(c.customer_id)
            row = {"email": c.email or (old and old.email), "chat_id": c.chat_id or (old and old.chat_id),
                   "tz": c.tz or (old and old.tz), "updated_at": now}
            if old is None:
                conn.execute(campaign_customers.insert().values(customer_id=c.customer_id, **row))
            else:
                conn.execute(campaign_customers.update()
                             .where(campaign_customers.c.customer_id == c.customer_id).values(**row))
    return len(given)


def customer_addresses(engine: sa.Engine, ids: Iterable[str] | None = None) -> dict[str, CustomerAddress]:
    t = campaign_customers
    query = t.select()
    wanted = None if ids is None else sorted(set(ids))
    out: dict[str, CustomerAddress] = {}
    with engine.connect() as conn:
        chunks = [None] if wanted is None else [wanted[i:i + 500] for i in range(0, len(wanted), 500)]
        for chunk in chunks:
            q = query if chunk is None else query.where(t.c.customer_id.in_(chunk))
            for r in conn.execute(q):
                out[r.customer_id] = CustomerAddress(r.customer_id, r.email, r.chat_id, r.tz)
    return out


def events_since(engine: sa.Engine, names: Sequence[str], since: datetime) -> list[tuple[str, str, str, datetime]]:
    """``(event_id, customer_id, event, at)`` of the named events at or after ``since``, oldest first."""
    t = crm_events
    query = (sa.select(t.c.event_id, t.c.customer_id, t.c.event, t.c.at)
             .where(t.c.event.in_(list(names)), t.c.at >= utc(since)).order_by(t.c.at, t.c.event_id))
    with engine.connect() as conn:
        return [(r.event_id, r.customer_id, r.event, utc(r.at)) for r in conn.execute(query)]


def processed_contacts_since(engine: sa.Engine, since: datetime, *, channels: Sequence[str] = (),
                             teams: Sequence[str] = ()) -> list[tuple[str, str, datetime]]:
    """``(contact_id, customer_id, finished_at)`` of contacts with a customer whose stages all finished ok,
    the last at or after ``since``; of the channels and teams given (none: any). Oldest first."""
    s, c = stage_runs, contacts
    runs = (sa.select(s.c.contact_id, sa.func.max(s.c.finished_at).label("done"))
            .group_by(s.c.contact_id)
            .having(sa.func.sum(sa.case((s.c.status != "ok", 1), else_=0)) == 0).subquery())
    query = (sa.select(c.c.contact_id, c.c.customer_id, runs.c.done).join(runs, runs.c.contact_id == c.c.contact_id)
             .where(c.c.customer_id.is_not(None), runs.c.done >= utc(since)).order_by(runs.c.done, c.c.contact_id))
    if channels:
        query = query.where(c.c.channel.in_(list(channels)))
    if teams:
        query = query.where(c.c.team.in_(list(teams)))
    with engine.connect() as conn:
        return [(r.contact_id, r.customer_id, utc(r.done)) for r in conn.execute(query)]


def decided_keys(engine: sa.Engine) -> set[tuple[str, str, str]]:
    """``(campaign, customer_id, trigger_key)`` of every trigger already sent or skipped for good."""
    t = campaign_invitations
    with engine.connect() as conn:
        return {(r.campaign, r.customer_id, r.trigger_key)
                for r in conn.execute(sa.select(t.c.campaign, t.c.customer_id, t.c.trigger_key))}


def last_sent(engine: sa.Engine) -> dict[str, datetime]:
    """Each customer's latest survey sent by any campaign or recorded as a survey invitation (the cap)."""
    out: dict[str, datetime] = {}
    with engine.connect() as conn:
        for table, column in ((campaign_invitations, campaign_invitations.c.sent_at),
                              (survey_invitations, survey_invitations.c.sent_at)):
            query = sa.select(table.c.customer_id, sa.func.max(column).label("at")).where(column.is_not(None))
            for r in conn.execute(query.group_by(table.c.customer_id)):
                at = utc(r.at)
                if r.customer_id not in out or at > out[r.customer_id]:
                    out[r.customer_id] = at
    return out


@dataclass(frozen=True, slots=True)
class InvitationRow:
    invitation_id: str
    campaign: str
    customer_id: str
    trigger_key: str
    contact_id: str | None
    state: str
    skip_reason: str | None
    sink: str | None
    sent_at: datetime | None
    reminded_at: datetime | None
    closed_at: datetime | None


def record(engine: sa.Engine, rows: Sequence[dict]) -> int:
    """Insert decided invitations (sent or skipped); an invitation already there is kept as it was."""
    return _insert_new(engine, campaign_invitations, rows)


def forget(engine: sa.Engine, invitation_id: str) -> None:
    """Delete a claimed invitation whose sending failed, so the next run tries it again."""
    with engine.begin() as conn:
        conn.execute(campaign_invitations.delete().where(campaign_invitations.c.invitation_id == invitation_id))


def invitations(engine: sa.Engine, *, states: Iterable[str] | None = None, customer_id: str | None = None,
                invitation_id: str | None = None) -> list[InvitationRow]:
    t = campaign_invitations
    query = t.select().order_by(t.c.decided_at, t.c.invitation_id)
    if states is not None:
        query = query.where(t.c.state.in_(list(states)))
    if customer_id is not None:
        query = query.where(t.c.customer_id == customer_id)
    if invitation_id is not None:
        query = query.where(t.c.invitation_id == invitation_id)
    with engine.connect() as conn:
        return [InvitationRow(r.invitation_id, r.campaign, r.customer_id, r.trigger_key, r.contact_id, r.state,
                              r.skip_reason, r.sink, utc(r.sent_at), utc(r.reminded_at), utc(r.closed_at))
                for r in conn.execute(query)]


def move(engine: sa.Engine, invitation_id: str, *, from_state: str, to_state: str, at: datetime,
         reminded: bool = False) -> bool:
    """Set the state (or the reminder time) only if the row is still in ``from_state``: two runs racing on
    the same invitation move it once. True when this call moved it."""
    t = campaign_invitations
    values: dict = {"reminded_at": utc(at)} if reminded else {"state": to_state}
    if to_state in ("answered", "ignored", "opted_out") and not reminded:
        values["closed_at"] = utc(at)
    query = t.update().where(t.c.invitation_id == invitation_id, t.c.state == from_state)
    if reminded:
        query = query.where(t.c.reminded_at.is_(None))
    with engine.begin() as conn:
        return conn.execute(query.values(**values)).rowcount == 1


def open_task(engine: sa.Engine, row: InvitationRow, reason: str, text: str, at: datetime) -> bool:
    return _insert_new(engine, campaign_tasks, [{
        "task_id": stable_id(row.invitation_id, reason), "invitation_id": row.invitation_id,
        "customer_id": row.customer_id, "campaign": row.campaign, "reason": reason, "text": text,
        "opened_at": utc(at)}]) == 1


def tasks(engine: sa.Engine) -> list[dict]:
    t = campaign_tasks
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(t.select().order_by(t.c.opened_at, t.c.task_id))]
