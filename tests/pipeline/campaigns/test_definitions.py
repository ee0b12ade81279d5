"""The campaigns file and the CRM files: what a good file defines, and FILE:LINE for every mistake."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from pipeline.campaigns.definitions import CampaignFileError, read_campaigns
from pipeline.campaigns.files import crm_file_kind, read_crm_file

GOOD = """\
sinks:
  email: {host: 127.0.0.1, port: 2525, from: survey@bank.example}
  webhook: {url: "http://127.0.0.1:9/hook", secret_env: CAMPAIGN_SECRET}
  file: {path: outbox/invitations.jsonl}
replies: {secret_env: CAMPAIGN_SECRET}
defaults: {quiet_hours: "22:00-08:30", cap_days: 14, timezone: Europe/Moscow}
campaigns:
  - id: after_call
    trigger: {contact: {channel: call, team: [retail, vip]}}
    delay_h: 2
    sink: email
    remind_after_h: 24
    questions:
      - {kind: csat, text: "How satisfied are you?"}
      - kind: reason
        text: "What could be better?"
        choices:
          slow: {text: "Too slow", reply: "Sorry for the wait.", task: true}
          rude: "Impolite"
      - {kind: text, text: "Anything else?"}
  - id: onboarding
    trigger: {event: [trial_started, deal_closed]}
    sink: webhook
    quiet_hours: none
    questions: [{kind: nps, text: "Would you recommend us?"}, {kind: ces}]
  - id: quarterly
    trigger: {schedule: {every_days: 90}}
    sink: file
    questions: [{kind: nps}]
"""


def test_a_good_file():
    f = read_campaigns(GOOD, "c.yaml")
    assert [c.id for c in f.campaigns] == ["after_call", "onboarding", "quarterly"]
    after, onboarding, quarterly = f.campaigns
    assert (after.trigger, after.channels, after.teams, after.sink) == (
        "contact", ("call",), ("retail", "vip"), "email")
    assert (after.rules.delay_h, after.rules.cap_days, after.rules.quiet_start, after.rules.quiet_end) == (
        2.0, 14.0, time(22), time(8, 30))
    assert after.remind_after_h == 24 and after.expires_h == 72
    assert after.choice("slow").reply == "Sorry for the wait." and after.choice("slow").task
    assert after.choice("rude").text == "Impolite" and not after.choice("rude").task
    assert onboarding.events == ("trial_started", "deal_closed")
    assert onboarding.rules.quiet_start == onboarding.rules.quiet_end  # none
    assert (quarterly.trigger, quarterly.every_days) == ("schedule", 90.0)
    assert (f.reply_secret_env, f.timezone) == ("CAMPAIGN_SECRET", "Europe/Moscow")


def test_every_mistake_is_reported_with_its_line():
    bad = (GOOD.replace("channel: call", "channel: fax")
           .replace("delay_h: 2", "delay_h: -2")
           .replace("{kind: ces}", "{kind: stars}")
           .replace("sink: file", "sink: sms")
           .replace('"22:00-08:30"', '"late evening"')
           .replace("remind_after_h: 24", "remind_after_h: 100"))
    with pytest.raises(CampaignFileError) as caught:
        read_campaigns(bad, "c.yaml")
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        "c.yaml:6: defaults: quiet_hours 'late evening'; expected HH:MM-HH:MM (local to the customer), e.g. "
        "21:00-09:00, or none",
        "c.yaml:9: campaign after_call trigger contact: channel 'fax'; expected some of ['call', 'chat', 'desk']",
        "c.yaml:10: campaign after_call: delay_h -2; expected a number >= 0",
        "c.yaml:12: campaign after_call: remind_after_h 100; expected less than expires_h (72)",
        "c.yaml:25: campaign onboarding question 2: kind 'stars'; expected one of ['csat', 'nps', 'ces', "
        "'discourage', 'goal', 'emotion', 'reason', 'text']",
        "c.yaml:28: campaign quarterly: sink 'sms'; expected one of ['email', 'webhook', 'file']",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "c.yaml:1: expected a mapping with sinks and campaigns"),
    ("campaigns: [\n", "not valid YAML"),
    ("sinks: {email: {host: h}}\ncampaigns: []\n", "c.yaml:1: sinks email: no from"),
    ("sinks: {file: {path: x}}\ncampaigns:\n  - id: a\n    sink: file\n    questions: [{kind: nps}]\n"
     "  - id: a\n    trigger: {event: x}\n    sink: file\n    questions: [{kind: nps}]\n",
     "c.yaml:3: campaign a: no trigger"),
])
def test_hostile_files(text, expected):
    with pytest.raises(CampaignFileError) as caught:
        read_campaigns(text, "c.yaml")
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems
    assert all(str(p).startswith("c.yaml:") for p in caught.value.problems)


def test_crm_files_events_and_addresses_with_line_problems():
    assert crm_file_kind("march.crm-events.jsonl") == "events" and crm_file_kind("x.customers.csv") == "customers"
    data = ("customer,event,ts,email,tz\n"
            "c1,trial_started,2026-03-01T10:00:00+03:00,c1@mail.example,Europe/Moscow\n"
            "c2,deal_closed,2026-03-01 10:00,,\n"
            ",trial_started,2026-03-01T10:00:00Z,,\n"
            "c3,Trial Started,2026-03-01T10:00:00Z,,\n"
            "c4,month_6,yesterday,,\n"
            "c5,month_12,2026-03-01T10:00:00Z,not-an-email,\n"
            "c6,month_12,2026-03-01T10:00:00Z,,Mars/Olympus\n").encode()
    parsed = read_crm_file(data, jsonl=False, events=True, tz=UTC)
    assert [(e.customer_id, e.event, e.at) for e in parsed.events] == [
        ("c1", "trial_started", datetime(2026, 3, 1, 7, tzinfo=UTC)),
        ("c2", "deal_closed", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ]
    assert parsed.customers["c1"].email == "c1@mail.example" and parsed.customers["c1"].tz == "Europe/Moscow"
    assert [line for line, _ in parsed.problems] == [4, 5, 6, 7, 8]
    assert "expected a customer id" in parsed.problems[0][1] and "ISO 8601" in parsed.problems[2][1]
    jsonl = b'{"customer": "c1", "event": "deal_closed", "ts": "2026-03-01T10:00:00Z"}\n[1]\nnot json\n'
    parsed = read_crm_file(jsonl, jsonl=True, events=True, tz=UTC)
    assert len(parsed.events) == 1 and [line for line, _ in parsed.problems] == [2, 3]
    assert read_crm_file(b"\xff\xfe", jsonl=False, events=True, tz=UTC).problems == [(1, "not UTF-8 text")]


def test_the_docstring_examples_hold():
    import doctest

    import pipeline.campaigns.files
    import pipeline.campaigns.sinks

    for module in (pipeline.campaigns.files, pipeline.campaigns.sinks):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_texts_from_defaults_and_a_campaign_and_an_intro_without_a_way_out():
    from datetime import datetime

    from pipeline.campaigns.definitions import TEXTS
    from pipeline.campaigns.run import message_for

    text = GOOD.replace(
        'defaults: {quiet_hours: "22:00-08:30", cap_days: 14, timezone: Europe/Moscow}',
        'defaults:\n  quiet_hours: "22:00-08:30"\n  cap_days: 14\n  timezone: Europe/Moscow\n'
        '  texts: {subject: "Как мы справились?", intro: "Ответьте на пару вопросов. Ответьте СТОП, чтобы отписаться."}')
    text = text.replace("    sink: webhook\n", "    sink: webhook\n    texts: {subject: \"Добро пожаловать!\"}\n")
    after, onboarding, quarterly = read_campaigns(text, "c.yaml").campaigns
    assert after.texts["subject"] == "Как мы справились?" and after.texts["intro"].endswith("чтобы отписаться.")
    assert after.texts["reminder_subject"] == TEXTS["reminder_subject"]  # not replaced: the default
    assert onboarding.texts["subject"] == "Добро пожаловать!" and onboarding.texts["intro"] == after.texts["intro"]
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    invitation = message_for("invitation", after, "i1", "c1", None, now)
    assert (invitation.subject, invitation.text) == (after.texts["subject"], after.texts["intro"])
    assert message_for("auto_reply", after, "i1", "c1", None, now, "Простите").text == "Простите"
    assert read_campaigns(GOOD, "c.yaml").campaigns[0].texts == TEXTS

    bad = text.replace("Ответьте СТОП, чтобы отписаться.", "Спасибо!").replace(
        'texts: {subject: "Добро пожаловать!"}', "texts: {subject: 5, greeting: hi}")
    with pytest.raises(CampaignFileError) as caught:
        read_campaigns(bad, "c.yaml")
    found = "\n".join(str(p) for p in caught.value.problems)
    assert "c.yaml:10: defaults texts: intro 'Ответьте на пару вопросов. Спасибо!'; expected it to tell the way out" \
        in found
    assert "subject 5; expected text" in found and "greeting" in found
