"""The coaching library over the API: candidates, clips and playlists.

- ``GET /api/coaching/candidates?kind=&limit=``: moments worth copying (reviewers, admins, supervisors
  within their team), :mod:`pipeline.coaching.candidates` says how each kind is found.
- ``POST /api/coaching/clips``: a reviewer or admin clips a moment of a contact they may see
  (``start_s < end_s`` inside the recording or transcript, a comment), optionally into a playlist.
- ``GET/POST /api/coaching/playlists``, ``GET /api/coaching/playlists/{id}``,
  ``POST /api/coaching/playlists/{id}/clips``: playlists for a team (or everyone); who sees which is in
  :mod:`pipeline.coaching.library`.
- ``GET /api/coaching/clips/{id}/audio``: just the clip's audio, a WAV, for whoever may see the clip
  (audit ``coaching.clip_play``).

List answers take ``format=csv|xlsx|parquet``. Every create is in the audit log (``coaching.*``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from pipeline.catalog.coaching_schema import CLIP_KINDS
from pipeline.coaching.candidates import KINDS
from pipeline.coaching.library import MAX_CANDIDATES
from pipeline.users import User
from pipeline.web.api_contacts import parse_range
from pipeline.web.auth import current_user, require_role
from pipeline.web.coaching_view import (CANDIDATE_ROLES, CLIP_ROLES, CoachingError, candidate_rows, clip_audio_bytes,
                                        new_clip, playable_clip, playlist_document, visible_playlist,
                                        visible_playlists)
from pipeline.web.export import ExportFormat, table_response



router = APIRouter(prefix="/api/coaching", tags=["coaching"])
Curator = Annotated[User, Depends(require_role(*CLIP_ROLES))]
Anyone = Annotated[User, Depends(current_user)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Seconds = Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]
CANDIDATE_COLUMNS = ["contact_id", "kind", "start_s", "end_s", "score", "operator_id", "team", "channel", "excerpt"]
PLAYLIST_COLUMNS = ["playlist_id", "name", "team", "description", "clips", "created_by", "created_at"]
CLIP_COLUMNS = ["position", "clip_id", "contact_id", "operator_id", "team", "kind", "start_s", "end_s", "comment",
                "excerpt", "audio_url"]


class ClipBody(BaseModel):
    """A moment of a contact: where it starts and ends (seconds from the contact's start), what kind of
    example it is, why (the comment), and the playlist to append it to (optional)."""

    model_config = ConfigDict(extra="forbid")
    contact_id: Id
    start_s: Seconds
    end_s: Seconds
    kind: Literal[CLIP_KINDS]  # type: ignore[valid-type]
    comment: Annotated[str, Field(min_length=1, max_length=4000)]
    playlist_id: Id | None = None


class PlaylistBody(BaseModel):
    """A playlist for ``team`` (null: for everyone)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    team: Annotated[str | None, Field(default=None, min_length=1, max_length=128)] = None
    description: Annotated[str, Field(max_length=4000)] = ""


class PlaylistClipBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clip_id: Id


def _store(request: Request):
    return request.app.state.store


def _table(rows: list[dict[str, Any]], fmt: str, filename: str, columns: list[str]) -> Response:
    try:
        return table_response(rows, fmt=fmt, filename=filename, columns=columns)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


@router.get("/candidates", summary="Moments worth copying, best first within a kind")
def get_candidates(request: Request, user: Annotated[User, Depends(require_role(*CANDIDATE_ROLES))],
                   kind: Annotated[Literal[KINDS] | None, Query()] = None,  # type: ignore[valid-type]
                   limit: Annotated[int, Query(ge=1, le=MAX_CANDIDATES)] = 50,
                   format: ExportFormat = "json") -> Any:
    rows = candidate_rows(_store(request), user, kind=kind, limit=limit)
    if format != "json":
        return _table(rows, format, "coaching-candidates", CANDIDATE_COLUMNS)
    return {"items": rows}


@router.post("/clips", status_code=201, summary="Clip a moment of a contact (reviewers and admins)")
def post_clip(request: Request, user: Curator, body: ClipBody) -> dict[str, Any]:
    try:
        row = new_clip(_store(request), user, contact_id=body.contact_id, start_s=body.start_s, end_s=body.end_s,
                       kind=body.kind, comment=body.comment, playlist_id=body.playlist_id)
    except CoachingError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    if row is None:
        raise HTTPException(status_code=404, detail=f"no contact {body.contact_id!r}")
    return {**row, "created_at": row["created_at"].isoformat()}


@router.get("/playlists", summary="The playlists the caller may see")
def get_playlists(request: Request, user: Anyone, format: ExportFormat = "json") -> Any:
    rows = visible_playlists(_store(request), user)
    if format != "json":
        return _table(rows, format, "coaching-playlists", PLAYLIST_COLUMNS)
    return {"items": [{**r, "created_at": r["created_at"].isoformat()} for r in rows]}


@router.post("/playlists", status_code=201, summary="A new playlist for a team or everyone (reviewers, admins)")
def post_playlist(request: Request, user: Curator, body: PlaylistBody) -> dict[str, Any]:
    store = _store(request)
    row = store.catalog.add_playlist(name=body.name.strip(), team=body.team, description=body.description,
                                     created_by=user.user_id)
    store.catalog.audit(user.user_id, "coaching.playlist_create", None,
                        {"playlist_id": row["playlist_id"], "name": row["name"], "team": row["team"]})
    return {**row, "created_at": row["created_at"].isoformat()}


@router.get("/playlists/{playlist_id}", summary="A playlist and its clips, in order")
def get_playlist(request: Request, playlist_id: str, user: Anyone, format: ExportFormat = "json") -> Any:
    store = _store(request)
    playlist = visible_playlist(store, user, playlist_id)
    if playlist is None:
        raise HTTPException(status_code=404, detail=f"no playlist {playlist_id[:64]!r}")
    document = playlist_document(store, user, playlist)
    if format != "json":
        return _table(document["clips"], format, f"playlist-{playlist['name']}", CLIP_COLUMNS)
    return document


@router.post("/playlists/{playlist_id}/clips", status_code=201, summary="Append a clip to a playlist")
def post_playlist_clip(request: Request, playlist_id: str, user: Curator, body: PlaylistClipBody) -> dict[str, Any]:
    store = _store(request)
    if visible_playlist(store, user, playlist_id) is None:
        raise HTTPException(status_code=404, detail=f"no playlist {playlist_id[:64]!r}")
    if playable_clip(store, user, body.clip_id) is None:
        raise HTTPException(status_code=422, detail=f"no clip {body.clip_id!r}")
    position = store.catalog.add_playlist_clip(playlist_id, body.clip_id)
    if position is None:
        raise HTTPException(status_code=409, detail=f"clip {body.clip_id} is in the playlist already")
    clip = store.catalog.clip_row(body.clip_id)
    store.catalog.audit(user.user_id, "coaching.playlist_add", clip["contact_id"],
                        {"playlist_id": playlist_id, "clip_id": body.clip_id, "position": position})
    return {"playlist_id": playlist_id, "clip_id": body.clip_id, "position": position}


@router.get("/clips/{clip_id}/audio", summary="Just the clip's audio, as a WAV",
            responses={200: {"content": {"audio/wav": {}}}})
def get_clip_audio(request: Request, clip_id: str, user: Anyone) -> Response:
    store = _store(request)
    clip = playable_clip(store, user, clip_id)
    data = clip_audio_bytes(store, clip) if clip is not None else None
    if data is None:
        raise HTTPException(status_code=404, detail=f"no audio for clip {clip_id[:64]!r}")
    headers, status = {"Cache-Control": "private, no-store", "Accept-Ranges": "bytes"}, 200
    if (asked := request.headers.get("range")) is not None:  # a player seeking within the clip
        try:
            first, last = parse_range(asked, len(data))
        except ValueError as error:
            raise HTTPException(status_code=416, detail=str(error),
                                headers={"Content-Range": f"bytes */{len(data)}"}) from None
        headers["Content-Range"], status = f"bytes {first}-{last}/{len(data)}", 206
        data = data[first:last + 1]
    store.catalog.audit(user.user_id, "coaching.clip_play", clip["contact_id"],
                        {"clip_id": clip_id, "start_s": clip["start_s"], "end_s": clip["end_s"]})
    return Response(data, status_code=status, media_type="audio/wav", headers=headers)
