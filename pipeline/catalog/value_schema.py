"""The customer value table (migration 0018): the CRM's latest value figures of each customer.

One row per customer: importing a file whose ``as_of`` is later replaces the row; an earlier one is
left out (a re-import of the same file changes nothing). ``source`` is the name of the file it came from.
"""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.catalog.schema import metadata

customer_values = sa.Table(
    "customer_values",
    metadata,
    sa.Column("customer_id", sa.String(128), primary_key=True),
    sa.Column("revenue", sa.Float, nullable=False),  # the period's revenue, in the CRM's currency
    sa.Column("tenure_months", sa.Float),
    sa.Column("products", sa.Integer),
    sa.Column("clv", sa.Float),  # customer lifetime value, where the CRM computes it
    sa.Column("segment", sa.String(128), index=True),
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)
