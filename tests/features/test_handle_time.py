"""Handle time from each source, on messages and call features written here: known answers and hostile input."""

from __future__ import annotations

import math

import pytest

from features.handle_time import HandleTime, audio_handle, chat_handle, events_handle


def test_chat_handle_runs_from_the_first_agent_message_to_the_last_in_any_order():
    h = chat_handle([("agent", 300.0), ("customer", 0.0), ("bot", 1.0), ("agent", 60.0), ("agent", 120.0)])
    assert (h.source, h.talk_s, h.hold_s, h.acw_s, h.handle_s) == ("chat", 240.0, None, None, 240.0)
    assert chat_handle([("agent", 5)], acw_s=12.5).handle_s == 12.5
    assert chat_handle([]) is None and chat_handle([("bot", 0.0), ("customer", 3.0)]) is None


@pytest.mark.parametrize("t_s", [math.nan, math.inf, "60", True, None])
def test_chat_message_times_that_are_no_seconds_are_refused(t_s):
    with pytest.raises(ValueError, match="expected finite seconds"):
        chat_handle([("agent", 0.0), ("agent", t_s)])


def test_audio_handle_needs_every_part_as_seconds():
    parts = {"agent_talk_s": 10.0, "customer_talk_s": 5.0, "overlap_s": 1.0, "silence_s": 4.0}
    assert audio_handle(parts) == HandleTime("audio", 18.0)
    assert audio_handle({**parts, "hold_s": 7}).handle_s == 25.0
    assert audio_handle({**parts, "hold_s": "7"}).hold_s is None  # a hold that is no number is not counted
    for bad in (None, -1.0, math.nan, True, "10"):
        assert audio_handle({**parts, "silence_s": bad}) is None, bad
    assert audio_handle({**parts, "overlap_s": 50.0}).talk_s == 0.0  # never negative


def test_events_handle_and_the_record_checks():
    assert events_handle(90.0, 30.0, 20.0) == HandleTime("events", 90.0, 30.0, 20.0)
    assert events_handle(None, 0.0, None) is None
    with pytest.raises(ValueError, match="expected one of events, audio, chat"):
        HandleTime("desk", 1.0)
    with pytest.raises(ValueError, match="acw_s=-1.0; expected seconds >= 0"):
        HandleTime("events", 1.0, acw_s=-1.0)
