"""The coaching library's pages: ``/coaching`` (the playlists a user may see; for reviewers, admins and
supervisors also the candidate moments, with a form to clip each into a playlist for reviewers and
admins) and ``/coaching/playlists/{id}`` (each clip plays its own audio, with its comment and excerpt).

The clip form posts to ``/coaching/clips``: a new playlist can be made on the way (name, team).
"""

from __future__ import annotations

import math
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.catalog.coaching_schema import CLIP_KINDS
from pipeline.coaching.candidates import KINDS
from pipeline.web import auth
from pipeline.web.coaching_view import (CANDIDATE_ROLES, CLIP_ROLES, CoachingError, candidate_rows, clippable_contact,
                                        new_clip,
                                        playlist_document, visible_playlist, visible_playlists)
from pipeline.web.page_kit import MaybeUser, not_found, render, store_of, to_signin

router = APIRouter(include_in_schema=False)
PAGE_CANDIDATES = 30
MAX_NAME = 200


def _lang_query(request: Request, sep: str = "?") -> str:
    lang = request.query_params.get("lang")
    return f"{sep}lang={quote(lang)}" if lang in ("ru", "en") else ""


@router.get("/coaching")
def coaching_page(request: Request, user: MaybeUser, kind: str | None = None) -> Response:
    if user is None:
        return to_signin(request)
    store = store_of(request)
    kind = kind if kind in KINDS else None
    candidates = (candidate_rows(store, user, kind=kind, limit=PAGE_CANDIDATES) if user.role in CANDIDATE_ROLES
                  else None)
    return render(request, "coaching_index.html", user, playlists=visible_playlists(store, user),
                  candidates=candidates, kinds=KINDS, kind=kind, clip_kinds=CLIP_KINDS,
                  may_clip=user.role in CLIP_ROLES, saved=request.query_params.get("saved"),
                  refused=request.query_params.get("refused"))


@router.get("/coaching/playlists/{playlist_id}")
def playlist_page(request: Request, playlist_id: str, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    store = store_of(request)
    playlist = visible_playlist(store, user, playlist_id)
    if playlist is None:
        return not_found(request, user)
    return render(request, "coaching_playlist.html", user, playlist=playlist_document(store, user, playlist),
                  saved=request.query_params.get("saved"))


def _seconds(form: dict[str, str], name: str) -> float:
    try:
        value = float(form.get(name, "").replace(",", "."))
    except ValueError:
        raise CoachingError(f"{name}={form.get(name, '')[:32]!r}: expected seconds, a number") from None
    if not math.isfinite(value) or value < 0:
        raise CoachingError(f"{name}={value}: expected seconds >= 0")
    return value


def _playlist_for(request: Request, user, form: dict[str, str]) -> str | None:
    """The playlist the form names, made now when it asks for a new one; None for no playlist."""
    store, chosen = store_of(request), form.get("playlist_id", "")
    if chosen == "new":
        name, team = form.get("new_name", "").strip(), form.get("new_team", "").strip() or None
        if not name or len(name) > MAX_NAME or (team is not None and len(team) > 128):
            raise CoachingError("new playlist: a name of 1-200 characters, a team of at most 128")
        row = store.catalog.add_playlist(name=name, team=team, description="", created_by=user.user_id)
        store.catalog.audit(user.user_id, "coaching.playlist_create", None,
                            {"playlist_id": row["playlist_id"], "name": name, "team": team})
        return row["playlist_id"]
    if not chosen:
        return None
    if visible_playlist(store, user, chosen) is None:
        raise CoachingError(f"no playlist {chosen[:64]!r}")
    return chosen


@router.post("/coaching/clips")
async def clip_action(request: Request) -> Response:
    user = await auth.optional_user(request)
    if user is None:
        return to_signin(request)
    if user.role not in CLIP_ROLES:
        return not_found(request, user)
    form = await auth.form_fields(request)  # the CSRF token was checked with the session, by optional_user
    lang = _lang_query(request, "&")
    try:
        kind = form.get("kind", "")
        if kind not in CLIP_KINDS:
            raise CoachingError(f"kind {kind[:32]!r}: expected one of {', '.join(CLIP_KINDS)}")
        start_s, end_s = _seconds(form, "start_s"), _seconds(form, "end_s")
        comment = form.get("comment", "")
        if not comment.strip() or len(comment) > 4000:
            raise CoachingError("comment: say what to copy (or avoid) in this moment, at most 4000 characters")
        if not start_s < end_s:
            raise CoachingError(f"clip {start_s}-{end_s} s; expected start < end")
        if clippable_contact(store_of(request), user, form.get("contact_id", ""), start_s, end_s) is None:
            return not_found(request, user)
        playlist_id = _playlist_for(request, user, form)  # made only once the clip is known to be good
        row = new_clip(store_of(request), user, contact_id=form.get("contact_id", ""), start_s=start_s,
                       end_s=end_s, kind=kind, comment=comment, playlist_id=playlist_id)
    except CoachingError as error:
        return RedirectResponse(f"/coaching?refused={quote(str(error))}{lang}", status_code=303)
    if row is None:
        return not_found(request, user)
    where = f"/coaching/playlists/{playlist_id}" if playlist_id else "/coaching"
    return RedirectResponse(f"{where}?saved=1{lang}", status_code=303)
