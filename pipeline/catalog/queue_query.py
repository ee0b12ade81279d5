"""The review queue's candidates, ranked in SQL: no table is read whole into Python.

A candidate is a contact with a checklist answer still waiting for a reviewer (``auto`` or
``pending``), not assigned to the reviewer before, not open for another reviewer, and not the
reviewer's own contact (:mod:`pipeline.review.queue` says why). Its facts, one row each:

- ``checklist_id``: the smallest checklist id among its waiting answers (code point order);
- ``pending``: how many of them are ``pending``;
- ``csi``: the model's ``csi`` score, or None;
- ``alarms``: alarms raised on it;
- ``negative``: the customer's negative turns (calls) plus negative messages (chats), each taken
  from the first feature set (by name) that has it, counted only when it is a number, the sum cut
  to an integer toward zero: what ``Catalog.feature_values`` and ``int()`` give in Python.

The ranking itself is the review floor's rule; it comes in as weights (``points``) and the CSI
threshold, and this module only turns it into ``ORDER BY``: more points, more alarms, lower CSI
(none last), more negative turns, the contact id. Contact ids are compared by code point (``COLLATE
"C"`` on PostgreSQL, SQLite's own binary order), as Python compares strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from pipeline.catalog.schema import alarms, checklist_results, contacts, feature_sets, review_assignments, scores
from pipeline.catalog.sql import batches
from pipeline.records.checklists import AUTOMATIC_STATES

NEGATIVE_FEATURES = ("customer_negative_turns", "customer_negative_messages")
"""Feature names whose numbers add up to a contact's negative customer turns or messages."""
REASONS = ("alarm", "pending", "low_csi", "negative")
"""The risks a weight may be given for, in the order of a reason text."""


@dataclass(frozen=True, slots=True)
class CandidateRow:
    contact_id: str
    checklist_id: str
    csi: float | None
    alarms: int
    negative: int
    pending: int


def _waiting(dialect: str):
    """``contact_id, checklist_id, pending`` of every contact with answers waiting for a reviewer."""
    cr = checklist_results.c
    return (sa.select(cr.contact_id.label("contact_id"),
                      sa.func.min(_id_order(dialect, cr.checklist_id)).label("checklist_id"),
                      sa.func.sum(sa.case((cr.state == "pending", 1), else_=0)).label("pending"))
            .where(cr.state.in_(sorted(AUTOMATIC_STATES)))
            .group_by(cr.contact_id))


def _open_to(reviewer: str, contact_id):
    """Conditions that keep a contact out of ``reviewer``'s new picks. ``NOT IN`` lists, built once a query
    (the reviewer's own contacts come from the operator index), not a lookup per candidate."""
    ra = review_assignments.c
    busy = sa.select(ra.contact_id).where(sa.or_(ra.reviewer == reviewer, ra.done_at.is_(None)))
    own = sa.select(contacts.c.contact_id).where(contacts.c.operator_id == reviewer)
    return [contact_id.not_in(busy), contact_id.not_in(own)]


def _negative(dialect: str, contact_id):
    """The contact's negative turns and messages, as ``Catalog.feature_values`` and ``int(sum(...))`` count them:
    each name from the first feature set (by name) that has it, counted when it is a number (not a bool)."""
    parts = []
    for name in NEGATIVE_FEATURES:
        if dialect == "postgresql":
            raw = sa.literal_column(f"{feature_sets.name}.\"values\" -> '{name}'", sa.JSON)
            number = sa.case((sa.func.json_typeof(raw) == "number",
                              sa.cast(sa.literal_column(f"{feature_sets.name}.\"values\" ->> '{name}'"), sa.Float)),
                             else_=0.0)
            first = (sa.select(number).where(feature_sets.c.contact_id == contact_id, raw.is_not(None))
                     .order_by(feature_sets.c.name).limit(1).scalar_subquery())
        else:  # ``->`` gives the JSON text of the value ('1.7', 'true', '"3"', 'null') or NULL when absent
            raw = feature_sets.c["values"].op("->")(f"$.{name}")
            numeric = sa.func.substr(raw, 1, 1).in_(list("-0123456789"))
            first = (sa.select(sa.case((numeric, sa.cast(raw, sa.Float)), else_=0.0))
                     .where(feature_sets.c.contact_id == contact_id, raw.is_not(None))
                     .order_by(feature_sets.c.name).limit(1).scalar_subquery())
        parts.append(sa.func.coalesce(first, 0.0))
    total = parts[0] + parts[1]
    if dialect == "postgresql":
        return sa.cast(sa.func.trunc(total), sa.BigInteger)
    return sa.cast(total, sa.Integer)


def _facts(dialect: str, base):
    """``base`` (contact_id, checklist_id, pending) with csi, alarms and negative added, one row per contact."""
    csi = (sa.select(scores.c.value).where(scores.c.contact_id == base.c.contact_id, scores.c.name == "csi",
                                           scores.c.source == "model").scalar_subquery())
    count = (sa.select(sa.func.count()).select_from(alarms)
             .where(alarms.c.contact_id == base.c.contact_id).scalar_subquery())
    return (sa.select(base.c.contact_id, base.c.checklist_id, base.c.pending, csi.label("csi"), count.label("alarms"),
                     _negative(dialect, base.c.contact_id).label("negative"))
            .offset(0).subquery("facts"))  # OFFSET 0: not merged into the outer query, so each subquery runs once a row


def _id_order(dialect: str, column):
    return column.collate("C") if dialect == "postgresql" else column


def _row(row) -> CandidateRow:
    return CandidateRow(contact_id=row.contact_id, checklist_id=row.checklist_id or "",
                        csi=None if row.csi is None else float(row.csi), alarms=int(row.alarms or 0),
                        negative=int(row.negative or 0), pending=int(row.pending or 0))


def _ranked(catalog, reviewer: str, *, points: Mapping[str, int], csi_below: float, limit: int,
            only=None) -> list[CandidateRow]:
    dialect = catalog.engine.dialect.name
    waiting = _waiting(dialect)
    if only is not None:
        waiting = waiting.where(only)
    waiting = waiting.subquery("waiting")
    base = sa.select(waiting).where(*_open_to(reviewer, waiting.c.contact_id)).subquery("base")
    f = _facts(dialect, base)
    risks = {"alarm": f.c.alarms > 0, "pending": f.c.pending > 0, "low_csi": f.c.csi < csi_below,
             "negative": f.c.negative > 0}
    score = sum((sa.case((risks[r], points[r]), else_=0) for r in REASONS), sa.literal(0))
    query = (sa.select(f).where(sa.or_(*risks.values()))
             .order_by(score.desc(), f.c.alarms.desc(), f.c.csi.is_(None), f.c.csi, f.c.negative.desc(),
                       _id_order(dialect, f.c.contact_id))
             .limit(limit))
    with catalog.engine.begin() as conn:
        if dialect == "postgresql":  # the estimate of the correlated subqueries turns JIT on: ~50 ms to compile
            conn.exec_driver_sql("SET LOCAL jit = off")  # for a query that runs in a few hundred
        return [_row(r) for r in conn.execute(query)]


def _points(row: CandidateRow, points: Mapping[str, int], csi_below: float) -> int:
    present = {"alarm": row.alarms > 0, "pending": row.pending > 0,
               "low_csi": row.csi is not None and row.csi < csi_below, "negative": row.negative > 0}
    return sum(points[r] for r in REASONS if present[r])


def riskiest_candidates(catalog, reviewer: str, *, points: Mapping[str, int], csi_below: float,
                        limit: int) -> list[CandidateRow]:
    """Up to ``limit`` candidates with at least one risk, riskiest first (the module doc's order).

    First only among the contacts with an alarm or a pending answer (found from the alarms' and the
    answers' own rows, a small share of a catalog): when the last of the ``limit`` best of them has
    more points than low CSI and negative turns together can give, no other contact can rank above
    it, and those are the answer. Otherwise every candidate is ranked."""
    if set(points) != set(REASONS) or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0
                                          for v in points.values()):
        raise ValueError(f"points={dict(points)!r}; expected a positive integer for each of {', '.join(REASONS)}")
    if limit < 1:
        return []
    contact_id = checklist_results.c.contact_id
    flagged = contact_id.in_(sa.union(
        sa.select(alarms.c.contact_id).where(alarms.c.contact_id.is_not(None)),
        sa.select(checklist_results.c.contact_id).where(checklist_results.c.state == "pending")))
    first = _ranked(catalog, reviewer, points=points, csi_below=csi_below, limit=limit, only=flagged)
    if len(first) == limit and _points(first[-1], points, csi_below) > points["low_csi"] + points["negative"]:
        return first
    return _ranked(catalog, reviewer, points=points, csi_below=csi_below, limit=limit)


def _pool(dialect: str, reviewer: str, excluding: Iterable[str]):
    cr = checklist_results.c
    query = (sa.select(cr.contact_id).distinct()
             .where(cr.state.in_(sorted(AUTOMATIC_STATES)), *_open_to(reviewer, cr.contact_id)))
    excluding = sorted(set(excluding))
    return query.where(cr.contact_id.not_in(excluding)) if excluding else query


def candidate_ids(catalog, reviewer: str) -> list[str]:
    """Every candidate's contact id, sorted as Python sorts strings."""
    with catalog.engine.connect() as conn:
        return sorted(conn.execute(_pool(catalog.engine.dialect.name, reviewer, ())).scalars())


def candidate_count(catalog, reviewer: str, *, excluding: Iterable[str] = ()) -> int:
    """How many candidates ``reviewer`` has, not counting the ids in ``excluding``."""
    pool = _pool(catalog.engine.dialect.name, reviewer, excluding).subquery("pool")
    with catalog.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(pool)).scalar_one())


def candidates_at(catalog, reviewer: str, positions: Iterable[int], *, excluding: Iterable[str] = ()) -> dict[int, str]:
    """``{position: contact_id}``: the candidates at those positions (from 0) of the list of every candidate
    not in ``excluding``, sorted as Python sorts strings; what ``sorted(ids)[position]`` gives, without
    reading the list. A position past the end is left out."""
    wanted = sorted(set(positions))
    if not wanted:
        return {}
    dialect = catalog.engine.dialect.name
    pool = _pool(dialect, reviewer, excluding).subquery("pool")
    numbered = sa.select(pool.c.contact_id, (sa.func.row_number().over(
        order_by=_id_order(dialect, pool.c.contact_id)) - 1).label("position")).subquery("numbered")
    query = sa.select(numbered.c.position, numbered.c.contact_id).where(numbered.c.position.in_(wanted))
    with catalog.engine.connect() as conn:
        return {int(position): contact_id for position, contact_id in conn.execute(query)}


def candidate_facts(catalog, contact_ids: Iterable[str]) -> dict[str, CandidateRow]:
    """The facts of the given contacts (whether or not they are candidates now; a contact with no
    answer waiting has ``checklist_id`` "" and ``pending`` 0). Unknown ids are left out."""
    dialect = catalog.engine.dialect.name
    cr = checklist_results.c
    found: dict[str, CandidateRow] = {}
    with catalog.engine.connect() as conn:
        for batch in batches(sorted(set(contact_ids))):
            waiting = (_waiting(dialect).where(cr.contact_id.in_(batch))).subquery("waiting")
            base = (sa.select(contacts.c.contact_id, waiting.c.checklist_id, waiting.c.pending)
                    .outerjoin(waiting, waiting.c.contact_id == contacts.c.contact_id)
                    .where(contacts.c.contact_id.in_(batch)).subquery("base"))
            for row in conn.execute(sa.select(_facts(dialect, base))):
                found[row.contact_id] = _row(row)
    return found


def waiting_contacts(catalog) -> int:
    """How many contacts have answers waiting for a reviewer."""
    cr = checklist_results.c
    query = sa.select(sa.func.count(sa.distinct(cr.contact_id))).where(cr.state.in_(sorted(AUTOMATIC_STATES)))
    with catalog.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def model_csi(catalog, contact_ids: Sequence[str]) -> dict[str, float]:
    """``{contact_id: the model's csi}`` of the given contacts that have one."""
    found: dict[str, float] = {}
    with catalog.engine.connect() as conn:
        for batch in batches(sorted(set(contact_ids))):
            query = sa.select(scores.c.contact_id, scores.c.value).where(
                scores.c.contact_id.in_(batch), scores.c.name == "csi", scores.c.source == "model")
            found.update({cid: float(value) for cid, value in conn.execute(query)})
    return found
