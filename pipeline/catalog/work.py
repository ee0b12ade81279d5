"""Who works on which contact (table contact_leases), and failed stages handed back for another run.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
A run of the process flow claims a contact before it runs its stages and releases it after; a
second run at the same time cannot claim it, and so takes other contacts or none. A claim expires
(``lease_s``), so a contact whose run died is taken again by a later run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from pipeline.catalog.schema import contact_leases, stage_runs
from pipeline.catalog.sql import batches, dialect_insert, utc


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
