"""What the value report reads from the catalog, per customer, in batched queries (SQLite and PostgreSQL alike).

For every customer with a stored value, over the survey answers given and the contacts started in
``[since, until)``:

- ``nps``, ``csat``: the customer's answers of that kind, in time order; ``womi_pairs``: ``(nps,
  discourage)`` of each response that answered both (:func:`pipeline.surveys.metrics.response_key`);
- ``contacts``: contacts naming the customer; ``csi``: their predicted CSI (``csi`` scores of the model);
- ``silent_dissatisfied``: their desk visits served without a button press that ended dissatisfied
  (the ``desk`` feature set's ``silent`` and ``dissatisfied``, :func:`features.desk.visit_values`);
- ``drivers``: what the customer's experience went wrong on: ``reason:<code>`` of their answers,
  ``checklist:<checklist>/<item>`` answered "no" (0) on their contacts, ``tag:<tag>`` of the phrase
  tags on their contacts' transcript turns.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from tqdm import tqdm

from pipeline.catalog.schema import checklist_results, contacts, feature_sets, scores, survey_answers, transcripts
from pipeline.catalog.sql import batches, utc

DRIVER_KINDS = ("reason", "checklist", "tag")


@dataclass
class CustomerCx:
    """One customer's experience in the period (see the module docstring)."""

    nps: list[int] = field(default_factory=list)
    csat: list[int] = field(default_factory=list)
    womi_pairs: list[tuple[int, int]] = field(default_factory=list)
    contacts: int = 0
    csi: list[float] = field(default_factory=list)
    silent_dissatisfied: int = 0
    drivers: set[str] = field(default_factory=set)


def _in_period(column: sa.ColumnElement, since: datetime | None, until: datetime | None) -> list:
    where = []
    if since is not None:
        where.append(column >= utc(since))
    if until is not None:
        where.append(column < utc(until))
    return where


def _answers(conn: sa.Connection, batch: list[str], since, until, found: dict[str, CustomerCx]) -> None:
    t = survey_answers
    query = (sa.select(t.c.customer_id, t.c.invitation_id, t.c.kind, t.c.value, t.c.reason, t.c.answered_at)
             .where(t.c.customer_id.in_(batch), *_in_period(t.c.answered_at, since, until))
             .order_by(t.c.answered_at, t.c.answer_id))
    responses: dict[tuple, dict[str, int]] = {}
    owner: dict[tuple, str] = {}
    for row in conn.execute(query):
        cx = found[row.customer_id]
        if row.kind == "nps":
            cx.nps.append(int(row.value))
        elif row.kind == "csat":
            cx.csat.append(int(row.value))
        if row.kind in ("nps", "discourage"):
            key = (("invitation", row.invitation_id) if row.invitation_id is not None
                   else ("customer", row.customer_id, utc(row.answered_at).timestamp()))
            responses.setdefault(key, {})[row.kind] = int(row.value)
            owner[key] = row.customer_id
        if row.reason:
            cx.drivers.add(f"reason:{str(row.reason).strip()}")
    for key, response in responses.items():
        if "nps" in response and "discourage" in response:
            found[owner[key]].womi_pairs.append((response["nps"], response["discourage"]))


def _contacts(conn: sa.Connection, batch: list[str], since, until, found: dict[str, CustomerCx]) -> dict[str, str]:
    t = contacts
    query = sa.select(t.c.contact_id, t.c.customer_id).where(t.c.customer_id.in_(batch),
                                                             *_in_period(t.c.started_at, since, until))
    owner = {row.contact_id: row.customer_id for row in conn.execute(query)}
    for customer in owner.values():
        found[customer].contacts += 1
    return owner


def _contact_facts(conn: sa.Connection, owner: dict[str, str], found: dict[str, CustomerCx]) -> None:
    for batch in batches(owner):
        s = scores
        for row in conn.execute(sa.select(s.c.contact_id, s.c.value).where(
                s.c.contact_id.in_(batch), s.c.name == "csi", s.c.source == "model")):
            found[owner[row.contact_id]].csi.append(float(row.value))
        f = feature_sets
        for row in conn.execute(sa.select(f.c.contact_id, f.c["values"]).where(f.c.contact_id.in_(batch),
                                                                               f.c.name == "desk")):
            values = row[1] or {}
            if values.get("silent") and values.get("dissatisfied"):
                found[owner[row.contact_id]].silent_dissatisfied += 1
        c = checklist_results
        for row in conn.execute(sa.select(c.c.contact_id, c.c.checklist_id, c.c.item_id).where(
                c.c.contact_id.in_(batch), c.c.value == 0, c.c.not_applicable.is_(False))):
            found[owner[row.contact_id]].drivers.add(f"checklist:{row.checklist_id}/{row.item_id}")
        tr = transcripts
        for row in conn.execute(sa.select(tr.c.contact_id, tr.c.turns).where(tr.c.contact_id.in_(batch))):
            for turn in row.turns or ():
                for tag in (turn.get("tags") or ()) if isinstance(turn, dict) else ():
                    found[owner[row.contact_id]].drivers.add(f"tag:{tag}")


def collect_cx(engine: sa.Engine, customers: Collection[str], *, since: datetime | None = None,
               until: datetime | None = None, progress: bool = False) -> dict[str, CustomerCx]:
    """The experience of each of ``customers`` in ``[since, until)`` (a customer with none has an empty one)."""
    found = {customer: CustomerCx() for customer in customers}
    chunks = batches(found)
    with engine.connect() as conn:
        for batch in tqdm(chunks, desc="customers", unit="batch", disable=not progress or len(chunks) < 2):
            _answers(conn, batch, since, until, found)
            owner = _contacts(conn, batch, since, until, found)
            _contact_facts(conn, owner, found)
    return found
