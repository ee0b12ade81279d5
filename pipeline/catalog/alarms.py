"""Alarms and customer flags (tables alarms, customer_flags).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.schema import (alarms, contacts, customer_flags, feature_sets, scores, stage_runs,
                                    survey_answers)
from pipeline.catalog.sql import batches, utc as _utc
from pipeline.records import Alarm, Contact, FeatureSet, Score, SurveyAnswer


@dataclass(frozen=True, slots=True)
class CustomerFlag:
    """A mark on a customer until a moment (``do_not_sell`` after a dissatisfied answer, ...)."""

    customer_id: str
    flag: str
    until: datetime
    reason: str
    contact_id: str | None
    set_at: datetime


def alarm_id(alarm: Alarm) -> str:
    """The alarm's id: the same rule firing for the same key and contact at the same instant is one alarm."""
    parts = (alarm.rule, alarm.dedup_key, alarm.contact_id or "", _utc(alarm.raised_at).isoformat())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def lock_key(rule: str, dedup_key: str) -> int:
    """A signed 64-bit number for the (rule, dedup key) pair: the key of its PostgreSQL advisory lock."""
    digest = hashlib.sha256(f"{rule}\n{dedup_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _prepared(alarm: Alarm, dedup_key: str | None = None, details: Mapping[str, Any] | None = None,
              deliveries: Sequence[Mapping[str, Any]] | None = None) -> Alarm:
    """The alarm with the replacements given, checked, and with its ``alarm_id``."""
    alarm = replace(alarm, dedup_key=alarm.dedup_key if dedup_key is None else dedup_key,
                    details=dict(alarm.details if details is None else details),
                    deliveries=tuple(dict(d) for d in (alarm.deliveries if deliveries is None else deliveries)))
    if not alarm.dedup_key:
        raise ValueError(f"alarm {alarm.rule}: no dedup_key; expected contact:ID, operator:ID, ... or rule")
    return replace(alarm, alarm_id=alarm.alarm_id or alarm_id(alarm))


def _row(alarm: Alarm) -> dict[str, Any]:
    return {"alarm_id": alarm.alarm_id, "rule": alarm.rule, "severity": alarm.severity, "message": alarm.message,
            "contact_id": alarm.contact_id, "customer_id": alarm.customer_id, "operator_id": alarm.operator_id,
            "dedup_key": alarm.dedup_key, "raised_at": _utc(alarm.raised_at), "details": dict(alarm.details),
            "deliveries": [dict(d) for d in alarm.deliveries]}


class AlarmRecords:
    engine: sa.Engine

    # alarms -----------------------------------------------------------------------------

    def add_alarm(self, alarm: Alarm, dedup_key: str | None = None, details: Mapping[str, Any] | None = None,
                  deliveries: Sequence[Mapping[str, Any]] | None = None) -> Alarm:
        """Store the alarm; returns it as stored, with its ``alarm_id``. ``dedup_key``, ``details`` and
        ``deliveries``, when given, replace the alarm's own. Storing the same alarm twice keeps the first."""
        alarm = _prepared(alarm, dedup_key, details, deliveries)
        try:
            with self.engine.begin() as conn:
                conn.execute(alarms.insert().values(_row(alarm)))
        except sa.exc.IntegrityError:
            stored = self._alarms(alarms.c.alarm_id == alarm.alarm_id)
            if not stored:
                raise
            return stored[0]
        return alarm

    def add_alarm_unless_cooling(self, alarm: Alarm, cooldown_s: float) -> tuple[Alarm, bool]:
        """Store the alarm unless its rule raised one for the same dedup key within ``cooldown_s`` seconds
        of ``alarm.raised_at``: ``(the alarm as stored, True)``, or ``(that earlier alarm, False)``.

        The check and the insert are one transaction holding a lock on the rule and dedup key (a
        transaction-scoped advisory lock on PostgreSQL, the database's write lock on SQLite), so
        workers raising the same alarm at once store it once. ``cooldown_s <= 0``: no cooldown.
        """
        if cooldown_s <= 0:
            return self.add_alarm(alarm), True
        alarm = _prepared(alarm)
        since = _utc(alarm.raised_at) - timedelta(seconds=cooldown_s)
        latest = (alarms.select().where(alarms.c.rule == alarm.rule, alarms.c.dedup_key == alarm.dedup_key)
                  .order_by(alarms.c.raised_at.desc(), alarms.c.alarm_id.desc()).limit(1))
        with self._alarm_lock(alarm.rule, alarm.dedup_key) as conn:
            last = conn.execute(latest).first()
            if last is not None and _utc(last.raised_at) > since:
                return self._alarm(last), False
            conn.execute(alarms.insert().values(_row(alarm)))
        return alarm, True

    @contextmanager
    def _alarm_lock(self, rule: str, dedup_key: str) -> Iterator[sa.Connection]:
        """A transaction that no other one holding the same (rule, dedup key) lock runs beside; commits on exit."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(rule, dedup_key))))
                yield conn
            return
        # SQLite: BEGIN IMMEDIATE takes the write lock before the read (waiting up to the busy timeout);
        # pysqlite then opens no transaction of its own, and commit() ends this one.
        with self.engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def set_alarm_deliveries(self, alarm_id: str, deliveries: Sequence[Mapping[str, Any]]) -> None:
        """Record where the alarm was delivered (one dict per sink), replacing what was recorded."""
        with self.engine.begin() as conn:
            found = conn.execute(alarms.update().where(alarms.c.alarm_id == alarm_id)
                                 .values(deliveries=[dict(d) for d in deliveries])).rowcount
        if not found:
            raise KeyError(f"no alarm {alarm_id}")

    @staticmethod
    def _alarm(row: sa.Row) -> Alarm:
        return Alarm(contact_id=row.contact_id, rule=row.rule, severity=row.severity, message=row.message,
                     raised_at=_utc(row.raised_at), alarm_id=row.alarm_id, customer_id=row.customer_id,
                     operator_id=row.operator_id, dedup_key=row.dedup_key, details=row.details,
                     deliveries=tuple(row.deliveries))

    def _alarms(self, *where: sa.ColumnElement[bool], newest_first: bool = False,
                limit: int | None = None) -> list[Alarm]:
        order = (alarms.c.raised_at.desc(), alarms.c.alarm_id.desc()) if newest_first else (alarms.c.raised_at,
                                                                                             alarms.c.alarm_id)
        query = alarms.select().where(*where).order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [self._alarm(r) for r in conn.execute(query).all()]

    def alarms(self, since: datetime | None = None, rule: str | None = None, contact_id: str | None = None, *,
               until: datetime | None = None, dedup_key: str | None = None) -> list[Alarm]:
        """Alarms raised in ``[since, until)``, oldest first, optionally of one rule, contact or dedup key."""
        where = []
        if since is not None:
            where.append(alarms.c.raised_at >= _utc(since))
        if until is not None:
            where.append(alarms.c.raised_at < _utc(until))
        for column, value in ((alarms.c.rule, rule), (alarms.c.contact_id, contact_id),
                              (alarms.c.dedup_key, dedup_key)):
            if value is not None:
                where.append(column == value)
        return self._alarms(*where)

    def last_alarm(self, rule: str, dedup_key: str) -> Alarm | None:
        """The latest alarm of the rule for the key (what its cooldown counts from), or None."""
        found = self._alarms(alarms.c.rule == rule, alarms.c.dedup_key == dedup_key, newest_first=True, limit=1)
        return found[0] if found else None

    # customer flags -----------------------------------------------------------------------

    def set_customer_flag(self, customer_id: str, flag: str, until: datetime, reason: str,
                          contact_id: str | None = None, *, set_at: datetime | None = None) -> CustomerFlag:
        """Flag the customer until ``until``; returns the flag in force. A flag that already runs
        longer is kept as it was: setting never shortens one."""
        if not customer_id or not flag:
            raise ValueError("a customer flag needs customer_id and flag")
        if until.tzinfo is None:
            raise ValueError(f"until={until.isoformat()} has no timezone; expected an aware datetime")
        new = CustomerFlag(customer_id, flag, _utc(until), reason, contact_id, _utc(set_at) or datetime.now(UTC))
        key = (customer_flags.c.customer_id == customer_id) & (customer_flags.c.flag == flag)
        with self.engine.begin() as conn:
            row = conn.execute(customer_flags.select().where(key).with_for_update()).first()
            if row is not None and _utc(row.until) >= new.until:
                return self._flag(row)
            conn.execute(customer_flags.delete().where(key))
            conn.execute(customer_flags.insert().values(
                customer_id=customer_id, flag=flag, until=new.until, reason=reason, contact_id=contact_id,
                set_at=new.set_at))
        return new

    @staticmethod
    def _flag(row: sa.Row) -> CustomerFlag:
        return CustomerFlag(row.customer_id, row.flag, _utc(row.until), row.reason, row.contact_id, _utc(row.set_at))

    def customer_flags(self, customer_id: str, at: datetime | None = None) -> list[CustomerFlag]:
        """The customer's flags in force at ``at`` (default now), by name."""
        moment = _utc(at) or datetime.now(UTC)
        query = (customer_flags.select()
                 .where(customer_flags.c.customer_id == customer_id, customer_flags.c.until > moment)
                 .order_by(customer_flags.c.flag))
        with self.engine.connect() as conn:
            return [self._flag(r) for r in conn.execute(query).all()]

    # what rules read ---------------------------------------------------------------------

    def contacts_started(self, since: datetime, until: datetime) -> list[Contact]:
        """Contacts that started in ``[since, until)``, by start time (aggregate rules' windows)."""
        query = (contacts.select()
                 .where(contacts.c.started_at >= _utc(since), contacts.c.started_at < _utc(until))
                 .order_by(contacts.c.started_at, contacts.c.contact_id))
        with self.engine.connect() as conn:
            return [self._contact(r) for r in conn.execute(query).all()]  # Catalog._contact

    def results_of(self, contact_ids: Iterable[str]) -> dict[str, tuple[list[FeatureSet], list[Score],
                                                                      list[SurveyAnswer]]]:
        """``{contact_id: (feature sets, scores, survey answers)}`` of many contacts in a few queries,
        each list in the order :func:`pipeline.rules.facts.contact_facts` reads it."""
        wanted = sorted(set(contact_ids))
        found: dict[str, tuple[list, list, list]] = {c: ([], [], []) for c in wanted}
        with self.engine.connect() as conn:
            for chunk in batches(wanted):
                for r in conn.execute(feature_sets.select().where(feature_sets.c.contact_id.in_(chunk))
                                      .order_by(feature_sets.c.contact_id, feature_sets.c.name)):
                    found[r.contact_id][0].append(FeatureSet(r.contact_id, r.name, r.values, version=r.version))
                for r in conn.execute(scores.select().where(scores.c.contact_id.in_(chunk))
                                      .order_by(scores.c.contact_id, scores.c.name, scores.c.source)):
                    found[r.contact_id][1].append(Score(r.contact_id, r.name, r.value, r.source, reasons=r.reasons))
                t = survey_answers
                for r in conn.execute(t.select().where(t.c.contact_id.in_(chunk))
                                      .order_by(t.c.answered_at, t.c.answer_id)):
                    found[r.contact_id][2].append(SurveyAnswer(
                        customer_id=r.customer_id, kind=r.kind, value=r.value, answered_at=_utc(r.answered_at),
                        contact_id=r.contact_id, operator_id=r.operator_id, text=r.text, reason=r.reason,
                        invitation_id=r.invitation_id, channel=r.channel, team=r.team))
        return found

    def contacts_with_new_answers(self, stage: str = "alarms") -> dict[str, datetime | None]:
        """Contacts with survey answers recorded after the ``stage`` (the alarm rules) last ran on them:
        ``{contact_id: when that run started, or None if it never ran}``, oldest answer first."""
        runs = stage_runs.alias("runs")
        started = runs.c.finished_at  # minus the run's seconds, below: an answer recorded while it ran counts
        query = (sa.select(survey_answers.c.contact_id, sa.func.max(survey_answers.c.recorded_at).label("recorded"),
                           started, runs.c.seconds)
                 .select_from(survey_answers.join(contacts, contacts.c.contact_id == survey_answers.c.contact_id)
                              .outerjoin(runs, (runs.c.contact_id == survey_answers.c.contact_id)
                                         & (runs.c.stage == stage) & (runs.c.status == "ok")))
                 .group_by(survey_answers.c.contact_id, started, runs.c.seconds)
                 .order_by(sa.func.min(survey_answers.c.recorded_at), survey_answers.c.contact_id))
        due: dict[str, datetime | None] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                if row.finished_at is None:
                    due[row.contact_id] = None
                    continue
                began = _utc(row.finished_at) - timedelta(seconds=row.seconds or 0.0)
                if _utc(row.recorded) >= began:
                    due[row.contact_id] = began
        return due

    def alarm_counts_by_contact(self, contact_ids: Iterable[str] | None = None) -> dict[str, int]:
        """``{contact_id: alarms raised on it}`` for the contacts that have any."""
        query = sa.select(alarms.c.contact_id, sa.func.count()).where(alarms.c.contact_id.is_not(None)) \
            .group_by(alarms.c.contact_id)
        with self.engine.connect() as conn:
            if contact_ids is None:
                rows = conn.execute(query).all()
            else:
                rows = [r for chunk in batches(contact_ids)
                        for r in conn.execute(query.where(alarms.c.contact_id.in_(chunk)))]
        return {contact_id: int(count) for contact_id, count in rows}
