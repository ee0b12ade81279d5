"""Mystery evaluations in the catalog (table ``mystery_evaluations``, :mod:`pipeline.catalog.mystery_schema`).

Importing a file again replaces what that file stored before (its name is the ``source``), and an
evaluation id given again replaces that evaluation, in one transaction: a corrected file never counts
a visit twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog.mystery_schema import mystery_evaluations as table
from pipeline.catalog.sql import utc
from pipeline.mystery.evaluation import MysteryEvaluation


def _row(e: MysteryEvaluation, now: datetime) -> dict:
    return {"evaluation_id": e.evaluation_id, "shopper_id": e.shopper_id, "operator_id": e.operator_id,
            "contact_id": e.contact_id, "team": e.team, "channel": e.channel, "at": e.at.astimezone(UTC),
            "checklist_id": e.checklist_id, "checklist_version": e.checklist_version,
            "answers": dict(e.answers), "score": e.score, "sections": dict(e.sections), "comment": e.comment,
            "source": e.source, "recorded_by": e.recorded_by, "recorded_at": now}


def put_evaluations(engine: sa.Engine, evaluations: Sequence[MysteryEvaluation], *,
                    replace_source: str | None = None) -> tuple[int, int]:
    """Store the evaluations, replacing those with the same ids (and, with ``replace_source``, everything
    that source stored before); ``(stored, replaced)`` counts."""
    ids = [e.evaluation_id for e in evaluations]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"evaluation {twice} given twice; expected each evaluation once")
    now = datetime.now(UTC)
    rows = [_row(e, now) for e in evaluations]
    with engine.begin() as conn:
        replaced = 0
        if replace_source is not None:
            replaced += conn.execute(sa.delete(table).where(table.c.source == replace_source)).rowcount
        for start in range(0, len(ids), 500):
            replaced += conn.execute(sa.delete(table).where(table.c.evaluation_id.in_(ids[start:start + 500]))).rowcount
        for start in range(0, len(rows), 500):
            conn.execute(sa.insert(table), rows[start:start + 500])
    return len(rows), replaced


def _evaluation(r) -> MysteryEvaluation:
    return MysteryEvaluation(
        evaluation_id=r.evaluation_id, shopper_id=r.shopper_id, operator_id=r.operator_id, channel=r.channel,
        at=utc(r.at), checklist_id=r.checklist_id, checklist_version=r.checklist_version,
        answers=tuple((r.answers or {}).items()), score=r.score, sections=tuple((r.sections or {}).items()),
        comment=r.comment, contact_id=r.contact_id, team=r.team, source=r.source, recorded_by=r.recorded_by)


def stored_evaluations(engine: sa.Engine, *, since: datetime | None = None, until: datetime | None = None,
                       operator_id: str | None = None, checklist_id: str | None = None,
                       team: str | None = None) -> list[MysteryEvaluation]:
    """The stored evaluations of ``[since, until)``, oldest first; only an operator's, a checklist's or a
    team's when asked."""
    query = table.select().order_by(table.c.at, table.c.evaluation_id)
    if since is not None:
        query = query.where(table.c.at >= utc(since))
    if until is not None:
        query = query.where(table.c.at < utc(until))
    for column, value in ((table.c.operator_id, operator_id), (table.c.checklist_id, checklist_id),
                          (table.c.team, team)):
        if value is not None:
            query = query.where(column == value)
    with engine.connect() as conn:
        return [_evaluation(r) for r in conn.execute(query)]


LIST_COLUMNS = ("evaluation_id", "kind", "at", "shopper_id", "operator_id", "team", "contact_id", "channel",
                "checklist_id", "checklist_version", "score", "sections", "answers", "comment", "source",
                "recorded_by")
"""The columns of the evaluations list (CLI files and the API's CSV/XLSX)."""
