"""Checklist results of contacts (table checklist_results): the lead's checklist helper fills this in.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
"""

from __future__ import annotations

import sqlalchemy as sa


class ChecklistRecords:
    engine: sa.Engine
