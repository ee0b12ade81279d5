"""What every page module shares: the templates, rendering in the user's language, the sign-in
redirect, the 404 page, a GET form's fields and links that keep them, and the rule for a contact a user may
open.

Each page module (:mod:`pipeline.web.pages`, and one per workspace part) has its own router and
templates and renders through :func:`render`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pipeline.records import Contact
from pipeline.users import User, can_see
from pipeline.web import auth
from pipeline.web.templating import page_language, render_template  # noqa: F401 (page_language: for the pages)

REVIEW_ROLES = ("reviewer", "admin")
"""Who may confirm or override an answer from the contact page; an operator may acknowledge or dispute
the review of their own contact."""
FORM_FIELD_CHARS = 64

MaybeUser = Annotated[User | None, Depends(auth.optional_user)]
"""The signed-in user or None (a page then sends the browser to sign in). Resolved before a page's plain
``def`` runs, so its catalog reads and audio decoding happen in the thread pool, off the event loop."""


def render(request: Request, name: str, user: User | None, status_code: int = 200, **values: Any) -> HTMLResponse:
    """The template ``name`` in the page's language, with ``t`` (the translator), ``user``, the session's CSRF
    token and the language switch's address."""
    return render_template(request, name, user, csrf=auth.csrf_token(request), status_code=status_code, **values)


def form_values(request: Request, fields: tuple[str, ...]) -> dict[str, str]:
    """A GET form's ``fields`` as the address gives them (what the form shows again), each stripped and cut
    to 64 characters; a field not given is ``""``."""
    return {name: request.query_params.get(name, "").strip()[:FORM_FIELD_CHARS] for name in fields}


def filter_query(values: dict[str, str], **extra: str) -> str:
    """The non-empty filter fields (and ``extra``) as a query string for links.

    >>> filter_query({"period": "week", "team": "", "channel": "call"}, format="csv")
    'period=week&channel=call&format=csv'
    """
    return urlencode({k: v for k, v in {**values, **extra}.items() if v})


def store_of(request: Request):
    """The app's store."""
    return request.app.state.store


def to_signin(request: Request) -> RedirectResponse:
    """Send the browser to the sign-in page, and back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def not_found(request: Request, user: User | None) -> HTMLResponse:
    """The 404 page: the same for what does not exist and for what the user may not see."""
    return render(request, "not_found.html", user, status_code=404)


def visible_contact(request: Request, user: User, contact_id: str) -> Contact | None:
    """The contact when it exists and ``user`` may see it, else None: both are the same 404."""
    contact = store_of(request).catalog.get_contact(contact_id) if len(contact_id) <= 64 else None
    return contact if contact is not None and can_see(user, contact) else None
