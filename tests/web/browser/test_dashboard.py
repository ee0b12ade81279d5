"""The dashboard in a real browser: a supervisor filters by channel (the address keeps it, a reload too), and
an alarm stored while the page is open appears on top of the live list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.settings import Settings
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import PASSWORD, T0


@pytest.fixture(scope="module")
def supervisor(server):
    """Svetlana supervises team north (call-a, call-b); survey answers on both calls."""
    from pipeline.records import SurveyAnswer
    from pipeline.store import open_store
    from pipeline.users.accounts import add_user

    store = open_store(Settings(home=server[1]))
    try:
        add_user(store.catalog, "svetlana", "supervisor", team="north", password=PASSWORD, language="ru")
        store.catalog.add_survey_answers([
            SurveyAnswer("cust-a", "nps", 10, T0 + timedelta(hours=2), contact_id="call-a"),
            SurveyAnswer("cust-b", "nps", 3, T0 + timedelta(hours=3), contact_id="call-b", reason="долго"),
            SurveyAnswer("cust-b", "csat", 4, T0 + timedelta(hours=3), contact_id="call-b")])
    finally:
        store.catalog.close()
    return "svetlana"


def test_a_supervisor_filters_by_channel_and_the_address_keeps_it(page, server, supervisor, shots):
    sign_in(page, supervisor)
    page.goto("/dashboard")
    assert page.locator("h1").inner_text() == "Сводка"
    assert page.locator("#kpi-contacts").inner_text() == "2"  # team north's two calls, not op-1's chat
    assert page.locator("#kpi-nps").inner_text() == "0"  # one promoter, one detractor
    page.select_option("select[name=channel]", "call")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/dashboard?*channel=call*")
    assert page.locator("select[name=channel]").input_value() == "call"
    page.reload()
    assert "channel=call" in page.url and page.locator("select[name=channel]").input_value() == "call"
    assert page.locator("#by-team tbody tr").first.locator("td").first.inner_text() == "north"
    assert "channel=call" in page.locator("#by-team .exports a").first.get_attribute("href")
    assert page.locator("#trends svg").count() == 7
    page.select_option("select[name=channel]", "chat")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/dashboard?*channel=chat*")
    assert page.locator("#kpi-contacts").inner_text() == "0"  # op-1's chat has no team: not north's
    page.go_back()
    assert page.locator("select[name=channel]").input_value() == "call"


def test_an_alarm_stored_while_the_page_is_open_appears_on_top(page, server, supervisor, shots):
    from pipeline.records import Alarm
    from pipeline.store import open_store

    sign_in(page, supervisor)
    page.goto("/dashboard?channel=call&poll_s=1")
    rows = page.locator("#alarm-rows tr[data-alarm]")
    assert rows.count() == 1 and "call-a" in rows.first.inner_text()
    store = open_store(Settings(home=server[1]))
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        store.catalog.add_alarm(Alarm("call-b", "low_csat", "critical", "оценка 1 из 5", now,
                                      dedup_key="contact:call-b"))
        store.catalog.add_alarm(Alarm(None, "volume_spike", "info", "всплеск звонков", now,
                                      dedup_key="volume_spike"))  # on no contact: not a supervisor's
    finally:
        store.catalog.close()
    page.wait_for_function("document.querySelectorAll('#alarm-rows tr[data-alarm]').length >= 2", timeout=15_000)
    assert rows.count() == 2
    first = rows.first.inner_text()
    assert "low_csat" in first and "call-b" in first and "оценка 1 из 5" in first
    page.wait_for_timeout(2500)  # two more polls: nothing doubled, the contact-less alarm never shown
    assert rows.count() == 2 and "volume_spike" not in page.locator("#alarm-rows").inner_text()
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)


def test_an_operator_has_no_dashboard(page, server):
    sign_in(page, "oleg")
    response = page.goto("/dashboard")
    assert response.status == 404
