"""The contacts API: ``GET /api/contacts`` (filtered, paged list), ``GET /api/contacts/{id}`` (one contact)
and ``GET /api/contacts/{id}/audio`` (its recording, with HTTP Range).

A contact outside the caller's rights (:mod:`pipeline.users.access`) does not exist for them: 404 on its
detail and audio, absent from the list and from its total, whatever the filters or the search.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from pipeline.catalog.contact_query import MAX_LIMIT, SORTS, ContactFilter
from pipeline.records import Contact
from pipeline.store import ObjectNotFound
from pipeline.users import User, can_see, scope_of
from pipeline.web.auth import current_user
from pipeline.web.contact_detail import contact_detail
from pipeline.web.contact_list import EXPORT_COLUMNS, all_contacts, contacts_page
from pipeline.web.export import ExportFormat, table_response

router = APIRouter(prefix="/api/contacts", tags=["contacts"])
CHUNK_BYTES = 64 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _store(request: Request):
    return request.app.state.store


def visible_contact(request: Request, contact_id: str, user: User) -> Contact:
    """The contact when it exists and ``user`` may see it; otherwise 404, the same answer for both."""
    contact = _store(request).catalog.get_contact(contact_id) if len(contact_id) <= 64 else None
    if contact is None or not can_see(user, contact):
        raise HTTPException(status_code=404, detail=f"no contact {contact_id[:64]!r}")
    return contact


@router.get("", summary="Contacts the caller may see, filtered, sorted and paged; or all of them as a CSV/XLSX file",
            response_model=None)
def list_contacts(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    since: Annotated[datetime | None, Query(description="Started at or after (ISO 8601 with a timezone).")] = None,
    until: Annotated[datetime | None, Query(description="Started before (ISO 8601 with a timezone).")] = None,
    channel: Annotated[str | None, Query(description="call, chat or desk.")] = None,
    operator: Annotated[str | None, Query(description="An operator id.")] = None,
    team: str | None = None,
    csi_min: float | None = None,
    csi_max: float | None = None,
    checklist_min: Annotated[float | None, Query(description="The contact's lowest checklist score, at least.")] = None,
    checklist_max: float | None = None,
    alarm: Annotated[bool | None, Query(description="true: with an alarm; false: without.")] = None,
    alarm_rule: Annotated[str | None, Query(description="Only contacts with an alarm of this rule.")] = None,
    tag: Annotated[str | None, Query(description="A phrase tag on any turn (greeting, apology, ...).")] = None,
    sentiment: Annotated[str | None, Query(description="The customer's: negative, neutral or positive.")] = None,
    q: Annotated[str | None, Query(description="Words in the transcript or chat messages (all of them; "
                                               "a trailing * matches a prefix).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    sort: Annotated[str, Query(description=f"One of {', '.join(SORTS)}; - before it sorts descending.")]
    = "-started_at",
    format: Annotated[ExportFormat, Query(description="json: one page; csv, xlsx or parquet: the whole filtered list "
                                                      "as a file (limit and offset ignored).")] = "json",
) -> dict[str, Any] | Response:
    try:
        filters = ContactFilter(since=since, until=until, channel=channel, operator_id=operator, team=team,
                                csi_min=csi_min, csi_max=csi_max, checklist_min=checklist_min,
                                checklist_max=checklist_max, has_alarm=alarm, alarm_rule=alarm_rule, tag=tag,
                                sentiment=sentiment, q=q)
        if format != "json":
            return export_contacts(request, user, filters, sort=sort, fmt=format)
        items, total = contacts_page(_store(request).catalog, filters, scope_of(user), limit=limit, offset=offset,
                                     sort=sort)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def export_contacts(request: Request, user: User, filters: ContactFilter, *, sort: str, fmt: str) -> Response:
    """The whole filtered list the caller may see as a CSV/XLSX file, written to the audit log
    (``export.contacts``: the filters given and the rows exported). ValueError: a bad filter, or too many rows."""
    rows = all_contacts(_store(request).catalog, filters, scope_of(user), sort=sort)
    response = table_response(rows, fmt=fmt, filename="contacts", columns=EXPORT_COLUMNS)
    given = {name: value.isoformat() if isinstance(value, datetime) else value
             for name, value in ((f, getattr(filters, f)) for f in filters.__dataclass_fields__) if value is not None}
    _store(request).catalog.audit(user.user_id, "export.contacts", None,
                                  {"filters": given, "sort": sort, "format": fmt, "rows": len(rows)})
    return response


@router.get("/{contact_id}", summary="One contact: metadata, events, features, scores, transcript, "
                                     "checklist answers, alarms, review history")
def get_contact(request: Request, contact_id: str, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return contact_detail(_store(request), visible_contact(request, contact_id, user), user)


def parse_range(header: str, size: int) -> tuple[int, int]:
    """``(first, last)`` byte of a single ``bytes=`` range within ``size`` bytes; ValueError if it is not one.

    >>> parse_range("bytes=0-99", 1000), parse_range("bytes=900-", 1000), parse_range("bytes=-10", 1000)
    ((0, 99), (900, 999), (990, 999))
    """
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        raise ValueError(f"Range {header[:64]!r}: expected one range, bytes=FIRST-LAST, bytes=FIRST- or bytes=-N")
    if match.group(1) == "":
        n = int(match.group(2))
        if n == 0 or size == 0:
            raise ValueError(f"Range {header[:64]!r}: an empty suffix")
        return max(0, size - n), size - 1
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if first >= size or last < first:
        raise ValueError(f"Range {header[:64]!r}: outside the {size} bytes of the recording")
    return first, min(last, size - 1)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The bytes of ``stream``, already cut to the range by the object store (a seek, or an S3 ranged GET)."""
    try:
        while data := stream.read(CHUNK_BYTES):
            yield data
    finally:
        stream.close()


@router.get("/{contact_id}/audio", summary="The contact's recording; HTTP Range gives 206 Partial Content",
            response_class=StreamingResponse,
            responses={200: {"content": {"audio/wav": {}}}, 206: {"description": "the range asked for"},
                       416: {"description": "a range outside the recording, or not one range"}})
def get_audio(request: Request, contact_id: str, user: Annotated[User, Depends(current_user)]) -> StreamingResponse:
    contact = visible_contact(request, contact_id, user)
    if contact.channel != "call":
        raise HTTPException(status_code=404, detail=f"contact {contact_id} is a {contact.channel}: it has no audio")
    objects = _store(request).objects
    try:
        info = objects.stat(contact.object_key)
    except ObjectNotFound:
        deleted = _store(request).catalog.recording_deletions([contact.contact_id]).get(contact.contact_id)
        why = f"was deleted by retention on {deleted:%Y-%m-%d}" if deleted else "is not in the store"
        raise HTTPException(status_code=404, detail=f"the recording of contact {contact_id} {why}") from None
    size = info.size_bytes
    media_type = (mimetypes.guess_type(contact.source)[0] if info.content_type == "application/octet-stream"
                  else info.content_type) or "application/octet-stream"
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-store"}
    asked = request.headers.get("range")
    if asked is None:
        first, last, status = 0, size - 1, 200
    else:
        try:
            first, last = parse_range(asked, size)
        except ValueError as error:
            raise HTTPException(status_code=416, detail=str(error), headers={"Content-Range": f"bytes */{size}"}) from None
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    length = max(0, last - first + 1)
    headers["Content-Length"] = str(length)
    try:  # only the range is read from the store: a seek, or an S3 GET with a Range header
        stream = objects.open(contact.object_key, start=first, length=length)
    except ObjectNotFound:  # deleted since the stat above
        raise HTTPException(status_code=404,
                            detail=f"the recording of contact {contact_id} is not in the store") from None
    # Every request is written down, seeks included: a client asking only for later ranges is still heard.
    _store(request).catalog.audit(user.user_id, "audio_play", contact.contact_id,
                                  {"range": f"{first}-{last}"} if asked else {})
    return StreamingResponse(_chunks(stream), status_code=status, media_type=media_type, headers=headers)
