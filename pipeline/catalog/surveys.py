"""Customer surveys and consent (tables survey_invitations, survey_answers, consent_changes).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
Invitations, answers and consent changes are only ever added, never updated: the same one read
twice (a re-ingested file, a chat processed again) is one row, by its stable id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog.schema import consent_changes, survey_answers, survey_invitations
from pipeline.catalog.sql import dialect_insert, utc as _utc
from pipeline.records import ConsentChange, SurveyAnswer, SurveyInvitation


def _stable_id(*parts: object) -> str:
    return hashlib.sha256("\n".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


def survey_answer_id(answer: SurveyAnswer) -> str:
    """The answer's id: the same customer's score of the same kind, at the same instant, for the same invitation
    is one answer (the contact is left out: ingest may link a survey to its contact only on a later run)."""
    return _stable_id("answer", answer.invitation_id, answer.customer_id, answer.kind,
                      _utc(answer.answered_at).isoformat())


def consent_change_id(change: ConsentChange) -> str:
    """The change's id: the same change read twice (a re-ingested file, a chat processed again) is one change."""
    return _stable_id("consent", change.customer_id, change.granted, _utc(change.at).isoformat(), change.channel,
                      change.source)


class SurveyRecords:
    engine: sa.Engine

    def _insert_new(self, table: sa.Table, rows: Sequence[dict]) -> int:
        """Insert the rows whose primary key is not there yet, in one transaction; how many were new."""
        if not rows:
            return 0
        insert = dialect_insert(self.engine)
        [key] = table.primary_key.columns
        statement = insert(table).on_conflict_do_nothing(index_elements=[key]).returning(key)
        added = 0
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 500):
                added += len(conn.execute(statement, list(rows[start:start + 500])).all())
        return added

    @staticmethod
    def _since_until(query: sa.Select, column: sa.Column, since: datetime | None, until: datetime | None) -> sa.Select:
        if since is not None:
            query = query.where(column >= _utc(since))
        if until is not None:
            query = query.where(column < _utc(until))
        return query

    def add_survey_invitations(self, invitations: Iterable[SurveyInvitation]) -> int:
        """Insert the invitations whose id is new; how many were. An invitation already there is kept as it was."""
        now = datetime.now(UTC)
        rows = {i.invitation_id: {"invitation_id": i.invitation_id, "customer_id": i.customer_id, "channel": i.channel,
                                  "sent_at": _utc(i.sent_at), "contact_id": i.contact_id,
                                  "operator_id": i.operator_id, "team": i.team, "recorded_at": now}
                for i in invitations}
        return self._insert_new(survey_invitations, list(rows.values()))

    def add_survey_invitation(self, invitation: SurveyInvitation) -> bool:
        """Insert the invitation; False (and nothing written) if its id is there already."""
        return self.add_survey_invitations([invitation]) == 1

    def survey_invitations(
        self, *, since: datetime | None = None, until: datetime | None = None, customer_id: str | None = None,
        contact_id: str | None = None, operator_id: str | None = None,
    ) -> list[SurveyInvitation]:
        """Invitations sent in ``[since, until)``, oldest first, optionally of one customer, contact or operator."""
        t = survey_invitations
        query = self._since_until(t.select().order_by(t.c.sent_at, t.c.invitation_id), t.c.sent_at, since, until)
        for column, value in ((t.c.customer_id, customer_id), (t.c.contact_id, contact_id),
                              (t.c.operator_id, operator_id)):
            if value is not None:
                query = query.where(column == value)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [SurveyInvitation(invitation_id=r.invitation_id, customer_id=r.customer_id, channel=r.channel,
                                 sent_at=_utc(r.sent_at), contact_id=r.contact_id, operator_id=r.operator_id,
                                 team=r.team) for r in rows]

    def add_survey_answers(self, answers: Iterable[SurveyAnswer]) -> int:
        """Insert the answers that are new (see :func:`survey_answer_id`); how many were."""
        now = datetime.now(UTC)
        rows = {}
        for a in answers:
            answer_id = survey_answer_id(a)
            rows[answer_id] = {"answer_id": answer_id, "invitation_id": a.invitation_id, "customer_id": a.customer_id,
                               "contact_id": a.contact_id, "operator_id": a.operator_id, "team": a.team,
                               "channel": a.channel, "kind": a.kind, "value": a.value, "text": a.text,
                               "reason": a.reason, "answered_at": _utc(a.answered_at), "recorded_at": now}
        return self._insert_new(survey_answers, list(rows.values()))

    def add_survey_answer(self, answer: SurveyAnswer) -> bool:
        """Insert the answer; False (and nothing written) if the same answer is there already."""
        return self.add_survey_answers([answer]) == 1

    def survey_answers(
        self, *, since: datetime | None = None, until: datetime | None = None, operator_id: str | None = None,
        contact_id: str | None = None, customer_id: str | None = None, invitation_id: str | None = None,
        kind: str | None = None,
    ) -> list[SurveyAnswer]:
        """Answers given in ``[since, until)``, oldest first, optionally filtered by operator, contact, ..."""
        t = survey_answers
        query = self._since_until(t.select().order_by(t.c.answered_at, t.c.answer_id), t.c.answered_at, since, until)
        for column, value in ((t.c.operator_id, operator_id), (t.c.contact_id, contact_id),
                              (t.c.customer_id, customer_id), (t.c.invitation_id, invitation_id), (t.c.kind, kind)):
            if value is not None:
                query = query.where(column == value)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [SurveyAnswer(customer_id=r.customer_id, kind=r.kind, value=r.value, answered_at=_utc(r.answered_at),
                             contact_id=r.contact_id, operator_id=r.operator_id, text=r.text, reason=r.reason,
                             invitation_id=r.invitation_id, channel=r.channel, team=r.team) for r in rows]

    def add_consent_changes(self, changes: Iterable[ConsentChange]) -> int:
        """Append the changes not recorded yet (see :func:`consent_change_id`); how many were. Nothing is ever updated."""
        now = datetime.now(UTC)
        rows = {}
        for c in changes:
            change_id = consent_change_id(c)
            rows[change_id] = {"change_id": change_id, "customer_id": c.customer_id, "granted": c.granted,
                               "at": _utc(c.at), "channel": c.channel, "source": c.source,
                               "contact_id": c.contact_id, "recorded_at": now}
        return self._insert_new(consent_changes, list(rows.values()))

    def add_consent_change(self, change: ConsentChange) -> bool:
        """Append the change; False if the same change is recorded already."""
        return self.add_consent_changes([change]) == 1

    def consent_changes(self, *, customer_id: str | None = None, since: datetime | None = None,
                        until: datetime | None = None, granted: bool | None = None) -> list[ConsentChange]:
        """Consent changes that took effect in ``[since, until)``, in that order (see :meth:`consent_state`);
        of one customer, and only grants or only withdrawals (STOPs among them), when asked."""
        t = consent_changes
        # At the same instant a withdrawal wins: it sorts after the grant.
        query = self._since_until(t.select().order_by(t.c.at, t.c.granted.desc(), t.c.change_id), t.c.at, since, until)
        if customer_id is not None:
            query = query.where(t.c.customer_id == customer_id)
        if granted is not None:
            query = query.where(t.c.granted == granted)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ConsentChange(customer_id=r.customer_id, granted=r.granted, at=_utc(r.at), channel=r.channel,
                              source=r.source, contact_id=r.contact_id) for r in rows]

    def consent_history(self, customer_id: str) -> list[ConsentChange]:
        """Every consent change of the customer, in the order they took effect; the last is in force."""
        return self.consent_changes(customer_id=customer_id)

    def consent_states(self, customer_ids: Iterable[str] | None = None, *,
                       at: datetime | None = None) -> dict[str, bool]:
        """``{customer_id: granted}`` by each customer's latest change (at or before ``at``, when given).

        Customers never asked are absent. ``customer_ids`` limits the answer to those customers.
        """
        t = consent_changes
        query = sa.select(t.c.customer_id, t.c.granted).order_by(t.c.at, t.c.granted.desc(), t.c.change_id)
        if at is not None:
            query = query.where(t.c.at <= _utc(at))
        wanted = None if customer_ids is None else set(customer_ids)
        if wanted is not None and len(wanted) <= 500:
            query = query.where(t.c.customer_id.in_(sorted(wanted)))
        states: dict[str, bool] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                if wanted is None or row.customer_id in wanted:
                    states[row.customer_id] = bool(row.granted)  # later rows overwrite: the latest wins
        return states

    def consent_state(self, customer_id: str, *, at: datetime | None = None) -> bool | None:
        """True if the customer's latest consent change grants, False if it withdraws, None if never asked."""
        return self.consent_states([customer_id], at=at).get(customer_id)
