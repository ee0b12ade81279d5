"""How the work stands, in a few aggregate queries (``cxmon status``): no table is read row by row into Python.

Plain functions over the catalog's engine. What the numbers are:

- **queue**: per channel and stage, the contacts of that channel on which the stage has not run to
  ``ok`` and no stage has failed: what the process flow would still run on them (``contacts_needing``
  counts the same contacts); ``leased`` of them are held by a run now. ``waiting`` is the contacts
  with at least one such stage, ``failed`` those that wait for a person (``cxmon retry``).
- **leases**: ``contact_leases`` rows: who holds which contact until when; an expired one is free to be
  claimed again.
- **failures**: stage runs recorded ``failed``, by stage: in the last 24 hours and all that are still
  failed (``retry_failed`` forgets them).
- **outages**: stage runs that met a store or network outage; the next run tries them again.
- **throughput**: stage runs that ended ``ok`` in the last hour and the last 24 hours, by stage, as
  contacts per hour and their mean seconds. Only a stage's latest run per contact is kept, so a
  stage run again on a contact counts once, when it last ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.schema import contact_leases, contacts, stage_runs
from pipeline.catalog.sql import utc

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def queue(conn: sa.Connection, stages_by_channel: Mapping[str, Sequence[str]], now: datetime) -> dict[str, Any]:
    """``{"contacts", "waiting", "leased", "failed", "stages": [{"channel", "stage", "waiting", "leased"}]}``.

    One query: the stage runs grouped by contact (has it failed, which stages are ok), joined to the
    contacts and their leases, grouped by channel.
    """
    names = sorted({stage for stages in stages_by_channel.values() for stage in stages})
    r = stage_runs.c
    flag = lambda condition: sa.func.max(sa.case((condition, 1), else_=0))  # noqa: E731
    per_contact = (sa.select(r.contact_id, flag(r.status == "failed").label("failed"),
                             *(flag((r.status == "ok") & (r.stage == name)).label(f"ok{i}")
                               for i, name in enumerate(names)))
                   .group_by(r.contact_id).subquery())
    live = sa.func.coalesce(per_contact.c.failed, 0) == 0
    leased = sa.case((contact_leases.c.expires_at > now, 1), else_=0)
    missing = {name: sa.func.coalesce(per_contact.c[f"ok{i}"], 0) == 0 for i, name in enumerate(names)}

    def count(condition, value=1):
        return sa.func.sum(sa.case((condition, value), else_=0))

    columns = [contacts.c.channel, sa.func.count().label("n"), count(~live).label("failed")]
    for i, name in enumerate(names):
        columns += [count(live & missing[name]).label(f"w{i}"), count(live & missing[name], leased).label(f"l{i}")]
    for j, stages in enumerate(stages_by_channel.values()):
        if stages:
            anything = live & sa.or_(*(missing[name] for name in stages))
            columns += [count(anything).label(f"any{j}"), count(anything, leased).label(f"anyl{j}")]
    query = (sa.select(*columns)
             .select_from(contacts.outerjoin(per_contact, per_contact.c.contact_id == contacts.c.contact_id)
                          .outerjoin(contact_leases, contact_leases.c.contact_id == contacts.c.contact_id))
             .group_by(contacts.c.channel))
    by_channel = {row.channel: row._mapping for row in conn.execute(query)}
    rows, waiting, waiting_leased = [], 0, 0
    for j, (channel, stages) in enumerate(stages_by_channel.items()):
        found = by_channel.get(channel, {})
        for stage in stages:
            i = names.index(stage)
            rows.append({"channel": channel, "stage": stage, "waiting": int(found.get(f"w{i}") or 0),
                         "leased": int(found.get(f"l{i}") or 0)})
        if stages:
            waiting += int(found.get(f"any{j}") or 0)
            waiting_leased += int(found.get(f"anyl{j}") or 0)
    return {"contacts": sum(int(row["n"]) for row in by_channel.values()), "waiting": waiting,
            "leased": waiting_leased, "failed": sum(int(row["failed"] or 0) for row in by_channel.values()),
            "stages": rows}


def leases(conn: sa.Connection, now: datetime, limit: int) -> dict[str, Any]:
    """``{"held", "expired", "owners": [{"owner", "held", "expired", "next_expiry"}], "leases": [...]}``:
    the leases soonest to expire first, at most ``limit`` of them."""
    t = contact_leases
    expired = sa.case((t.c.expires_at <= now, 1), else_=0)
    by_owner = (sa.select(t.c.owner, sa.func.count().label("n"), sa.func.sum(expired).label("expired"),
                          sa.func.min(t.c.expires_at).label("first"))
                .group_by(t.c.owner).order_by(t.c.owner))
    owners = [{"owner": r.owner, "held": int(r.n) - int(r.expired or 0), "expired": int(r.expired or 0),
               "next_expiry": utc(r.first).isoformat()} for r in conn.execute(by_owner)]
    listed = [{"owner": r.owner, "contact_id": r.contact_id, "expires_at": utc(r.expires_at).isoformat(),
               "expired": utc(r.expires_at) <= now}
              for r in conn.execute(sa.select(t.c.owner, t.c.contact_id, t.c.expires_at)
                                    .order_by(t.c.expires_at, t.c.contact_id).limit(limit))]
    return {"held": sum(o["held"] for o in owners), "expired": sum(o["expired"] for o in owners),
            "owners": owners, "leases": listed}


def failures(conn: sa.Connection, now: datetime) -> list[dict[str, Any]]:
    """``[{"stage", "last_24h", "total"}]`` of the stage runs recorded ``failed``, by stage."""
    recent = sa.case((stage_runs.c.finished_at >= now - DAY, 1), else_=0)
    query = (sa.select(stage_runs.c.stage, sa.func.count().label("n"), sa.func.sum(recent).label("recent"))
             .where(stage_runs.c.status == "failed").group_by(stage_runs.c.stage).order_by(stage_runs.c.stage))
    return [{"stage": r.stage, "last_24h": int(r.recent or 0), "total": int(r.n)} for r in conn.execute(query)]


def outages(conn: sa.Connection) -> list[dict[str, Any]]:
    """``[{"stage", "contacts", "most_attempts"}]``: stages that met an outage, waiting for the next run."""
    query = (sa.select(stage_runs.c.stage, sa.func.count().label("n"), sa.func.max(stage_runs.c.attempts).label("most"))
             .where(stage_runs.c.status == "outage").group_by(stage_runs.c.stage).order_by(stage_runs.c.stage))
    return [{"stage": r.stage, "contacts": int(r.n), "most_attempts": int(r.most)} for r in conn.execute(query)]


def throughput(conn: sa.Connection, now: datetime) -> list[dict[str, Any]]:
    """``[{"stage", "last_hour": {...}, "last_24h": {...}}]``, each ``{"contacts", "per_hour", "mean_s"}``."""
    in_hour = stage_runs.c.finished_at >= now - HOUR
    query = (sa.select(stage_runs.c.stage, sa.func.count().label("day"),
                       sa.func.avg(stage_runs.c.seconds).label("day_s"),
                       sa.func.sum(sa.case((in_hour, 1), else_=0)).label("hour"),
                       sa.func.avg(sa.case((in_hour, stage_runs.c.seconds), else_=None)).label("hour_s"))
             .where(stage_runs.c.status == "ok", stage_runs.c.finished_at >= now - DAY, stage_runs.c.finished_at <= now)
             .group_by(stage_runs.c.stage).order_by(stage_runs.c.stage))

    def window(n, mean_s, hours: float) -> dict[str, Any]:
        return {"contacts": int(n or 0), "per_hour": round(int(n or 0) / hours, 3),
                "mean_s": None if mean_s is None else round(float(mean_s), 3)}

    return [{"stage": r.stage, "last_hour": window(r.hour, r.hour_s, 1), "last_24h": window(r.day, r.day_s, 24)}
            for r in conn.execute(query)]


def work_status(engine: sa.Engine, stages_by_channel: Mapping[str, Sequence[str]], *, now: datetime,
                lease_limit: int = 1000) -> dict[str, Any]:
    """Everything ``cxmon status`` shows, as one JSON-ready document; ``now`` must be aware."""
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} has no timezone; expected an aware datetime")
    if lease_limit < 0:
        raise ValueError(f"lease_limit={lease_limit}; expected 0 or more")
    now = utc(now)
    with engine.connect() as conn:
        return {"at": now.isoformat(), "queue": queue(conn, stages_by_channel, now),
                "leases": leases(conn, now, lease_limit), "failures": failures(conn, now),
                "outages": outages(conn), "throughput": throughput(conn, now)}
