"""Process metrics on event lists and customer histories built here, with known answers."""

from __future__ import annotations

import pytest

from features.process_metrics import (
    ProcessTimes, Visit, demands_operator, process_times, repeat_flags, service_level,
)
from pipeline.records import TelephonyEvent

H = 3600.0


def ev(type_: str, t_s: float, exit: str | None = None, **extra) -> TelephonyEvent:
    return TelephonyEvent(type=type_, t_s=t_s, exit=exit, extra=extra)


def test_an_answered_call_with_ivr_queue_hold_transfer_and_acw():
    p = process_times([ev("ivr_start", 0), ev("ivr_end", 10, exit="cards"), ev("queue_start", 10),
                       ev("agent_answer", 45), ev("hold_start", 100), ev("hold_end", 130), ev("transfer", 200),
                       ev("hangup", 245, wrap_up_s=35)])
    assert (p.answered, p.queued, p.abandoned_in) == (True, True, None)
    assert (p.queue_wait_s, p.hold_s, p.talk_s, p.acw_s, p.handle_s) == (35.0, 30.0, 170.0, 35.0, 235.0)
    assert (p.transfers, p.ivr_exit, p.asked_for_operator) == (1, "cards", False)


def test_wait_without_a_queue_event_and_acw_from_other_events():
    p = process_times([ev("ivr_start", 0), ev("ivr_end", 8, exit="operator"), ev("agent_answer", 20),
                       ev("hold_start", 50), ev("other", 60, type="acw_start"), ev("hangup", 60),
                       ev("other", 75, type="acw_end")])
    # the queue starts where the IVR ended; a hold open at the hang-up lasts to it; ACW 60..75
    assert (p.queue_wait_s, p.hold_s, p.talk_s, p.acw_s, p.handle_s) == (12.0, 10.0, 30.0, 15.0, 55.0)
    assert p.asked_for_operator and p.ivr_exit == "operator"
    bare = process_times([ev("agent_answer", 3), ev("hangup", 63)])
    assert (bare.queue_wait_s, bare.talk_s, bare.acw_s, bare.handle_s) == (3.0, 60.0, None, 60.0)


def test_an_agent_side_recording_without_process_events_was_answered():
    p = process_times([ev("hold_start", 10), ev("hold_end", 20), ev("transfer", 40), ev("hangup", 60)])
    assert (p.answered, p.queued, p.queue_wait_s, p.abandoned_in) == (True, False, None, None)
    assert (p.talk_s, p.hold_s, p.handle_s, p.transfers) == (50.0, 10.0, 60.0, 1)
    only_hangup = process_times([ev("hangup", 42)])
    assert (only_hangup.answered, only_hangup.handle_s) == (True, 42.0)
    assert service_level([p.queue_wait_s], [True], threshold_s=20) is None  # no queue wait known: not in SL


def test_abandoned_in_the_queue_in_the_ivr_and_served_by_the_ivr():
    queue = process_times([ev("ivr_start", 0), ev("ivr_end", 10, exit="operator"), ev("queue_start", 10),
                           ev("hangup", 70)])
    assert (queue.answered, queue.abandoned_in, queue.queued, queue.queue_wait_s) == (False, "queue", True, 60.0)
    assert queue.handle_s is None and queue.asked_for_operator
    ivr = process_times([ev("ivr_start", 0), ev("hangup", 15)])
    assert (ivr.answered, ivr.abandoned_in, ivr.queued, ivr.queue_wait_s, ivr.ivr_exit) == (
        False, "ivr", False, None, "(hung up)")
    served = process_times([ev("ivr_start", 0), ev("ivr_end", 30, exit="balance"), ev("hangup", 31)])
    assert (served.answered, served.abandoned_in, served.queued, served.ivr_exit) == (False, None, False, "balance")
    asked = process_times([ev("ivr_start", 0), ev("other", 5, type="operator_request"), ev("hangup", 6)])
    assert asked.asked_for_operator and asked.abandoned_in == "ivr"
    custom = process_times([ev("ivr_start", 0), ev("ivr_end", 5, exit="0"), ev("hangup", 6)], operator_exits=["0"])
    assert custom.asked_for_operator


def test_no_events_is_unknown_not_zero():
    assert process_times([]) == ProcessTimes()
    assert process_times([]).handle_s is None and process_times([]).answered is None


def test_bad_event_times_are_refused_with_the_event_named():
    class Raw:
        type, t_s, exit, extra = "hangup", float("nan"), None, {}
    with pytest.raises(ValueError, match="'hangup'.*expected seconds >= 0"):
        process_times([Raw()])


def test_service_level_known_answer():
    # 5 queued: answered at 5, 20 (edge counts), 21 s; abandoned after 3 s and 50 s; one never queued
    waits = [5.0, 20.0, 21.0, 3.0, 50.0, None]
    answered = [True, True, True, False, False, True]
    assert service_level(waits, answered, threshold_s=20) == pytest.approx(2 / 5)
    assert service_level([None], [True], threshold_s=20) is None
    with pytest.raises(ValueError, match="2 waits and 1 answered"):
        service_level([1.0, 2.0], [True], threshold_s=20)


def test_fcr_and_repeats_known_answer():
    visits = [
        Visit("a1", "alice", 0.0), Visit("a2", "alice", 71 * H), Visit("a3", "alice", 200 * H),  # a1 -> a2 repeat
        Visit("b1", "bob", 0.0, "cards"), Visit("b2", "bob", 1 * H, "loans"),  # other topic: no repeat
        Visit("b3", "bob", 2 * H, "cards"),  # repeats b1 (same topic, 2 h later)
        Visit("c1", "carol", 0.0, None), Visit("c2", "carol", 5 * H, "loans"),  # topic unknown on one: a repeat
        Visit("x1", None, 0.0), Visit("x2", "dave", None),  # no customer, no start: unknown
    ]
    flags = repeat_flags(visits, window_h=72)
    assert flags == {
        "a1": (False, False), "a2": (True, True), "a3": (True, False),
        "b1": (False, False), "b2": (True, False), "b3": (True, True),
        "c1": (False, False), "c2": (True, True),
        "x1": (None, None), "x2": (None, None),
    }
    fcr = [f for f, _ in flags.values() if f is not None]
    assert sum(fcr) / len(fcr) == 5 / 8
    # a window still open at as_of: resolved is unknown unless a repeat came
    open_ = repeat_flags(visits, window_h=72, as_of_s=210 * H)
    assert open_["a3"] == (None, False) and open_["a1"] == (False, False) and open_["a2"] == (True, True)


def test_fcr_window_edges():
    flags = repeat_flags([Visit("a", "c", 0.0), Visit("b", "c", 24 * H), Visit("d", "c", 48 * H + 1)], window_h=24)
    assert flags == {"a": (False, False), "b": (True, True), "d": (True, False)}
    with pytest.raises(ValueError, match="window_h=0"):
        repeat_flags([], window_h=0)


def test_demands_operator():
    assert demands_operator([True, True, False, False, False], k=2, n=5)
    assert not demands_operator([True, True, False, False, False, False], k=2, n=5)  # the first fell out
    assert not demands_operator([], k=1, n=1)
    with pytest.raises(ValueError, match="1 <= k <= n"):
        demands_operator([True], k=3, n=2)


def test_acw_fields_that_are_no_seconds_are_ignored():
    for bad in ("12", -5, True, float("inf"), None):
        p = process_times([ev("agent_answer", 0), ev("hangup", 60, acw_s=bad)])
        assert (p.acw_s, p.handle_s) == (None, 60.0), bad
    first_good = process_times([ev("agent_answer", 0), ev("transfer", 30, acw_s="x"), ev("hangup", 60, acw_s=7)])
    assert first_good.acw_s == 7.0
