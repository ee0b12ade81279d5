"""The contact list: filtered, sorted, paged, searched, and limited to what the caller may see.

One SQL query for the page and one for the total, on SQLite and PostgreSQL alike:

- CSI is the model's ``csi`` score; the checklist score is the lowest ``checklist:<id>`` score of
  the contact (its worst form); alarms are counted per contact; the customer's sentiment and the
  phrase tags come from the transcript (:mod:`pipeline.catalog.contact_text`).
- ``q`` finds contacts whose transcript (a call's turns, a chat's messages) has every word of it,
  whole words, case-insensitive, ``ё`` = ``е``; a word ending in ``*`` matches as a prefix
  (``жалоб*`` finds ``жалобу``). PostgreSQL answers from a GIN index over
  ``to_tsvector('simple', text)``; SQLite reads the normalized text with ``LIKE`` (a scan: FTS5's
  own tables would not be declared in the catalog's schema, which a test holds to the migrations).
- The scope (whose contacts the caller may see) limits the rows and the total alike: a count must
  not tell an operator how many contacts others have.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from pipeline.catalog.contact_text import contact_tags, contact_text, normalized
from pipeline.catalog.schema import alarms, contacts, scores
from pipeline.catalog.sql import utc as _utc
from pipeline.records import CONTACT_CHANNELS, SENTIMENTS

MAX_LIMIT = 500
"""Rows per page at most: a bigger page is refused, not cut short without saying so."""
MAX_Q_WORDS = 16
MAX_TEXT = 256
"""Longest filter string (an id, a team, a tag, a rule name, the search text)."""
SORTS = ("started_at", "csi", "checklist", "alarms", "contact_id")
"""What a page may be sorted on; ``-`` before the name sorts descending. Ties go by contact id."""
CHECKLIST_PREFIX = "checklist:"


class Scope(Protocol):
    """Whose contacts the caller may see (``pipeline.users.access.ContactScope`` is one); None is no
    limit on that column, an empty set sees nothing; both given, a contact must pass both."""

    operator_ids: frozenset[str] | None
    teams: frozenset[str] | None


def scope_conditions(scope: Scope, operator_column: sa.ColumnElement,
                     team_column: sa.ColumnElement) -> list[sa.ColumnElement[bool]]:
    """The conditions that keep a row within ``scope``, read through its operator and team columns (a
    contact's own, or a survey answer's or feedback item's, else its contact's)."""
    where: list[sa.ColumnElement[bool]] = []
    if scope.operator_ids is not None:
        where.append(operator_column.in_(sorted(scope.operator_ids)))
    if scope.teams is not None:
        where.append(team_column.in_(sorted(scope.teams)))
    return where


def _range(name: str, low: float | None, high: float | None) -> None:
    for side, value in (("min", low), ("max", high)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value)):
            raise ValueError(f"{name}_{side}={value!r}; expected a finite number")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{name}_min={low} > {name}_max={high}; expected min <= max")


def _text(name: str, value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT):
        raise ValueError(f"{name}={value!r}; expected a non-empty text of at most {MAX_TEXT} characters")


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """What a contact must be to be listed; None leaves a field out. Times are aware; a period is
    ``[since, until)`` of ``started_at``; ranges are inclusive."""

    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    operator_id: str | None = None
    team: str | None = None
    csi_min: float | None = None
    csi_max: float | None = None
    checklist_min: float | None = None
    checklist_max: float | None = None
    has_alarm: bool | None = None
    alarm_rule: str | None = None
    """Only contacts with an alarm of this rule."""
    tag: str | None = None
    """A phrase tag found on any turn (``greeting``, ``apology``, ...)."""
    sentiment: str | None = None
    """The customer's over the contact: ``negative`` (any negative turn), ``positive``, ``neutral``."""
    q: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                raise ValueError(f"{name}={value!r}; expected an aware datetime (with a timezone)")
            try:
                _utc(value)
            except OverflowError:
                raise ValueError(f"{name}={value.isoformat()} is out of range; expected a time within years "
                                 f"2..9998") from None
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError(f"since={self.since.isoformat()} is not before until={self.until.isoformat()}")
        if self.channel is not None and self.channel not in CONTACT_CHANNELS:
            raise ValueError(f"channel={self.channel!r}; expected one of {', '.join(sorted(CONTACT_CHANNELS))}")
        if self.sentiment is not None and self.sentiment not in SENTIMENTS:
            raise ValueError(f"sentiment={self.sentiment!r}; expected one of {', '.join(sorted(SENTIMENTS))}")
        if self.has_alarm is not None and not isinstance(self.has_alarm, bool):
            raise ValueError(f"has_alarm={self.has_alarm!r}; expected true or false")
        _range("csi", self.csi_min, self.csi_max)
        _range("checklist", self.checklist_min, self.checklist_max)
        for name in ("operator_id", "team", "alarm_rule", "tag", "q"):
            _text(name, getattr(self, name))
        if self.q is not None:
            words = query_words(self.q)
            if not words:
                raise ValueError(f"q={self.q!r} has no letters or digits; expected words to search for")
            if len(words) > MAX_Q_WORDS:
                raise ValueError(f"q has {len(words)} words; expected at most {MAX_Q_WORDS}")


def query_words(q: str) -> list[tuple[str, bool]]:
    """The words of a search, each with whether it is a prefix (written with a trailing ``*``).

    >>> query_words("Жалоб* на 'оператора'; --")
    [('жалоб', True), ('на', False), ('оператора', False)]
    """
    return [(m.group(1), bool(m.group(2))) for m in re.finditer(r"([^\W_]+)(\*?)", normalized(q))]


def _csi_join():
    csi = scores.alias("csi")
    on = (csi.c.contact_id == contacts.c.contact_id) & (csi.c.name == "csi") & (csi.c.source == "model")
    return csi, on


def _checklist_score():
    s = scores.alias("checklist")
    return (sa.select(sa.func.min(s.c.value))
            .where(s.c.contact_id == contacts.c.contact_id, s.c.name.startswith(CHECKLIST_PREFIX, autoescape=True))
            .scalar_subquery())


def _alarm_exists(rule: str | None):
    a = alarms.alias("a")
    query = sa.select(sa.literal(1)).where(a.c.contact_id == contacts.c.contact_id)
    if rule is not None:
        query = query.where(a.c.rule == rule)
    return query.exists()


def _search(dialect: str, words: list[tuple[str, bool]]) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        # only letters and digits reach the tsquery (query_words), so no word is read as an operator
        tsquery = " & ".join(f"{word}:*" if prefix else word for word, prefix in words)
        return sa.func.to_tsvector(sa.literal_column("'simple'"), contact_text.c.text).op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery))
    # stored text is " word word ... ": a space on each side marks a whole word; no word holds % or _
    return sa.and_(*(contact_text.c.text.like(f"% {word}%" if prefix else f"% {word} %") for word, prefix in words))


def contact_conditions(scope: Scope, *, since: datetime | None = None, until: datetime | None = None,
                       channel: str | None = None, team: str | None = None,
                       operator_id: str | None = None) -> list[sa.ColumnElement[bool]]:
    """Conditions on the ``contacts`` table: within ``scope``, started in ``[since, until)``, of the channel,
    team and operator given (None: any)."""
    c = contacts.c
    where = scope_conditions(scope, c.operator_id, c.team)
    if since is not None:
        where.append(c.started_at >= _utc(since))
    if until is not None:
        where.append(c.started_at < _utc(until))
    for column, value in ((c.channel, channel), (c.operator_id, operator_id), (c.team, team)):
        if value is not None:
            where.append(column == value)
    return where


def _where(f: ContactFilter, scope: Scope, dialect: str, csi) -> list[sa.ColumnElement[bool]]:
    where = contact_conditions(scope, since=f.since, until=f.until, channel=f.channel, team=f.team,
                               operator_id=f.operator_id)
    if f.csi_min is not None:
        where.append(csi.c.value >= f.csi_min)
    if f.csi_max is not None:
        where.append(csi.c.value <= f.csi_max)
    if f.checklist_min is not None or f.checklist_max is not None:
        checklist = _checklist_score()
        if f.checklist_min is not None:
            where.append(checklist >= f.checklist_min)
        if f.checklist_max is not None:
            where.append(checklist <= f.checklist_max)
    if f.has_alarm is not None:
        where.append(_alarm_exists(None) if f.has_alarm else ~_alarm_exists(None))
    if f.alarm_rule is not None:
        where.append(_alarm_exists(f.alarm_rule))
    if f.tag is not None:
        t = contact_tags.alias("t")
        where.append(sa.select(sa.literal(1)).where(t.c.contact_id == contacts.c.contact_id, t.c.tag == f.tag).exists())
    if f.sentiment is not None:
        where.append(contact_text.c.customer_sentiment == f.sentiment)
    if f.q is not None:
        where.append(_search(dialect, query_words(f.q)))
    return where


def _order(sort: str, csi, checklist, alarm_count) -> list:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORTS:
        raise ValueError(f"sort={sort!r}; expected one of {', '.join(SORTS)}, with - before it to sort descending")
    column = {"started_at": contacts.c.started_at, "csi": csi.c.value, "checklist": checklist,
              "alarms": alarm_count, "contact_id": contacts.c.contact_id}[key]
    direction = (lambda e: e.desc()) if descending else (lambda e: e.asc())
    order = [] if key == "contact_id" else [direction(column).nulls_last()]
    return [*order, direction(contacts.c.contact_id)]


def contacts_page(catalog: Any, filters: ContactFilter, scope: Scope, *, limit: int = 50, offset: int = 0,
                  sort: str = "-started_at", max_limit: int = MAX_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """One page of the contacts ``scope`` may see that pass ``filters``, and how many pass in all.

    Each row: ``contact_id``, ``channel``, ``operator_id``, ``team``, ``started_at`` (aware UTC),
    ``csi`` (the model's), ``checklist`` (the lowest checklist score), ``alarms`` (count),
    ``sentiment`` and ``negative_share`` (the customer's). ``catalog`` is a
    :class:`pipeline.catalog.Catalog` (its ``engine`` is read). ``max_limit``: the largest page allowed
    (an export asks for every row in one page).
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise ValueError(f"limit={limit!r}; expected an integer 1..{max_limit}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset={offset!r}; expected an integer >= 0")
    if not isinstance(filters, ContactFilter):
        raise TypeError(f"filters is {type(filters).__name__}; expected ContactFilter")
    dialect = catalog.engine.dialect.name
    csi, csi_on = _csi_join()
    checklist = _checklist_score().label("checklist")
    a = alarms.alias("n")
    alarm_count = (sa.select(sa.func.count()).select_from(a).where(a.c.contact_id == contacts.c.contact_id)
                   .scalar_subquery().label("alarms"))
    where = _where(filters, scope, dialect, csi)
    order = _order(sort, csi, checklist, alarm_count)
    text_on = contact_text.c.contact_id == contacts.c.contact_id
    # Page and count join only what their filters and sort read (each join skipped is 100,000 lookups
    # saved), and the page's ids are chosen first: the columns shown are computed for those rows
    # alone, not for every contact that passes before the sort.
    csi_filtered = filters.csi_min is not None or filters.csi_max is not None
    counted = contacts.join(csi, csi_on) if csi_filtered else contacts
    if filters.q is not None or filters.sentiment is not None:
        counted = counted.join(contact_text, text_on)
    source = counted.outerjoin(csi, csi_on) if sort.removeprefix("-") == "csi" and not csi_filtered else counted
    chosen = (sa.select(contacts.c.contact_id)
              .select_from(source).where(*where).order_by(*order).limit(limit).offset(offset).subquery("chosen"))
    page = (sa.select(contacts.c.contact_id, contacts.c.channel, contacts.c.operator_id, contacts.c.team,
                      contacts.c.started_at, csi.c.value.label("csi"), checklist, alarm_count,
                      contact_text.c.customer_sentiment.label("sentiment"),
                      contact_text.c.customer_negative_share.label("negative_share"))
            .select_from(chosen.join(contacts, contacts.c.contact_id == chosen.c.contact_id)
                         .outerjoin(csi, csi_on).outerjoin(contact_text, text_on))
            .order_by(*order))  # the same order, now over the page's rows only
    count = sa.select(sa.func.count()).select_from(counted).where(*where)
    with catalog.engine.connect() as conn:
        rows = conn.execute(page).all()
        total = conn.execute(count).scalar_one()
    return [{**row._asdict(), "started_at": _utc(row.started_at)} for row in rows], int(total)
