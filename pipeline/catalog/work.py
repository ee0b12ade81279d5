"""Who works on which contact (table contact_leases), and failed stages handed back for another run.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
A run of the process flow claims a contact before it runs its stages and releases it after; a
second run at the same time cannot claim it, and so takes other contacts or none. A claim expires
(``lease_s``), so a contact whose run died is taken again by a later run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from pipeline.catalog.schema import contact_leases, stage_runs
from pipeline.catalog.schema import contacts as contact_rows
from pipeline.catalog.sql import batches, dialect_insert, utc


CLAIM_CHUNK = 500
"""Candidates one claiming transaction looks at."""


class WorkRecords:
    engine: sa.Engine

    def claim_contact(self, contact_id: str, owner: str, *, lease_s: float, now: datetime | None = None) -> bool:
        """Take the contact for ``owner`` for ``lease_s`` seconds; False when another owner holds an unexpired lease.

        One statement (insert, or update of an expired lease) decides, so two runs claiming at once
        cannot both succeed, on SQLite or PostgreSQL. Claiming again as the same owner renews the lease.
        """
        if not owner or len(owner) > 128:
            raise ValueError(f"owner {owner!r}; expected 1-128 characters")
        now = now or datetime.now(UTC)
        row = {"contact_id": contact_id, "owner": owner, "expires_at": now + timedelta(seconds=lease_s)}
        t = contact_leases
        insert = dialect_insert(self.engine)(t).values(**row)
        upsert = insert.on_conflict_do_update(
            index_elements=[t.c.contact_id],
            set_={"owner": insert.excluded.owner, "expires_at": insert.excluded.expires_at},
            where=(t.c.expires_at < now) | (t.c.owner == owner),
        )
        with self.engine.begin() as conn:
            conn.execute(upsert)
            holder = conn.execute(sa.select(t.c.owner).where(t.c.contact_id == contact_id)).scalar_one()
        return holder == owner

    def claim_next(self, owner: str, stages_by_channel: Mapping[str, Iterable[str]], *, n: int = 1,
                   lease_s: float, among: Sequence[str] | None = None) -> list[str]:
        """Claim up to ``n`` contacts that need work (:meth:`contacts_needing`, oldest first) and that no other
        owner holds, for ``lease_s`` seconds; returns their ids (fewer, or none, when no more are free).

        Never waits for another claimer: on PostgreSQL one transaction locks free contact rows with
        ``FOR UPDATE SKIP LOCKED`` (rows another claimer has locked are passed over) and writes their
        leases; on SQLite, which serialises writers, :meth:`claim_contact` is tried on each candidate.
        Many workers claiming at once each get different contacts. ``among``: look at these contacts first
        (those a run found, so that a claim need not read the whole catalog); only when none of them is free
        are the others looked at.
        """
        if n < 1:
            raise ValueError(f"n={n}; expected at least 1")
        if not owner or len(owner) > 128:
            raise ValueError(f"owner {owner!r}; expected 1-128 characters")
        if among:
            claimed = self._claim(owner, self._needing_among(stages_by_channel, among), n=n, lease_s=lease_s)
            if claimed:
                return claimed
        return self._claim(owner, self.contacts_needing(stages_by_channel), n=n, lease_s=lease_s)

    def _needing_among(self, stages_by_channel: Mapping[str, Iterable[str]], among: Sequence[str]) -> list[str]:
        """Those of ``among`` (in their order) that :meth:`contacts_needing` would list."""
        wanted = list(dict.fromkeys(among))
        channels: dict[str, str] = {}
        statuses: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for batch in batches(wanted):
                query = sa.select(contact_rows.c.contact_id, contact_rows.c.channel)
                channels.update((r.contact_id, r.channel)
                                for r in conn.execute(query.where(contact_rows.c.contact_id.in_(batch))))
                runs = sa.select(stage_runs.c.contact_id, stage_runs.c.stage, stage_runs.c.status)
                for row in conn.execute(runs.where(stage_runs.c.contact_id.in_(batch))):
                    statuses.setdefault(row.contact_id, {})[row.stage] = row.status
        needing = []
        for contact_id in wanted:
            done = statuses.get(contact_id, {})
            finished = {stage for stage, status in done.items() if status == "ok"}
            if contact_id in channels and set(stages_by_channel.get(channels[contact_id], ())) - finished \
                    and "failed" not in done.values():
                needing.append(contact_id)
        return needing

    def _claim(self, owner: str, needing: list[str], *, n: int, lease_s: float) -> list[str]:
        """Up to ``n`` of ``needing`` (in order) that no other owner holds, leased to ``owner``."""
        held = self.leased_contacts()
        candidates = [c for c in needing if held.get(c, owner) == owner]
        if self.engine.dialect.name != "postgresql":
            claimed: list[str] = []
            for contact_id in candidates:
                if len(claimed) == n:
                    break
                if self.claim_contact(contact_id, owner, lease_s=lease_s):
                    claimed.append(contact_id)
            return claimed
        return self._claim_skip_locked(owner, candidates, n=n, lease_s=lease_s)

    def _claim_skip_locked(self, owner: str, candidates: list[str], *, n: int, lease_s: float) -> list[str]:
        """PostgreSQL: lock up to ``n`` of ``candidates`` that are free, skipping rows others hold locked, and
        lease them, a chunk of candidates per transaction."""
        from sqlalchemy.dialects.postgresql import insert

        t = contact_leases
        claimed: list[str] = []
        for start in range(0, len(candidates), CLAIM_CHUNK):
            if len(claimed) == n:
                break
            chunk = candidates[start:start + CLAIM_CHUNK]
            now = datetime.now(UTC)
            held_by_other = sa.exists().where((t.c.contact_id == contact_rows.c.contact_id) & (t.c.expires_at >= now)
                                              & (t.c.owner != owner))
            oldest_first = sa.case({c: i for i, c in enumerate(chunk)}, value=contact_rows.c.contact_id)
            free = (sa.select(contact_rows.c.contact_id).where(contact_rows.c.contact_id.in_(chunk), ~held_by_other)
                    .order_by(oldest_first).limit(n - len(claimed)).with_for_update(skip_locked=True))
            with self.engine.begin() as conn:
                locked = list(conn.execute(free).scalars())
                if not locked:
                    continue
                expires = now + timedelta(seconds=lease_s)
                upsert = insert(t).values([{"contact_id": c, "owner": owner, "expires_at": expires} for c in locked])
                # a lease committed after this statement's snapshot but before the lock keeps its holder
                upsert = upsert.on_conflict_do_update(
                    index_elements=[t.c.contact_id],
                    set_={"owner": upsert.excluded.owner, "expires_at": upsert.excluded.expires_at},
                    where=(t.c.expires_at < now) | (t.c.owner == owner),
                ).returning(t.c.contact_id)
                won = set(conn.execute(upsert).scalars())
            claimed += [c for c in locked if c in won]
        return claimed

    def release_contact(self, contact_id: str, owner: str) -> None:
        """Give the contact back (only ``owner``'s own lease is removed)."""
        t = contact_leases
        with self.engine.begin() as conn:
            conn.execute(t.delete().where((t.c.contact_id == contact_id) & (t.c.owner == owner)))

    def drop_leases(self, owners: Iterable[str]) -> list[str]:
        """Remove every lease of ``owners`` (runs known to have ended without releasing, e.g. because the
        catalog was down when they finished); returns the contacts freed, sorted."""
        t = contact_leases
        freed: list[str] = []
        with self.engine.begin() as conn:
            for batch in batches(list(owners)):
                freed += conn.execute(t.delete().where(t.c.owner.in_(batch)).returning(t.c.contact_id)).scalars()
        return sorted(freed)

    def leased_contacts(self, now: datetime | None = None) -> dict[str, str]:
        """``{contact_id: owner}`` of the leases that have not expired."""
        now = now or datetime.now(UTC)
        t = contact_leases
        with self.engine.connect() as conn:
            return {r.contact_id: r.owner for r in conn.execute(sa.select(t.c.contact_id, t.c.owner, t.c.expires_at))
                    if utc(r.expires_at) > now}

    def failed_contacts(self) -> list[str]:
        """Ids of the contacts with a failed stage, sorted."""
        query = sa.select(stage_runs.c.contact_id).where(stage_runs.c.status == "failed").distinct()
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def retry_failed(self, contact_ids: Iterable[str] | None = None) -> list[str]:
        """Forget the failed stage runs of these contacts (default: every failed contact), so that the
        next process run takes them again; returns the ids that had one. Their error records stay."""
        wanted = self.failed_contacts() if contact_ids is None else list(contact_ids)
        retried: list[str] = []
        with self.engine.begin() as conn:
            for batch in batches(wanted):
                failed = (stage_runs.c.status != "ok") & stage_runs.c.contact_id.in_(batch)
                retried += conn.execute(sa.select(stage_runs.c.contact_id).where(failed).distinct()).scalars()
                conn.execute(stage_runs.delete().where(failed))
        return sorted(retried)
