"""The customer value page in a real browser: empty until the CRM's values are stored, then the headline; the
``by`` choice stays in the address; an operator has no such page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.settings import Settings
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import T0


def _store_values(home) -> None:
    """b1 (CLV 3,000) answered NPS 2: a detractor; b2 (CLV 1,000) NPS 10. At risk: 3,000 of 4,000 (75 %)."""
    from pipeline.records import SurveyAnswer
    from pipeline.store import open_store
    from pipeline.value.files import CustomerValue
    from pipeline.value.store import save_values

    store = open_store(Settings(home=home))
    try:
        as_of = datetime(2026, 11, 1, tzinfo=UTC)
        save_values(store.catalog.engine, [CustomerValue("b1", 300.0, as_of, clv=3000.0, segment="premium"),
                                           CustomerValue("b2", 100.0, as_of, clv=1000.0, segment="mass")],
                    "crm.customer-value.csv")
        store.catalog.add_survey_answers([SurveyAnswer("b1", "nps", 2, T0 + timedelta(hours=1), reason="долго"),
                                          SurveyAnswer("b2", "nps", 10, T0 + timedelta(hours=1))])
    finally:
        store.catalog.close()


def test_a_reviewer_sees_the_value_at_risk_once_values_are_imported(page, server, shots):
    sign_in(page, "rita")
    page.goto("/value")
    assert "cxmon value import FILE" in page.locator("#no-values").inner_text()
    _store_values(server[1])
    page.reload()
    assert page.locator("#value-at-risk").inner_text() == "3,000.00"
    assert "4,000.00 (75.0%)" in page.locator("#value-total").inner_text()
    assert page.locator("#customers-at-risk").inner_text() == "1"
    assert page.locator("#charts svg").count() == 2
    page.select_option("select[name=by]", "segment")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/value?*by=segment*")
    assert page.locator("#rows-segment tr[data-group=premium] td").last.inner_text() == "100.0%"
    page.reload()
    assert page.locator("select[name=by]").input_value() == "segment"
    page.screenshot(path=str(shots / "value.png"), full_page=True)


def test_an_operator_has_no_value_page(page, server):
    sign_in(page, "oleg")
    assert page.goto("/value").status == 404
