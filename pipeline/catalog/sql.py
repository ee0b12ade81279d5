"""Small SQL helpers the catalog modules share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime; SQLite hands back naive values that were stored as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


BATCH = 500
"""Ids per ``IN (...)`` list: well below what SQLite and PostgreSQL accept in one statement."""


def batches(values: Iterable[str]) -> list[list[str]]:
    """The distinct ``values``, sorted, in lists of at most :data:`BATCH` for ``IN (...)`` queries."""
    wanted = sorted(set(values))
    return [wanted[start:start + BATCH] for start in range(0, len(wanted), BATCH)]


def dialect_insert(engine: sa.Engine):
    """The ``insert`` of the engine's dialect, which has ``on_conflict_do_nothing``."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - cxmon runs on SQLite and PostgreSQL
        raise NotImplementedError(f"catalog on {dialect}; expected sqlite or postgresql")
    return insert
