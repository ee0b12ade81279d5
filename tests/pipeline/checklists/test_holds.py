"""Holds as checklist rules see them: the events file's, and those the call features heard in the audio
when the events file has none (issue 12: "no holds in this contact" on a call with two holds)."""

from __future__ import annotations

import doctest

import pytest

import pipeline.checklists.holds as holds_module
from pipeline.checklists.holds import Hold, contact_holds, event_holds, gap_holds, parse_spans
from pipeline.checklists.rules import HoldsAnnouncedRule, evaluate_rule
from pipeline.records import TelephonyEvent, Turn
from tests.pipeline.checklists.facts import TURNS, VALUES, call_facts

# The hand-built call of facts.py: hold 1 at 10-40 s (announced by turn 2, which ends at 9 s),
# hold 2 at 60-70 s (not announced). Here the events file is lost: only the features know.
HEARD = {**VALUES, "holds_count": 2, "hold_s": 40.0, "holds_source": "detected"}
NO_EVENTS = call_facts(events=(), values=HEARD)


def _run(facts):
    result = evaluate_rule(HoldsAnnouncedRule(within_s=10), facts)
    return result.outcome, [e.as_dict() for e in result.evidence]


def test_holds_heard_in_the_audio_are_judged_not_na():
    outcome, evidence = _run(NO_EVENTS)
    assert outcome == "fail"   # the second hold was not announced
    # placed in the transcript's two widest gaps, 9.0-40.5 s and 46.0-71.0 s
    assert evidence == [
        {"note": "hold at 46 s (heard in the audio, no hold event): no hold_announcement by the agent in the 10 s "
                 "before it", "t_s": 46.0},
        {"note": "hold at 9 s (heard in the audio, no hold event) announced by agent turn 2", "turn": 2, "t_s": 6.5,
         "text": "Оставайтесь, пожалуйста, на линии, я проверю"}]


def test_one_announced_hold_heard_in_the_audio_passes():
    values = {**HEARD, "holds_count": 1, "hold_s": 30.0}
    turns = tuple(t for t in TURNS if t.start_s < 60)   # the call ends after the first hold
    assert _run(call_facts(events=(), values=values, turns=turns))[0] == "pass"


def test_no_holds_anywhere_is_na():
    assert _run(call_facts(events=(), values={**VALUES, "holds_count": 0}))[0] == "na"
    assert _run(call_facts(events=(), values=dict(VALUES))) == ("na", [{"note": "no holds in this contact"}])


def test_the_timeline_spans_win_over_events_and_gaps():
    facts = call_facts(events=(), values={**HEARD, "hold_spans": "10.00-40.00 44.50-70.00"})
    assert [(h.start_s, h.end_s, h.source) for h in contact_holds(facts.values, facts.events, facts.turns)] == [
        (10.0, 40.0, "timeline"), (44.5, 70.0, "timeline")]
    # the second hold starts at 44.5 s: turn 3 (40.5-43 s) is near it but announces nothing
    assert _run(facts)[0] == "fail"
    assert _run(call_facts(events=(), values={**HEARD, "hold_spans": ""})) == (
        "na", [{"note": "no holds in this contact"}])


def test_events_holds_and_one_more_heard():
    # the events file has only the first hold; the features count two: the second goes in the widest free gap
    events = (TelephonyEvent("hold_start", 10.0), TelephonyEvent("hold_end", 40.0))
    facts = call_facts(events=events, values=HEARD)
    holds = contact_holds(facts.values, facts.events, facts.turns)
    assert holds == [Hold(10.0, 40.0, "events"), Hold(46.0, 71.0, "audio")]


def test_the_longest_silence_is_not_taken_for_a_hold():
    turns = [Turn("agent", 0, 3, "a"), Turn("customer", 4, 6, "b"), Turn("agent", 20, 22, "c"),
             Turn("customer", 34, 37, "d"), Turn("agent", 38, 40, "e")]
    assert gap_holds(turns, 1, None, []) == [Hold(6, 20, "audio")]        # the widest gap
    assert gap_holds(turns, 1, 14.0, []) == [Hold(22, 34, "audio")]       # 6-20 s is the 14 s silence
    assert gap_holds(turns, 2, 14.0, []) == [Hold(6, 20, "audio"), Hold(22, 34, "audio")]
    assert gap_holds(turns, 0, None, []) == []
    assert gap_holds([], 2, None, []) == []


def test_event_holds_pair_starts_with_ends():
    events = [TelephonyEvent("hold_start", 5.0), TelephonyEvent("hold_end", 9.0), TelephonyEvent("hold_start", 20.0)]
    assert event_holds(events) == [Hold(5.0, 9.0, "events"), Hold(20.0, None, "events")]


@pytest.mark.parametrize(("value", "spans"), [
    ("1-2 3.5-4", [(1.0, 2.0), (3.5, 4.0)]), ("3-4,1-2", [(1.0, 2.0), (3.0, 4.0)]), ("", []),
    ("5-1", None), ("1-", None), (None, None), (3.0, None),
])
def test_parse_spans(value, spans):
    assert parse_spans(value) == spans


def test_garbled_hold_spans_fall_back_to_events_and_gaps():
    facts = call_facts(events=(), values={**HEARD, "hold_spans": "garbage"})
    assert [h.source for h in contact_holds(facts.values, facts.events, facts.turns)] == ["audio", "audio"]


def test_docstring_examples():
    assert doctest.testmod(holds_module).failed == 0
