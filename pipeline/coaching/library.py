"""Candidates across the catalog, and who may see which playlist.

:func:`find_candidates` asks the catalog (SQL) for the few contacts that can hold a candidate of a kind
(by phrase tags, the customer's sentiment, the predicted CSI, the checklist scores), then reads the
transcripts of only those. So its cost follows ``limit``, not the size of the catalog.

Playlists: reviewers and admins see every playlist; a supervisor those of their team and those for
everyone; an operator those for everyone and those of their team: the team set on their user, else
every team their own contacts were in (an operator who moves teams takes the old team's playlists
along until an admin sets their team).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pipeline.catalog import Catalog
from pipeline.coaching.candidates import (COMPLAINT_TAGS, KINDS, PRAISE_TAGS, RECOVERY_MIN_CSI, Candidate,
                                          contact_candidates)

MAX_CANDIDATES = 200
PRESELECT_PER_CANDIDATE = 4
"""Contacts read per candidate asked for: most pre-selected contacts hold one."""


class Person(Protocol):
    """A user as far as coaching cares (``pipeline.users.User`` is one)."""

    role: str
    team: str | None
    operator_id: str | None


def _preselect_filters(kind: str) -> dict[str, Any]:
    if kind == "praise":  # "neutral": no positive customer turn, so no praise
        return {"tags_any": PRAISE_TAGS, "sentiments": ()}
    if kind == "recovery":
        return {"sentiments": ("negative",), "min_csi": RECOVERY_MIN_CSI}
    return {"tags_any": COMPLAINT_TAGS, "sentiments": ("negative",), "full_checklists": True}


def find_candidates(catalog: Catalog, *, kind: str | None = None, scope=None,
                    limit: int = 50) -> list[Candidate]:
    """The best ``limit`` candidates (of ``kind``, or of every kind) among the contacts ``scope``
    admits (None: all), by score within a kind; kinds in :data:`KINDS` order."""
    kinds = KINDS if kind is None else (kind,)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not 1 <= limit <= MAX_CANDIDATES:
        raise ValueError(f"limit={limit}; expected 1..{MAX_CANDIDATES}")
    found: list[Candidate] = []
    for wanted in kinds:
        rows = catalog.coaching_contact_rows(scope=scope, limit=limit * PRESELECT_PER_CANDIDATE,
                                             **_preselect_filters(wanted))
        ids = [r["contact_id"] for r in rows]
        difficult = wanted == "difficult_full_marks"
        checklist_scores: Mapping[str, dict[str, float]] = catalog.checklist_scores_of(ids) if difficult else {}
        answers: Mapping[str, list] = catalog.checklist_results_of(ids) if difficult else {}
        transcripts = catalog.transcripts_of(ids)
        mine: list[Candidate] = []
        for row in rows:
            transcript = transcripts.get(row["contact_id"])
            if transcript is None:
                continue
            mine.extend(contact_candidates(row["contact_id"], transcript.turns, csi=row["csi"],
                                           answers=answers.get(row["contact_id"], ()),
                                           checklist_scores=checklist_scores.get(row["contact_id"]), kinds=(wanted,)))
        found.extend(sorted(mine, key=lambda c: (-c.score, c.contact_id, c.start_s))[:limit])
    return found[:limit] if kind is not None else found


def playlist_teams(person: Person, catalog: Catalog) -> frozenset[str] | None:
    """The teams whose playlists ``person`` sees besides those for everyone; None: every playlist."""
    if person.role in ("reviewer", "admin"):
        return None
    if person.team:
        return frozenset({person.team})
    if person.role == "operator" and person.operator_id:
        return frozenset(catalog.operator_teams(person.operator_id))
    return frozenset()


def may_see_playlist(person: Person, catalog: Catalog, team: str | None) -> bool:
    """True when ``person`` may see a playlist of ``team`` (None: for everyone)."""
    teams = playlist_teams(person, catalog)
    return teams is None or team is None or team in teams
