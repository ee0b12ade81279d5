"""Calibration: do reviewers score the same contacts alike, and alike with the rules?

A calibration session is several reviewers answering the same checklist items of the same
contacts on their own. Their answers are ``calibrate`` rows in ``review_events`` (role
``reviewer``, ``value`` the answer, None = not applicable) and never change
``checklist_results``; a session is the calibrate events in a time window (``since``/``until``).
When a reviewer answers an item twice, the later answer counts.

:func:`calibration_report` (pure) gives, with the measures of :mod:`features.agreement`:

- ``items``: per checklist item, over the contacts that 2 or more reviewers answered: percent
  agreement, Fleiss' kappa, and for scale items (3 or more numeric values) the mean pairwise
  linearly weighted kappa;
- ``overall``: the same pooled over every (contact, item), plus the mean pairwise kappa;
- ``pairs``: Cohen's kappa of each pair of reviewers over what both answered;
- ``vs_automatic``: each reviewer against the automatic (rule or model) answers, on two bases:
  ``calibration`` (their calibrate answers) and ``reviews`` (their first confirm or override of an
  automatic answer in the ordinary workflow; a confirm is an agreement).

"Not applicable" is a label of its own (``n/a``) in the nominal measures and left out of the weighted one.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from features import agreement
from pipeline.records import ReviewEvent
from pipeline.records.review_states import answer_of, item_key

if TYPE_CHECKING:
    from pipeline.store import Store

NA = "n/a"
Key = tuple[str, str, str]
"""(contact_id, checklist_id, item_id)"""


def label(value: float | None) -> float | str:
    """An answer as a rating label: the number, or ``n/a`` for not applicable."""
    return NA if value is None else float(value)


def _measures(ratings: Sequence[Sequence[Any]]) -> dict[str, Any]:
    return {"subjects": len(ratings), "ratings": sum(len(r) for r in ratings),
            "percent_agreement": agreement.percent_agreement(ratings), "kappa": agreement.fleiss_kappa(ratings)}


def _two(first: Sequence[Any], second: Sequence[Any]) -> dict[str, Any]:
    return {"subjects": len(first), "percent_agreement": agreement.percent_agreement(list(zip(first, second))),
            "kappa": agreement.cohen_kappa(first, second)}


def _weighted(by_reviewer: Mapping[str, Mapping[str, Any]]) -> float | None:
    numeric = {r: {s: v for s, v in answers.items() if v != NA} for r, answers in by_reviewer.items()}
    levels = {v for answers in numeric.values() for v in answers.values()}
    if len(levels) < 3:
        return None  # a yes/no item: weighted kappa would only repeat the plain one
    return agreement.mean_pairwise_kappa(numeric, weights="linear")


def review_pairs(events: Sequence[ReviewEvent]) -> dict[str, list[tuple[Any, Any]]]:
    """``{reviewer: [(automatic label, reviewer label), ...]}`` from workflow events in time order: each
    ``auto`` event (the automatic answer kept at a first review) with the confirm or override that followed it."""
    kept: dict[Key, float | None] = {}
    pairs: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for event in events:
        key = (event.contact_id, event.checklist_id, event.item_id)
        if event.action == "auto":
            kept[key] = event.value
        elif event.action in ("confirm", "override") and key in kept:
            pairs[event.actor].append((label(kept.pop(key)), label(event.value)))
    return dict(pairs)


def calibration_report(answers: Sequence[ReviewEvent], *, automatic: Mapping[Key, float | None] | None = None,
                       reviews: Sequence[ReviewEvent] = ()) -> dict[str, Any]:
    """Agreement among reviewers, and of each reviewer with the automatic answers (see the module doc).

    Parameters
    ----------
    answers : review events; only ``calibrate`` ones count, the latest per reviewer and item.
    automatic : ``{(contact_id, checklist_id, item_id): value}`` the rules' answers (None = not
        applicable); items without an automatic answer are absent.
    reviews : workflow events (``auto``, ``confirm``, ``override``) in time order, for the
        ``reviews`` basis of ``vs_automatic``.
    """
    latest: dict[Key, dict[str, Any]] = defaultdict(dict)
    for event in sorted((e for e in answers if e.action == "calibrate"), key=lambda e: e.at):
        latest[(event.contact_id, event.checklist_id, event.item_id)][event.actor] = label(event.value)
    reviewers = sorted({r for by in latest.values() for r in by})
    shared = {key: by for key, by in sorted(latest.items()) if len(by) >= 2}

    items = []
    by_item: dict[tuple[str, str], dict[Key, dict[str, Any]]] = defaultdict(dict)
    for key, by in shared.items():
        by_item[key[1:]][key] = by
    for (checklist_id, item_id), subjects in sorted(by_item.items()):
        per_reviewer: dict[str, dict[str, Any]] = defaultdict(dict)
        for key, by in subjects.items():
            for reviewer, value in by.items():
                per_reviewer[reviewer][key[0]] = value
        items.append({"checklist_id": checklist_id, "item_id": item_id,
                      "reviewers": sorted({r for by in subjects.values() for r in by}),
                      **_measures([list(by.values()) for by in subjects.values()]),
                      "weighted_kappa": _weighted(per_reviewer)})

    per_reviewer_all: dict[str, dict[Key, Any]] = defaultdict(dict)
    for key, by in shared.items():
        for reviewer, value in by.items():
            per_reviewer_all[reviewer][key] = value
    overall = {**_measures([list(by.values()) for by in shared.values()]),
               "mean_pairwise_kappa": agreement.mean_pairwise_kappa(per_reviewer_all)}

    pairs = []
    for first, second in itertools.combinations(reviewers, 2):
        common = [key for key, by in shared.items() if first in by and second in by]
        if common:
            pairs.append({"reviewers": [first, second],
                          **_two([shared[k][first] for k in common], [shared[k][second] for k in common])})

    vs_automatic = []
    automatic = automatic or {}
    from_reviews = review_pairs(reviews)
    for reviewer in sorted(set(reviewers) | set(from_reviews)):
        mine = [(label(automatic[key]), by[reviewer]) for key, by in sorted(latest.items())
                if reviewer in by and key in automatic]
        for basis, pairs_of in (("calibration", mine), ("reviews", from_reviews.get(reviewer, []))):
            if pairs_of:
                vs_automatic.append({"reviewer": reviewer, "basis": basis,
                                     **_two([a for a, _ in pairs_of], [r for _, r in pairs_of])})
    return {"reviewers": reviewers, "contacts": len({key[0] for key in shared}), "overall": overall,
            "items": items, "pairs": pairs, "vs_automatic": vs_automatic}


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


def calibration(store: Store, *, since: datetime | None = None, until: datetime | None = None,
                checklist_id: str | None = None) -> dict[str, Any]:
    """:func:`calibration_report` of the calibrate events (and workflow reviews) in ``[since, until)``; the
    automatic answers are read for the calibrated contacts only (the web pages ask on every view)."""
    answers = [e for e in store.catalog.review_events(actions=["calibrate"], since=since, until=until)
               if checklist_id is None or e.checklist_id == checklist_id]
    reviews = [e for e in store.catalog.review_events(actions=["auto", "confirm", "override"], since=since,
                                                        until=until)
               if checklist_id is None or e.checklist_id == checklist_id]
    return calibration_report(answers, automatic=automatic_answers(store, {e.contact_id for e in answers}),
                              reviews=reviews)
