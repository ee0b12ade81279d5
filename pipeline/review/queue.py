"""The review queue: which contacts a reviewer should look at next, and why.

A contact can be picked when some checklist answer of it still waits for a reviewer (``auto`` or
``pending``), the reviewer never had it, no other reviewer has it open, and it is not the
reviewer's own contact. Among those, the risky ones come first, ranked by the points of their
reasons (:data:`REASON_POINTS`), then more alarms, lower predicted CSI, more negative customer
turns, and the contact id:

- ``alarm``: an alarm was raised on the contact;
- ``pending``: answers wait for a reviewer (a rule could not decide);
- ``low_csi``: predicted CSI below ``csi_below``;
- ``negative``: the customer had negative turns or messages.

A share of every batch (``random_share``, 20 % by default) is drawn at random from the other
candidates, so reviewers also see ordinary contacts and the form scores stay an unbiased sample;
when risky contacts run out, random ones fill the batch. Each assignment keeps its reason
(``alarm,low_csi`` or ``random``) in ``review_assignments``.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.records import ReviewAssignment
from pipeline.records.review_states import FIRST_REVIEW

if TYPE_CHECKING:
    from pipeline.store import Store

REASON_POINTS = {"alarm": 4, "pending": 3, "low_csi": 2, "negative": 1}
"""How much each risk weighs in the ranking; the order is also that of the reasons in a reason text."""
NEGATIVE_FEATURES = ("customer_negative_turns", "customer_negative_messages")
DEFAULT_CSI_BELOW = 50.0
DEFAULT_RANDOM_SHARE = 0.2
RANDOM = "random"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A contact that could be reviewed, with what makes it risky."""

    contact_id: str
    checklist_id: str
    csi: float | None = None
    alarms: int = 0
    negative: int = 0
    """Negative customer turns (calls) or messages (chats)."""
    pending: int = 0
    """Answers in state ``pending``."""


@dataclass(frozen=True, slots=True)
class Pick:
    contact_id: str
    checklist_id: str
    reason: str
    """The risk reasons joined by commas (``alarm,low_csi``), or ``random``."""
    points: int


def risk_reasons(candidate: Candidate, *, csi_below: float = DEFAULT_CSI_BELOW) -> tuple[str, ...]:
    """The candidate's risks, heaviest first.

    >>> risk_reasons(Candidate("c1", "basic", csi=41.0, negative=2))
    ('low_csi', 'negative')
    """
    present = {"alarm": candidate.alarms > 0, "pending": candidate.pending > 0,
               "low_csi": candidate.csi is not None and candidate.csi < csi_below, "negative": candidate.negative > 0}
    return tuple(reason for reason in REASON_POINTS if present[reason])


def rank_key(candidate: Candidate, *, csi_below: float = DEFAULT_CSI_BELOW) -> tuple:
    """Sorts the riskiest first: more points, more alarms, lower CSI (none last), more negative turns, the id."""
    points = sum(REASON_POINTS[r] for r in risk_reasons(candidate, csi_below=csi_below))
    return (-points, -candidate.alarms, math.inf if candidate.csi is None else candidate.csi, -candidate.negative,
            candidate.contact_id)


def pick_for_review(candidates: Sequence[Candidate], *, n: int, rng: random.Random,
                    random_share: float = DEFAULT_RANDOM_SHARE, csi_below: float = DEFAULT_CSI_BELOW) -> list[Pick]:
    """Up to ``n`` candidates: the riskiest ``n - round(n * random_share)`` by rank, then the rest drawn with
    ``rng`` from the candidates left (all of them random when there are too few risky ones).

    The same candidates, ``n`` and seed give the same picks, in whatever order the candidates come.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r}; expected an integer >= 1")
    if not 0.0 <= random_share <= 1.0:
        raise ValueError(f"random_share={random_share!r}; expected a fraction 0..1")
    ids = [c.contact_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("a contact is among the candidates twice; expected each once")
    reasons = {c.contact_id: risk_reasons(c, csi_below=csi_below) for c in candidates}
    points = {cid: sum(REASON_POINTS[r] for r in rs) for cid, rs in reasons.items()}
    risky = sorted((c for c in candidates if reasons[c.contact_id]), key=lambda c: rank_key(c, csi_below=csi_below))
    n_random = math.floor(n * random_share + 0.5)
    picks = [Pick(c.contact_id, c.checklist_id, ",".join(reasons[c.contact_id]), points[c.contact_id])
             for c in risky[:n - n_random]]
    taken = {p.contact_id for p in picks}
    pool = sorted((c for c in candidates if c.contact_id not in taken), key=lambda c: c.contact_id)
    drawn = rng.sample(pool, min(n - len(picks), len(pool)))
    return picks + [Pick(c.contact_id, c.checklist_id, RANDOM, points[c.contact_id]) for c in drawn]


def review_candidates(store: Store, reviewer: str) -> list[Candidate]:
    """The contacts ``reviewer`` could be given now (see the module doc), with their risks."""
    catalog = store.catalog
    waiting: dict[str, list] = defaultdict(list)
    for item in catalog.checklist_results(state=FIRST_REVIEW):
        waiting[item.contact_id].append(item)
    busy = {a.contact_id for a in catalog.review_assignments() if a.reviewer == reviewer or a.done_at is None}
    own = {c.contact_id for c in catalog.contacts() if c.operator_id == reviewer}
    return _candidates(store, {cid: items for cid, items in waiting.items() if cid not in busy | own})


def _candidates(store: Store, waiting: dict[str, list]) -> list[Candidate]:
    """Candidates of the contacts in ``waiting`` (``{contact_id: answers waiting for a reviewer}``)."""
    catalog = store.catalog
    ids = sorted(waiting)
    csi = {s.contact_id: s.value for s in catalog.scores(name="csi") if s.source == "model"}
    alarms = catalog.alarm_counts_by_contact(ids)
    features = catalog.feature_values(NEGATIVE_FEATURES, contact_ids=ids)
    candidates = []
    for contact_id in ids:
        items = waiting[contact_id]
        negative = sum(v for v in features.get(contact_id, {}).values()
                       if isinstance(v, (int, float)) and not isinstance(v, bool))
        candidates.append(Candidate(contact_id=contact_id,
                                    checklist_id=min((i.checklist_id for i in items), default=""),
                                    csi=csi.get(contact_id), alarms=alarms.get(contact_id, 0), negative=int(negative),
                                    pending=sum(i.state == "pending" for i in items)))
    return candidates


def fill_queue(store: Store, reviewer: str, *, at: datetime, rng: random.Random, n: int = 10,
               random_share: float = DEFAULT_RANDOM_SHARE,
               csi_below: float = DEFAULT_CSI_BELOW) -> list[ReviewAssignment]:
    """The reviewer's queue of up to ``n`` contacts: their open assignments first (oldest first), then new
    ones picked by :func:`pick_for_review` and recorded at ``at``. A contact once assigned to a reviewer is
    never assigned to them again; it stays in their queue until no answer of it waits for a reviewer."""
    if not reviewer or not reviewer.strip():
        raise ValueError("reviewer is empty; expected the reviewer's name")
    queue = store.catalog.review_assignments(reviewer, open_only=True)
    if queue:  # in the order they were picked: each batch riskiest first, its random ones last
        waiting: dict[str, list] = defaultdict(list)
        for item in store.catalog.checklist_results(state=FIRST_REVIEW):
            waiting[item.contact_id].append(item)
        now = {c.contact_id: c for c in _candidates(store, {a.contact_id: waiting.get(a.contact_id, [])
                                                            for a in queue})}
        queue = sorted(queue, key=lambda a: (a.assigned_at, a.reason == RANDOM,
                                             rank_key(now[a.contact_id], csi_below=csi_below)))[:n]
    if len(queue) == n:
        return queue
    picks = pick_for_review(review_candidates(store, reviewer), n=n - len(queue), rng=rng,
                            random_share=random_share, csi_below=csi_below)
    new = [ReviewAssignment(contact_id=p.contact_id, reviewer=reviewer, checklist_id=p.checklist_id, reason=p.reason,
                            assigned_at=at) for p in picks]
    store.catalog.add_review_assignments(new)
    return queue + new
