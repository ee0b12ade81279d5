"""The QA workspace in a real browser: sign-in, the queue, a contact page that plays and seeks its
recording, a review override that lands in the catalog, and an operator kept out of another's contact."""

from __future__ import annotations

import re

import pytest

from pipeline.catalog import Catalog
from pipeline.settings import Settings
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import T0


def test_signin_refuses_a_wrong_password_then_lets_the_user_in(page, shots):
    page.goto("/queue")
    assert re.search(r"/signin\?next=%2Fqueue$", page.url)  # a page asked for without a session
    assert page.locator("h1").inner_text() == "cxmon — рабочее место контроля качества"
    page.screenshot(path=str(shots / "signin.png"))
    sign_in(page, "rita", "wrong password")
    assert page.locator("[role=alert]").inner_text() == "Неверное имя или пароль"
    sign_in(page, "rita")
    assert page.url.endswith("/queue")
    cookie = next(c for c in page.context.cookies() if c["name"] == "cxmon_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_the_queue_lists_risky_contacts_first_with_counts(page, shots):
    sign_in(page, "rita")
    page.goto("/queue")
    ids = page.locator("#queue tbody tr td:first-child").all_inner_texts()
    # call-a: an alarm, a low CSI and a negative turn; chat-c and call-b carry no risk: the random share, last
    assert ids[0] == "call-a" and sorted(ids) == ["call-a", "call-b", "chat-c"]
    assert page.locator("#queue tbody tr").first.locator(".tag").all_inner_texts() == [
        "тревога", "низкий CSI", "негатив клиента"]
    assert page.locator("#counts").inner_text() == ("В очереди: 3; с риском: 1; случайных: 2; "
                                                    "ждут проверки всего: 3")
    page.screenshot(path=str(shots / "queue.png"), full_page=True)
    page.click("a.lang")  # English, keeping the page
    assert page.url.endswith("/queue?lang=en")
    assert page.locator("h1").inner_text() == "Review queue"
    assert page.locator("#queue thead th").first.inner_text() == "Contact"


def _current_time(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


def test_the_contact_page_plays_and_seeks(page, shots):
    sign_in(page, "rita")
    page.goto("/contacts/call-a")
    turns = page.locator("#transcript .turn")
    assert turns.count() == 3
    assert turns.nth(1).locator(".text").inner_text().strip() == "Не проходит платёж!"
    assert page.locator(".csi-value").inner_text() == "38"
    kinds = page.eval_on_selector_all("#timeline .span", "els => els.map(e => e.className.split('tl-')[1])")
    assert sorted(set(kinds)) == ["hold", "interruption", "ivr", "overlap", "queue", "silence"]
    page.wait_for_function("document.getElementById('audio').readyState >= 1")
    assert page.evaluate("document.getElementById('audio').duration") == pytest.approx(12.0, abs=0.05)
    page.wait_for_selector("#wave[data-ready='1']")

    page.locator(".w", has_text="проверю").click()  # starts at 9.1 s
    page.wait_for_function("document.getElementById('audio').currentTime >= 9.1")
    page.wait_for_function("!document.getElementById('audio').paused")  # it plays on from there
    assert 9.1 <= _current_time(page) < 11.0
    page.wait_for_selector("#turn-2.current")  # the turn being played is highlighted

    page.evaluate("document.getElementById('audio').pause()")
    page.locator("#item-greeting + tr.ev button.seek").click()  # evidence at 3.0 s
    page.wait_for_function("Math.abs(document.getElementById('audio').currentTime - 3.0) < 0.3")
    page.evaluate("document.getElementById('audio').pause()")
    page.locator("#item-solution + tr.ev button.seek").click()  # evidence by turn: turn 2 starts at 8.5 s
    page.wait_for_function("Math.abs(document.getElementById('audio').currentTime - 8.5) < 0.3")
    page.evaluate("const a = document.getElementById('audio'); a.pause(); a.currentTime = 4.0")
    page.wait_for_selector("#turn-0.current")
    page.screenshot(path=str(shots / "contact.png"), full_page=True)


def test_an_override_with_comment_is_stored(page, server):
    sign_in(page, "rita")
    page.goto("/contacts/call-a")
    form = page.locator("#item-solution + tr.ev form.review")
    form.locator("input[name=value]").fill("1")
    form.locator("button[value=override]").click()  # no comment: the workflow refuses it
    assert "Отклонено" in page.locator("#notice").inner_text()
    form = page.locator("#item-solution + tr.ev form.review")
    form.locator("input[name=value]").fill("1")
    form.locator("input[name=comment]").fill("обещал перезвонить — это решение")
    form.locator("button[value=override]").click()
    assert page.locator("#notice").inner_text() == "Сохранено"
    assert "обещал перезвонить — это решение" in page.locator("#history").inner_text()

    catalog = Catalog(Settings(home=server[1]).catalog_url_value())
    try:
        [item] = [i for i in catalog.checklist_results("call-a") if i.item_id == "solution"]
        assert (item.value, item.state, item.source, item.reviewer) == (1.0, "reviewed", "reviewer", "rita")
        [event] = [e for e in catalog.review_events("call-a") if e.action == "override"]
        assert (event.actor, event.comment) == ("rita", "обещал перезвонить — это решение")
        rows, _ = catalog.audit_entries(contact_id="call-a", action="review.override")
        assert len(rows) == 1
    finally:
        catalog.close()


def test_an_operator_disputes_a_reviewed_answer(page, server):
    from pipeline.review.actions import confirm
    from pipeline.store import open_store

    store = open_store(Settings(home=server[1]))
    try:
        confirm(store, "call-a", "greeting", reviewer="rita", at=T0)
    finally:
        store.catalog.close()
    sign_in(page, "oleg")
    page.goto("/contacts/call-a")
    form = page.locator("#item-greeting + tr.ev form.answer")
    form.locator("button[value=dispute]").click()  # a dispute needs a comment
    assert "Отклонено" in page.locator("#notice").inner_text()
    form = page.locator("#item-greeting + tr.ev form.answer")
    form.locator("input[name=comment]").fill("я поздоровался после паузы")
    form.locator("button[value=dispute]").click()
    assert page.locator("#notice").inner_text() == "Сохранено"
    assert page.locator("#item-greeting .state").inner_text() == "disputed"
    assert page.locator("#item-greeting + tr.ev form.answer").count() == 0  # nothing more for the operator

    catalog = Catalog(Settings(home=server[1]).catalog_url_value())
    try:
        [item] = [i for i in catalog.checklist_results("call-a") if i.item_id == "greeting"]
        assert item.state == "disputed"
        [event] = [e for e in catalog.review_events("call-a") if e.action == "dispute"]
        assert (event.actor, event.role, event.comment) == ("op-1", "operator", "я поздоровался после паузы")
    finally:
        catalog.close()


def test_a_review_form_without_the_csrf_token_is_refused(page, server):
    sign_in(page, "rita")
    response = page.request.post(f"{server[0]}/contacts/call-a/review",
                                 form={"action": "confirm", "checklist_id": "basic", "item_id": "greeting"})
    assert response.status == 403


def test_an_operator_sees_their_own_contact_but_not_another_operators(page, shots):
    sign_in(page, "oleg")
    assert page.url.endswith("/contacts")  # an operator has no review queue: their contacts instead
    assert sorted(page.locator("#contacts tbody tr td:first-child").all_inner_texts()) == ["call-a", "chat-c"]
    assert page.goto("/queue").status == 404
    page.goto("/contacts/chat-c?lang=en")
    assert page.locator(".chat .msg").count() == 3
    assert page.locator("form.review").count() == 0  # an operator does not review
    assert page.locator(".chat .msg p").first.inner_text() == "Добрый день, карта заблокирована"
    assert page.locator("h2").first.inner_text() == "Messages"
    page.screenshot(path=str(shots / "chat.png"), full_page=True)
    response = page.goto("/contacts/call-b")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "404 · Не найдено"
    # the same page as for a contact that does not exist: nothing tells the one from the other
    forbidden = page.content().replace("call-b", "ID")
    assert page.goto("/contacts/no-such").status == 404
    assert page.content().replace("no-such", "ID") == forbidden
    assert page.request.get("/api/contacts/call-b/audio").status == 404
    assert page.request.get("/contacts/call-b/peaks.json").status == 404
