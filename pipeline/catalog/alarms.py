"""Alarms and customer flags (tables alarms, customer_flags).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
"""

from __future__ import annotations

import sqlalchemy as sa


class AlarmRecords:
    engine: sa.Engine
