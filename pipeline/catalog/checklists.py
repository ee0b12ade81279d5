"""Checklist results of contacts (table checklist_results): one row per item answered for a contact.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
Automatic answers (``auto``, ``pending``) are replaced on every run; an answer a person gave
(any other state) is never overwritten by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog.schema import checklist_results as table
from pipeline.catalog.sql import utc as _utc
from pipeline.records import AUTOMATIC_STATES, ChecklistResult


class ChecklistRecords:
    engine: sa.Engine

    def put_checklist_results(self, results: Iterable[ChecklistResult]) -> int:
        """Replace the automatic answers of each (contact, checklist) in ``results`` with these.

        Rows of items no longer given are dropped; an item a person already answered (state
        other than auto/pending) keeps that answer and the new automatic one is not written.
        Returns how many rows were written. Only automatic results may be put here: a
        reviewer's answer is stored by the review workflow.
        """
        results = list(results)
        for r in results:
            if r.state not in AUTOMATIC_STATES:
                raise ValueError(f"item {r.item_id}: state {r.state!r}; put_checklist_results stores automatic "
                                 f"answers only (expected one of {sorted(AUTOMATIC_STATES)})")
        groups: dict[tuple[str, str], list[ChecklistResult]] = {}
        for r in results:
            groups.setdefault((r.contact_id, r.checklist_id), []).append(r)
        written = 0
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for (contact_id, checklist_id), mine in groups.items():
                key = (table.c.contact_id == contact_id) & (table.c.checklist_id == checklist_id)
                conn.execute(table.delete().where(key & table.c.state.in_(sorted(AUTOMATIC_STATES))))
                kept = set(conn.execute(sa.select(table.c.item_id).where(key)).scalars())
                rows = [{
                    "contact_id": r.contact_id, "checklist_id": r.checklist_id, "item_id": r.item_id,
                    "checklist_version": r.checklist_version, "value": r.value, "not_applicable": r.not_applicable,
                    "source": r.source, "state": r.state, "evidence": [dict(e) for e in r.evidence],
                    "comment": r.comment, "reviewer": r.reviewer, "updated_at": _utc(r.updated_at) or now,
                } for r in mine if r.item_id not in kept]
                seen = [row["item_id"] for row in rows]
                if len(set(seen)) != len(seen):
                    raise ValueError(f"contact {contact_id}, checklist {checklist_id}: an item given twice")
                if rows:
                    conn.execute(table.insert(), rows)
                written += len(rows)
        return written

    def checklist_results(self, contact_id: str | None = None, checklist_id: str | None = None,
                          state: str | Iterable[str] | None = None) -> list[ChecklistResult]:
        """Stored answers, by contact, checklist and item id; only those of a contact, a checklist or
        in a state (or any of several states) when asked."""
        query = table.select().order_by(table.c.contact_id, table.c.checklist_id, table.c.item_id)
        if contact_id is not None:
            query = query.where(table.c.contact_id == contact_id)
        if checklist_id is not None:
            query = query.where(table.c.checklist_id == checklist_id)
        if state is not None:
            query = query.where(table.c.state.in_([state] if isinstance(state, str) else sorted(state)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ChecklistResult(
            contact_id=r.contact_id, checklist_id=r.checklist_id, item_id=r.item_id, value=r.value, source=r.source,
            comment=r.comment, checklist_version=r.checklist_version, not_applicable=bool(r.not_applicable),
            state=r.state, evidence=tuple(r.evidence or ()), reviewer=r.reviewer, updated_at=_utc(r.updated_at),
        ) for r in rows]
