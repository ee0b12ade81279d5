"""Passwords, API tokens and session keys, stored only as argon2 hashes.

A token (and a session cookie) is ``<id>.<secret>``: the id finds the row, the secret is checked against
its hash. Secrets are 32 random bytes, so their hash needs no stretching against guessing: they use a
light argon2 setting, which keeps a request's check to a few milliseconds. Passwords, chosen by people,
get argon2-cffi's default (slow) setting.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets as _random  # the standard library's

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_PASSWORDS = PasswordHasher()
_SECRETS = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
MIN_PASSWORD_CHARS = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"password of {len(password)} characters; expected at least {MIN_PASSWORD_CHARS}")
    return _PASSWORDS.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _PASSWORDS.hash("no password: checked so that a wrong name takes as long as a wrong password")


def password_matches(password_hash: str | None, password: str) -> bool:
    """True when ``password`` is the one hashed; a missing hash (no such user, a token-only user) is
    checked against a dummy, so the time taken does not tell which names exist."""
    try:
        return _PASSWORDS.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> tuple[str, str, str]:
    """A fresh ``(id, secret, "<id>.<secret>")``."""
    key_id, secret = _random.token_hex(12), _random.token_urlsafe(32)
    return key_id, secret, f"{key_id}.{secret}"


def hash_secret(secret: str) -> str:
    return _SECRETS.hash(secret)


def secret_matches(secret_hash: str, secret: str) -> bool:
    try:
        return _SECRETS.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def split_token(token: str) -> tuple[str, str] | None:
    """``(id, secret)`` of a well-formed token, else None (never an exception: it is what a client sent)."""
    key_id, dot, secret = token.strip().partition(".")
    if not dot or not key_id or not secret or len(token) > 256 or not key_id.isalnum():
        return None
    return key_id, secret


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a browser session, derived from its cookie: nothing more to store, and a page
    can print it into every form."""
    return hmac.new(session_token.encode(), b"cxmon-csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token_for(session_token), sent)
