"""Mystery shoppers beside the automatic and reviewer scores of the same operators in the same period.

For each operator and checklist with mystery evaluations (rows ``operators``):

- ``mystery``: the mean form score of the operator's evaluations (0..100, the checklist's scoring);
- ``automatic``: the mean form score of the operator's contacts in the period scored from the
  automatic answers only (``source`` rule or model; an item a reviewer answered is left out);
- ``reviewer``: the mean form score of the operator's reviewed contacts (an answer in a reviewed
  state), scored from their answers as they stand after review;
- the gaps (mystery minus the other) and ``disagrees``: mystery and automatic more than
  ``threshold_points`` apart (:func:`features.mystery.disagrees`).

The same per item (rows ``items``), as points of the item's best (yes 100, no 0, 4 on 1-5: 75):
the automatic answers of the operator's contacts, the answers a reviewer gave (source reviewer),
and the shopper's. Only the checklists and operators the shoppers evaluated are shown.

And per visit whose contact is in the store with answers to the checklist (rows ``visits``): the
shopper's score beside the automatic and reviewer scores of that very contact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from features.mystery import DEFAULT_THRESHOLD_POINTS, disagrees, gap, mean_or_none, rounded, share_points
from pipeline.checklists.forms import Checklist
from pipeline.checklists.score import score_checklist
from pipeline.mystery.evaluation import MysteryEvaluation
from pipeline.records import ChecklistResult, Contact
from pipeline.records.review_states import REVIEWED

if TYPE_CHECKING:
    from pipeline.store import Store

AUTOMATIC_SOURCES = frozenset({"rule", "model"})
OPERATOR_COLUMNS = ("operator_id", "checklist_id", "evaluations", "mystery", "contacts_automatic", "automatic",
                    "contacts_reviewed", "reviewer", "gap_automatic", "gap_reviewer", "disagrees")
VISIT_COLUMNS = ("evaluation_id", "operator_id", "contact_id", "checklist_id", "at", "mystery", "automatic",
                 "reviewer", "gap_automatic", "gap_reviewer", "disagrees")
ITEM_COLUMNS = ("operator_id", "checklist_id", "item_id", "mystery_answers", "mystery", "automatic_answers",
                "automatic", "reviewer_answers", "reviewer", "gap_automatic", "gap_reviewer", "disagrees")


def _when(contact: Contact) -> datetime | None:
    return contact.started_at or contact.ingested_at


def _points(checklist: Checklist, item_id: str, value: float | None) -> float | None:
    try:
        item = checklist.item(item_id)
    except KeyError:
        return None  # an item dropped from a later version of the form
    if value is None or not item.scale[0] <= value <= item.scale[1]:
        return None
    return share_points(value, scale=item.scale)


def _contact_scores(checklist: Checklist, answers: Sequence[ChecklistResult]) -> tuple[float | None, float | None]:
    """(automatic, reviewer) form scores of one contact's answers to one checklist."""
    known = {i.id for i in checklist.items}
    mine = [a for a in answers if a.item_id in known]
    automatic = score_checklist(checklist, [a for a in mine if a.source in AUTOMATIC_SOURCES]).value
    reviewed = any(a.state in REVIEWED for a in mine)
    reviewer = score_checklist(checklist, mine).value if reviewed else None
    return automatic, reviewer


def comparison(evaluations: Sequence[MysteryEvaluation], contacts: Iterable[Contact],
               results: Iterable[ChecklistResult], checklists: Mapping[str, Checklist], *,
               threshold_points: float = DEFAULT_THRESHOLD_POINTS) -> dict[str, list[dict[str, Any]]]:
    """``{"operators": [...], "items": [...], "visits": [...]}`` (see the module doc), in operator, checklist,
    item (visit: time) order.

    ``contacts``: the contacts of the period (any operator); ``results``: their stored checklist answers;
    ``checklists``: the site's, by id (an evaluation of a checklist no longer configured is left out).
    """
    disagrees(None, None, threshold_points=threshold_points)  # checks the threshold
    wanted = {(e.operator_id, e.checklist_id) for e in evaluations if e.checklist_id in checklists}
    operators = {operator for operator, _ in wanted}
    operator_of = {c.contact_id: c.operator_id for c in contacts if c.operator_id in operators}
    by_contact: dict[tuple[str, str], list[ChecklistResult]] = defaultdict(list)
    for r in results:
        operator = operator_of.get(r.contact_id)
        if operator is not None and (operator, r.checklist_id) in wanted:
            by_contact[(r.contact_id, r.checklist_id)].append(r)

    forms: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    items: dict[tuple[str, str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for e in evaluations:
        if (e.operator_id, e.checklist_id) not in wanted:
            continue
        if e.score is not None:
            forms[(e.operator_id, e.checklist_id)]["mystery"].append(e.score)
        for item_id, value in e.answers:
            points = _points(checklists[e.checklist_id], item_id, value)
            if points is not None:
                items[(e.operator_id, e.checklist_id, item_id)]["mystery"].append(points)
    own: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for (contact_id, checklist_id), answers in by_contact.items():
        operator, checklist = operator_of[contact_id], checklists[checklist_id]
        automatic, reviewer = own[(contact_id, checklist_id)] = _contact_scores(checklist, answers)
        for name, value in (("automatic", automatic), ("reviewer", reviewer)):
            if value is not None:
                forms[(operator, checklist_id)][name].append(value)
        for a in answers:
            points = None if a.not_applicable else _points(checklist, a.item_id, a.value)
            if points is None:
                continue
            name = "automatic" if a.source in AUTOMATIC_SOURCES else "reviewer" if a.source == "reviewer" else None
            if name is not None:
                items[(operator, checklist_id, a.item_id)][name].append(points)

    operator_rows = []
    for operator, checklist_id in sorted(wanted):
        values = forms[(operator, checklist_id)]
        row = _compared({"operator_id": operator, "checklist_id": checklist_id,
                         "evaluations": sum(1 for e in evaluations
                                            if (e.operator_id, e.checklist_id) == (operator, checklist_id))},
                        values, threshold_points)
        row["contacts_automatic"] = len(values["automatic"])
        row["contacts_reviewed"] = len(values["reviewer"])
        operator_rows.append({c: row[c] for c in OPERATOR_COLUMNS})
    item_rows = []
    for operator, checklist_id in sorted(wanted):
        for item in checklists[checklist_id].items:
            values = items.get((operator, checklist_id, item.id))
            if not values:
                continue
            row = _compared({"operator_id": operator, "checklist_id": checklist_id, "item_id": item.id}, values,
                            threshold_points)
            for name in ("mystery", "automatic", "reviewer"):
                row[f"{name}_answers"] = len(values[name])
            item_rows.append({c: row[c] for c in ITEM_COLUMNS})
    visit_rows = []
    for e in evaluations:
        if (e.contact_id, e.checklist_id) not in own or (e.operator_id, e.checklist_id) not in wanted:
            continue
        automatic, reviewer = own[(e.contact_id, e.checklist_id)]
        values = {name: [] if value is None else [value]
                  for name, value in (("mystery", e.score), ("automatic", automatic), ("reviewer", reviewer))}
        row = _compared({"evaluation_id": e.evaluation_id, "operator_id": e.operator_id, "contact_id": e.contact_id,
                         "checklist_id": e.checklist_id, "at": e.at.isoformat()}, values, threshold_points)
        visit_rows.append({c: row[c] for c in VISIT_COLUMNS})
    return {"operators": operator_rows, "items": item_rows, "visits": visit_rows}


def _compared(row: dict[str, Any], values: Mapping[str, list[float]], threshold_points: float) -> dict[str, Any]:
    mystery, automatic, reviewer = (mean_or_none(values.get(n, [])) for n in ("mystery", "automatic", "reviewer"))
    row.update(mystery=rounded(mystery), automatic=rounded(automatic), reviewer=rounded(reviewer),
               gap_automatic=rounded(gap(mystery, automatic)), gap_reviewer=rounded(gap(mystery, reviewer)),
               disagrees=disagrees(mystery, automatic, threshold_points=threshold_points))
    return row


def mystery_comparison(store: Store, evaluations: Sequence[MysteryEvaluation], checklists: Sequence[Checklist], *,
                       since: datetime | None = None, until: datetime | None = None,
                       threshold_points: float = DEFAULT_THRESHOLD_POINTS) -> dict[str, list[dict[str, Any]]]:
    """:func:`comparison` of ``evaluations`` with the contacts started in ``[since, until)`` of the store."""
    operators = {e.operator_id for e in evaluations}
    contacts = [c for c in store.catalog.contacts()
                if c.operator_id in operators and _when(c) is not None
                and (since is None or _when(c) >= since) and (until is None or _when(c) < until)]
    ids = {c.contact_id for c in contacts}
    by_id = {c.id: c for c in checklists}
    results = [r for checklist_id in sorted({e.checklist_id for e in evaluations} & set(by_id))
               for r in store.catalog.checklist_results(checklist_id=checklist_id) if r.contact_id in ids]
    return comparison(evaluations, contacts, results, by_id, threshold_points=threshold_points)
