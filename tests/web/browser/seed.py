"""The contacts, users and recording the browser tests open, written straight into a store."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import soundfile as sf

from pipeline.records import (Alarm, ChecklistResult, Contact, FeatureSet, Score, TelephonyEvent, Transcript, Turn,
                              Word)
from pipeline.store import Store
from pipeline.store.objects import put_bytes
from pipeline.users.accounts import add_user

T0 = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
RATE_HZ = 8000
DURATION_S = 12.0
PASSWORD = "correct horse battery"
USERS = {"rita": ("reviewer", None), "oleg": ("operator", "op-1"), "anna": ("admin", None)}
"""name: (role, operator id); every one signs in with PASSWORD."""

# (speaker, start_s, end_s, words as (text, start_s, end_s))
CALL_TURNS = [
    ("agent", 3.0, 5.0, [("Здравствуйте,", 3.0, 3.6), ("банк", 3.7, 4.1), ("слушает.", 4.2, 5.0)]),
    ("customer", 4.6, 6.5, [("Не", 4.6, 4.8), ("проходит", 4.9, 5.6), ("платёж!", 5.7, 6.5)]),
    ("agent", 8.5, 11.0, [("Сейчас", 8.5, 9.0), ("проверю", 9.1, 9.8), ("и", 9.9, 10.0), ("перезвоню.", 10.1, 11.0)]),
]
CHAT_TURNS = [("customer", "Добрый день, карта заблокирована"), ("agent", "Здравствуйте! Сейчас разблокирую."),
              ("customer", "Спасибо, всё работает")]


def stereo_wav(turns=CALL_TURNS) -> bytes:
    """Channel 0 the agent, channel 1 the customer: a tone wherever each speaks, silence elsewhere."""
    t = np.arange(int(DURATION_S * RATE_HZ)) / RATE_HZ
    samples = np.zeros((t.size, 2), dtype=np.float32)
    for speaker, start_s, end_s, _ in turns:
        channel, hz = (0, 220.0) if speaker == "agent" else (1, 330.0)
        on = (t >= start_s) & (t < end_s)
        samples[on, channel] = 0.6 * np.sin(2 * np.pi * hz * t[on])
    out = io.BytesIO()
    sf.write(out, samples, RATE_HZ, format="WAV", subtype="PCM_16")
    return out.getvalue()


def _call(store: Store, contact_id: str, operator: str, csi: float, *, negative_turns: int) -> None:
    key = f"raw/{contact_id}.wav"
    put_bytes(store.objects, key, stereo_wav(), content_type="audio/wav")
    contact = Contact(contact_id=contact_id, channel="call", source=f"{contact_id}.wav", object_key=key,
                      started_at=T0, operator_id=operator, team="north", channel_map={"0": "agent", "1": "customer"},
                      ingested_at=T0, language="ru")
    events = [TelephonyEvent("ivr_start", 0.0), TelephonyEvent("ivr_end", 2.0), TelephonyEvent("queue_start", 2.0),
              TelephonyEvent("agent_answer", 3.0), TelephonyEvent("hold_start", 7.0), TelephonyEvent("hold_end", 8.0),
              TelephonyEvent("hangup", DURATION_S)]
    store.catalog.add_contact(contact, events)
    turns = tuple(Turn(speaker, s, e, " ".join(w for w, _, _ in words),
                       words=tuple(Word(w, ws, we) for w, ws, we in words),
                       sentiment="negative" if speaker == "customer" else "neutral")
                  for speaker, s, e, words in CALL_TURNS)
    store.catalog.put_transcript(Transcript(contact_id, "ru", turns, model="test"))
    store.catalog.put_feature_set(FeatureSet(contact_id, "call", {"talk_s": 6.4, "overlap_s": 0.4, "hold_s": 1.0,
                                                                  "customer_negative_turns": negative_turns}))
    store.catalog.put_score(Score(contact_id, "csi", csi, "model",
                                  reasons={"customer_negative_share": -12.5, "hold_s": -3.1, "agent_polite": 2.0}))
    store.catalog.put_checklist_results([
        ChecklistResult(contact_id, "basic", "greeting", 1.0, "rule", state="auto", updated_at=T0,
                        evidence=({"note": "agent turn 0 carries greeting", "turn": 0, "t_s": 3.0,
                                   "text": "Здравствуйте, банк слушает."},)),
        ChecklistResult(contact_id, "basic", "solution", 0.0, "rule", state="auto", updated_at=T0,
                        evidence=({"note": "agent turn 2 says", "turn": 2, "text": "Сейчас проверю и перезвоню."},)),
    ])


def seed(store: Store) -> dict[str, str]:
    """Two calls (op-1's and op-2's), a chat of op-1, and the users; ``{name: api token}``."""
    _call(store, "call-a", "op-1", 38.0, negative_turns=1)
    _call(store, "call-b", "op-2", 71.0, negative_turns=0)
    store.catalog.add_alarm(Alarm("call-a", "negative_customer", "warning", "клиент недоволен", T0,
                                         dedup_key="contact:call-a"))
    chat = Contact(contact_id="chat-c", channel="chat", source="chat-c.json", object_key="raw/chat-c.json",
                   started_at=T0, operator_id="op-1", ingested_at=T0)
    store.catalog.add_contact(chat)
    store.catalog.put_transcript(Transcript("chat-c", "ru", tuple(
        Turn(speaker, 10.0 * i, 10.0 * i, text) for i, (speaker, text) in enumerate(CHAT_TURNS)), model="chat"))
    store.catalog.put_checklist_results([ChecklistResult("chat-c", "basic", "greeting", 1.0, "rule",
                                                         evidence=({"note": "agent greets", "turn": 1},))])
    return {name: add_user(store.catalog, name, role, operator_id=operator, password=PASSWORD, language="ru")[1]
            for name, (role, operator) in USERS.items()}
