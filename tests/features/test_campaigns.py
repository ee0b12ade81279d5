"""Campaign rules on known answers: quiet hours in the customer's zone, the cap across campaigns,
the plan's reasons and order, the state machine, one reminder, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from features.campaigns import (Due, Rules, capped, expired, first_allowed_at, in_quiet_hours, next_state, plan,
                                reminder_due, schedule_period)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MSK, VLAD, NY = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Vladivostok"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(("hh", "mm", "quiet"), [(20, 59, False), (21, 0, True), (23, 59, True), (0, 0, True),
                                                 (8, 59, True), (9, 0, False), (12, 0, False)])
def test_quiet_hours_across_midnight(hh, mm, quiet):
    assert in_quiet_hours(time(hh, mm), start=time(21), end=time(9)) is quiet


def test_no_quiet_hours_when_start_equals_end():
    assert not any(in_quiet_hours(time(h), start=time(0), end=time(0)) for h in range(24))


def test_first_allowed_is_the_end_of_the_customers_own_night():
    # 12:00 UTC: 15:00 in Moscow (fine), 22:00 in Vladivostok (quiet until 09:00 local = 23:00 UTC), 07:00 in New York
    assert first_allowed_at(NOW, tz=MSK, start=time(21), end=time(9)) == NOW
    assert first_allowed_at(NOW, tz=VLAD, start=time(21), end=time(9)) == datetime(2026, 3, 2, 23, tzinfo=UTC)
    assert first_allowed_at(NOW, tz=NY, start=time(21), end=time(9)) == datetime(2026, 3, 2, 14, tzinfo=UTC)
    # a quiet span inside the day (lunch)
    assert first_allowed_at(NOW, tz=MSK, start=time(14), end=time(16)) == datetime(2026, 3, 2, 13, tzinfo=UTC)


def test_cap_is_strictly_less_than_n_days():
    assert capped(NOW - timedelta(days=29, hours=23), NOW, cap_days=30)
    assert not capped(NOW - timedelta(days=30), NOW, cap_days=30)
    assert not capped(NOW - timedelta(hours=1), NOW, cap_days=0)
    with pytest.raises(ValueError, match="cap_days"):
        capped(None, NOW, cap_days=-1)


def test_plan_gives_each_reason_and_one_survey_per_customer():
    rules = {"after_call": Rules(delay_h=2, cap_days=14), "onboarding": Rules(delay_h=0, cap_days=14)}
    dues = [
        Due("after_call", "c1", "contact:1", NOW - timedelta(hours=3)),        # sent
        Due("after_call", "c2", "contact:2", NOW - timedelta(hours=3)),        # quiet hours in Vladivostok
        Due("after_call", "c3", "contact:3", NOW - timedelta(hours=3)),        # no consent (never asked)
        Due("after_call", "c4", "contact:4", NOW - timedelta(hours=3)),        # surveyed 5 days ago
        Due("after_call", "c5", "contact:5", NOW - timedelta(hours=1)),        # delay not over
        Due("after_call", "c6", "contact:6", NOW - timedelta(days=5)),         # too late to ask
        Due("after_call", "c7", "contact:7", NOW - timedelta(hours=3)),        # STOP
        Due("onboarding", "c1", "event:e1", NOW - timedelta(hours=1)),         # cap: c1 got one in this run
        Due("after_call", "c8", "contact:8", NOW - timedelta(hours=3)),        # no e-mail address
    ]
    consent = {"c1": True, "c2": True, "c4": True, "c5": True, "c6": True, "c7": False, "c8": True}
    out = plan(dues, rules, now=NOW, consent=consent, last_sent={"c4": NOW - timedelta(days=5)},
               zones={"c1": MSK, "c2": VLAD}, default_tz=UTC, addressable={"c1", "c2", "c4", "c5", "c6", "c7"})
    got = [(d.due.customer_id, d.due.campaign, d.action, d.reason) for d in out]
    assert got == [
        ("c1", "after_call", "send", ""), ("c2", "after_call", "wait", "quiet_hours"),
        ("c3", "after_call", "skip", "consent"), ("c4", "after_call", "skip", "cap"),
        ("c5", "after_call", "wait", "delay"), ("c6", "after_call", "skip", "late"),
        ("c7", "after_call", "skip", "consent"), ("c1", "onboarding", "skip", "cap"),
        ("c8", "after_call", "skip", "no_address"),
    ]
    assert out[1].at == datetime(2026, 3, 2, 23, tzinfo=UTC)
    assert out[4].at == NOW + timedelta(hours=1)


def test_plan_checks_its_input():
    with pytest.raises(ValueError, match="no rules"):
        plan([Due("x", "c1", "k", NOW)], {}, now=NOW, consent={}, last_sent={}, zones={}, default_tz=UTC)
    with pytest.raises(ValueError, match="aware"):
        plan([], {}, now=datetime(2026, 3, 2), consent={}, last_sent={}, zones={}, default_tz=UTC)


def test_state_machine_keeps_final_states():
    assert next_state("sent", "delivered") == "delivered"
    assert next_state("delivered", "answered") == "answered"
    assert next_state("answered", "ignored") == "answered"
    assert next_state("opted_out", "answered") == "opted_out"
    assert next_state("delivered", "sent") == "delivered"
    with pytest.raises(ValueError, match="state="):
        next_state("lost", "sent")


def test_one_reminder_while_open_and_then_ignored():
    sent = NOW
    kwargs = {"sent_at": sent, "remind_after_h": 24, "expires_h": 72}
    assert not reminder_due("sent", now=sent + timedelta(hours=23), reminded=False, **kwargs)
    assert reminder_due("delivered", now=sent + timedelta(hours=24), reminded=False, **kwargs)
    assert not reminder_due("delivered", now=sent + timedelta(hours=30), reminded=True, **kwargs)
    assert not reminder_due("answered", now=sent + timedelta(hours=30), reminded=False, **kwargs)
    assert not reminder_due("sent", now=sent + timedelta(hours=30), reminded=False, sent_at=sent,
                            remind_after_h=None, expires_h=72)
    assert not expired("sent", sent_at=sent, now=sent + timedelta(hours=71), expires_h=72)
    assert expired("sent", sent_at=sent, now=sent + timedelta(hours=72), expires_h=72)
    assert not expired("opted_out", sent_at=sent, now=sent + timedelta(days=30), expires_h=72)


def test_schedule_periods_are_stable():
    origin = datetime(2026, 1, 5, tzinfo=UTC)
    assert schedule_period(origin + timedelta(days=6, hours=23), every_days=7, origin=origin)[0] == 0
    assert schedule_period(origin + timedelta(days=7), every_days=7, origin=origin) == (1, origin + timedelta(days=7))
    with pytest.raises(ValueError, match="every_days"):
        schedule_period(NOW, every_days=0, origin=origin)


def test_the_docstring_examples_hold():
    import doctest

    import features.campaigns

    result = doctest.testmod(features.campaigns)
    assert result.attempted > 0 and result.failed == 0
