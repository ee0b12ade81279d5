"""What the coaching API and pages share: candidates, clips and playlists as a user may see them.

A clip's audio is open to whoever may see the contact, and to whoever may see a playlist that holds
the clip: an operator hears another operator's moment only through a playlist of their team, never the
rest of that call (``/api/contacts/{id}/audio`` stays 404 for them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.coaching import find_candidates, may_see_playlist, playlist_teams
from pipeline.coaching.candidates import excerpt_of
from pipeline.coaching.clip_audio import ClipAudioError, clip_wav, recording_duration_s
from pipeline.personal_data import redacted
from pipeline.store import ObjectNotFound
from pipeline.store.objects import get_bytes
from pipeline.users import User, can_see, scope_of

if TYPE_CHECKING:
    from pipeline.store import Store

CANDIDATE_ROLES = ("reviewer", "admin", "supervisor")
CLIP_ROLES = ("reviewer", "admin")
DURATION_SLACK_S = 0.05
"""How far past the recording's (or transcript's) end a clip may reach: rounding in a browser's player."""


class CoachingError(ValueError):
    """A clip or playlist that cannot be made as asked; the message says why (422)."""


def shown(text: str, user: User) -> str:
    return text if user.unredacted else redacted(text)


def candidate_rows(store: Store, user: User, *, kind: str | None, limit: int) -> list[dict[str, Any]]:
    """Candidates among the contacts ``user`` may see, with their contact's operator and team."""
    found = find_candidates(store.catalog, kind=kind, scope=scope_of(user), limit=limit)
    contacts = store.catalog.contact_rows_of(c.contact_id for c in found)
    return [{"contact_id": c.contact_id, "kind": c.kind, "start_s": c.start_s, "end_s": c.end_s,
             "score": c.score, "excerpt": shown(c.excerpt, user),
             "operator_id": contacts.get(c.contact_id, {}).get("operator_id"),
             "team": contacts.get(c.contact_id, {}).get("team"),
             "channel": contacts.get(c.contact_id, {}).get("channel")} for c in found]


def contact_length_s(store: Store, contact) -> float:
    """How long a contact lasts: its recording (a call), else its transcript's last turn."""
    transcript = store.catalog.transcript(contact.contact_id)
    turns_end = max((t.end_s for t in transcript.turns), default=0.0) if transcript else 0.0
    if contact.channel == "call":
        try:
            return max(turns_end, recording_duration_s(get_bytes(store.objects, contact.object_key)))
        except (ObjectNotFound, ClipAudioError):
            pass
    return turns_end


def clippable_contact(store: Store, user: User, contact_id: str, start_s: float, end_s: float):
    """The contact when ``user`` may see it (else None: a 404); CoachingError when the moment is not inside it."""
    contact = store.catalog.get_contact(contact_id) if 0 < len(contact_id) <= 64 else None
    if contact is None or not can_see(user, contact):
        return None
    if not 0 <= start_s < end_s:
        raise CoachingError(f"clip {start_s}-{end_s} s; expected 0 <= start_s < end_s")
    length_s = contact_length_s(store, contact)
    if end_s > length_s + DURATION_SLACK_S:
        raise CoachingError(f"clip ends at {end_s} s; contact {contact_id} lasts {length_s:.2f} s")
    return contact


def new_clip(store: Store, user: User, *, contact_id: str, start_s: float, end_s: float, kind: str, comment: str,
             playlist_id: str | None) -> dict[str, Any] | None:
    """Store a clip of a contact ``user`` may see (None when they may not, or it does not exist: 404)."""
    if clippable_contact(store, user, contact_id, start_s, end_s) is None:
        return None
    if not comment.strip():
        raise CoachingError("comment: say what to copy (or avoid) in this moment")
    if playlist_id is not None and store.catalog.playlist_row(playlist_id) is None:
        raise CoachingError(f"no playlist {playlist_id[:64]!r}")
    row = store.catalog.add_clip(contact_id=contact_id, start_s=start_s, end_s=end_s, kind=kind,
                                 comment=comment.strip(), created_by=user.user_id, playlist_id=playlist_id)
    store.catalog.audit(user.user_id, "coaching.clip_create", contact_id,
                        {"clip_id": row["clip_id"], "start_s": start_s, "end_s": end_s, "kind": kind,
                         "playlist_id": playlist_id})
    return row


def visible_playlists(store: Store, user: User) -> list[dict[str, Any]]:
    return store.catalog.playlist_rows(playlist_teams(user, store.catalog))


def visible_playlist(store: Store, user: User, playlist_id: str) -> dict[str, Any] | None:
    """The playlist when it exists and ``user`` may see it, else None (both a 404)."""
    row = store.catalog.playlist_row(playlist_id) if len(playlist_id) <= 64 else None
    return row if row is not None and may_see_playlist(user, store.catalog, row["team"]) else None


def clip_excerpt(store: Store, user: User, clip: dict[str, Any]) -> str:
    transcript = store.catalog.transcript(clip["contact_id"])
    if transcript is None:
        return ""
    inside = [t for t in transcript.turns if t.end_s >= clip["start_s"] and t.start_s <= clip["end_s"]]
    return shown(excerpt_of(inside), user)


def playlist_document(store: Store, user: User, playlist: dict[str, Any]) -> dict[str, Any]:
    """The playlist with its clips in order: contact, operator, times, comment, excerpt, the clip's audio
    address (calls) and, for those who may see the contact, its own address and full recording."""
    items = []
    for clip in store.catalog.playlist_clip_rows(playlist["playlist_id"]):
        contact = store.catalog.get_contact(clip["contact_id"])
        own = contact is not None and can_see(user, contact)
        call = clip["channel"] == "call"
        items.append({
            "clip_id": clip["clip_id"], "position": clip["position"], "contact_id": clip["contact_id"],
            "operator_id": clip["operator_id"], "team": clip["team"], "channel": clip["channel"],
            "start_s": clip["start_s"], "end_s": clip["end_s"], "kind": clip["kind"], "comment": clip["comment"],
            "created_by": clip["created_by"], "excerpt": clip_excerpt(store, user, clip),
            "audio_url": f"/api/coaching/clips/{clip['clip_id']}/audio" if call else None,
            "contact_url": f"/contacts/{clip['contact_id']}" if own else None,
            "contact_audio_url": f"/api/contacts/{clip['contact_id']}/audio" if own and call else None,
        })
    return {**playlist, "created_at": playlist["created_at"].isoformat(), "clips": items}


def playable_clip(store: Store, user: User, clip_id: str) -> dict[str, Any] | None:
    """The clip when ``user`` may hear it (sees its contact, or a playlist holding it), else None."""
    clip = store.catalog.clip_row(clip_id) if len(clip_id) <= 64 else None
    if clip is None:
        return None
    contact = store.catalog.get_contact(clip["contact_id"])
    if contact is not None and can_see(user, contact):
        return clip
    teams = store.catalog.clip_playlist_teams(clip_id)
    return clip if any(may_see_playlist(user, store.catalog, team) for team in teams) else None


def clip_audio_bytes(store: Store, clip: dict[str, Any]) -> bytes | None:
    """The clip's WAV, or None when its contact has no readable recording."""
    contact = store.catalog.get_contact(clip["contact_id"])
    if contact is None or contact.channel != "call":
        return None
    try:
        return clip_wav(get_bytes(store.objects, contact.object_key), clip["start_s"], clip["end_s"])
    except (ObjectNotFound, ClipAudioError):
        return None
