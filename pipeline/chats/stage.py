"""The ``chat`` stage: read a stored chat, annotate its messages, keep them as its transcript with its features."""

from __future__ import annotations

from typing import TYPE_CHECKING

from features.chat import ChatLine, chat_features
from pipeline.chats.formats import parse_chat
from pipeline.records import ChatMessage, Contact, FeatureSet, Transcript, Turn
from pipeline.settings import Settings
from pipeline.surveys.consent import record_stop_messages
from pipeline.text.annotate import annotate_turns

if TYPE_CHECKING:
    from pipeline.store import Store


def stored_messages(store: Store, contact: Contact) -> tuple[ChatMessage, ...]:
    """The chat's messages as ingest stored them (cxmon JSON Lines, already redacted), in time order."""
    from pipeline.store.objects import get_bytes

    parsed = parse_chat(f"{contact.contact_id}.jsonl", get_bytes(store.objects, contact.object_key))
    if len(parsed.chats) != 1 or parsed.problems:
        raise ValueError(f"stored chat {contact.object_key}: expected one well-formed chat")
    return next(iter(parsed.chats.values()))


def message_turns(messages: tuple[ChatMessage, ...]) -> tuple[Turn, ...]:
    """Messages as instantaneous turns, ``start_s`` = seconds since the first message."""
    start = messages[0].sent_at
    return tuple(
        Turn(speaker=m.role, start_s=(m.sent_at - start).total_seconds(), end_s=(m.sent_at - start).total_seconds(),
             text=m.text)
        for m in messages
    )


def chat_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    language = contact.language or settings.language
    messages = stored_messages(store, contact)
    record_stop_messages(store, contact, messages)  # "STOP" withdraws survey consent at once
    turns, text_values = annotate_turns(message_turns(messages), language, unit="messages",
                                        phrases_path=settings.phrase_dictionaries.get(language))
    lines = [ChatLine(t.start_s, t.speaker, t.text, negative=t.sentiment == "negative") for t in turns]
    values = {**text_values, **chat_features(lines)}
    store.catalog.put_transcript(Transcript(contact_id=contact.contact_id, language=language, turns=turns,
                                            model="chat"))
    return FeatureSet(contact_id=contact.contact_id, name="chat", values=values)
