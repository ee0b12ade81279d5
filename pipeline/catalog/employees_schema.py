"""The employee survey table (migration 0015): anonymous answers, one row each.

No employee id is kept, and the answer date is cut to its month: a row says only which team answered
what in which month. ``wave`` is the name of the file the answers came from; importing a file of the
same name again replaces that wave's rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.catalog.schema import metadata

employee_answers = sa.Table(
    "employee_answers",
    metadata,
    sa.Column("answer_id", sa.String(32), primary_key=True),  # random, says nothing about the employee
    sa.Column("wave", sa.String(200), nullable=False, index=True),
    sa.Column("team", sa.String(128), nullable=False, index=True),
    sa.Column("month", sa.String(7), nullable=False, index=True),  # YYYY-MM
    sa.Column("enps", sa.Integer),  # 0..10; None: not answered
    sa.Column("items", sa.JSON, nullable=False),  # {item name: 1..5}, answered items only
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)
