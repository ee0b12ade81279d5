"""Credentials: Bearer tokens, the browser's session cookie with its CSRF token, sign-out, and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.conftest import PASSWORD

PROTECTED = ["/api/contacts", "/api/contacts/c-a1", "/api/contacts/c-a1/audio", "/api/me", "/api/audit"]


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Bearer abc.def", "Basic YW5uOnB3", "Bearer ",
                                           "Bearer " + "a" * 300])
def test_no_valid_token_is_401_json(world, path, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = world.client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"]


def test_a_token_with_a_wrong_secret_is_refused(world):
    token_id, _, secret = world.tokens["rita"].partition(".")
    wrong = f"{token_id}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    assert world.client.get("/api/contacts", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401


def test_a_disabled_users_token_and_password_are_refused(world):
    assert world.get("/api/contacts", "dan").status_code == 401
    response = world.client.post("/signin", json={"name": "dan", "password": PASSWORD})
    assert response.status_code == 401


def test_disabling_a_user_refuses_their_token_at_once(world):
    from pipeline.users.accounts import add_user, disable_user

    _, token = add_user(world.store.catalog, "tess", "reviewer")
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/me", headers=headers).json()["name"] == "tess"
    disable_user(world.store.catalog, "tess")
    assert world.client.get("/api/me", headers=headers).status_code == 401


def test_me_names_the_tokens_user(world):
    body = world.get("/api/me", "olga").json()
    assert {k: body[k] for k in ("name", "role", "operator_id", "language", "csrf_token")} == {
        "name": "olga", "role": "operator", "operator_id": "op1", "language": "en", "csrf_token": None}


def _signed_in(world, name="olga"):
    from fastapi.testclient import TestClient

    client = TestClient(world.client.app, base_url="http://testserver")
    response = client.post("/signin", json={"name": name, "password": PASSWORD})
    assert response.status_code == 200
    return client, response


def test_signin_sets_an_httponly_samesite_cookie_and_the_session_works(world):
    client, response = _signed_in(world)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cxmon_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=43200" in cookie
    assert response.json()["user"]["name"] == "olga"
    assert {i["contact_id"] for i in client.get("/api/contacts").json()["items"]} == {"c-a1"}
    assert client.get("/api/contacts/c-b2").status_code == 404


def test_a_browser_form_signin_redirects_to_a_local_next_only(world):
    from fastapi.testclient import TestClient

    client = TestClient(world.client.app, base_url="http://testserver", follow_redirects=False)
    form = {"name": "olga", "password": PASSWORD, "next": "https://evil.example/x"}
    response = client.post("/signin", data=form)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    response = client.post("/signin", data={**form, "next": "/contacts/c-a1"})
    assert (response.status_code, response.headers["location"]) == (303, "/contacts/c-a1")
    response = client.post("/signin", data={**form, "password": "wrong password", "next": "/queue"})
    assert (response.status_code, response.headers["location"]) == (303, "/signin?failed=1&next=/queue")
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("fields", [{"name": "olga", "password": "wrong password"}, {"name": "nobody", "password": PASSWORD},
                                    {"name": "sam", "password": PASSWORD},  # sam has no password: tokens only
                                    {}])
def test_a_wrong_signin_is_401(world, fields):
    response = world.client.post("/signin", json=fields)
    assert response.status_code == 401
    assert response.json() == {"detail": "name or password not valid"}
    assert "set-cookie" not in response.headers


def test_a_cookie_session_needs_its_csrf_token_to_change_anything(world):
    client, response = _signed_in(world)
    csrf = response.json()["csrf_token"]
    assert client.get("/api/me").json()["csrf_token"] == csrf
    refused = client.post("/signout")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert client.post("/signout", headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert client.get("/api/me").status_code == 200  # still signed in
    done = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/signin")
    client.cookies.clear()
    client.cookies.set("cxmon_session", response.cookies["cxmon_session"])  # the old cookie, replayed
    assert client.get("/api/me").status_code == 401


def test_the_csrf_header_works_too_and_tokens_need_none(world):
    client, response = _signed_in(world)
    ok = client.post("/signout", headers={"X-CSRF-Token": response.json()["csrf_token"],
                                          "Content-Type": "application/json"})
    assert ok.json() == {"signed_out": True}
    assert world.client.post("/signout", headers={"Authorization": f"Bearer {world.tokens['olga']}"}).status_code == 200


def test_an_expired_session_is_refused(world):
    from pipeline.users.accounts import sign_in

    from fastapi.testclient import TestClient

    _, cookie = sign_in(world.store.catalog, "olga", PASSWORD, ttl=timedelta(seconds=-1))
    client = TestClient(world.client.app, base_url="http://testserver", cookies={"cxmon_session": cookie})
    assert client.get("/api/me").status_code == 401


def test_the_audit_log_is_for_admins_and_records_audio_plays(world):
    assert world.get("/api/contacts/c-a1/audio", "olga", headers={"Range": "bytes=0-9"}).status_code == 206
    for who in ("sam", "rita", "olga"):
        assert world.get("/api/audit", who).status_code == 404
    body = world.get("/api/audit", "ann", params={"action": "audio_play", "contact_id": "c-a1"}).json()
    olga = world.get("/api/me", "olga").json()["user_id"]
    assert body["total"] >= 1
    assert body["items"][0]["user_id"] == olga and body["items"][0]["detail"] == {"range": "0-9"}


def test_openapi_describes_the_contract(world):
    paths = world.client.get("/openapi.json").json()["paths"]
    assert {"/api/contacts", "/api/contacts/{contact_id}", "/api/contacts/{contact_id}/audio", "/signin"} <= set(paths)
    names = {p["name"] for p in paths["/api/contacts"]["get"]["parameters"]}
    assert {"since", "until", "channel", "operator", "team", "csi_min", "csi_max", "checklist_min", "alarm", "tag",
            "sentiment", "q", "limit", "offset"} <= names
