"""Sorted feedback in the catalog (table ``feedback_items``, :mod:`pipeline.catalog.feedback_schema`).

An item belongs to a team and an operator as a survey answer does on the dashboard: its own ``team`` and
``operator_id``, else those of the contact it names (a desk comment names its visit, not a team). An item
tied to neither is seen only without a scope limit (reviewers, admins, the CLI).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from pipeline.catalog.contact_query import Scope, scope_conditions
from pipeline.catalog.feedback_schema import feedback_items
from pipeline.catalog.schema import contacts, survey_answers
from pipeline.catalog.sql import utc

BATCH = 500
COLUMNS = ("item_id", "source", "at", "customer_id", "contact_id", "operator_id", "team", "kind", "score", "band",
           "language", "category", "confidence", "subcategory", "keywords", "polarity", "model", "classified_at")


def stored_models(engine: sa.Engine) -> dict[str, str]:
    """``{item_id: model}`` of every stored item."""
    t = feedback_items
    with engine.connect() as conn:
        return {r.item_id: r.model for r in conn.execute(sa.select(t.c.item_id, t.c.model))}


def _delete(conn: sa.Connection, ids: Sequence[str]) -> int:
    deleted = 0
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start:start + BATCH])
        deleted += conn.execute(sa.delete(feedback_items).where(feedback_items.c.item_id.in_(chunk))).rowcount
    return deleted


def save_items(engine: sa.Engine, rows: Sequence[dict]) -> int:
    """Store the rows (``COLUMNS``), replacing stored rows of the same ids, in one transaction; how many."""
    if not rows:
        return 0
    with engine.begin() as conn:
        _delete(conn, [r["item_id"] for r in rows])
        for start in range(0, len(rows), BATCH):
            conn.execute(sa.insert(feedback_items), [{c: r.get(c) for c in COLUMNS} for r in rows[start:start + BATCH]])
    return len(rows)


def drop_items(engine: sa.Engine, ids: Iterable[str]) -> int:
    """Delete the rows of ``ids`` (items whose source text is gone: erased, retained away); how many."""
    ids = list(ids)
    if not ids:
        return 0
    with engine.begin() as conn:
        return _delete(conn, ids)


def stored_items(engine: sa.Engine, *, since: datetime | None = None, until: datetime | None = None,
                 sources: Sequence[str] | None = None, scope: Scope | None = None) -> list[dict]:
    """The stored rows given in ``[since, until)`` of the ``sources`` (all when None), oldest first; with a
    ``scope`` (:func:`pipeline.users.access.scope_of`) only the items of its teams and operators (see above)."""
    t = feedback_items
    query = sa.select(*(t.c[c] for c in COLUMNS)).order_by(t.c.at, t.c.item_id)
    if scope is not None and (scope.operator_ids is not None or scope.teams is not None):
        query = query.select_from(t.outerjoin(contacts, contacts.c.contact_id == t.c.contact_id)).where(
            *scope_conditions(scope, sa.func.coalesce(t.c.operator_id, contacts.c.operator_id),
                              sa.func.coalesce(t.c.team, contacts.c.team)))
    if since is not None:
        query = query.where(t.c.at >= utc(since))
    if until is not None:
        query = query.where(t.c.at < utc(until))
    if sources is not None:
        query = query.where(t.c.source.in_(list(sources)))
    with engine.connect() as conn:
        return [{**r._mapping, "at": utc(r.at), "classified_at": utc(r.classified_at)} for r in conn.execute(query)]


def survey_item_texts(engine: sa.Engine, item_ids: Iterable[str]) -> dict[str, str]:
    """``{item_id: text}`` of the survey items among ``item_ids`` (``survey:<answer id>``), the text as the
    survey answer keeps it; an item whose answer is gone is absent."""
    answer_ids = {i.split(":", 1)[1]: i for i in item_ids if i.startswith("survey:")}
    out: dict[str, str] = {}
    keys = sorted(answer_ids)
    with engine.connect() as conn:
        for start in range(0, len(keys), BATCH):
            query = sa.select(survey_answers.c.answer_id, survey_answers.c.text).where(
                survey_answers.c.answer_id.in_(keys[start:start + BATCH]))
            out.update({answer_ids[r.answer_id]: r.text.strip() for r in conn.execute(query)})
    return out
