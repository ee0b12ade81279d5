"""Each rule on a hand-built call: pass, fail, N/A or unknown, and the evidence that decided it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.checklists.rules import (AllRule, AnyRule, FeatureRule, HoldsAnnouncedRule, SentimentRule, TagRule,
                                       evaluate_rule)
from pipeline.records import TelephonyEvent
from tests.pipeline.checklists.facts import TURNS, call_facts

FACTS = call_facts()
NO_TRANSCRIPT = call_facts(turns=())


def _run(rule, facts=FACTS):
    result = evaluate_rule(rule, facts)
    return result.outcome, [e.as_dict() for e in result.evidence]


def test_tag_in_the_agents_first_turns_passes_with_the_turn_as_evidence():
    assert _run(TagRule("greeting", "agent", within_turns=2)) == ("pass", [
        {"note": "agent turn 0 carries greeting", "turn": 0, "t_s": 0.0, "text": "Добрый день, меня зовут Анна"}])
    assert _run(TagRule("farewell", "agent", last_turns=1)) == ("pass", [
        {"note": "agent turn 5 carries farewell", "turn": 5, "t_s": 71.0,
         "text": "Карта разблокирована. Всего доброго!"}])


def test_a_missing_tag_fails_and_quotes_what_was_said_instead():
    assert _run(TagRule("introduced_by_name", "agent", last_turns=1)) == ("fail", [
        {"note": "no introduced_by_name in the agent's last 1 turn"},
        {"note": "agent turn 5 says", "turn": 5, "t_s": 71.0, "text": "Карта разблокирована. Всего доброго!"}])
    # the greeting is in the agent's first turn, not in the customer's
    assert _run(TagRule("greeting", "customer"))[0] == "fail"
    # a tag said outside the window does not count
    assert _run(TagRule("thanks", "agent", within_turns=2))[0] == "fail"


def test_tag_rules_without_the_speaker_or_the_transcript():
    assert _run(TagRule("greeting", "bot")) == ("na", [{"note": "no bot turns in this contact"}])
    assert _run(TagRule("greeting", "agent"), NO_TRANSCRIPT) == (
        "unknown", [{"note": "no transcript: nothing was said or it was not transcribed"}])
    assert _run(TagRule("profanity", "agent", absent=True), NO_TRANSCRIPT)[0] == "unknown"


def test_no_tag_passes_when_absent_and_fails_on_each_turn_that_has_it():
    assert _run(TagRule("profanity", "agent", absent=True)) == (
        "pass", [{"note": "no profanity in the agent's turns (4 checked)"}])
    assert _run(TagRule("thanks", "customer", absent=True)) == ("fail", [
        {"note": "customer turn 6 carries thanks", "turn": 6, "t_s": 74.5, "text": "Спасибо"}])
    assert _run(TagRule("thanks", None, absent=True))[1] == [
        {"note": "agent turn 3 carries thanks", "turn": 3, "t_s": 40.5, "text": "Спасибо за ожидание"},
        {"note": "customer turn 6 carries thanks", "turn": 6, "t_s": 74.5, "text": "Спасибо"}]


def test_feature_bounds_and_their_evidence():
    assert _run(FeatureRule("interruptions_agent", max=2)) == ("pass", [
        {"note": "interruptions_agent = 1, <= 2", "feature": "interruptions_agent", "value": 1}])
    assert _run(FeatureRule("longest_silence_s", max=10)) == ("fail", [
        {"note": "longest_silence_s = 12.5 > 10 (max)", "feature": "longest_silence_s", "value": 12.5}])
    assert _run(FeatureRule("longest_silence_s", min=5, max=15))[0] == "pass"
    assert _run(FeatureRule("csi", min=40)) == ("fail", [
        {"note": "csi = 35.2 < 40 (min)", "feature": "csi", "value": 35.2}])


def test_a_feature_that_cannot_exist_is_na_and_one_not_computed_waits_for_a_reviewer():
    assert _run(FeatureRule("customer_speech_rate_wpm", min=100)) == ("na", [
        {"note": "customer_speech_rate_wpm cannot exist for this contact", "feature": "customer_speech_rate_wpm"}])
    assert _run(FeatureRule("agent_first_response_s", max=60)) == ("unknown", [
        {"note": "agent_first_response_s was not computed for this contact", "feature": "agent_first_response_s"}])
    assert _run(FeatureRule("holds_source", max=1))[0] == "unknown"


def test_holds_announced_names_each_hold_and_the_turn_that_announced_it():
    assert _run(HoldsAnnouncedRule(within_s=10)) == ("fail", [
        {"note": "hold at 60 s: no hold_announcement by the agent in the 10 s before it", "t_s": 60.0},
        {"note": "hold at 10 s announced by agent turn 2", "turn": 2, "t_s": 6.5,
         "text": "Оставайтесь, пожалуйста, на линии, я проверю"}])
    first_only = call_facts(events=FACTS.events[:3])
    assert _run(HoldsAnnouncedRule(within_s=10), first_only)[0] == "pass"
    # turn 2 ended 1 s before the hold: a 0.5 s window misses it
    assert _run(HoldsAnnouncedRule(within_s=0.5), first_only)[0] == "fail"


def test_an_announcement_by_the_customer_or_after_the_hold_does_not_count():
    late = call_facts(events=(TelephonyEvent("hold_start", 5.0), TelephonyEvent("hold_end", 6.0)))
    assert _run(HoldsAnnouncedRule(within_s=10), late)[0] == "fail"  # turn 2 starts at 6.5 s, after the hold
    said_by_customer = list(TURNS)
    said_by_customer[2] = replace(TURNS[2], speaker="customer")
    assert _run(HoldsAnnouncedRule(), call_facts(turns=tuple(said_by_customer), events=FACTS.events[:3]))[0] == "fail"


def test_holds_announced_without_holds_or_without_a_transcript():
    assert _run(HoldsAnnouncedRule(), call_facts(events=FACTS.events[:1])) == (
        "na", [{"note": "no holds in this contact"}])
    assert _run(HoldsAnnouncedRule(), NO_TRANSCRIPT) == (
        "unknown", [{"note": "2 holds but no transcript to find announcements in"}])


def test_sentiment_in_a_window():
    assert _run(SentimentRule("customer", not_=frozenset({"negative"}), last_turns=1)) == ("pass", [
        {"note": "the customer's last 1 turn: 1 rated, none negative", "turn": 6, "t_s": 74.5,
         "text": "Спасибо"}])
    assert _run(SentimentRule("customer", not_=frozenset({"negative"}))) == ("fail", [
        {"note": "customer turn 1 is negative", "turn": 1, "t_s": 3.5, "text": "Карта заблокирована, это ужасно"}])
    outcome, evidence = _run(SentimentRule("customer", is_=frozenset({"positive"})))
    assert outcome == "fail" and [e["turn"] for e in evidence] == [1, 4]
    assert _run(SentimentRule("agent", is_=frozenset({"neutral", "positive"})))[0] == "pass"


def test_sentiment_without_ratings_or_speaker():
    unrated = call_facts(turns=tuple(replace(t, sentiment=None) for t in TURNS))
    assert _run(SentimentRule("customer", not_=frozenset({"negative"})), unrated) == (
        "unknown", [{"note": "no sentiment on the customer's turns: text analytics have not run"}])
    assert _run(SentimentRule("bot", not_=frozenset({"negative"})))[0] == "na"


PASS = TagRule("greeting", "agent", within_turns=2)
FAIL = FeatureRule("csi", min=40)
NA = TagRule("greeting", "bot")
UNKNOWN = FeatureRule("agent_first_response_s", max=60)


@pytest.mark.parametrize(("parts", "expected"), [
    ((PASS, NA), "pass"), ((PASS, FAIL), "fail"), ((PASS, UNKNOWN), "unknown"), ((FAIL, UNKNOWN), "fail"),
    ((NA, NA), "na"),
])
def test_all_of(parts, expected):
    assert _run(AllRule(parts))[0] == expected


@pytest.mark.parametrize(("parts", "expected"), [
    ((FAIL, PASS), "pass"), ((FAIL, UNKNOWN), "unknown"), ((FAIL, NA), "fail"), ((NA,), "na"),
])
def test_any_of(parts, expected):
    assert _run(AnyRule(parts))[0] == expected


def test_combinators_keep_the_deciding_evidence():
    _, evidence = _run(AllRule((PASS, FAIL)))
    assert evidence == [{"note": "csi = 35.2 < 40 (min)", "feature": "csi", "value": 35.2}]
    _, evidence = _run(AnyRule((FAIL, PASS)))
    assert [e.get("turn") for e in evidence] == [0]
    _, evidence = _run(AllRule((PASS, FeatureRule("interruptions_agent", max=2))))
    assert [e.get("turn", e.get("feature")) for e in evidence] == [0, "interruptions_agent"]
