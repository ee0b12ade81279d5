"""Review history and assignments (tables review_events, review_assignments).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
"""

from __future__ import annotations

import sqlalchemy as sa


class ReviewRecords:
    engine: sa.Engine
