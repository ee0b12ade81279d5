"""One operator's numbers over a period, aggregated in SQL (SQLite and PostgreSQL alike).

What the operator's own page and ``GET /api/operators/{id}/summary`` read, as raw sums per UTC day:
the caller (:mod:`pipeline.web.operator_summary`) folds days into weeks or months and turns survey
answer counts into NPS, CSAT, CES and CSI with :mod:`features.surveys` (the catalog knows only records
and settings, so the rules it needs from above, such as which score source wins, come in as arguments).

- A contact's time is its start, else its ingest (as in :mod:`pipeline.review.grades`); every query
  starts from the operator's (or team's) contacts, which ``ix_contacts_operator_started_at`` and
  ``ix_contacts_team_started_at`` find without reading the others.
- The checklist score of a contact and checklist is one ``scores`` row named ``<prefix><checklist>``:
  the one whose source ranks first in ``source_priority`` (a reviewer's before a rule's or model's).
- A survey answer belongs to its own operator (and team), else to its contact's; its time is
  ``answered_at``.
- Feedback waiting is every answer of the operator's contacts in a state where an operator may
  acknowledge or dispute it (:func:`pipeline.records.review_states.allowed_actions`), whatever the period.
- ``scope`` (whose contacts the caller may see) limits every row: contacts, answers, feedback, disputes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.contact_query import Scope, scope_conditions
from pipeline.catalog.schema import checklist_results, contacts, review_events, scores, survey_answers
from pipeline.catalog.sql import utc as _utc
from pipeline.records.review_states import STATES, allowed_actions

OPERATOR_ACTIONS = ("acknowledge", "dispute")
FEEDBACK_STATES = tuple(s for s in STATES if set(OPERATOR_ACTIONS) & set(allowed_actions(s, "operator")))
"""States of an answer that wait for its operator: acknowledge or dispute (``reviewed``)."""
MAX_FEEDBACK = 200
"""Feedback rows returned at most, newest first."""


@dataclass(frozen=True, slots=True)
class Group:
    """Whose numbers: one operator's (``operator_id``) or a whole team's (``team``); exactly one is given."""

    operator_id: str | None = None
    team: str | None = None

    def __post_init__(self) -> None:
        if (self.operator_id is None) == (self.team is None):
            raise ValueError(f"operator_id={self.operator_id!r}, team={self.team!r}; expected exactly one of them")
        for name in ("operator_id", "team"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > 128):
                raise ValueError(f"{name}={value!r}; expected a non-empty text of at most 128 characters")


def _day(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement[str]:
    """The UTC calendar day of a time column, as ``YYYY-MM-DD`` text."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD", type_=sa.String)
    return sa.func.substr(column, 1, 10, type_=sa.String)  # SQLite keeps UTC times as "YYYY-MM-DD HH:MM:SS.ffffff" text


def _when():
    return sa.func.coalesce(contacts.c.started_at, contacts.c.ingested_at)


def _scoped(where: list, operator_column, team_column, scope: Scope) -> list:
    return where + scope_conditions(scope, operator_column, team_column)


def _contact_where(group: Group, scope: Scope, since: datetime | None, until: datetime | None) -> list:
    c = contacts.c
    where = [c.operator_id == group.operator_id] if group.operator_id is not None else [c.team == group.team]
    if since is not None:
        where.append(_when() >= _utc(since))
    if until is not None:
        where.append(_when() < _utc(until))
    return _scoped(where, c.operator_id, c.team, scope)


def _base(group: Group, scope: Scope, since: datetime | None, until: datetime | None, dialect: str):
    """The group's contacts in the period: ``contact_id``, ``operator_id``, ``day``."""
    return (sa.select(contacts.c.contact_id, contacts.c.operator_id, _day(_when(), dialect).label("day"))
            .where(*_contact_where(group, scope, since, until)).subquery("base"))


def _checklist_days(base, source_priority: Mapping[str, int], prefix: str):
    """``(day, sum, n)`` of the winning checklist score of each contact and checklist."""
    s = scores.c
    rank = sa.case({source: r for source, r in source_priority.items()}, value=s.source)
    ranked = (sa.select(s.contact_id, s.name, s.value, rank.label("rank"), base.c.day)
              .select_from(base.join(scores, s.contact_id == base.c.contact_id))
              .where(s.name.startswith(prefix, autoescape=True), s.source.in_(sorted(source_priority)))
              .subquery("ranked"))
    best = (sa.select(ranked.c.contact_id, ranked.c.name, sa.func.min(ranked.c.rank).label("rank"))
            .group_by(ranked.c.contact_id, ranked.c.name).subquery("best"))
    on = sa.and_(best.c.contact_id == ranked.c.contact_id, best.c.name == ranked.c.name, best.c.rank == ranked.c.rank)
    return (sa.select(ranked.c.day, sa.func.sum(ranked.c.value), sa.func.count())
            .select_from(ranked.join(best, on)).group_by(ranked.c.day))


def _csi_days(base):
    """``(day, sum, n)`` of the model's predicted CSI."""
    s = scores.c
    return (sa.select(base.c.day, sa.func.sum(s.value), sa.func.count())
            .select_from(base.join(scores, s.contact_id == base.c.contact_id))
            .where(s.name == "csi", s.source == "model").group_by(base.c.day))


def _answer_days(group: Group, scope: Scope, since: datetime | None, until: datetime | None, dialect: str):
    """``(day, kind, value, n)`` of the group's survey answers (the answer's operator/team, else its contact's)."""
    a, c = survey_answers.c, contacts.c
    operator = sa.func.coalesce(a.operator_id, c.operator_id)
    team = sa.func.coalesce(a.team, c.team)
    if group.operator_id is not None:  # the answer's own operator first: its index finds most of them
        where = [sa.or_(a.operator_id == group.operator_id,
                        sa.and_(a.operator_id.is_(None), c.operator_id == group.operator_id))]
    else:
        where = [sa.or_(a.team == group.team, sa.and_(a.team.is_(None), c.team == group.team))]
    if since is not None:
        where.append(a.answered_at >= _utc(since))
    if until is not None:
        where.append(a.answered_at < _utc(until))
    day = _day(a.answered_at, dialect).label("day")
    return (sa.select(day, a.kind, a.value, sa.func.count())
            .select_from(survey_answers.outerjoin(contacts, c.contact_id == a.contact_id))
            .where(*_scoped(where, operator, team, scope)).group_by(day, a.kind, a.value))


def group_days(catalog: Any, group: Group, scope: Scope, *, since: datetime | None = None,
               until: datetime | None = None, source_priority: Mapping[str, int],
               checklist_prefix: str) -> dict[str, list[tuple]]:
    """The group's sums per UTC day (``YYYY-MM-DD``) in ``[since, until)``:

    - ``contacts``: ``(day, operator_id, n)``;
    - ``checklist`` and ``csi``: ``(day, sum, n)`` of the winning checklist scores and of the predicted CSI;
    - ``answers``: ``(day, kind, value, n)`` of the survey answers.
    """
    dialect = catalog.engine.dialect.name
    base = _base(group, scope, since, until, dialect)
    counts = (sa.select(base.c.day, base.c.operator_id, sa.func.count())
              .group_by(base.c.day, base.c.operator_id))
    with catalog.engine.connect() as conn:
        return {
            "contacts": [tuple(r) for r in conn.execute(counts)],
            "checklist": [tuple(r) for r in conn.execute(_checklist_days(base, source_priority, checklist_prefix))],
            "csi": [tuple(r) for r in conn.execute(_csi_days(base))],
            "answers": [tuple(r) for r in conn.execute(_answer_days(group, scope, since, until, dialect))],
        }


def operator_team(catalog: Any, operator_id: str, scope: Scope, *, since: datetime | None = None,
                  until: datetime | None = None) -> str | None:
    """The team most of the operator's contacts in the period carry (ties: the first by name), or None."""
    c = contacts.c
    query = (sa.select(c.team).where(*_contact_where(Group(operator_id=operator_id), scope, since, until),
                                     c.team.is_not(None))
             .group_by(c.team).order_by(sa.func.count().desc(), c.team).limit(1))
    with catalog.engine.connect() as conn:
        return conn.execute(query).scalar()


def operator_known(catalog: Any, operator_id: str, scope: Scope) -> bool:
    """True when ``scope`` sees at least one contact of the operator."""
    where = _contact_where(Group(operator_id=operator_id), scope, None, None)
    with catalog.engine.connect() as conn:
        return conn.execute(sa.select(contacts.c.contact_id).where(*where).limit(1)).first() is not None


def items_failed(catalog: Any, operator_id: str, scope: Scope, *, since: datetime | None = None,
                 until: datetime | None = None, top: int = 5) -> list[dict[str, Any]]:
    """The checklist items the operator failed most (an applicable answer of 0) in the period:
    ``checklist_id``, ``item_id``, ``failed``, ``answered``; most failed first."""
    dialect = catalog.engine.dialect.name
    base = _base(Group(operator_id=operator_id), scope, since, until, dialect)
    r = checklist_results.c
    failed = sa.func.sum(sa.case((r.value == 0, 1), else_=0))
    query = (sa.select(r.checklist_id, r.item_id, failed.label("failed"), sa.func.count().label("answered"))
             .select_from(base.join(checklist_results, r.contact_id == base.c.contact_id))
             .where(r.not_applicable.is_(False), r.value.is_not(None))
             .group_by(r.checklist_id, r.item_id).having(failed > 0)
             .order_by(failed.desc(), r.checklist_id, r.item_id).limit(top))
    with catalog.engine.connect() as conn:
        return [{"checklist_id": row.checklist_id, "item_id": row.item_id, "failed": int(row.failed),
                 "answered": int(row.answered)} for row in conn.execute(query)]


def feedback_waiting(catalog: Any, operator_id: str, scope: Scope, *, limit: int = MAX_FEEDBACK) -> list[dict[str, Any]]:
    """The operator's answers that wait for them (:data:`FEEDBACK_STATES`), newest review first: the contact's
    ``contact_id``, ``channel``, ``started_at``, the answer's ``checklist_id``, ``item_id``, ``value``,
    ``not_applicable``, ``source``, ``state``, ``reviewer``, ``comment`` and ``updated_at``."""
    r, c = checklist_results.c, contacts.c
    where = _scoped([c.operator_id == operator_id, r.state.in_(FEEDBACK_STATES)], c.operator_id, c.team, scope)
    query = (sa.select(r.contact_id, c.channel, c.started_at, r.checklist_id, r.item_id, r.value, r.not_applicable,
                       r.source, r.state, r.reviewer, r.comment, r.updated_at)
             .select_from(contacts.join(checklist_results, r.contact_id == c.contact_id)).where(*where)
             .order_by(r.updated_at.desc(), r.contact_id, r.checklist_id, r.item_id).limit(limit))
    with catalog.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{**row._asdict(), "started_at": _utc(row.started_at), "updated_at": _utc(row.updated_at)} for row in rows]


def dispute_outcomes(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each dispute with how it ended, from ``dispute`` and ``resolve`` events oldest first: ``outcome`` is
    ``open`` (not resolved yet), ``kept`` (resolved with the disputed value) or ``changed``.

    >>> e = [{"contact_id": "c", "checklist_id": "k", "item_id": "i", "action": "dispute", "at": 1, "value": 0.0,
    ...       "comment": "I did greet"},
    ...      {"contact_id": "c", "checklist_id": "k", "item_id": "i", "action": "resolve", "at": 2, "value": 1.0,
    ...       "comment": "right"}]
    >>> [(d["outcome"], d["resolved_value"]) for d in dispute_outcomes(e)]
    [('changed', 1.0)]
    >>> dispute_outcomes(e[:1])[0]["outcome"]
    'open'
    """
    disputes: list[dict[str, Any]] = []
    open_: dict[tuple, dict[str, Any]] = {}
    for e in events:
        key = (e["contact_id"], e["checklist_id"], e["item_id"])
        if e["action"] == "dispute":
            open_[key] = {"contact_id": key[0], "checklist_id": key[1], "item_id": key[2], "disputed_at": e["at"],
                          "comment": e["comment"], "value": e["value"], "resolved_at": None,
                          "resolution": None, "resolved_value": None, "outcome": "open"}
            disputes.append(open_[key])
        elif e["action"] == "resolve" and key in open_:
            d = open_.pop(key)
            d.update(resolved_at=e["at"], resolution=e["comment"], resolved_value=e["value"],
                     outcome="kept" if e["value"] == d["value"] else "changed")
    return disputes


def disputes(catalog: Any, operator_id: str, scope: Scope, *, since: datetime | None = None,
             until: datetime | None = None) -> list[dict[str, Any]]:
    """The operator's disputes raised in the period and how they ended (:func:`dispute_outcomes`), newest first."""
    e, c = review_events.c, contacts.c
    where = _scoped([c.operator_id == operator_id, e.action.in_(("dispute", "resolve"))], c.operator_id, c.team,
                    scope)
    if until is not None:  # a resolution after the period still tells how a dispute in it ended
        where.append(sa.or_(e.action == "resolve", e.at < _utc(until)))
    query = (sa.select(e.contact_id, e.checklist_id, e.item_id, e.action, e.at, e.value, e.comment)
             .select_from(contacts.join(review_events, e.contact_id == c.contact_id)).where(*where)
             .order_by(e.at, e.event_id))
    with catalog.engine.connect() as conn:
        rows = [{**row._asdict(), "at": _utc(row.at)} for row in conn.execute(query)]
    found = [d for d in dispute_outcomes(rows) if since is None or d["disputed_at"] >= _utc(since)]
    return found[::-1]
