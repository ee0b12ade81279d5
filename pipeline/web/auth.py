"""Who is calling: an API token (``Authorization: Bearer ...``) or the browser's session cookie.

:func:`current_user` is the FastAPI dependency every protected route takes. It answers 401 (JSON) when
the credential is missing, malformed, unknown, revoked, expired or of a disabled user, and for a cookie
session it refuses every state-changing request (not GET/HEAD/OPTIONS) that does not carry the session's
CSRF token, in the ``X-CSRF-Token`` header or the ``csrf`` form field (a token is not sent by a browser
on its own, so token calls need none). ``POST /signin`` (form: name, password) starts a session,
``POST /signout`` ends it, ``GET /api/audit`` shows the audit log to admins.

Password guessing is slowed by :class:`SigninLimiter` (in memory, one per app): after 5 failed sign-ins of
one name, or 20 from one client address, within 5 minutes, ``POST /signin`` answers 429 with
``Retry-After`` (seconds) without checking the password, until the oldest of those failures is 5 minutes
old. Signing in resets the name's count. Tokens are not limited (they are not guessable).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pipeline.users import User
from pipeline.users.accounts import SESSION_TTL, sign_in, sign_out, user_of_session, user_of_token
from pipeline.users.hashing import csrf_matches, csrf_token_for
from pipeline.users.user import user_document
from pipeline.web.templating import render_template

SESSION_COOKIE = "cxmon_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 64 * 1024

SIGNIN_WINDOW_S = 300.0
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20  # one address may be many people behind one NAT, and tries many names

router = APIRouter()


class SigninLimiter:
    """Failed sign-ins per name and per client address in a sliding window of ``window_s`` seconds.

    Only the last ``max_per_*`` failure times of a key are kept, and at most ``max_keys`` keys (the
    least recently failed are forgotten first), so a flood of made-up names cannot fill the memory.

    >>> now = [0.0]
    >>> limiter = SigninLimiter(max_per_name=2, max_per_address=5, window_s=60, clock=lambda: now[0])
    >>> limiter.failed("ann", "10.0.0.1"); limiter.failed("ann", "10.0.0.1")
    >>> limiter.retry_after_s("ann", "10.0.0.1"), limiter.retry_after_s("bob", "10.0.0.1")
    (60, 0)
    >>> now[0] = 59.5; limiter.retry_after_s("ann", "10.0.0.2")
    1
    >>> now[0] = 60.0; limiter.retry_after_s("ann", "10.0.0.1")
    0
    """

    def __init__(self, *, max_per_name: int = MAX_FAILURES_PER_NAME, max_per_address: int = MAX_FAILURES_PER_ADDRESS,
                 window_s: float = SIGNIN_WINDOW_S, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_per_name < 1 or max_per_address < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError(f"sign-in limits {max_per_name}, {max_per_address} per {window_s} s, {max_keys} keys; "
                             "expected counts >= 1 and a window > 0 s")
        self._limits = {"name": max_per_name, "address": max_per_address}
        self.window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("name", name[:256]), ("address", address)

    def retry_after_s(self, name: str, address: str) -> int:
        """Whole seconds until ``name`` may try again from ``address``; 0 when it may now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(name, address):
                times = self._failures.get(key)
                if times is not None and len(times) >= self._limits[key[0]]:
                    wait = max(wait, times[0] + self.window_s - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, name: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(name, address):
                times = self._failures.pop(key, None) or deque(maxlen=self._limits[key[0]])
                times.append(now)
                self._failures[key] = times  # to the end: the most recently failed
            while len(self._failures) > self._max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, name: str, address: str) -> None:
        """Forget the name's failures. Not the address's: signing in to one's own account between guesses
        at others must not reset the count of guesses."""
        with self._lock:
            self._failures.pop(self._keys(name, address)[0], None)


def signin_limiter(request: Request) -> SigninLimiter:
    """The app's limiter (``app.state.signin_limiter``), made on first use."""
    limiter = getattr(request.app.state, "signin_limiter", None)
    if limiter is None:
        limiter = request.app.state.signin_limiter = SigninLimiter()
    return limiter


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form body (or a JSON object body), first value of each; {} for another
    body. Read here, without python-multipart; Starlette keeps the body for the route to read again."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "application/json"):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status_code=413, detail=f"request body of {len(body)} bytes; at most {MAX_FORM_BYTES}")
    try:
        if content_type == "application/json":
            value = json.loads(body or b"{}")
            return {str(k): v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(status_code=400, detail="request body is not valid UTF-8 form data or JSON") from None


def _catalog(request: Request):
    return request.app.state.store.catalog


async def _authenticate(request: Request) -> tuple[User, str] | None:
    """``(user, how)`` with how ``token`` or ``session``; None when no credential was sent. A credential
    that was sent and is not good raises 401 at once: a bad token never falls back to a cookie."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Authorization header: expected 'Bearer <token>'")
        user = user_of_token(_catalog(request), token.strip())
        if user is None:
            raise _unauthorized("token not valid (unknown, revoked, or its user is disabled)")
        return user, "token"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = user_of_session(_catalog(request), cookie)
        if user is None:
            raise _unauthorized("session not valid (expired, signed out, or its user is disabled); sign in again")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER) or (await form_fields(request)).get("csrf")
            if not csrf_matches(cookie, sent):
                raise HTTPException(status_code=403, detail=f"CSRF token missing or wrong: send the {CSRF_HEADER} "
                                                            "header or the csrf form field of this session")
        return user, "session"
    return None


async def current_user(request: Request) -> User:
    """The signed-in user; 401 without valid credentials (403 on a cookie session's request without its
    CSRF token)."""
    found = await _authenticate(request)
    if found is None:
        raise _unauthorized("credentials required: Authorization: Bearer <token>, or sign in (POST /signin)")
    request.state.user, request.state.auth = found
    return found[0]


async def optional_user(request: Request) -> User | None:
    """The signed-in user, or None when nothing (or nothing valid) was sent: for pages that redirect to
    the sign-in form instead of answering 401."""
    try:
        return await current_user(request)
    except HTTPException as error:
        if error.status_code == 401:
            return None
        raise


def csrf_token(request: Request) -> str:
    """The CSRF token a page prints into its forms ("" without a session cookie)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return csrf_token_for(cookie) if cookie else ""


def require_role(*roles: str):
    """A dependency: the current user when their role is one of ``roles``, else 404 (a page or an
    action outside someone's rights does not exist for them)."""

    async def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=404, detail="Not Found")
        return user

    return dependency


def _local_path(value: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another site's address."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


@router.post("/signin", tags=["auth"], summary="Sign in with name and password; sets the session cookie",
             responses={429: {"description": "too many failed sign-ins of the name or from the address; "
                                             "Retry-After says in how many seconds to try again"}})
async def signin(request: Request) -> Response:
    fields = await form_fields(request)
    wants_json = request.headers.get("content-type", "").startswith("application/json")
    name, address = fields.get("name", ""), request.client.host if request.client else "unknown"
    limiter = signin_limiter(request)
    if wait_s := limiter.retry_after_s(name, address):  # before the password is checked: no guess counts
        if wants_json:
            return JSONResponse({"detail": f"too many failed sign-ins; try again in {wait_s} s"}, status_code=429,
                                headers={"Retry-After": str(wait_s)})
        page = render_template(request, "signin.html", None, csrf="", status_code=429,
                               next=_local_path(fields.get("next")), failed=False, wait_min=math.ceil(wait_s / 60))
        page.headers["Retry-After"] = str(wait_s)
        return page
    found = sign_in(_catalog(request), name, fields.get("password", ""))
    if found is None:
        limiter.failed(name, address)
        if wants_json:
            return JSONResponse({"detail": "name or password not valid"}, status_code=401)
        where = _local_path(fields.get("next"))
        return RedirectResponse(f"/signin?failed=1&next={quote(where, safe='/')}", status_code=303)
    user, token = found
    limiter.succeeded(name, address)
    response: Response = (JSONResponse({"user": user_document(user), "csrf_token": csrf_token_for(token)})
                          if wants_json else RedirectResponse(_local_path(fields.get("next")), status_code=303))
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()), path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    _catalog(request).audit(user.user_id, "signin", None, {})
    return response


@router.post("/signout", tags=["auth"], summary="End the browser session")
async def signout(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and request.state.auth == "session":
        sign_out(_catalog(request), cookie)
    response: Response = (JSONResponse({"signed_out": True})
                          if request.headers.get("content-type", "").startswith("application/json")
                          or request.state.auth == "token" else RedirectResponse("/signin", status_code=303))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/api/me", tags=["auth"], summary="Who the credentials belong to")
async def me(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    csrf = csrf_token(request) if request.state.auth == "session" else None
    return {**user_document(user), "csrf_token": csrf}


@router.get("/api/audit", tags=["auth"], summary="The audit log, newest first (admins)")
async def audit_log(request: Request, user: Annotated[User, Depends(require_role("admin"))],
                    since: datetime | None = None, user_id: str | None = None, contact_id: str | None = None,
                    action: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    rows, total = _catalog(request).audit_entries(since=since, user_id=user_id, contact_id=contact_id,
                                                  action=action, limit=limit, offset=offset)
    return {"items": [{**r, "at": r["at"].isoformat()} for r in rows], "total": total}
