"""The mystery shopper page in a real browser: empty until a shopper's evaluation arrives through the API,
then the headline, the chart and the lists; the threshold stays in the address; an operator has no such page."""

from __future__ import annotations

import json
import urllib.request

from tests.web.browser.conftest import sign_in

ANSWERS = {"greeting": "yes", "introduced": "yes", "no_profanity": "yes", "politeness": 4, "farewell": "no"}


def _post(base: str, token: str, operator: str, shopper: str) -> None:
    body = {"checklist_id": "ru_bank_call", "shopper_id": shopper, "operator_id": operator, "channel": "call",
            "at": "2026-11-05T10:00:00+03:00", "answers": ANSWERS, "comment": "вежливо, но не попрощался"}
    request = urllib.request.Request(f"{base}/api/mystery", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201


def test_a_reviewer_sees_the_shoppers_beside_the_operators_scores(page, server, shots):
    base, _, tokens = server
    sign_in(page, "rita")
    page.goto("/mystery")
    assert "cxmon mystery import" in page.locator("#no-evaluations").inner_text()
    for operator, shopper in (("op-1", "S1"), ("op-2", "S2")):
        _post(base, tokens["rita"], operator, shopper)
    page.reload()
    assert page.locator("#visits").inner_text() == "2" and page.locator("#operators").inner_text() == "2"
    assert page.locator("#chart-scores svg").count() == 1
    assert page.locator("#table-operators tr[data-row]").count() == 2
    assert "не попрощался" in page.locator("#table-evaluations").inner_text()
    page.fill("input[name=threshold]", "5")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/mystery?*threshold=5*")
    assert page.locator("input[name=threshold]").input_value() == "5"
    assert "5 " in page.locator("#window").inner_text()
    page.screenshot(path=str(shots / "mystery.png"), full_page=True)


def test_an_operator_has_no_mystery_page(page, server):
    sign_in(page, "oleg")
    assert page.goto("/mystery").status == 404
