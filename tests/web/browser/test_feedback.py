"""The feedback page in a real browser: a supervisor sees their team's sorted feedback, the chart and the hidden
complaint's words, and regroups the rows by source (the address keeps it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.settings import Settings
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import PASSWORD, T0


@pytest.fixture(scope="module")
def supervisor(server):
    """Fiona supervises team north (call-a, call-b): a complaint inside an NPS 9 on call-a, praise inside an
    NPS 2 on call-b; a complaint of another team's answer that she must not see."""
    from pipeline.catalog.surveys import survey_answer_id
    from pipeline.feedback.store import save_items
    from pipeline.records import SurveyAnswer
    from pipeline.store import open_store
    from pipeline.users.accounts import add_user

    store = open_store(Settings(home=server[1]))
    try:
        add_user(store.catalog, "fiona", "supervisor", team="north", password=PASSWORD, language="ru")
        answers = [(SurveyAnswer("cust-a", "nps", 9, T0 + timedelta(hours=1), contact_id="call-a",
                                 text="Очередь два часа"), "9-10", "process", "complaint"),
                   (SurveyAnswer("cust-b", "nps", 2, T0 + timedelta(hours=2), contact_id="call-b",
                                 text="Спасибо, всё хорошо"), "0-6", "other", "praise"),
                   (SurveyAnswer("cust-c", "nps", 10, T0 + timedelta(hours=3), team="south",
                                 text="Комиссия грабительская"), "9-10", "product", "complaint")]
        store.catalog.add_survey_answers([a for a, *_ in answers])
        save_items(store.catalog.engine, [
            {"item_id": f"survey:{survey_answer_id(a)}", "source": "survey", "at": a.answered_at,
             "contact_id": a.contact_id, "team": a.team, "kind": a.kind, "score": a.value, "band": band,
             "language": "ru", "category": category, "confidence": 0.9, "keywords": [], "polarity": polarity,
             "model": "test", "classified_at": datetime(2026, 12, 1, tzinfo=UTC)}
            for a, band, category, polarity in answers])
    finally:
        store.catalog.close()
    return "fiona"


def test_a_supervisor_reads_their_teams_feedback_and_regroups_it(page, server, supervisor, shots):
    sign_in(page, supervisor)
    page.goto("/feedback")
    assert page.locator("h1").inner_text() == "Отзывы"
    assert page.locator("#kpi-items").inner_text() == "2"  # not team south's answer
    assert page.locator("#kpi-hidden-complaints").inner_text() == "1"
    assert page.locator("#chart svg rect").count() == 2 + 4  # two pieces, four legend squares
    latest = page.locator("#latest-hidden tbody").inner_text()
    assert "Очередь два часа" in latest and "Комиссия" not in latest
    page.screenshot(path=str(shots / "feedback.png"), full_page=True)
    page.select_option("select[name=by]", "source")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/feedback?*by=source*")
    assert page.locator("#rows thead th").first.inner_text() == "Источник"
    assert page.locator("#rows tbody tr").first.locator("td").first.inner_text() == "опрос"
    page.reload()
    assert page.locator("select[name=by]").input_value() == "source"


def test_an_operator_has_no_feedback_page(page, server):
    sign_in(page, "oleg")
    assert page.goto("/feedback").status == 404
