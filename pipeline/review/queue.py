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

:func:`pick_for_review` is the rule over candidates in hand; :func:`fill_queue` picks with
:func:`pick_queue`, which asks the catalog (:mod:`pipeline.catalog.queue_query`) for the riskiest
few in SQL and for the ids at the drawn positions of the random pool, so a catalog of 100,000
contacts is never read into Python. Both give the same picks (tests hold them to each other).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.catalog import queue_query
from pipeline.records import ReviewAssignment

if TYPE_CHECKING:
    from pipeline.store import Store

REASON_POINTS = {"alarm": 4, "pending": 3, "low_csi": 2, "negative": 1}
"""How much each risk weighs in the ranking; the order is also that of the reasons in a reason text."""
NEGATIVE_FEATURES = queue_query.NEGATIVE_FEATURES
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


def _check_options(n: int, random_share: float) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r}; expected an integer >= 1")
    if not 0.0 <= random_share <= 1.0:
        raise ValueError(f"random_share={random_share!r}; expected a fraction 0..1")


def _pick(candidate: Candidate, reason: str | None = None, *, csi_below: float) -> Pick:
    reasons = risk_reasons(candidate, csi_below=csi_below)
    return Pick(candidate.contact_id, candidate.checklist_id, reason or ",".join(reasons),
                sum(REASON_POINTS[r] for r in reasons))


def pick_for_review(candidates: Sequence[Candidate], *, n: int, rng: random.Random,
                    random_share: float = DEFAULT_RANDOM_SHARE, csi_below: float = DEFAULT_CSI_BELOW) -> list[Pick]:
    """Up to ``n`` candidates: the riskiest ``n - round(n * random_share)`` by rank, then the rest drawn with
    ``rng`` from the candidates left, sorted by id (all of them random when there are too few risky ones).

    The same candidates, ``n`` and seed give the same picks, in whatever order the candidates come. This is
    the rule in Python over candidates in hand; :func:`pick_queue` gives the same picks from the catalog in SQL.
    """
    _check_options(n, random_share)
    ids = [c.contact_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("a contact is among the candidates twice; expected each once")
    risky = sorted((c for c in candidates if risk_reasons(c, csi_below=csi_below)),
                   key=lambda c: rank_key(c, csi_below=csi_below))
    picks = [_pick(c, csi_below=csi_below) for c in risky[:n - _random_count(n, random_share)]]
    taken = {p.contact_id for p in picks}
    pool = sorted((c for c in candidates if c.contact_id not in taken), key=lambda c: c.contact_id)
    drawn = rng.sample(pool, min(n - len(picks), len(pool)))
    return picks + [_pick(c, RANDOM, csi_below=csi_below) for c in drawn]


def _random_count(n: int, random_share: float) -> int:
    return math.floor(n * random_share + 0.5)


def pick_queue(store: Store, reviewer: str, *, n: int, rng: random.Random, random_share: float = DEFAULT_RANDOM_SHARE,
               csi_below: float = DEFAULT_CSI_BELOW) -> list[Pick]:
    """``pick_for_review(review_candidates(store, reviewer), ...)`` without reading the candidates into Python:
    the catalog ranks them and returns the riskiest few; the random share is drawn from their ids alone.
    The draw takes the same pool (every candidate not picked for risk, sorted by id) with the same ``rng``
    calls, so the picks are the same contacts in the same order."""
    _check_options(n, random_share)
    catalog = store.catalog
    risky = [_candidate(row) for row in queue_query.riskiest_candidates(
        catalog, reviewer, points=REASON_POINTS, csi_below=csi_below, limit=n - _random_count(n, random_share))]
    picks = [_pick(c, csi_below=csi_below) for c in risky]
    if len(picks) == n:
        return picks
    taken = {p.contact_id for p in picks}
    # rng.sample picks positions from the pool's length alone: drawing them from a range of that length and
    # looking up only the ids at those positions gives what sampling the sorted list of ids would
    size = queue_query.candidate_count(catalog, reviewer, excluding=taken)
    positions = rng.sample(range(size), min(n - len(picks), size))
    at_position = queue_query.candidates_at(catalog, reviewer, positions, excluding=taken)
    if len(at_position) < len(positions):  # the pool changed between the count and the look-up: read it whole
        # (another reviewer took a contact meanwhile; then the draw is from the pool as it is now)
        pool = [cid for cid in queue_query.candidate_ids(catalog, reviewer) if cid not in taken]
        at_position = dict(enumerate(pool))
    drawn = [at_position[p] for p in positions if p in at_position]
    facts = queue_query.candidate_facts(catalog, drawn)
    return picks + [_pick(_candidate(facts[cid]), RANDOM, csi_below=csi_below) for cid in drawn if cid in facts]


def _candidate(row: queue_query.CandidateRow) -> Candidate:
    return Candidate(contact_id=row.contact_id, checklist_id=row.checklist_id, csi=row.csi, alarms=row.alarms,
                     negative=row.negative, pending=row.pending)


def review_candidates(store: Store, reviewer: str) -> list[Candidate]:
    """The contacts ``reviewer`` could be given now (see the module doc), with their risks, sorted by id.
    Every one of them: for a batch, :func:`pick_queue` reads only what it picks."""
    facts = queue_query.candidate_facts(store.catalog, queue_query.candidate_ids(store.catalog, reviewer))
    return [_candidate(facts[cid]) for cid in sorted(facts)]


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
        facts = queue_query.candidate_facts(store.catalog, [a.contact_id for a in queue])
        now = {cid: _candidate(row) for cid, row in facts.items()}
        queue = sorted(queue, key=lambda a: (a.assigned_at, a.reason == RANDOM,
                                             rank_key(now.get(a.contact_id, Candidate(a.contact_id, "")),
                                                      csi_below=csi_below)))[:n]
    if len(queue) == n:
        return queue
    picks = pick_queue(store, reviewer, n=n - len(queue), rng=rng, random_share=random_share, csi_below=csi_below)
    new = [ReviewAssignment(contact_id=p.contact_id, reviewer=reviewer, checklist_id=p.checklist_id, reason=p.reason,
                            assigned_at=at) for p in picks]
    store.catalog.add_review_assignments(new)
    return queue + new
