"""Employee answers in the catalog (table ``employee_answers``, :mod:`pipeline.catalog.employees_schema`).

Answers are stored by wave (the file's name): importing a wave again replaces its rows in one
transaction, so a corrected file never counts anyone twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog.employees_schema import employee_answers
from pipeline.employees.files import EmployeeAnswer

MAX_WAVE_CHARS = 200


def wave_name(file_name: str) -> str:
    """The wave a file's answers are stored under: its name without the ``.csv``/``.jsonl`` suffix.

    >>> wave_name("engagement-2026-03.csv")
    'engagement-2026-03'
    """
    for suffix in (".jsonl", ".csv"):
        if file_name.lower().endswith(suffix):
            file_name = file_name[: -len(suffix)]
            break
    if not file_name or len(file_name) > MAX_WAVE_CHARS:
        raise ValueError(f"wave name of {len(file_name)} characters; expected 1..{MAX_WAVE_CHARS}")
    return file_name


def replace_wave(engine: sa.Engine, wave: str, answers: Sequence[EmployeeAnswer]) -> tuple[int, int]:
    """Store ``answers`` as the wave ``wave``, replacing what it held; ``(added, replaced)`` counts."""
    now = datetime.now(UTC)
    rows = [{"answer_id": uuid.uuid4().hex, "wave": wave, "team": a.team, "month": a.month, "enps": a.enps,
             "items": dict(a.items), "imported_at": now} for a in answers]
    with engine.begin() as conn:
        replaced = conn.execute(sa.delete(employee_answers).where(employee_answers.c.wave == wave)).rowcount
        for start in range(0, len(rows), 1000):
            conn.execute(sa.insert(employee_answers), rows[start:start + 1000])
    return len(rows), replaced


def stored_answers(engine: sa.Engine, *, since_month: str | None = None,
                   until_month: str | None = None) -> list[EmployeeAnswer]:
    """The stored answers of months ``since_month`` .. ``until_month`` (both ``YYYY-MM``, inclusive)."""
    t = employee_answers
    query = sa.select(t.c.team, t.c.month, t.c.enps, t.c["items"]).order_by(t.c.month, t.c.team)
    if since_month is not None:
        query = query.where(t.c.month >= since_month)
    if until_month is not None:
        query = query.where(t.c.month <= until_month)
    with engine.connect() as conn:
        return [EmployeeAnswer(team=r.team, month=r.month, enps=r.enps, items=tuple(sorted((r.items or {}).items())))
                for r in conn.execute(query)]


def waves(engine: sa.Engine) -> list[dict]:
    """Each stored wave: its name, answers, first and last month, when it was imported."""
    t = employee_answers
    query = (sa.select(t.c.wave, sa.func.count().label("answers"), sa.func.min(t.c.month).label("first_month"),
                       sa.func.max(t.c.month).label("last_month"), sa.func.max(t.c.imported_at).label("imported_at"))
             .group_by(t.c.wave).order_by(t.c.wave))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
