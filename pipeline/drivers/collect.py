"""What a driver analysis reads from the catalog: one target value per surveyed contact and, for the same
contacts, every factor that may drive it, in batched queries (SQLite and PostgreSQL alike).

Target (per contact, over its survey answers given in the period):

- ``csat`` 1..5, ``nps`` 0..10: the mean of the contact's answers of that kind;
- ``csi`` 0..100: :func:`features.surveys.csi` of all the contact's answers (CSAT, NPS, CES rescaled);
- CSI's three parts, each from its own question (:func:`features.csi_parts.csi_part`, 0..100, higher =
  better, so that a factor that raises it is good, as for the other targets): ``goal`` (goal reached, answers
  0 no / 1 partly / 2 yes: ``100 * v / 2``), ``ces`` (effort, CES 1..7: ``100 * (7 - CES) / 6``) and
  ``emotion`` (1..5: ``100 * (v - 1) / 4``); the mean over the contact's answers of that kind.

A part is analysed where the survey asks it: :attr:`DriverData.asked` counts, per answer kind, the surveyed
contacts of the period with an answer of that kind, whatever the target.

Factors (None where a contact does not have one):

- ``checklist:<checklist>/<item>``: the item's answer (automatic or a reviewer's); not applicable is None;
- ``<set>:<name>``: each numeric value of the contact's ``call`` and ``chat`` feature sets (a yes/no
  value as 1/0);
- ``tag:<name>``: 1 when a turn of the contact's transcript carries the phrase tag, else 0 (None
  without a transcript);
- ``reason:<reason>``: 1 when one of the contact's answers (of any kind) chose that reason, else 0. A reason is
  given after the score, often because of it: read its importance as association, not cause.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from features.csi_parts import csi_part
from features.surveys import csi
from pipeline.catalog.schema import checklist_results, feature_sets, survey_answers, transcripts
from pipeline.catalog.sql import batches, utc

TARGETS = ("csat", "nps", "csi", "goal", "ces", "emotion")
PART_OF = {"goal": "goal", "ces": "effort", "emotion": "emotion"}
"""The CSI part each answer kind asks."""
FEATURE_SETS = ("call", "chat")
FACTOR_KINDS = ("checklist", "feature", "tag", "reason")


@dataclass
class DriverData:
    """The rows of a driver analysis: contacts in one order, a target and every factor column in that order."""

    target: str
    contact_ids: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    factors: dict[str, list[float | None]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    """Each factor's kind: checklist, feature, tag or reason."""
    unlinked_answers: int = 0
    """Answers of the target's kind(s) in the period that name no contact (left out)."""
    asked: dict[str, int] = field(default_factory=dict)
    """Contacts with an answer of each kind in the period (``{"csat": 48, "goal": 40, ...}``; a kind not asked
    is absent)."""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and value == value:  # NaN is no value
        return float(value)
    return None


def _targets(engine: sa.Engine, target: str, since: datetime | None,
             until: datetime | None) -> tuple[dict[str, float], dict[str, set[str]], int, dict[str, int]]:
    """``({contact: target value}, {contact: reasons chosen}, answers naming no contact, {kind: contacts})``."""
    t = survey_answers
    kinds = ("csat", "nps", "ces") if target == "csi" else (target,)
    query = sa.select(t.c.contact_id, t.c.kind, t.c.value, t.c.reason)  # reasons of any kind's answer
    if since is not None:
        query = query.where(t.c.answered_at >= utc(since))
    if until is not None:
        query = query.where(t.c.answered_at < utc(until))
    answers: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    reasons: dict[str, set[str]] = defaultdict(set)
    unlinked = 0
    asked: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for row in conn.execute(query.order_by(t.c.contact_id, t.c.answer_id)):
            if row.contact_id is None:
                unlinked += row.kind in kinds
                continue
            asked[row.kind].add(row.contact_id)
            if row.kind in kinds:
                answers[row.contact_id][row.kind].append(int(row.value))
            if row.reason:
                reasons[row.contact_id].add(str(row.reason).strip())
    values: dict[str, float] = {}
    for contact_id, by_kind in list(answers.items()):
        if target == "csi":
            value = csi(csat=by_kind["csat"], nps=by_kind["nps"], ces=by_kind["ces"])
        elif target in PART_OF:
            value = csi_part(by_kind[target], part=PART_OF[target])
        else:
            value = sum(by_kind[target]) / len(by_kind[target])
        if value is not None:
            values[contact_id] = float(value)
    return values, reasons, unlinked, {kind: len(contacts) for kind, contacts in sorted(asked.items())}


def collect(engine: sa.Engine, target: str = "csat", *, since: datetime | None = None,
            until: datetime | None = None, sets: Iterable[str] = FEATURE_SETS,
            kinds: Iterable[str] = FACTOR_KINDS) -> DriverData:
    """The target of every contact with a survey answer (of the target's kind) given in ``[since, until)``,
    and its factors of the ``kinds`` asked for."""
    if target not in TARGETS:
        raise ValueError(f"target {target!r}; expected one of {', '.join(TARGETS)}")
    kinds = set(kinds)
    unknown = kinds - set(FACTOR_KINDS)
    if unknown:
        raise ValueError(f"factor kind {sorted(unknown)[0]!r}; expected some of {', '.join(FACTOR_KINDS)}")
    values, reasons, unlinked, asked = _targets(engine, target, since, until)
    ids = sorted(values)
    data = DriverData(target=target, contact_ids=ids, values=[values[c] for c in ids], unlinked_answers=unlinked,
                      asked=asked)
    found: dict[str, dict[str, float | None]] = defaultdict(dict)  # factor -> contact -> value
    if "reason" in kinds:
        for contact_id in ids:
            for reason in reasons.get(contact_id, ()):
                found[f"reason:{reason}"][contact_id] = 1.0
                data.kinds[f"reason:{reason}"] = "reason"
    with engine.connect() as conn:
        for batch in batches(ids):
            if "checklist" in kinds:
                _checklists(conn, batch, found, data.kinds)
            if "feature" in kinds:
                _features(conn, batch, tuple(sets), found, data.kinds)
            if "tag" in kinds:
                _tags(conn, batch, found, data.kinds)
    with_transcript = found.pop("\x00transcript", {})
    for name in sorted(found):
        column = found[name]
        kind = data.kinds[name]
        if kind == "reason":
            data.factors[name] = [column.get(c, 0.0) for c in ids]
        elif kind == "tag":
            data.factors[name] = [column.get(c, 0.0) if c in with_transcript else None for c in ids]
        else:
            data.factors[name] = [column.get(c) for c in ids]
    return data


def _checklists(conn: sa.Connection, batch: list[str], found: dict, kinds: dict[str, str]) -> None:
    t = checklist_results
    query = sa.select(t.c.contact_id, t.c.checklist_id, t.c.item_id, t.c.value, t.c.not_applicable) \
        .where(t.c.contact_id.in_(batch))
    for row in conn.execute(query):
        name = f"checklist:{row.checklist_id}/{row.item_id}"
        kinds[name] = "checklist"
        found[name][row.contact_id] = None if row.not_applicable else _number(row.value)


def _features(conn: sa.Connection, batch: list[str], sets: tuple[str, ...], found: dict,
              kinds: dict[str, str]) -> None:
    t = feature_sets
    query = sa.select(t.c.contact_id, t.c.name, t.c["values"]).where(t.c.contact_id.in_(batch), t.c.name.in_(sets))
    for row in conn.execute(query):
        for key, value in (row[2] or {}).items():
            number = _number(value)
            if number is None:
                continue
            name = f"{row.name}:{key}"
            kinds[name] = "feature"
            found[name][row.contact_id] = number


def _tags(conn: sa.Connection, batch: list[str], found: dict, kinds: dict[str, str]) -> None:
    t = transcripts
    for row in conn.execute(sa.select(t.c.contact_id, t.c.turns).where(t.c.contact_id.in_(batch))):
        found["\x00transcript"][row.contact_id] = 1.0
        for turn in row.turns or ():
            for tag in (turn.get("tags") or ()) if isinstance(turn, dict) else ():
                kinds[f"tag:{tag}"] = "tag"
                found[f"tag:{tag}"][row.contact_id] = 1.0
