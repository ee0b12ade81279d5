"""The coaching library's rows (tables in :mod:`pipeline.catalog.coaching_schema`, migration 0013) and
the SQL pre-selection of contacts that may hold a moment worth copying.

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2). Rows go
in and out as plain dicts; who may see a playlist is decided a floor above (``pipeline.coaching``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.coaching_schema import CLIP_KINDS, clips, playlist_items, playlists
from pipeline.catalog.contact_text import contact_tags, contact_text
from pipeline.catalog.contact_query import Scope, scope_conditions
from pipeline.catalog.schema import checklist_results, contacts, scores, transcripts
from pipeline.catalog.sql import batches, utc as _utc
from pipeline.records import ChecklistResult, Transcript, Turn, Word

CHECKLIST_PREFIX = "checklist:"
MAX_PRESELECT = 2000
"""The most contacts one pre-selection returns: their transcripts are read next."""


def _row(row: sa.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    values = dict(row._mapping)
    if "created_at" in values:
        values["created_at"] = _utc(values["created_at"])
    return values


def _scoped(query: sa.Select, scope: Scope | None) -> sa.Select:
    return query if scope is None else query.where(*scope_conditions(scope, contacts.c.operator_id, contacts.c.team))


class CoachingRecords:
    engine: sa.Engine

    # clips ------------------------------------------------------------------------------

    def add_clip(self, *, contact_id: str, start_s: float, end_s: float, kind: str, comment: str,
                 created_by: str, playlist_id: str | None = None) -> dict[str, Any]:
        """Store a clip (and append it to ``playlist_id`` in the same transaction); the new row."""
        if kind not in CLIP_KINDS:
            raise ValueError(f"kind {kind!r}; expected one of {', '.join(CLIP_KINDS)}")
        if not 0 <= start_s < end_s:
            raise ValueError(f"clip {start_s}-{end_s} s; expected 0 <= start_s < end_s")
        row = {"clip_id": uuid.uuid4().hex, "contact_id": contact_id, "start_s": float(start_s),
               "end_s": float(end_s), "kind": kind, "comment": comment, "created_by": created_by,
               "created_at": datetime.now(UTC)}
        with self.engine.begin() as conn:
            conn.execute(clips.insert().values(row))
            if playlist_id is not None:
                self._append(conn, playlist_id, row["clip_id"])
        return row

    def clip_row(self, clip_id: str) -> dict[str, Any] | None:
        """The clip with its contact's operator, team and channel, or None."""
        query = (sa.select(clips, contacts.c.operator_id, contacts.c.team, contacts.c.channel)
                 .join(contacts, contacts.c.contact_id == clips.c.contact_id).where(clips.c.clip_id == clip_id))
        with self.engine.connect() as conn:
            return _row(conn.execute(query).first())

    def clip_playlist_teams(self, clip_id: str) -> list[str | None]:
        """The teams of the playlists holding the clip (None: a playlist for everyone)."""
        query = (sa.select(playlists.c.team)
                 .join(playlist_items, playlist_items.c.playlist_id == playlists.c.playlist_id)
                 .where(playlist_items.c.clip_id == clip_id).distinct())
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    # playlists --------------------------------------------------------------------------

    def add_playlist(self, *, name: str, team: str | None, description: str, created_by: str) -> dict[str, Any]:
        row = {"playlist_id": uuid.uuid4().hex, "name": name, "team": team, "description": description,
               "created_by": created_by, "created_at": datetime.now(UTC)}
        with self.engine.begin() as conn:
            conn.execute(playlists.insert().values(row))
        return row

    def playlist_row(self, playlist_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return _row(conn.execute(playlists.select().where(playlists.c.playlist_id == playlist_id)).first())

    def playlist_rows(self, teams: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Playlists by name with their clip counts: every one (``teams`` None), else those for everyone
        and those of ``teams``."""
        count = (sa.select(sa.func.count()).where(playlist_items.c.playlist_id == playlists.c.playlist_id)
                 .scalar_subquery().label("clips"))
        query = sa.select(playlists, count).order_by(playlists.c.name, playlists.c.playlist_id)
        if teams is not None:
            query = query.where(playlists.c.team.is_(None) | playlists.c.team.in_(sorted(set(teams))))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    @staticmethod
    def _append(conn: sa.Connection, playlist_id: str, clip_id: str) -> int | None:
        there = conn.execute(sa.select(playlist_items.c.position).where(
            (playlist_items.c.playlist_id == playlist_id) & (playlist_items.c.clip_id == clip_id))).first()
        if there is not None:
            return None
        last = conn.execute(sa.select(sa.func.max(playlist_items.c.position))
                            .where(playlist_items.c.playlist_id == playlist_id)).scalar()
        position = 0 if last is None else last + 1
        conn.execute(playlist_items.insert().values(playlist_id=playlist_id, clip_id=clip_id, position=position))
        return position

    def add_playlist_clip(self, playlist_id: str, clip_id: str) -> int | None:
        """Append the clip to the playlist; its position, or None when it is there already."""
        with self.engine.begin() as conn:
            return self._append(conn, playlist_id, clip_id)

    def playlist_clip_rows(self, playlist_id: str) -> list[dict[str, Any]]:
        """The playlist's clips in order, each with its position and its contact's operator, team, channel."""
        query = (sa.select(clips, playlist_items.c.position, contacts.c.operator_id, contacts.c.team,
                           contacts.c.channel)
                 .join(playlist_items, playlist_items.c.clip_id == clips.c.clip_id)
                 .join(contacts, contacts.c.contact_id == clips.c.contact_id)
                 .where(playlist_items.c.playlist_id == playlist_id).order_by(playlist_items.c.position))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def operator_teams(self, operator_id: str) -> list[str]:
        """The teams the operator's contacts were in, sorted."""
        query = (sa.select(contacts.c.team)
                 .where((contacts.c.operator_id == operator_id) & contacts.c.team.is_not(None))
                 .distinct())
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    # candidate pre-selection ------------------------------------------------------------

    def coaching_contact_rows(self, *, scope: Scope | None = None, tags_any: Iterable[str] = (),
                              sentiments: Iterable[str] = (), min_csi: float | None = None,
                              full_checklists: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        """Contacts with a transcript that may hold a coaching moment, best CSI first: ``{contact_id,
        csi}`` rows. Every condition given must hold, except that ``tags_any`` and ``sentiments`` (the
        customer's over the contact) are alternatives when both are given. ``full_checklists``: every
        ``checklist:*`` score of the contact is 100 (and it has one)."""
        if not 1 <= limit <= MAX_PRESELECT:
            raise ValueError(f"limit={limit}; expected 1..{MAX_PRESELECT}")
        csi = scores.alias("csi")
        query = (sa.select(contacts.c.contact_id, csi.c.value.label("csi"))
                 .join(contact_text, contact_text.c.contact_id == contacts.c.contact_id)
                 .outerjoin(csi, (csi.c.contact_id == contacts.c.contact_id) & (csi.c.name == "csi")
                            & (csi.c.source == "model")))
        either = []
        if tags := sorted(set(tags_any)):
            tagged = contact_tags.alias("t")
            either.append(sa.select(sa.literal(1)).where((tagged.c.contact_id == contacts.c.contact_id)
                                                         & tagged.c.tag.in_(tags)).exists())
        if moods := sorted(set(sentiments)):
            either.append(contact_text.c.customer_sentiment.in_(moods))
        if either:
            query = query.where(sa.or_(*either))
        if min_csi is not None:
            query = query.where(csi.c.value >= min_csi)
        if full_checklists:
            s = scores.alias("checklist")
            mine = (s.c.contact_id == contacts.c.contact_id) & s.c.name.startswith(CHECKLIST_PREFIX, autoescape=True)
            query = query.where(sa.select(sa.literal(1)).where(mine).exists(),
                                ~sa.select(sa.literal(1)).where(mine & (s.c.value < 100.0)).exists())
        query = _scoped(query, scope).order_by(sa.func.coalesce(csi.c.value, -1.0).desc(), contacts.c.contact_id)
        with self.engine.connect() as conn:
            return [{"contact_id": r.contact_id, "csi": r.csi} for r in conn.execute(query.limit(limit))]

    def checklist_scores_of(self, contact_ids: Iterable[str]) -> dict[str, dict[str, float]]:
        """``{contact_id: {checklist_id: score}}`` (any source; the lowest when several) of the contacts."""
        found: dict[str, dict[str, float]] = {}
        with self.engine.connect() as conn:
            for chunk in batches(contact_ids):
                rows = conn.execute(sa.select(scores.c.contact_id, scores.c.name, sa.func.min(scores.c.value))
                                    .where(scores.c.contact_id.in_(chunk),
                                           scores.c.name.startswith(CHECKLIST_PREFIX, autoescape=True))
                                    .group_by(scores.c.contact_id, scores.c.name)).all()
                for contact_id, name, value in rows:
                    found.setdefault(contact_id, {})[name.removeprefix(CHECKLIST_PREFIX)] = value
        return found

    def contact_rows_of(self, contact_ids: Iterable[str]) -> Mapping[str, dict[str, Any]]:
        """``{contact_id: {operator_id, team, channel, started_at}}`` of the contacts that exist."""
        found = {}
        with self.engine.connect() as conn:
            for chunk in batches(contact_ids):
                for r in conn.execute(sa.select(contacts.c.contact_id, contacts.c.operator_id, contacts.c.team,
                                                contacts.c.channel, contacts.c.started_at)
                                      .where(contacts.c.contact_id.in_(chunk))):
                    found[r.contact_id] = {"operator_id": r.operator_id, "team": r.team, "channel": r.channel,
                                           "started_at": _utc(r.started_at)}
        return found

    def transcripts_of(self, contact_ids: Iterable[str]) -> dict[str, Transcript]:
        """``{contact_id: transcript}`` of the contacts that have one, a batch of ids per query (as
        ``Catalog.transcript`` reads one)."""
        found = {}
        with self.engine.connect() as conn:
            for chunk in batches(contact_ids):
                for row in conn.execute(transcripts.select().where(transcripts.c.contact_id.in_(chunk))):
                    found[row.contact_id] = Transcript(
                        contact_id=row.contact_id, language=row.language, model=row.model,
                        turns=tuple(_turn(t) for t in row.turns))
        return found

    def checklist_results_of(self, contact_ids: Iterable[str]) -> dict[str, list[ChecklistResult]]:
        """``{contact_id: [answers]}`` of the contacts with any checklist answer, a batch of ids per query."""
        found: dict[str, list[ChecklistResult]] = {}
        t = checklist_results
        with self.engine.connect() as conn:
            for chunk in batches(contact_ids):
                for r in conn.execute(t.select().where(t.c.contact_id.in_(chunk))
                                      .order_by(t.c.contact_id, t.c.checklist_id, t.c.item_id)):
                    found.setdefault(r.contact_id, []).append(ChecklistResult(
                        contact_id=r.contact_id, checklist_id=r.checklist_id, item_id=r.item_id, value=r.value,
                        source=r.source, comment=r.comment, checklist_version=r.checklist_version,
                        not_applicable=bool(r.not_applicable), state=r.state, evidence=tuple(r.evidence or ()),
                        reviewer=r.reviewer, updated_at=_utc(r.updated_at)))
        return found


def _turn(t: Mapping[str, Any]) -> Turn:
    """A stored turn (the JSON ``Catalog.put_transcript`` writes) as a Turn."""
    return Turn(speaker=t["speaker"], start_s=t["start_s"], end_s=t["end_s"], text=t["text"],
                words=tuple(Word(text, start, end, probability) for text, start, end, probability in t["words"]),
                sentiment=t.get("sentiment"), tags=tuple(t.get("tags", ())),
                sentiment_proba=None if t.get("sentiment_proba") is None else tuple(t["sentiment_proba"]),
                speaker_id=t.get("speaker_id") or "")
