"""A call built by hand, with turns at known times, two holds (one announced) and known features."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.rules.facts import ContactFacts
from pipeline.records import Contact, TelephonyEvent, Turn

CONTACT = Contact(contact_id="call-1", channel="call", source="/calls/call-1.wav", object_key="raw/call-1",
                  language="ru", team="cards", ingested_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))

TURNS = (
    Turn("agent", 0.0, 3.0, "Добрый день, меня зовут Анна", sentiment="neutral",
         tags=("greeting", "introduced_by_name")),
    Turn("customer", 3.5, 6.0, "Карта заблокирована, это ужасно", sentiment="negative"),
    Turn("agent", 6.5, 9.0, "Оставайтесь, пожалуйста, на линии, я проверю", sentiment="neutral",
         tags=("hold_announcement",)),
    Turn("agent", 40.5, 43.0, "Спасибо за ожидание", sentiment="positive", tags=("thanks",)),
    Turn("customer", 44.0, 46.0, "Хорошо", sentiment="neutral"),
    Turn("agent", 71.0, 74.0, "Карта разблокирована. Всего доброго!", sentiment="positive", tags=("farewell",)),
    Turn("customer", 74.5, 75.0, "Спасибо", sentiment="positive", tags=("thanks",)),
)
"""Hold 1 (10-40 s) is announced by turn 2, which ends 1 s before it; hold 2 (60-70 s) is not:
the agent's last words before it ended at 43 s, and they announced nothing."""

EVENTS = (
    TelephonyEvent("agent_answer", 0.0),
    TelephonyEvent("hold_start", 10.0), TelephonyEvent("hold_end", 40.0),
    TelephonyEvent("hold_start", 60.0), TelephonyEvent("hold_end", 70.0),
    TelephonyEvent("hangup", 76.0),
)

VALUES = {"interruptions_agent": 1, "longest_silence_s": 12.5, "csi": 35.2, "holds_source": "events",
          "customer_speech_rate_wpm": None, "hold_s": 40.0}


def call_facts(**changes) -> ContactFacts:
    fields = dict(contact=CONTACT, values=dict(VALUES), turns=TURNS, events=EVENTS)
    fields.update(changes)
    return ContactFacts(**fields)
