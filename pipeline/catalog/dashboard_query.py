"""The dashboards' figures, aggregated in SQL (GROUP BY in the database): no table is read whole into Python.

Every figure is over a :class:`DashboardFilter` (a period ``[since, until)``, a channel, a team, an
operator) and the caller's scope (:func:`pipeline.users.access.scope_of`): what lies outside the scope
is absent from every count, mean and list.

What is counted where
---------------------
- Contacts, predicted CSI (the ``csi`` score of source ``model``), its reasons and phrase tags: by the
  contact's ``started_at``, channel, team and operator.
- Survey answers: by ``answered_at``; operator and team are the answer's own, else its contact's;
  the channel is its contact's, else the answer's own. The database counts each answer value; NPS,
  CSAT and CES are made from those counts by :mod:`features.surveys` a floor up
  (:mod:`pipeline.web.dashboard_figures`), so there is one formula only.
- Alarms: by ``raised_at``; an alarm on a contact is visible when its contact is; an alarm on no
  contact (an aggregate rule's) only to reviewers and admins (``unattached=True``), and only when no
  channel, team or operator filter is set.
- Desk visits: the desk contacts of the period and scope with their ``desk`` feature set, read for
  that period only (``pipeline.desk.metrics.desk_metrics`` makes the rows of them).

Periods are calendar days, ISO weeks (Monday first) or months of UTC; a row names its period by the
period's first day (``YYYY-MM-DD``, column ``bucket``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from pipeline.catalog.contact_query import ContactFilter, contact_conditions, scope_conditions
from pipeline.catalog.contact_text import contact_tags
from pipeline.catalog.schema import alarms, contacts, feature_sets, scores, survey_answers
from pipeline.catalog.sql import utc

PERIODS = ("day", "week", "month")
GROUPS = ("team", "operator", "channel")
"""What a distribution or a metrics row may be grouped by."""
CSI_BINS = tuple(range(0, 100, 10))
"""Lower edges of the predicted CSI histogram's bins: [0, 10), [10, 20), ... [90, 100]."""
MAX_LIMIT = 100_000
"""The most alarms one list holds (an export; the API pages at most 1,000)."""


class Scope(Protocol):
    operator_ids: frozenset[str] | None
    teams: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class DashboardFilter:
    """Which contacts, answers and alarms the figures are over; None leaves a field out. ``period`` is the
    trend's step: ``day``, ``week`` or ``month``."""

    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    team: str | None = None
    operator_id: str | None = None
    period: str = "week"

    def __post_init__(self) -> None:
        ContactFilter(since=self.since, until=self.until, channel=self.channel, team=self.team,
                      operator_id=self.operator_id)  # the contact list's checks: one set of rules for both
        if self.period not in PERIODS:
            raise ValueError(f"period={self.period!r}; expected one of {', '.join(PERIODS)}")
        for name in ("team", "operator_id"):
            plain_text(name, getattr(self, name))

    @property
    def narrowed(self) -> bool:
        """True when a channel, team or operator is chosen (alarms on no contact are then left out)."""
        return any(v is not None for v in (self.channel, self.team, self.operator_id))


def plain_text(name: str, value: str | None) -> None:
    """ValueError when ``value`` holds a control character (PostgreSQL refuses a NUL in text).

    >>> plain_text("team", "north"); plain_text("team", "a\\x00b")
    Traceback (most recent call last):
    ValueError: team='a\\x00b' holds a control character; expected plain text
    """
    if value is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"{name}={value!r} holds a control character; expected plain text")


# the pieces of every query ---------------------------------------------------------------------------


def _bucket(dialect: str, column, period: str):
    """The first day of the period ``column`` falls in (UTC), as ``YYYY-MM-DD`` text."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.date_trunc(period, sa.func.timezone("UTC", column)), "YYYY-MM-DD")
    if period == "day":
        return sa.func.date(column)
    if period == "week":  # on to the week's Sunday (or stay on it), then back to its Monday
        return sa.func.date(column, "weekday 0", "-6 days")
    return sa.func.strftime("%Y-%m-01", column)


def _contact_where(f: DashboardFilter, scope: Scope) -> list:
    return contact_conditions(scope, since=f.since, until=f.until, channel=f.channel, team=f.team,
                              operator_id=f.operator_id)


def _csi_on():
    return (scores.c.contact_id == contacts.c.contact_id) & (scores.c.name == "csi") & (scores.c.source == "model")


def _group_column(by: str):
    if by not in GROUPS:
        raise ValueError(f"by={by!r}; expected one of {', '.join(GROUPS)}")
    return {"team": contacts.c.team, "operator": contacts.c.operator_id, "channel": contacts.c.channel}[by]


def _answer_fields() -> dict[str, Any]:
    """The answer's operator, team and channel, each filled from its contact where the answer lacks it."""
    a, c = survey_answers.c, contacts.c
    return {"operator": sa.func.coalesce(a.operator_id, c.operator_id), "team": sa.func.coalesce(a.team, c.team),
            "channel": sa.func.coalesce(c.channel, a.channel)}


def _answer_where(f: DashboardFilter, scope: Scope) -> list:
    a, fields = survey_answers.c, _answer_fields()
    where = scope_conditions(scope, fields["operator"], fields["team"])
    if f.since is not None:
        where.append(a.answered_at >= utc(f.since))
    if f.until is not None:
        where.append(a.answered_at < utc(f.until))
    for name, value in (("channel", f.channel), ("team", f.team), ("operator", f.operator_id)):
        if value is not None:
            where.append(fields[name] == value)
    return where


def _answers_source():
    return survey_answers.outerjoin(contacts, contacts.c.contact_id == survey_answers.c.contact_id)


def _rows(catalog, query) -> list[dict[str, Any]]:
    with catalog.engine.connect() as conn:
        return [row._asdict() for row in conn.execute(query)]


# survey answers --------------------------------------------------------------------------------------


def answer_value_counts(catalog, f: DashboardFilter, scope: Scope, *, per_period: bool = False,
                        by: str | None = None) -> list[dict[str, Any]]:
    """How many answers gave each value of each kind: rows ``bucket`` (with ``per_period``), ``group``
    (with ``by``), ``kind``, ``value``, ``answers``."""
    a = survey_answers.c
    keys = []
    if per_period:
        keys.append(_bucket(catalog.engine.dialect.name, a.answered_at, f.period).label("bucket"))
    if by is not None:
        _group_column(by)
        keys.append(_answer_fields()[by].label("group"))
    query = (sa.select(*keys, a.kind, a.value, sa.func.count().label("answers")).select_from(_answers_source())
             .where(*_answer_where(f, scope)).group_by(*keys, a.kind, a.value))
    return _rows(catalog, query)


def survey_reason_counts(catalog, f: DashboardFilter, scope: Scope, *, critical: Mapping[str, tuple[int, int]],
                         limit: int = 10) -> list[dict[str, Any]]:
    """The reasons customers gave with the answers in ``critical`` (``{kind: (lowest, highest)}``), most
    given first: ``kind``, ``reason``, ``answers``."""
    a = survey_answers.c
    low_answer = sa.or_(*(sa.and_(a.kind == kind, a.value.between(low, high)) for kind, (low, high) in critical.items()))
    n = sa.func.count().label("answers")
    query = (sa.select(a.kind, a.reason, n).select_from(_answers_source())
             .where(*_answer_where(f, scope), low_answer, a.reason.is_not(None), a.reason != "")
             .group_by(a.kind, a.reason).order_by(n.desc(), a.kind, a.reason).limit(limit))
    return _rows(catalog, query)


# contacts and predicted CSI --------------------------------------------------------------------------


def contact_buckets(catalog, f: DashboardFilter, scope: Scope) -> list[dict[str, Any]]:
    """Per period (``bucket``): ``contacts``, ``csi_contacts`` (with a predicted CSI), ``csi_sum``."""
    bucket = _bucket(catalog.engine.dialect.name, contacts.c.started_at, f.period).label("bucket")
    query = (sa.select(bucket, sa.func.count().label("contacts"), sa.func.count(scores.c.value).label("csi_contacts"),
                       sa.func.sum(scores.c.value).label("csi_sum"))
             .select_from(contacts.outerjoin(scores, _csi_on())).where(*_contact_where(f, scope))
             .group_by(bucket).order_by(bucket))
    return [r for r in _rows(catalog, query) if r["bucket"] is not None]  # no start time: in no period


def contact_total(catalog, f: DashboardFilter, scope: Scope) -> dict[str, Any]:
    """``contacts``, ``csi_contacts`` and ``csi_mean`` over the whole filter."""
    query = (sa.select(sa.func.count().label("contacts"), sa.func.count(scores.c.value).label("csi_contacts"),
                       sa.func.avg(scores.c.value).label("csi_mean"))
             .select_from(contacts.outerjoin(scores, _csi_on())).where(*_contact_where(f, scope)))
    row = _rows(catalog, query)[0]
    return {**row, "csi_mean": None if row["csi_mean"] is None else float(row["csi_mean"])}


def _csi_bin():
    """0..9: the histogram bin of a CSI value (a sum of comparisons: the same on both databases)."""
    return sum((sa.case((scores.c.value >= edge, 1), else_=0) for edge in CSI_BINS[1:]), sa.literal(0))


def csi_bin_counts(catalog, f: DashboardFilter, scope: Scope, *, by: str | None = None) -> list[dict[str, Any]]:
    """Contacts per bin of predicted CSI: rows ``group`` (with ``by``), ``bin`` (0..9, see
    :data:`CSI_BINS`; CSI 100 is in bin 9), ``contacts``; empty bins are left out."""
    keys = [_group_column(by).label("group")] if by is not None else []
    b = _csi_bin().label("bin")
    query = (sa.select(*keys, b, sa.func.count().label("contacts"))
             .select_from(contacts.join(scores, _csi_on())).where(*_contact_where(f, scope)).group_by(*keys, b))
    return _rows(catalog, query)


def worst_reasons(catalog, f: DashboardFilter, scope: Scope, *, limit: int = 10) -> list[dict[str, Any]]:
    """The reasons of predicted CSI (``Score.reasons``: a feature's signed points) that pushed it down
    most often: ``reason``, ``contacts`` (where its points were below 0), ``mean_points`` (their mean,
    < 0) and ``total_points``; most contacts first, then the larger mean fall, then the name."""
    if catalog.engine.dialect.name == "postgresql":
        each = sa.func.json_each(scores.c.reasons).table_valued("key", "value").alias("r")
        number = sa.func.json_typeof(each.c.value) == "number"
        points = sa.case((number, sa.cast(sa.cast(each.c.value, sa.Text), sa.Float)))
    else:
        each = sa.func.json_each(scores.c.reasons).table_valued("key", "value", "type").alias("r")
        points = sa.case((each.c.type.in_(["integer", "real"]), sa.cast(each.c.value, sa.Float)))
    n, mean = sa.func.count().label("contacts"), sa.func.avg(points).label("mean_points")
    query = (sa.select(each.c.key.label("reason"), n, mean, sa.func.sum(points).label("total_points"))
             .select_from(contacts.join(scores, _csi_on()).join(each, sa.true()))
             .where(*_contact_where(f, scope), points < 0)  # a reason that is not a number is no push down
             .group_by(each.c.key).order_by(n.desc(), mean, each.c.key).limit(limit))
    return [{**r, "mean_points": float(r["mean_points"]), "total_points": float(r["total_points"])}
            for r in _rows(catalog, query)]


def tag_counts(catalog, f: DashboardFilter, scope: Scope, *, limit: int = 50) -> list[dict[str, Any]]:
    """Phrase tags (:mod:`pipeline.catalog.contact_text`) and how many contacts carry each, most first."""
    n = sa.func.count().label("contacts")
    query = (sa.select(contact_tags.c.tag, n)
             .select_from(contacts.join(contact_tags, contact_tags.c.contact_id == contacts.c.contact_id))
             .where(*_contact_where(f, scope)).group_by(contact_tags.c.tag).order_by(n.desc(), contact_tags.c.tag)
             .limit(limit))
    return _rows(catalog, query)


def newest_start(catalog, scope: Scope) -> datetime | None:
    """When the newest contact the scope sees started (None without any)."""
    query = sa.select(sa.func.max(contacts.c.started_at).label("newest")).where(
        *_contact_where(DashboardFilter(), scope))
    return utc(_rows(catalog, query)[0]["newest"])


def desk_visit_rows(catalog, f: DashboardFilter, scope: Scope) -> list[dict[str, Any]]:
    """The desk contacts of the filter and scope that have a ``desk`` feature set: ``contact_id``,
    ``started_at``, ``operator_id``, ``values`` (the set's), ``csi`` (the model's or None). Only those
    are read, not every contact of the period; none when the filter names another channel."""
    if f.channel not in (None, "desk"):
        return []
    csi = scores.alias("csi")
    query = (sa.select(contacts.c.contact_id, contacts.c.started_at, contacts.c.operator_id,
                       feature_sets.c["values"], csi.c.value.label("csi"))
             .select_from(contacts.join(feature_sets, (feature_sets.c.contact_id == contacts.c.contact_id)
                                        & (feature_sets.c.name == "desk"))
                          .outerjoin(csi, (csi.c.contact_id == contacts.c.contact_id) & (csi.c.name == "csi")
                                     & (csi.c.source == "model")))
             .where(contacts.c.channel == "desk", *_contact_where(f, scope)).order_by(contacts.c.contact_id))
    return [{**r, "started_at": utc(r["started_at"])} for r in _rows(catalog, query)]


# alarms --------------------------------------------------------------------------------------------


def _alarm_own_where(f: DashboardFilter, *, raised_since: datetime | None, rule: str | None) -> list:
    a = alarms.c
    where = []
    if f.since is not None:
        where.append(a.raised_at >= utc(f.since))
    if f.until is not None:
        where.append(a.raised_at < utc(f.until))
    if raised_since is not None:
        where.append(a.raised_at >= utc(raised_since))
    if rule is not None:
        where.append(a.rule == rule)
    return where


def _visible_alarms(f: DashboardFilter, scope: Scope, *, unattached: bool, raised_since: datetime | None = None,
                    rule: str | None = None):
    """The ids of the alarms the caller may see under the filter: those on a contact the scope and the
    filter's channel, team and operator admit (the period is on ``raised_at``), and with ``unattached``
    and no channel, team or operator chosen, the alarms on no contact."""
    on_contact = DashboardFilter(channel=f.channel, team=f.team, operator_id=f.operator_id)
    attached = (sa.select(alarms.c.alarm_id)
                .select_from(alarms.join(contacts, contacts.c.contact_id == alarms.c.contact_id))
                .where(*_contact_where(on_contact, scope), *_alarm_own_where(f, raised_since=raised_since, rule=rule)))
    if not unattached or f.narrowed:
        return attached
    loose = sa.select(alarms.c.alarm_id).where(alarms.c.contact_id.is_(None),
                                               *_alarm_own_where(f, raised_since=raised_since, rule=rule))
    return sa.union_all(attached, loose)


def alarm_list(catalog, f: DashboardFilter, scope: Scope, *, unattached: bool, raised_since: datetime | None = None,
               rule: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest alarms the caller may see (``raised_at`` newest first, then id): ``alarm_id``,
    ``raised_at`` (aware), ``rule``, ``severity``, ``message``, ``contact_id``, ``operator_id``, ``team``,
    ``channel``. ``raised_since``: only those raised at or after it (a live list's next poll)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit={limit!r}; expected an integer 1..{MAX_LIMIT}")
    if rule is not None and (not rule.strip() or len(rule) > 128):
        raise ValueError(f"rule={rule!r}; expected a rule name of 1..128 characters")
    plain_text("rule", rule)
    if raised_since is not None and raised_since.tzinfo is None:
        raise ValueError(f"since={raised_since.isoformat()}; expected a time with a timezone")
    ids = _visible_alarms(f, scope, unattached=unattached, raised_since=raised_since, rule=rule).subquery("ids")
    a = alarms.c
    query = (sa.select(a.alarm_id, a.raised_at, a.rule, a.severity, a.message, a.contact_id, a.operator_id,
                       contacts.c.team, contacts.c.channel)
             .select_from(alarms.join(ids, ids.c.alarm_id == a.alarm_id)
                          .outerjoin(contacts, contacts.c.contact_id == a.contact_id))
             .order_by(a.raised_at.desc(), a.alarm_id.desc()).limit(limit))
    return [{**r, "raised_at": utc(r["raised_at"])} for r in _rows(catalog, query)]


def alarm_counts(catalog, f: DashboardFilter, scope: Scope, *, unattached: bool) -> list[dict[str, Any]]:
    """Alarms per rule per day of ``raised_at`` (UTC): ``day``, ``rule``, ``alarms``; by day, then rule."""
    ids = _visible_alarms(f, scope, unattached=unattached).subquery("ids")
    day = _bucket(catalog.engine.dialect.name, alarms.c.raised_at, "day").label("day")
    query = (sa.select(day, alarms.c.rule, sa.func.count().label("alarms"))
             .select_from(alarms.join(ids, ids.c.alarm_id == alarms.c.alarm_id))
             .group_by(day, alarms.c.rule).order_by(day, alarms.c.rule))
    return [{**r, "day": str(r["day"])[:10]} for r in _rows(catalog, query)]


# the dashboard's few queries: each grouped as finely as its figures need, rolled up by the caller -----


def contact_cube(catalog, f: DashboardFilter, scope: Scope) -> list[dict[str, Any]]:
    """Per team, operator and channel: ``contacts``, ``csi_contacts`` and ``csi_sum`` (at most one row per
    operator and channel, whatever the number of contacts)."""
    c = contacts.c
    query = (sa.select(c.team, c.operator_id.label("operator"), c.channel, sa.func.count().label("contacts"),
                       sa.func.count(scores.c.value).label("csi_contacts"), sa.func.sum(scores.c.value).label("csi_sum"))
             .select_from(contacts.outerjoin(scores, _csi_on())).where(*_contact_where(f, scope))
             .group_by(c.team, c.operator_id, c.channel))
    return _rows(catalog, query)


def answer_cube(catalog, f: DashboardFilter, scope: Scope) -> list[dict[str, Any]]:
    """Answers per team, operator, channel (as :func:`answer_value_counts` reads them), kind and value."""
    fields, a = _answer_fields(), survey_answers.c
    keys = [fields["team"].label("team"), fields["operator"].label("operator"), fields["channel"].label("channel")]
    query = (sa.select(*keys, a.kind, a.value, sa.func.count().label("answers")).select_from(_answers_source())
             .where(*_answer_where(f, scope)).group_by(*keys, a.kind, a.value))
    return _rows(catalog, query)


def alarm_cube(catalog, f: DashboardFilter, scope: Scope, *, unattached: bool) -> list[dict[str, Any]]:
    """The visible alarms per day (UTC), rule and their contact's team, operator and channel (all None, and
    ``attached`` false, for alarms on no contact): ``alarms``."""
    ids = _visible_alarms(f, scope, unattached=unattached).subquery("ids")
    day = _bucket(catalog.engine.dialect.name, alarms.c.raised_at, "day").label("day")
    attached = alarms.c.contact_id.is_not(None)
    keys = [day, alarms.c.rule, contacts.c.team, contacts.c.operator_id.label("operator"), contacts.c.channel,
            attached.label("attached")]
    query = (sa.select(*keys, sa.func.count().label("alarms"))
             .select_from(alarms.join(ids, ids.c.alarm_id == alarms.c.alarm_id)
                          .outerjoin(contacts, contacts.c.contact_id == alarms.c.contact_id))
             .group_by(day, alarms.c.rule, contacts.c.team, contacts.c.operator_id, contacts.c.channel, attached))
    return [{**r, "day": str(r["day"])[:10], "attached": bool(r["attached"])} for r in _rows(catalog, query)]
