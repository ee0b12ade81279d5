"""Users, their tokens and browser sessions in the catalog: add, list, disable, sign in, check a credential.

The catalog stores rows; this module decides what they mean. A credential that is unknown, malformed,
revoked, expired or belongs to a disabled user gives None, never an exception: it is what a client sent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.users.hashing import (hash_password, hash_secret, new_secret, password_matches, secret_matches,
                                    split_token)
from pipeline.users.user import ROLES, User, user_from_row

if TYPE_CHECKING:
    from pipeline.catalog import Catalog

SESSION_TTL = timedelta(hours=12)
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


def check_name(name: str) -> str:
    if not name or len(name) > 128 or not set(name.lower()) <= _NAME_CHARS:
        raise UserError(f"user name {name!r}: expected 1-128 of letters a-z, digits and . _ - @")
    return name


def add_user(catalog: Catalog, name: str, role: str, *, operator_id: str | None = None, team: str | None = None,
             language: str = "ru", unredacted: bool = False, password: str | None = None) -> tuple[User, str]:
    """Add a user and give them a first API token; ``(user, token)``. The token is shown once: only its
    hash is kept."""
    check_name(name)
    if role not in ROLES:
        raise UserError(f"role {role!r}; expected one of {', '.join(ROLES)}")
    try:
        user = User(user_id=uuid.uuid4().hex, name=name, role=role, operator_id=operator_id or None,
                    team=team or None, language=language, unredacted=unredacted)
        password_hash = hash_password(password) if password is not None else None
    except ValueError as error:
        raise UserError(str(error)) from None
    row = {"user_id": user.user_id, "name": user.name, "role": user.role, "operator_id": user.operator_id,
           "team": user.team, "language": user.language, "unredacted": user.unredacted, "disabled": False,
           "password_hash": password_hash}
    if not catalog.add_user_row(row):
        raise UserError(f"user {name!r} exists already; choose another name")
    return user, new_token(catalog, user)


def find_user(catalog: Catalog, name: str) -> User:
    row = catalog.user_row(name=name)
    if row is None:
        raise UserError(f"no user {name!r}; see `cxmon users list`")
    return user_from_row(row)


def list_users(catalog: Catalog) -> list[User]:
    return [user_from_row(row) for row in catalog.user_rows()]


def disable_user(catalog: Catalog, name: str) -> User:
    user = find_user(catalog, name)
    catalog.set_user_disabled(user.user_id, True)
    return user_from_row(catalog.user_row(user_id=user.user_id))


def new_token(catalog: Catalog, user: User, *, revoke_old: bool = False) -> str:
    """A new API token for ``user``; earlier ones stay valid unless ``revoke_old``."""
    token_id, secret, token = new_secret()
    catalog.add_api_token(token_id, user.user_id, hash_secret(secret), revoke_others=revoke_old)
    return token


def _active_user(catalog: Catalog, user_id: str) -> User | None:
    row = catalog.user_row(user_id=user_id)
    return None if row is None or row["disabled"] else user_from_row(row)


def user_of_token(catalog: Catalog, token: str) -> User | None:
    """The user an API token belongs to, or None."""
    parts = split_token(token)
    row = catalog.api_token(parts[0]) if parts else None
    if row is None or row["revoked_at"] is not None or not secret_matches(row["secret_hash"], parts[1]):
        return None
    return _active_user(catalog, row["user_id"])


def sign_in(catalog: Catalog, name: str, password: str, *, ttl: timedelta = SESSION_TTL) -> tuple[User, str] | None:
    """A new browser session for the user with that name and password: ``(user, cookie value)``, else None."""
    row = catalog.user_row(name=name) if name else None
    matches = password_matches(row["password_hash"] if row else None, password)  # as slow for a wrong name
    if row is None or row["disabled"] or not matches:
        return None
    session_id, secret, token = new_secret()
    catalog.add_session(session_id, row["user_id"], hash_secret(secret), datetime.now(UTC) + ttl)
    return user_from_row(row), token


def user_of_session(catalog: Catalog, token: str) -> User | None:
    """The user a session cookie belongs to while it is neither expired nor signed out, or None."""
    parts = split_token(token)
    row = catalog.session_row(parts[0]) if parts else None
    if (row is None or row["ended_at"] is not None or row["expires_at"] <= datetime.now(UTC)
            or not secret_matches(row["secret_hash"], parts[1])):
        return None
    return _active_user(catalog, row["user_id"])


def sign_out(catalog: Catalog, token: str) -> None:
    parts = split_token(token)
    if parts:
        catalog.end_session(parts[0])
