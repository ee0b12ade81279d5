"""Review history and assignments (tables review_events, review_assignments), and the review state
of checklist answers (table checklist_results: state, reviewer, comment, and the value a reviewer
gives; the automatic answers are written and read in :mod:`pipeline.catalog.checklists`).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
The catalog decides nothing about reviews: which event may change which answer, and how, is a fact of
the records (:mod:`pipeline.records.review_states`). Here that step is taken inside one transaction
that locks the answer and updates it only if its state is still the one the step started from, so
two people acting on the same answer at once cannot both succeed. The review capability
(:mod:`pipeline.review`) builds the events and calls :meth:`ReviewRecords.record_review`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from pipeline.catalog.schema import checklist_results, contacts, feature_sets, review_assignments, review_events
from pipeline.catalog.sql import batches, dialect_insert, utc as _utc
from pipeline.records import ChecklistResult, FeatureValue, ReviewAssignment, ReviewError, ReviewEvent
from pipeline.records.review_states import FIRST_REVIEW, check_people, item_key, next_item, recorded_events

def _item(row: sa.Row) -> ChecklistResult:
    return ChecklistResult(
        contact_id=row.contact_id, checklist_id=row.checklist_id, item_id=row.item_id, value=row.value,
        source=row.source, comment=row.comment, checklist_version=row.checklist_version,
        not_applicable=bool(row.not_applicable), state=row.state, evidence=tuple(row.evidence or ()),
        reviewer=row.reviewer, updated_at=_utc(row.updated_at),
    )


def _event_row(event: ReviewEvent) -> dict:
    return {"event_id": event.event_id, "contact_id": event.contact_id, "checklist_id": event.checklist_id,
            "item_id": event.item_id, "actor": event.actor, "role": event.role, "action": event.action,
            "value": event.value, "comment": event.comment, "at": _utc(event.at)}


def _item_key(contact_id: str, checklist_id: str, item_id: str):
    t = checklist_results
    return (t.c.contact_id == contact_id) & (t.c.checklist_id == checklist_id) & (t.c.item_id == item_id)


class ReviewRecords:
    engine: sa.Engine

    # the workflow --------------------------------------------------------------------

    def record_review(self, events: Sequence[ReviewEvent]) -> list[ChecklistResult]:
        """Apply workflow events (confirm, override, comment, acknowledge, dispute, resolve) in order, in one
        transaction: all of them or none. Each appends its ``review_events`` row and updates its answer.

        Returns the answers as they are after each event (for a comment on the whole checklist, nothing).
        Raises :class:`ReviewError` for an event the workflow does not allow (nothing is written then).
        The first confirm or override of an automatic answer also keeps that answer as an ``auto`` event
        (role ``system``, actor its source), since the override replaces it in ``checklist_results``.
        When no answer of a contact waits for a reviewer any more, its open assignments are marked done.
        """
        t = checklist_results
        updated: list[ChecklistResult] = []
        with self.engine.begin() as conn:
            operators: dict[str, str | None] = {}
            for event in events:
                if event.action in ("calibrate", "auto"):
                    raise ReviewError(f"{event.action} is not a workflow action: "
                                      + ("use add_calibration_answers" if event.action == "calibrate"
                                         else "the catalog writes it"))
                if event.contact_id not in operators:
                    found = conn.execute(sa.select(contacts.c.operator_id)
                                         .where(contacts.c.contact_id == event.contact_id)).first()
                    if found is None:
                        raise ReviewError(f"{event.action}: no contact {event.contact_id!r}")
                    operators[event.contact_id] = found.operator_id
                if event.item_id is None:
                    self._check_checklist(conn, event)
                    conn.execute(review_events.insert().values(_event_row(event)))
                    continue
                row = conn.execute(t.select().where(_item_key(event.contact_id, event.checklist_id, event.item_id))
                                   .with_for_update()).first()
                if row is None:
                    raise ReviewError(f"{event.action}: contact {event.contact_id} has no answer to item "
                                      f"{event.item_id!r} of checklist {event.checklist_id!r}")
                item = _item(row)
                new = next_item(item, event, operator_id=operators[event.contact_id])
                for recorded in recorded_events(item, event, new):
                    conn.execute(review_events.insert().values(_event_row(recorded)))
                done = conn.execute(
                    t.update().where(_item_key(*item_key(item)) & (t.c.state == item.state)).values(
                        value=new.value, not_applicable=new.not_applicable, source=new.source, state=new.state,
                        comment=new.comment, reviewer=new.reviewer, updated_at=_utc(new.updated_at)))
                if done.rowcount != 1:
                    raise ReviewError(f"{event.action}: item {item.item_id!r} of contact {item.contact_id} changed "
                                      f"while it was being reviewed; look again (`cxmon review show`)")
                updated.append(new)
            self._finish_assignments(conn, {e.contact_id: e.at for e in events if e.role == "reviewer"})
        return updated

    @staticmethod
    def _check_checklist(conn: sa.Connection, event: ReviewEvent) -> None:
        t = checklist_results
        found = conn.execute(sa.select(t.c.item_id).where((t.c.contact_id == event.contact_id)
                                                          & (t.c.checklist_id == event.checklist_id)).limit(1)).first()
        if found is None:
            raise ReviewError(f"{event.action}: contact {event.contact_id} has no answers of checklist "
                              f"{event.checklist_id!r}")

    @staticmethod
    def _finish_assignments(conn: sa.Connection, last_at: dict[str, datetime]) -> None:
        t, a = checklist_results, review_assignments
        for contact_id, at in last_at.items():
            waiting = conn.execute(sa.select(sa.func.count()).select_from(t).where(
                (t.c.contact_id == contact_id) & t.c.state.in_(sorted(FIRST_REVIEW)))).scalar_one()
            if waiting == 0:
                conn.execute(a.update().where((a.c.contact_id == contact_id) & a.c.done_at.is_(None))
                             .values(done_at=_utc(at)))

    def add_calibration_answers(self, events: Sequence[ReviewEvent]) -> int:
        """Append ``calibrate`` events: reviewers' answers in a calibration session. They never change
        ``checklist_results``; each must name an answer the contact has. How many were written."""
        t = checklist_results
        with self.engine.begin() as conn:
            for event in events:
                if event.action != "calibrate":
                    raise ReviewError(f"{event.action}: expected calibrate events only")
                operator = conn.execute(sa.select(contacts.c.operator_id)
                                        .where(contacts.c.contact_id == event.contact_id)).first()
                if operator is None:
                    raise ReviewError(f"calibrate: no contact {event.contact_id!r}")
                check_people(event, operator_id=operator.operator_id)
                if conn.execute(sa.select(t.c.item_id).where(
                        _item_key(event.contact_id, event.checklist_id, event.item_id))).first() is None:
                    raise ReviewError(f"calibrate: contact {event.contact_id} has no answer to item "
                                      f"{event.item_id!r} of checklist {event.checklist_id!r}")
                conn.execute(review_events.insert().values(_event_row(event)))
        return len(events)

    def review_events(self, contact_id: str | None = None, *, actions: Iterable[str] | None = None,
                      since: datetime | None = None, until: datetime | None = None) -> list[ReviewEvent]:
        """Review events in ``[since, until)``, oldest first (at one instant the kept ``auto`` answer comes
        before what the reviewer did to it); of one contact, of some actions only, when asked."""
        e = review_events
        query = e.select().order_by(e.c.at, sa.case((e.c.role == "system", 0), else_=1), e.c.event_id)
        if contact_id is not None:
            query = query.where(e.c.contact_id == contact_id)
        if actions is not None:
            query = query.where(e.c.action.in_(sorted(set(actions))))
        if since is not None:
            query = query.where(e.c.at >= _utc(since))
        if until is not None:
            query = query.where(e.c.at < _utc(until))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ReviewEvent(contact_id=r.contact_id, checklist_id=r.checklist_id, item_id=r.item_id, actor=r.actor,
                            role=r.role, action=r.action, at=_utc(r.at), value=r.value, comment=r.comment,
                            event_id=r.event_id) for r in rows]

    # assignments -----------------------------------------------------------------------

    def review_assignments(self, reviewer: str | None = None, *, contact_id: str | None = None,
                           open_only: bool = False) -> list[ReviewAssignment]:
        """Assignments, oldest first; of one reviewer or contact, only those not done, when asked."""
        a = review_assignments
        query = a.select().order_by(a.c.assigned_at, a.c.contact_id, a.c.reviewer)
        if reviewer is not None:
            query = query.where(a.c.reviewer == reviewer)
        if contact_id is not None:
            query = query.where(a.c.contact_id == contact_id)
        if open_only:
            query = query.where(a.c.done_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ReviewAssignment(contact_id=r.contact_id, reviewer=r.reviewer, checklist_id=r.checklist_id,
                                 reason=r.reason, assigned_at=_utc(r.assigned_at), done_at=_utc(r.done_at))
                for r in rows]

    def add_review_assignments(self, assignments: Iterable[ReviewAssignment]) -> int:
        """Insert the assignments whose (contact, reviewer) is new; how many were. One already there is
        kept as it was: a reviewer never gets the same contact twice."""
        rows = {(x.contact_id, x.reviewer): {
            "contact_id": x.contact_id, "reviewer": x.reviewer, "checklist_id": x.checklist_id, "reason": x.reason,
            "assigned_at": _utc(x.assigned_at), "done_at": _utc(x.done_at)} for x in assignments}
        if not rows:
            return 0
        insert = dialect_insert(self.engine)
        a = review_assignments
        statement = (insert(a).on_conflict_do_nothing(index_elements=[a.c.contact_id, a.c.reviewer])
                     .returning(a.c.contact_id))
        with self.engine.begin() as conn:
            return sum(len(conn.execute(statement, row).all()) for row in rows.values())

    # what the review queue weighs ------------------------------------------------------

    def feature_values(self, names: Iterable[str], *,
                       contact_ids: Iterable[str] | None = None) -> dict[str, dict[str, FeatureValue]]:
        """``{contact_id: {name: value}}``: the named features (of any stage) of the contacts that have them."""
        wanted = set(names)
        query = sa.select(feature_sets.c.contact_id, feature_sets.c["values"]).order_by(feature_sets.c.name)
        with self.engine.connect() as conn:
            if contact_ids is None:
                rows = conn.execute(query).all()
            else:
                rows = [r for batch in batches(contact_ids)
                        for r in conn.execute(query.where(feature_sets.c.contact_id.in_(batch)))]
        found: dict[str, dict[str, FeatureValue]] = {}
        for contact_id, values in rows:
            for name, value in values.items():
                if name in wanted:
                    found.setdefault(contact_id, {}).setdefault(name, value)
        return found
