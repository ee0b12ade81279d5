"""Users, tokens and sessions in a real catalog: only hashes stored, tokens checked by id then argon2."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog
from pipeline.users import UserError
from pipeline.users.accounts import (add_user, disable_user, find_user, list_users, new_token, sign_in, sign_out,
                                     user_of_session, user_of_token)

PASSWORD = "correct horse battery"


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    yield catalog
    catalog.close()


def test_a_token_is_shown_once_and_stored_hashed(catalog):
    user, token = add_user(catalog, "rita", "reviewer")
    token_id, _, secret = token.partition(".")
    assert len(secret) >= 40
    assert user_of_token(catalog, token) == user
    with catalog.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT secret_hash FROM api_tokens WHERE token_id = :i"), {"i": token_id}).scalar_one()
    assert stored.startswith("$argon2id$") and secret not in stored


def test_new_tokens_keep_old_ones_unless_revoked(catalog):
    user, first = add_user(catalog, "rita", "reviewer")
    second = new_token(catalog, user)
    assert user_of_token(catalog, first) == user_of_token(catalog, second) == user
    third = new_token(catalog, user, revoke_old=True)
    assert (user_of_token(catalog, first), user_of_token(catalog, second)) == (None, None)
    assert user_of_token(catalog, third) == user


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "zz.zz", "a/b.c", "x" * 300])
def test_malformed_or_unknown_tokens_are_none(catalog, token):
    add_user(catalog, "rita", "reviewer")
    assert user_of_token(catalog, token) is None


def test_passwords_sessions_and_disabling(catalog):
    user, token = add_user(catalog, "olga", "operator", operator_id="op1", password=PASSWORD)
    assert sign_in(catalog, "olga", "wrong password") is None
    signed, cookie = sign_in(catalog, "olga", PASSWORD)
    assert signed == user and user_of_session(catalog, cookie) == user
    assert user_of_token(catalog, cookie) is None  # a session is not an API token
    sign_out(catalog, cookie)
    assert user_of_session(catalog, cookie) is None
    _, cookie = sign_in(catalog, "olga", PASSWORD)
    assert disable_user(catalog, "olga").disabled is True
    assert (user_of_session(catalog, cookie), user_of_token(catalog, token)) == (None, None)
    assert sign_in(catalog, "olga", PASSWORD) is None


def test_an_expired_session_is_none(catalog):
    add_user(catalog, "olga", "operator", operator_id="op1", password=PASSWORD)
    _, cookie = sign_in(catalog, "olga", PASSWORD, ttl=timedelta(seconds=-1))
    assert user_of_session(catalog, cookie) is None


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (("rita", "reviewer"), {}, "user 'rita' exists already"),
    (("x", "king"), {}, "role 'king'; expected one of admin, supervisor, reviewer, operator"),
    (("x", "operator"), {}, "an operator needs an operator id"),
    (("x y", "admin"), {}, "user name 'x y'"),
    (("x", "admin"), {"password": "short"}, "password of 5 characters; expected at least 8"),
])
def test_clear_errors(catalog, args, kwargs, message):
    add_user(catalog, "rita", "reviewer")
    with pytest.raises(UserError, match=message):
        add_user(catalog, *args, **kwargs)
    assert [u.name for u in list_users(catalog)] == ["rita"]


def test_find_an_unknown_user(catalog):
    with pytest.raises(UserError, match="no user 'nobody'"):
        find_user(catalog, "nobody")


def test_audit_rows_page_newest_first(catalog):
    for n in range(3):
        catalog.audit("u1", "audio_play", f"c{n}", {"n": n})
    catalog.audit("u2", "signin")
    rows, total = catalog.audit_entries(action="audio_play", limit=2)
    assert total == 3
    assert [r["contact_id"] for r in rows] == ["c2", "c1"] and rows[0]["detail"] == {"n": 2}
