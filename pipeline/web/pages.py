"""The web pages: sign-in, the review queue and a contact, rendered on the server (Jinja2), in the
user's language (``?lang=`` overrides it).

A page asked for without a session sends the browser to the sign-in page; a contact outside the
user's rights is the same 404 page as one that does not exist. Review actions are forms posted with
the session's CSRF token; they run the same functions as ``cxmon review`` (:mod:`pipeline.review.actions`)
and go to the audit log.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.catalog import queue_query
from pipeline.catalog.contact_query import ContactFilter, contacts_page
from pipeline.records import ReviewError
from pipeline.review import actions
from pipeline.review.queue import RANDOM, fill_queue
from pipeline.users import User, can_see, scope_of
from pipeline.web import auth
from pipeline.web.contact_view import contact_view, recording_peaks
from pipeline.web.i18n import language_of, translator

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}
REVIEW_ROLES = ("reviewer", "admin")
"""Who may confirm or override an answer from the contact page; an operator may acknowledge or dispute
the review of their own contact."""
QUEUE_SIZE = 20
CONTACTS_SHOWN = 100

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(auth.optional_user)]
"""The signed-in user or None (a page then sends the browser to sign in). Resolved before a page's plain
``def`` runs, so its catalog reads and audio decoding happen in the thread pool, off the event loop."""
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def _render(request: Request, name: str, user: User | None, status_code: int = 200, **values: Any) -> HTMLResponse:
    lang = language_of(request.query_params.get("lang"), user.language if user else None,
                       request.headers.get("accept-language"))
    other = "en" if lang == "ru" else "ru"
    switch_url = request.url.remove_query_params(["saved", "refused"]).include_query_params(lang=other)
    switch = f"{switch_url.path}?{switch_url.query}"
    html = templates.get_template(name).render(lang=lang, t=translator(lang), user=user, lang_switch=switch,
                                               csrf=auth.csrf_token(request), **values)
    return HTMLResponse(html, status_code=status_code)


def _store(request: Request):
    return request.app.state.store


def _to_signin(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def _not_found(request: Request, user: User | None) -> HTMLResponse:
    return _render(request, "not_found.html", user, status_code=404)


def _visible_contact(request: Request, user: User, contact_id: str):
    """The contact when it exists and ``user`` may see it, else None: both are the same 404."""
    contact = _store(request).catalog.get_contact(contact_id)
    return contact if contact is not None and can_see(user, contact) else None


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return _to_signin(request)
    where = "/queue" if user.role in REVIEW_ROLES else "/contacts"
    return RedirectResponse(where + (f"?{request.url.query}" if request.url.query else ""), status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/", failed: int = 0) -> Response:
    safe_next = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/"
    return _render(request, "signin.html", None, next=safe_next, failed=bool(failed))


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
        return _to_signin(request)
    if user.role not in REVIEW_ROLES:
        return _not_found(request, user)
    rows, waiting = queue_rows(_store(request), user, at=datetime.now(UTC))
    random_rows = sum(r["reason"] == RANDOM for r in rows)
    return _render(request, "queue.html", user, rows=rows, risky=len(rows) - random_rows, random=random_rows,
                   waiting=waiting)


@router.get("/contacts", response_class=HTMLResponse)
def contacts_page_view(request: Request, user: MaybeUser) -> Response:
    """The newest contacts the user may see (an operator: their own; a supervisor: their team's)."""
    if user is None:
        return _to_signin(request)
    rows, total = contacts_page(_store(request).catalog, ContactFilter(), scope_of(user), limit=CONTACTS_SHOWN,
                                offset=0, sort="-started_at")
    rows = [{**row, "started_at": row["started_at"].strftime("%Y-%m-%d %H:%M") if row["started_at"] else ""}
            for row in rows]
    return _render(request, "contacts.html", user, rows=rows, total=total)


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, contact_id: str, user: MaybeUser, saved: int = 0, refused: str = "") -> Response:
    if user is None:
        return _to_signin(request)
    contact = _visible_contact(request, user, contact_id)
    if contact is None:
        return _not_found(request, user)
    view = contact_view(_store(request), contact, unredacted=user.unredacted)
    return _render(request, "contact.html", user, c=view, can_review=user.role in REVIEW_ROLES,
                   can_answer=user.role == "operator" and contact.operator_id == user.operator_id,
                   saved=bool(saved), refused=refused)


@router.get("/contacts/{contact_id}/peaks.json")
def contact_peaks(request: Request, contact_id: str, user: Annotated[User, Depends(auth.current_user)]) -> Response:
    contact = _visible_contact(request, user, contact_id)
    store = _store(request)
    if contact is None or contact.channel != "call" or not store.objects.exists(contact.object_key):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    return JSONResponse(recording_peaks(store, contact))


def _value(text: str) -> float | None:
    """A reviewer's answer from the form: a number, or ``na`` (not applicable)."""
    if text.strip().lower() in ("na", "n/a", "н/п"):
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ReviewError(f"value {text!r}: expected a number or na") from None


@router.post("/contacts/{contact_id}/review")
async def review_action(request: Request, contact_id: str) -> Response:
    user = await auth.optional_user(request)
    if user is None:
        return _to_signin(request)
    form = await auth.form_fields(request)  # the CSRF token was checked with the session, by optional_user
    contact = _visible_contact(request, user, contact_id)
    own = user.role == "operator" and contact is not None and contact.operator_id == user.operator_id
    if contact is None or not (user.role in REVIEW_ROLES or own):
        return _not_found(request, user)
    store, at = _store(request), datetime.now(UTC)
    action, item_id, comment = form.get("action"), form.get("item_id", ""), form.get("comment", "").strip()
    checklist_id = form.get("checklist_id") or None
    lang = request.query_params.get("lang")
    back = f"/contacts/{contact_id}" + (f"?lang={quote(lang)}&" if lang else "?")
    try:
        if own:  # an operator answers the review of their own contact, under their operator id
            if action == "acknowledge":
                actions.acknowledge(store, contact_id, item_id, operator=user.operator_id, at=at, comment=comment,
                                    checklist_id=checklist_id)
            elif action == "dispute":
                actions.dispute(store, contact_id, item_id, operator=user.operator_id, comment=comment, at=at,
                                checklist_id=checklist_id)
            else:
                raise ReviewError(f"action {action!r}: expected acknowledge or dispute")
        elif action == "confirm":
            actions.confirm(store, contact_id, item_id, reviewer=user.name, at=at, comment=comment,
                            checklist_id=checklist_id)
        elif action == "override":
            actions.override(store, contact_id, item_id, value=_value(form.get("value", "")), reviewer=user.name,
                             comment=comment, at=at, checklist_id=checklist_id)
        else:
            raise ReviewError(f"action {action!r}: expected confirm or override")
    except ReviewError as error:
        return RedirectResponse(back + f"refused={quote(str(error))}", status_code=303)
    store.catalog.audit(user.user_id, f"review.{action}", contact_id, {"item_id": item_id, "comment": comment})
    return RedirectResponse(back + "saved=1", status_code=303)
