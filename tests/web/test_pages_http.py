"""The pages over HTTP, without a browser: who gets which page, redaction, the review form's refusals,
the waveform peaks and the static files. The world (contacts, users) is tests/web/conftest.py's."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.conftest import PHONE


def test_a_page_without_credentials_sends_the_browser_to_sign_in(world):
    response = world.get("/contacts/c-a1?lang=en", None, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fcontacts%2Fc-a1%3Flang%3Den"
    signin = world.get("/signin?next=//evil.example/x", None)
    assert 'name="next" value="/"' in signin.text  # never back to another site
    assert "Вход" in signin.text and "Sign in" in world.get("/signin", None, headers={"Accept-Language": "en"}).text


def test_the_contact_page_in_the_users_language_with_personal_data_tagged(world):
    page = world.get("/contacts/c-a1", "rita")  # rita's language is English
    assert page.status_code == 200 and "<h2>Transcript</h2>" in page.text
    assert PHONE not in page.text and "call me back at [PHONE]" in page.text
    assert 'data-seek="0.5"' in page.text  # the tagged turn keeps its time, not its words
    assert "<h2>Расшифровка</h2>" in world.get("/contacts/c-a1?lang=ru", "rita").text
    assert PHONE in world.get("/contacts/c-a1", "uma").text  # uma may read unredacted transcripts


def test_another_operators_contact_is_the_same_404_as_none(world):
    forbidden = world.get("/contacts/c-a1", "oleg")
    missing = world.get("/contacts/no-such", "oleg")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.text.replace("c-a1", "ID") == missing.text.replace("no-such", "ID")  # only the address differs
    assert world.get("/contacts/c-a1/peaks.json", "oleg").status_code == 404
    assert world.get("/queue", "oleg").status_code == 404  # operators have no review queue
    assert _review(world, "oleg", action="dispute", comment="x").status_code == 404  # not oleg's contact
    refused = _review(world, "olga", action="confirm")  # olga's own contact, but an operator does not review
    assert parse_qs(urlsplit(refused.headers["location"]).query)["refused"] == [
        "action 'confirm': expected acknowledge or dispute"]


def test_waveform_peaks_of_the_recording(world):
    peaks = world.get("/contacts/c-a1/peaks.json", "rita").json()
    assert peaks["duration_s"] == 1.0 and peaks["labels"] == ["channel 0"]
    [channel] = peaks["channels"]
    assert len(channel) == 600 and max(channel) == 0.5  # the tone's amplitude
    assert world.get("/contacts/c-a3/peaks.json", "rita").status_code == 404  # a chat has no recording


def _review(world, who: str, **form):
    return world.client.post("/contacts/c-a1/review", headers={"Authorization": f"Bearer {world.tokens[who]}"},
                             data={"checklist_id": "basic", "item_id": "greeting", **form}, follow_redirects=False)


def test_review_form_refusals_and_an_override(world):
    [before] = world.store.catalog.checklist_results("c-a1")
    bad = _review(world, "rita", action="override", value="lots", comment="x")
    assert bad.status_code == 303
    assert parse_qs(urlsplit(bad.headers["location"]).query)["refused"] == ["value 'lots': expected a number or na"]
    unknown = _review(world, "rita", action="delete")
    assert parse_qs(urlsplit(unknown.headers["location"]).query)["refused"] == [
        "action 'delete': expected confirm, override, resolve or comment"]
    assert world.store.catalog.checklist_results("c-a1") == [before]  # nothing written
    done = _review(world, "uma", action="override", value="1", comment="no greeting heard")
    assert done.headers["location"] == "/contacts/c-a1?saved=1"
    [item] = world.store.catalog.checklist_results("c-a1")
    assert (item.value, item.state, item.reviewer) == (1.0, "reviewed", "uma")
    assert "no greeting heard" in world.get("/contacts/c-a1", "rita").text


def test_static_files_are_cxmons_own_and_nothing_else(world):
    css = world.get("/static/cxmon.css", None)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for name in ("..%2Fapp.py", "app.py", ".hidden.js", "nothere.js"):
        assert world.get(f"/static/{name}", None).status_code == 404
    page = world.get("/contacts/c-a1", "rita").text
    assert "http://" not in page and "https://" not in page  # every asset from cxmon itself
