"""The operator's own page in a real browser: olga (operator op-1) signs in, opens /me, sees her trend and the
reviewed answers waiting for her, acknowledges one and disputes another with a comment; the catalog and the
page show the new states.

Rows added here (beside ``seed.py``'s): olga, op-1's contacts over six weeks with checklist scores and a predicted
CSI (a trend to draw), op-2's in the same team, and rita's reviews of call-a's two answers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.settings import Settings
from pipeline.store import open_store
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import PASSWORD, T0

WEEKS = 6


@pytest.fixture(scope="module")
def reviewed(server):
    from pipeline.records import Contact, ReviewEvent, Score, SurveyAnswer
    from pipeline.users.accounts import add_user

    _, home, _ = server
    store = open_store(Settings(home=home))
    add_user(store.catalog, "olga", "operator", operator_id="op-1", password=PASSWORD, language="ru")
    for k in range(WEEKS):
        for operator, checklist, csi in (("op-1", 55.0 + 7 * k, 48.0 + 5 * k), ("op-2", 80.0, 70.0)):
            cid = f"w{k}-{operator}"
            at = T0 - timedelta(weeks=WEEKS - k)
            store.catalog.add_contact(Contact(contact_id=cid, channel="chat", source=f"{cid}.json",
                                              object_key=f"raw/{cid}.json", started_at=at, operator_id=operator,
                                              team="north", ingested_at=at), [])
            store.catalog.put_score(Score(cid, "checklist:basic", checklist, "rule"))
            store.catalog.put_score(Score(cid, "csi", csi, "model"))
    store.catalog.add_survey_answers([SurveyAnswer(f"cust-{k}", "nps", v, T0 - timedelta(days=k), operator_id="op-1",
                                                   team="north") for k, v in enumerate((10, 9, 9, 6, 8))]
                                     + [SurveyAnswer("cust-9", "csat", 5, T0, contact_id="call-a")])
    store.catalog.record_review([
        ReviewEvent("call-a", "basic", "greeting", actor="rita", role="reviewer", action="confirm", at=T0,
                    comment="Приветствие вовремя, хорошо"),
        ReviewEvent("call-a", "basic", "solution", actor="rita", role="reviewer", action="override", at=T0,
                    value=0.0, comment="Решение не предложено, только обещание перезвонить"),
    ])
    yield store
    store.catalog.close()


def _states(store) -> dict[str, str]:
    return {r.item_id: r.state for r in store.catalog.checklist_results("call-a")}


def test_olga_sees_her_trend_and_answers_her_feedback(page, shots, reviewed):
    sign_in(page, "olga")
    page.goto("/me")
    assert page.locator("h1").inner_text() == "Мои показатели"
    assert page.locator("[data-key=contacts] .op-value").inner_text() == str(WEEKS + 2)  # 6 + call-a + chat-c
    assert "команда north" in page.locator("[data-key=checklist] .op-team").inner_text()
    assert page.locator("[data-key=nps] .op-value").inner_text() == "+40"  # 3 promoters, 1 detractor of 5
    assert page.locator("#trend svg path.series-0").count() >= 1  # the checklist line
    assert page.locator("#trend svg circle").count() >= 2 * WEEKS
    items = page.locator("article.op-feedback")
    assert items.count() == 2
    greeting = page.locator("article[data-item='basic/greeting']")
    assert "Приветствие вовремя" in greeting.inner_text()
    assert page.locator("#failed li").first.inner_text().startswith("basic/solution")
    page.screenshot(path=str(shots / "operator_me.png"), full_page=True)

    greeting.locator("button[value=acknowledge]").click()
    page.wait_for_load_state()
    assert _states(reviewed)["greeting"] == "acknowledged"
    page.goto("/me")
    assert page.locator("article.op-feedback").count() == 1

    solution = page.locator("article[data-item='basic/solution']")
    solution.locator("input[name=comment]").fill("Я предложила перезвонить, это решение по регламенту")
    solution.locator("button[value=dispute]").click()
    page.wait_for_load_state()
    assert _states(reviewed)["solution"] == "disputed"
    page.goto("/me")
    assert page.locator("article.op-feedback").count() == 0
    row = page.locator("#disputes tr.op-dispute-row")
    assert row.count() == 1 and "ждёт решения" in row.inner_text() and "по регламенту" in row.inner_text()
    page.screenshot(path=str(shots / "operator_me_after.png"), full_page=True)


def test_another_operators_page_is_not_found(page, reviewed):
    sign_in(page, "olga")
    response = page.goto("/operators/op-2")
    assert response.status == 404
