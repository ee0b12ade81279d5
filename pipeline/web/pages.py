"""The web pages: sign-in, the review queue and a contact, rendered on the server (Jinja2), in the
user's language (``?lang=`` overrides it).

A page asked for without a session sends the browser to the sign-in page; a contact outside the
user's rights is the same 404 page as one that does not exist. Review actions are forms posted with
the session's CSRF token; they run the same call as the API (:func:`pipeline.web.review_calls.review_call`,
over :mod:`pipeline.review.actions`, as ``cxmon review``) and go to the audit log.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from pipeline.catalog import queue_query
from pipeline.catalog.contact_query import ContactFilter, contacts_page
from pipeline.review.queue import RANDOM, fill_queue
from pipeline.users import User, can_see, scope_of
from pipeline.web import auth
from pipeline.web.contact_view import contact_view, recording_peaks
from pipeline.web.page_kit import (REVIEW_ROLES, MaybeUser, not_found, render, store_of, to_signin,
                                   visible_contact)
from pipeline.web.review_calls import ReviewCall, ReviewCallError, form_value, review_call

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png", ".svg": "image/svg+xml"}
QUEUE_SIZE = 20
CONTACTS_SHOWN = 100

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    where = "/queue" if user.role in REVIEW_ROLES else "/contacts"
    return RedirectResponse(where + (f"?{request.url.query}" if request.url.query else ""), status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/", failed: int = 0) -> Response:
    safe_next = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/"
    return render(request, "signin.html", None, next=safe_next, failed=bool(failed))


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        raise HTTPException(404, "no such file")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix])


def queue_rows(store, user: User, *, at: datetime) -> tuple[list[dict[str, Any]], int]:
    """The user's review queue (risk first, then the seeded random share) as table rows, and how many
    contacts have answers waiting for a reviewer."""
    rng = random.Random(f"{user.name}:{at.date().isoformat()}")  # the same draw all day for one reviewer
    queue = fill_queue(store, user.name, at=at, rng=rng, n=QUEUE_SIZE)
    csi = queue_query.model_csi(store.catalog, [a.contact_id for a in queue])
    alarms = store.catalog.alarm_counts_by_contact([a.contact_id for a in queue])
    rows = []
    for assignment in queue:
        contact = store.catalog.get_contact(assignment.contact_id)
        if contact is None or not can_see(user, contact):
            continue
        rows.append({"contact_id": contact.contact_id, "channel": contact.channel, "operator_id": contact.operator_id,
                     "started_at": contact.started_at.strftime("%Y-%m-%d %H:%M") if contact.started_at else "",
                     "csi": csi.get(contact.contact_id), "alarms": alarms.get(contact.contact_id, 0),
                     "reason": assignment.reason, "reasons": assignment.reason.split(",")})
    return rows, queue_query.waiting_contacts(store.catalog)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return to_signin(request)
    if user.role not in REVIEW_ROLES:
        return not_found(request, user)
    rows, waiting = queue_rows(store_of(request), user, at=datetime.now(UTC))
    random_rows = sum(r["reason"] == RANDOM for r in rows)
    return render(request, "queue.html", user, rows=rows, risky=len(rows) - random_rows, random=random_rows,
                   waiting=waiting)


@router.get("/contacts", response_class=HTMLResponse)
def contacts_page_view(request: Request, user: MaybeUser) -> Response:
    """The newest contacts the user may see (an operator: their own; a supervisor: their team's)."""
    if user is None:
        return to_signin(request)
    rows, total = contacts_page(store_of(request).catalog, ContactFilter(), scope_of(user), limit=CONTACTS_SHOWN,
                                offset=0, sort="-started_at")
    rows = [{**row, "started_at": row["started_at"].strftime("%Y-%m-%d %H:%M") if row["started_at"] else ""}
            for row in rows]
    return render(request, "contacts.html", user, rows=rows, total=total)


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, contact_id: str, user: MaybeUser, saved: int = 0, refused: str = "") -> Response:
    if user is None:
        return to_signin(request)
    contact = visible_contact(request, user, contact_id)
    if contact is None:
        return not_found(request, user)
    view = contact_view(store_of(request), contact, unredacted=user.unredacted)
    return render(request, "contact.html", user, c=view, can_review=user.role in REVIEW_ROLES,
                   can_answer=user.role == "operator" and contact.operator_id == user.operator_id,
                   saved=bool(saved), refused=refused)


@router.get("/contacts/{contact_id}/peaks.json")
def contact_peaks(request: Request, contact_id: str, user: Annotated[User, Depends(auth.current_user)]) -> Response:
    contact = visible_contact(request, user, contact_id)
    store = store_of(request)
    if contact is None or contact.channel != "call" or not store.objects.exists(contact.object_key):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    return JSONResponse(recording_peaks(store, contact))


@router.post("/contacts/{contact_id}/review")
async def review_action(request: Request, contact_id: str) -> Response:
    """A review action from the contact page's forms (and the operator's /me): :func:`review_call`, as the API."""
    user = await auth.optional_user(request)
    if user is None:
        return to_signin(request)
    form = await auth.form_fields(request)  # the CSRF token was checked with the session, by optional_user
    contact = visible_contact(request, user, contact_id)
    own = user.role == "operator" and contact is not None and contact.operator_id == user.operator_id
    if contact is None or not (user.role in REVIEW_ROLES or own):
        return not_found(request, user)
    lang = request.query_params.get("lang")
    back = f"/contacts/{contact_id}" + (f"?lang={quote(lang)}&" if lang else "?")
    wanted = form.get("next", "")  # a page of this site to go back to (the operator's /me), never another site
    if wanted.startswith("/") and not wanted.startswith(("//", "/\\")) and len(wanted) <= 512:
        back = wanted + ("&" if "?" in wanted else "?")
    try:
        call = ReviewCall(action=form.get("action", ""), item_id=form.get("item_id", ""),
                          comment=form.get("comment", "").strip(), checklist_id=form.get("checklist_id") or None,
                          value=form_value(form.get("value")))
        review_call(store_of(request), user, contact, call, at=datetime.now(UTC))
    except ReviewCallError as error:
        return RedirectResponse(back + f"refused={quote(error.message)}", status_code=303)
    return RedirectResponse(back + "saved=1", status_code=303)
