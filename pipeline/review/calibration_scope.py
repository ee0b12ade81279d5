"""The calibration report read only for the contacts in calibration: what :func:`pipeline.review.calibration.calibration`
gives, without reading every checklist answer of the catalog (the web pages call this on every view).

The automatic answers compared with the reviewers' are those of the contacts that have calibrate answers
in the window, read contact by contact; the rest is :func:`~pipeline.review.calibration.calibration_report`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.records.review_states import answer_of, item_key
from pipeline.review.calibration import Key, calibration_report

if TYPE_CHECKING:
    from pipeline.store import Store


def automatic_answers(store: Store, contact_ids: set[str]) -> dict[Key, float | None]:
    """The rules' (or a model's) answers of these contacts: the stored one where it is still automatic,
    else the one kept when a reviewer first replaced it."""
    automatic: dict[Key, float | None] = {}
    for contact_id in sorted(contact_ids):
        for item in store.catalog.checklist_results(contact_id):
            if item.source in ("rule", "model") and (item.value is not None or item.not_applicable):
                automatic[item_key(item)] = answer_of(item)
        for event in store.catalog.review_events(contact_id, actions=["auto"]):
            automatic.setdefault((event.contact_id, event.checklist_id, event.item_id), event.value)
    return automatic


def calibration_of_window(store: Store, *, since: datetime | None = None, until: datetime | None = None,
                          checklist_id: str | None = None) -> dict[str, Any]:
    """The same report as :func:`pipeline.review.calibration.calibration`, read for the calibrated contacts only."""
    answers = [e for e in store.catalog.review_events(actions=["calibrate"], since=since, until=until)
               if checklist_id is None or e.checklist_id == checklist_id]
    reviews = [e for e in store.catalog.review_events(actions=["auto", "confirm", "override"], since=since,
                                                        until=until)
               if checklist_id is None or e.checklist_id == checklist_id]
    automatic = automatic_answers(store, {e.contact_id for e in answers})
    return calibration_report(answers, automatic=automatic, reviews=reviews)
