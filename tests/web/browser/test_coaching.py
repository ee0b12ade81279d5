"""The coaching library in a real browser: a reviewer clips a candidate moment into a new playlist for
team north; an operator of that team (oleg: his contacts are north's) opens the playlist and the clip's
audio element loads and plays, though the call is another operator's."""

from __future__ import annotations

import pytest

from pipeline.records import Contact, Score, Transcript, Turn
from pipeline.settings import Settings
from pipeline.store import open_store
from pipeline.store.objects import put_bytes
from tests.web.browser.conftest import sign_in
from tests.web.browser.seed import T0, stereo_wav

PRAISE_START_S, PRAISE_END_S = 3.0, 7.5


@pytest.fixture(scope="module")
def wow_call(server):
    """``call-wow``: op-2's call in team north, a bad start and the customer's thanks at 5.5-7.5 s."""
    _, home, _ = server
    store = open_store(Settings(home=home))
    put_bytes(store.objects, "raw/call-wow.wav", stereo_wav(), content_type="audio/wav")
    store.catalog.add_contact(Contact(contact_id="call-wow", channel="call", source="call-wow.wav",
                                      object_key="raw/call-wow.wav", started_at=T0, operator_id="op-2", team="north",
                                      channel_map={"0": "agent", "1": "customer"}, ingested_at=T0, language="ru"))
    store.catalog.put_transcript(Transcript("call-wow", "ru", (
        Turn("customer", 0.5, 2.5, "Безобразие, опять списали деньги", sentiment="negative"),
        Turn("agent", PRAISE_START_S, 5.0, "Понимаю, уже вернул вам деньги"),
        Turn("customer", 5.5, PRAISE_END_S, "Спасибо огромное, вы молодец", sentiment="positive", tags=("thanks",)),
    ), model="test"))
    store.catalog.put_score(Score("call-wow", "csi", 91.0, "model"))
    store.catalog.close()
    return "call-wow"


def test_a_reviewer_clips_a_candidate_and_an_operator_of_the_team_plays_it(page, chromium, server, wow_call, shots):
    sign_in(page, "rita")
    page.goto("/coaching?kind=praise")
    candidate = page.locator(f'.candidate[data-contact="{wow_call}"][data-kind="praise"]')
    assert candidate.count() == 1
    assert candidate.locator("input[name=start_s]").input_value() == str(PRAISE_START_S)
    assert candidate.locator("input[name=end_s]").input_value() == str(PRAISE_END_S)
    candidate.locator("select[name=playlist_id]").select_option("new")
    candidate.locator("input[name=new_name]").fill("Образцы севера")
    assert candidate.locator("input[name=new_team]").input_value() == "north"  # the contact's team, offered
    candidate.locator("input[name=comment]").fill("Признал ошибку и сразу вернул деньги")
    page.screenshot(path=str(shots / "coaching_index.png"), full_page=True)
    candidate.locator("button[type=submit]").click()
    page.wait_for_url("**/coaching/playlists/*?saved=1*")
    playlist_path = page.url.split("?")[0].removeprefix(server[0])
    assert page.locator("h1").inner_text() == "Образцы севера"
    assert page.locator("#clips .clip").count() == 1

    operator = chromium.new_context(base_url=server[0], viewport={"width": 1200, "height": 800}, locale="ru-RU")
    try:
        other = operator.new_page()
        other.set_default_timeout(10_000)
        sign_in(other, "oleg")
        other.goto("/coaching")
        assert other.locator("#candidates").count() == 0  # operators see playlists, not candidates
        other.click("text=Образцы севера")
        assert other.url.split("?")[0].endswith(playlist_path)
        clip = other.locator("#clips .clip").first
        assert clip.locator(".comment").inner_text() == "Признал ошибку и сразу вернул деньги"
        assert "Спасибо огромное" in clip.locator(".excerpt").inner_text()
        assert clip.locator("a", has_text="call-wow").count() == 0  # not his contact: no way to the full call
        other.wait_for_function("document.querySelector('#clips audio').readyState >= 1")
        duration_s = other.evaluate("document.querySelector('#clips audio').duration")
        assert duration_s == pytest.approx(PRAISE_END_S - PRAISE_START_S, abs=0.05)
        other.evaluate("document.querySelector('#clips audio').play()")
        other.wait_for_function("document.querySelector('#clips audio').currentTime > 0.3")
        other.screenshot(path=str(shots / "coaching_playlist.png"), full_page=True)
        full = other.request.get(f"/api/contacts/{wow_call}/audio")
        assert full.status == 404  # the rest of the call stays out of reach
    finally:
        operator.close()
