"""Desk complaints and suggestions (table complaints) and sales (table sales).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2).
A complaint or suggestion is keyed by the feedback event it came from, a sale by its own id (the
sales file's, else one derived from what it is, or the ``sale`` event's): adding the same again is
``INSERT ... ON CONFLICT DO NOTHING``, so linking device events or ingesting a sales file twice adds
nothing twice. A complaint is ``open`` until a person closes it with an answer; a suggestion is
``noted`` and never opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa

from pipeline.catalog.schema import metadata
from pipeline.catalog.sql import BATCH, dialect_insert, utc as _utc
from pipeline.records.checks import check_aware

FEEDBACK_KINDS = ("complaint", "suggestion")
STATUSES = ("open", "closed", "noted")

complaints = sa.Table(
    "complaints",
    metadata,
    sa.Column("complaint_id", sa.String(128), primary_key=True),  # the feedback event's id
    sa.Column("kind", sa.String(16), nullable=False),  # complaint | suggestion
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("device_id", sa.String(128), nullable=False),
    sa.Column("desk_id", sa.String(128)),
    sa.Column("site_id", sa.String(128)),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("contact_id", sa.String(64)),  # the desk visit the press fell in
    sa.Column("emotion", sa.String(16)),  # the top emotion read at the press: a label, never an image
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("contact_details", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # open | closed | noted
    sa.Column("alarm_id", sa.String(64)),
    sa.Column("answer", sa.Text),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

sales = sa.Table(
    "sales",
    metadata,
    sa.Column("sale_id", sa.String(128), primary_key=True),
    sa.Column("seller_id", sa.String(128), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("amount", sa.Float),
    sa.Column("desk_id", sa.String(128)),
    sa.Column("site_id", sa.String(128)),
    sa.Column("source", sa.Text, nullable=False),  # the sales file's name, or device:ID for a sale event
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint or suggestion left on a feedback button, with what the desk camera read at that moment."""

    complaint_id: str
    kind: Literal["complaint", "suggestion"]
    at: datetime
    device_id: str
    desk_id: str | None = None
    site_id: str | None = None
    operator_id: str | None = None
    contact_id: str | None = None
    emotion: str | None = None
    comment: str = ""
    contact_details: str = ""
    status: Literal["open", "closed", "noted"] = "open"
    alarm_id: str | None = None
    answer: str | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.complaint_id or not self.device_id:
            raise ValueError("a complaint needs complaint_id and device_id")
        if self.kind not in FEEDBACK_KINDS:
            raise ValueError(f"kind={self.kind!r}; expected one of {list(FEEDBACK_KINDS)}")
        if self.status not in STATUSES:
            raise ValueError(f"status={self.status!r}; expected one of {list(STATUSES)}")
        check_aware("at", self.at)
        check_aware("closed_at", self.closed_at)


@dataclass(frozen=True, slots=True)
class Sale:
    """A sale a seller made, from a sales file or a ``sale`` device event; ``amount`` may be unknown."""

    sale_id: str
    seller_id: str
    at: datetime
    amount: float | None = None
    desk_id: str | None = None
    site_id: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not self.sale_id or not self.seller_id:
            raise ValueError("a sale needs sale_id and seller_id")
        check_aware("at", self.at)


_COMPLAINT_FIELDS = ("complaint_id", "kind", "device_id", "desk_id", "site_id", "operator_id", "contact_id",
                     "emotion", "comment", "contact_details", "status", "alarm_id", "answer")
_SALE_FIELDS = ("sale_id", "seller_id", "amount", "desk_id", "site_id", "source")


class DeskRecords:
    engine: sa.Engine

    def _insert_once(self, table: sa.Table, rows: Sequence[dict]) -> list[str]:
        """Insert the rows whose key is new, in one transaction; the keys that were new."""
        if not rows:
            return []
        [key] = table.primary_key.columns
        statement = dialect_insert(self.engine)(table).on_conflict_do_nothing(index_elements=[key]).returning(key)
        added: list[str] = []
        with self.engine.begin() as conn:
            for start in range(0, len(rows), BATCH):
                added += [r[0] for r in conn.execute(statement, list(rows[start:start + BATCH])).all()]
        return added

    # complaints ---------------------------------------------------------------------------

    def add_complaints(self, items: Iterable[Complaint]) -> list[str]:
        """Store the complaints and suggestions whose id is new (the first stored wins); their ids."""
        now = datetime.now(UTC)
        rows = {c.complaint_id: {**{n: getattr(c, n) for n in _COMPLAINT_FIELDS}, "at": _utc(c.at),
                                 "closed_at": _utc(c.closed_at), "recorded_at": now} for c in items}
        return self._insert_once(complaints, list(rows.values()))

    @staticmethod
    def _complaint(row: sa.Row) -> Complaint:
        return Complaint(at=_utc(row.at), closed_at=_utc(row.closed_at),
                         **{n: getattr(row, n) for n in _COMPLAINT_FIELDS})

    def complaints(self, *, kind: str | None = "complaint", status: str | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   id_prefix: str | None = None) -> list[Complaint]:
        """Complaints (or suggestions, or both with ``kind=None``) left in ``[since, until)``, oldest first."""
        t = complaints
        query = t.select().order_by(t.c.at, t.c.complaint_id)
        for column, wanted in ((t.c.kind, kind), (t.c.status, status)):
            if wanted is not None:
                query = query.where(column == wanted)
        if since is not None:
            query = query.where(t.c.at >= _utc(since))
        if until is not None:
            query = query.where(t.c.at < _utc(until))
        if id_prefix is not None:
            query = query.where(t.c.complaint_id.startswith(id_prefix, autoescape=True))
        with self.engine.connect() as conn:
            return [self._complaint(r) for r in conn.execute(query).all()]

    def set_complaint_alarm(self, complaint_id: str, alarm_id: str) -> None:
        """Record the alarm the complaint raised (so a later link run does not raise it again)."""
        with self.engine.begin() as conn:
            conn.execute(complaints.update().where(complaints.c.complaint_id == complaint_id)
                         .values(alarm_id=alarm_id))

    def close_complaint(self, complaint_id: str, answer: str, *, at: datetime) -> Complaint:
        """Close the open complaint with a person's answer; KeyError if there is none, ValueError if it is
        not open (closed already, or a suggestion)."""
        if not answer.strip():
            raise ValueError("an answer is needed to close a complaint")
        check_aware("at", at)
        t = complaints
        with self.engine.begin() as conn:
            row = conn.execute(t.select().where(t.c.complaint_id == complaint_id).with_for_update()).first()
            if row is None:
                raise KeyError(complaint_id)
            if row.status != "open":
                what = "a suggestion (nothing to close)" if row.kind == "suggestion" else \
                    f"closed already at {_utc(row.closed_at).isoformat()}"
                raise ValueError(f"complaint {complaint_id} is {what}")
            conn.execute(t.update().where(t.c.complaint_id == complaint_id, t.c.status == "open")
                         .values(status="closed", answer=answer, closed_at=_utc(at)))
            row = conn.execute(t.select().where(t.c.complaint_id == complaint_id)).first()
        return self._complaint(row)

    # sales --------------------------------------------------------------------------------

    def add_sales(self, items: Iterable[Sale]) -> int:
        """Store the sales whose id is new; how many were."""
        now = datetime.now(UTC)
        rows = {s.sale_id: {**{n: getattr(s, n) for n in _SALE_FIELDS}, "at": _utc(s.at), "recorded_at": now}
                for s in items}
        return len(self._insert_once(sales, list(rows.values())))

    def sales(self, *, since: datetime | None = None, until: datetime | None = None,
              seller_id: str | None = None) -> list[Sale]:
        """Sales made in ``[since, until)``, oldest first, optionally of one seller."""
        t = sales
        query = t.select().order_by(t.c.at, t.c.sale_id)
        if since is not None:
            query = query.where(t.c.at >= _utc(since))
        if until is not None:
            query = query.where(t.c.at < _utc(until))
        if seller_id is not None:
            query = query.where(t.c.seller_id == seller_id)
        with self.engine.connect() as conn:
            return [Sale(at=_utc(r.at), **{n: getattr(r, n) for n in _SALE_FIELDS}) for r in conn.execute(query)]
