"""The lists behind the disputes and calibration API and pages: disputed answers a user may see, the
per-item rows of a calibration report, the contacts already in calibration, and the kappa colour bands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.records.review_states import answer_of
from pipeline.users import User, can_see

if TYPE_CHECKING:
    from pipeline.store import Store

GOOD_KAPPA = 0.6
"""Kappa at or above this: reviewers agree well (green)."""
FAIR_KAPPA = 0.4
"""Kappa at or above this and below :data:`GOOD_KAPPA`: fair (amber); below it: poor (red)."""
DISPUTE_COLUMNS = ["contact_id", "channel", "operator_id", "team", "started_at", "checklist_id", "item_id", "value",
                   "reviewer", "review_comment", "disputed_by", "dispute_comment", "disputed_at"]
CALIBRATION_COLUMNS = ["checklist_id", "item_id", "reviewers", "subjects", "ratings", "percent_agreement", "kappa",
                       "weighted_kappa"]


def kappa_band(kappa: float | None) -> str:
    """``good`` (>= 0.6), ``fair`` (0.4 to 0.6), ``poor`` (< 0.4) or ``none`` (not defined).

    >>> [kappa_band(k) for k in (0.6, 0.59, 0.4, 0.1, -0.2, None)]
    ['good', 'fair', 'fair', 'poor', 'poor', 'none']
    """
    if kappa is None:
        return "none"
    return "good" if kappa >= GOOD_KAPPA else "fair" if kappa >= FAIR_KAPPA else "poor"


def dispute_rows(store: Store, user: User) -> list[dict[str, Any]]:
    """The answers in state ``disputed`` on contacts ``user`` may see, oldest dispute first: the contact,
    the item, the reviewed value and comment, and who disputed it, when and why."""
    items = store.catalog.checklist_results(state="disputed")
    if not items:
        return []
    latest: dict[tuple[str, str, str | None], Any] = {}
    for event in store.catalog.review_events(actions=["dispute"]):  # oldest first: the last one stays
        latest[(event.contact_id, event.checklist_id, event.item_id)] = event
    contacts: dict[str, Any] = {}
    rows = []
    for item in items:
        if item.contact_id not in contacts:
            contacts[item.contact_id] = store.catalog.get_contact(item.contact_id)
        contact = contacts[item.contact_id]
        if contact is None or not can_see(user, contact):
            continue
        event = latest.get((item.contact_id, item.checklist_id, item.item_id))
        rows.append({"contact_id": contact.contact_id, "channel": contact.channel, "operator_id": contact.operator_id,
                     "team": contact.team, "started_at": contact.started_at, "checklist_id": item.checklist_id,
                     "item_id": item.item_id, "value": answer_of(item), "not_applicable": item.not_applicable,
                     "reviewer": item.reviewer,
                     "review_comment": _review_comment(store, item) if event else item.comment,
                     "disputed_by": event.actor if event else None,
                     "dispute_comment": event.comment if event else item.comment,
                     "disputed_at": event.at if event else item.updated_at})
    return sorted(rows, key=lambda r: (r["disputed_at"] is None, r["disputed_at"] or 0, r["contact_id"]))


def _review_comment(store: Store, item) -> str:
    """The reviewer's last confirm/override comment on the answer (what the operator disputes)."""
    said = [e.comment for e in store.catalog.review_events(item.contact_id, actions=["confirm", "override"])
            if e.checklist_id == item.checklist_id and e.item_id == item.item_id]
    return said[-1] if said else ""


def calibration_item_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-item rows of a calibration report, for a table or an export (reviewers joined by commas).

    >>> calibration_item_rows({"items": [{"checklist_id": "b", "item_id": "g", "reviewers": ["r", "u"],
    ...                                   "subjects": 1, "ratings": 2, "percent_agreement": 1.0, "kappa": None,
    ...                                   "weighted_kappa": None}]})[0]["reviewers"]
    'r, u'
    """
    return [{**{c: item.get(c) for c in CALIBRATION_COLUMNS}, "reviewers": ", ".join(item["reviewers"])}
            for item in report["items"]]


def calibration_contacts(store: Store, user: User) -> list[str]:
    """Contacts that already have calibration answers, that ``user`` may see, newest answer first."""
    seen: dict[str, None] = {}
    for event in reversed(store.catalog.review_events(actions=["calibrate"])):
        seen.setdefault(event.contact_id, None)
    found = []
    for contact_id in seen:
        contact = store.catalog.get_contact(contact_id)
        if contact is not None and can_see(user, contact):
            found.append(contact_id)
    return found
