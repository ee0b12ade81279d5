"""Disputes and calibration in a real browser: a reviewer resolves an operator's dispute on /disputes, and
two reviewers calibrate the same contacts from /calibration, which then colours each item's kappa."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.records import ReviewEvent
from pipeline.settings import Settings
from pipeline.store import open_store
from pipeline.users.accounts import add_user
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import PASSWORD, T0

OBJECTION = "Я поздоровался в первой реплике, послушайте начало"


@pytest.fixture(scope="module")
def reviews_world(server):
    """op-1 disputes rita's override of call-a's greeting; vera is a second reviewer."""
    _, home, _ = server
    store = open_store(Settings(home=home))
    store.catalog.record_review([ReviewEvent("call-a", "basic", "greeting", actor="rita", role="reviewer",
                                             action="override", at=T0 + timedelta(hours=1), value=0.0,
                                             comment="приветствия не слышно")])
    store.catalog.record_review([ReviewEvent("call-a", "basic", "greeting", actor="op-1", role="operator",
                                             action="dispute", at=T0 + timedelta(hours=2), comment=OBJECTION)])
    add_user(store.catalog, "vera", "reviewer", password=PASSWORD, language="ru")
    yield store
    store.catalog.close()


def test_a_reviewer_resolves_a_dispute(page, reviews_world, shots):
    sign_in(page, "rita")
    page.goto("/disputes")
    row = page.locator("tr.dispute[data-contact=call-a][data-item=greeting]")
    assert row.locator(".objection").inner_text() == OBJECTION
    assert row.locator("a").first.get_attribute("href").startswith("/contacts/call-a")
    assert page.locator("#counts").inner_text().startswith("Ждут решения: 1")
    page.screenshot(path=str(shots / "disputes.png"), full_page=True)
    row.locator("input[name=value]").fill("1")
    row.locator("input[name=comment]").fill("Оператор прав: приветствие на 3-й секунде")
    row.locator("button[type=submit]").click()
    assert page.locator("[role=status]").inner_text() == "Спор решён: call-a · greeting"
    assert page.locator("tr.dispute").count() == 0
    [item] = [i for i in reviews_world.catalog.checklist_results("call-a") if i.item_id == "greeting"]
    assert (item.state, item.value, item.reviewer) == ("resolved", 1.0, "rita")
    rows, _ = reviews_world.catalog.audit_entries(action="review.resolve", contact_id="call-a")
    assert rows[0]["detail"]["comment"] == "Оператор прав: приветствие на 3-й секунде"


# reviewer: {contact: {item: answer}}; greeting: kappa 0.33 (poor), solution: 1.00 (good)
ANSWERS = {"rita": {"call-a": {"greeting": "1", "solution": "0"}, "call-b": {"greeting": "0", "solution": "1"},
                    "chat-c": {"greeting": "1"}},
           "vera": {"call-a": {"greeting": "1", "solution": "0"}, "call-b": {"greeting": "0", "solution": "1"},
                    "chat-c": {"greeting": "0"}}}


def test_two_reviewers_calibrate_and_see_the_kappa_per_item(page, reviews_world, shots):
    for reviewer, contacts in ANSWERS.items():
        page.context.clear_cookies()
        sign_in(page, reviewer)
        for contact_id, answers in contacts.items():
            page.goto("/calibration")
            page.fill("#score input[name=contact]", contact_id)
            page.click("#score form.pick button")
            for item_id, value in answers.items():
                page.get_by_label(item_id, exact=True).fill(value)
            page.click("#calibrate button[type=submit]")
            assert page.locator("[role=status]").inner_text() == f"Сохранено ответов: {len(answers)}"
    assert page.locator("#calibration-contacts option").count() == 3  # the contacts already in calibration
    cells = {row.get_attribute("data-item"): row.locator("td") for row in page.locator("#kappa tbody tr").all()}
    assert set(cells) == {"greeting", "solution"}
    assert cells["solution"].nth(3).inner_text() == "1.00"
    assert "kappa-good" in cells["solution"].nth(3).get_attribute("class")
    assert cells["greeting"].nth(3).inner_text() == "0.33"
    assert "kappa-poor" in cells["greeting"].nth(3).get_attribute("class")
    assert cells["greeting"].nth(1).inner_text() == "rita, vera" and cells["greeting"].nth(2).inner_text() == "3"
    assert cells["greeting"].nth(5).inner_text() == "67"  # agreed on 2 of 3 contacts
    assert page.locator("#pairs tbody tr td").first.inner_text() == "rita — vera"
    assert "≥ 0.6" in page.locator("#legend").inner_text()
    page.screenshot(path=str(shots / "calibration.png"), full_page=True)
    [item] = [i for i in reviews_world.catalog.checklist_results("call-b") if i.item_id == "solution"]
    assert (item.value, item.state) == (0.0, "auto")  # calibration changed no answer
