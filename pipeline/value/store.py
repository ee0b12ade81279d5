"""Customer value in the catalog (table ``customer_values``, :mod:`pipeline.catalog.value_schema`).

One row per customer: :func:`save_values` keeps, for each customer, the figures with the latest
``as_of``; figures as old as the stored ones replace them (a corrected file of the same date), older
ones are left out. So importing files in any order ends with the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog.sql import batches, utc
from pipeline.catalog.value_schema import customer_values
from pipeline.value.files import CustomerValue

MAX_SOURCE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Saved:
    """What :func:`save_values` did: customers added, replaced (same or later as_of), left out as older."""

    added: int
    replaced: int
    older: int


def save_values(engine: sa.Engine, values: Iterable[CustomerValue], source: str) -> Saved:
    """Store ``values`` (from the file named ``source``) in one transaction, the latest ``as_of`` winning."""
    given = {v.customer_id: v for v in values}
    source = source[-MAX_SOURCE_CHARS:]
    now = datetime.now(UTC)
    t = customer_values
    added = replaced = older = 0
    with engine.begin() as conn:
        stored: dict[str, datetime] = {}
        for batch in batches(given):
            for row in conn.execute(sa.select(t.c.customer_id, t.c.as_of).where(t.c.customer_id.in_(batch))):
                stored[row.customer_id] = utc(row.as_of)
        inserts, updates = [], []
        for customer_id, v in given.items():
            row = {"revenue": v.revenue, "tenure_months": v.tenure_months, "products": v.products, "clv": v.clv,
                   "segment": v.segment, "as_of": v.as_of.astimezone(UTC), "source": source, "imported_at": now}
            was = stored.get(customer_id)
            if was is None:
                inserts.append({"customer_id": customer_id, **row})
                added += 1
            elif v.as_of >= was:
                updates.append({"key": customer_id, **row})
                replaced += 1
            else:
                older += 1
        for start in range(0, len(inserts), 1000):
            conn.execute(sa.insert(t), inserts[start:start + 1000])
        update = t.update().where(t.c.customer_id == sa.bindparam("key"))
        for start in range(0, len(updates), 1000):
            conn.execute(update, updates[start:start + 1000])
    return Saved(added, replaced, older)


def stored_values(engine: sa.Engine) -> list[CustomerValue]:
    """Every customer's stored figures, by customer id."""
    t = customer_values
    with engine.connect() as conn:
        return [CustomerValue(customer_id=r.customer_id, revenue=r.revenue, as_of=utc(r.as_of),
                              tenure_months=r.tenure_months, products=r.products, clv=r.clv, segment=r.segment)
                for r in conn.execute(sa.select(t).order_by(t.c.customer_id))]
