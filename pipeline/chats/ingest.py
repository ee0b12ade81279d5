"""Ingest chat exports: one contact per chat, an error record per malformed line.

The contact's object is the chat rewritten in cxmon's JSON Lines format, with personal data
tagged when ``pii_redaction`` is on. The export's raw bytes are kept under ``raw/`` only where
the originals may be kept (``keep_unredacted``, or redaction off); a file that cannot be read as
a chat at all goes to quarantine, as does a file with malformed lines (for a person to look at),
kept with its personal data tagged unless the originals may be kept (its other bytes as they were).
A meta sidecar that cannot be read is quarantined byte for byte, as every sidecar is
(:mod:`pipeline.store.intake`).
:data:`CHAT_EXPORTS` is the input kind that :data:`pipeline.ingest.INPUT_KINDS` lists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.chats.formats import CHAT_SUFFIXES, ChatFormatError, parse_chat
from pipeline.personal_data import redacted
from pipeline.records import ChatMessage, Contact
from pipeline.settings import Settings
from pipeline.sidecars import EVENTS_SUFFIX, META_SUFFIX, CallMeta, SidecarError, parse_meta
from pipeline.store import RAW_PREFIX, Store
from pipeline.store.intake import (IngestReport, InputKind, add_contact, keeps_redacted, quarantine,
                                   quarantine_problems)
from pipeline.store.objects import content_key, put_bytes, put_file_once
from pipeline.text.language import guess_language

CHATS_PREFIX = "chats"


@dataclass(frozen=True, slots=True)
class ChatInput:
    """A chat export and the meta sidecar found beside it."""

    path: Path
    meta: Path | None = None


def chat_jsonl(messages: Sequence[ChatMessage], *, redact_pii: bool) -> bytes:
    """The messages in cxmon's JSON Lines chat format, text and authors redacted when asked (a messenger
    names a customer it has no name for by the phone number)."""
    lines = (
        json.dumps({"chat_id": m.chat_id, "ts": m.sent_at.isoformat(), "role": m.role,
                    "author": redacted(m.author) if redact_pii else m.author,
                    "text": redacted(m.text) if redact_pii else m.text}, ensure_ascii=False)
        for m in messages
    )
    return ("\n".join(lines) + "\n").encode()


def chat_contact_id(file_sha256: str, chat_id: str) -> str:
    return hashlib.sha256(f"{file_sha256}\n{chat_id}".encode()).hexdigest()[:16]


def _read_meta(store: Store, item: ChatInput, report: IngestReport) -> CallMeta:
    if item.meta is None:
        return CallMeta()
    try:
        return parse_meta(item.meta, channels=None)
    except SidecarError as error:
        report.errors.append(quarantine(store, item.meta, stage="ingest", message=str(error)))
        return CallMeta()


def ingest_chat(
    store: Store, item: ChatInput, report: IngestReport, settings: Settings, *, language: str | None = None
) -> None:
    """Ingest every chat in one export file, adding what happened to ``report``.

    A chat's language is the meta sidecar's, else ``language``, else guessed from its letters.
    """
    name = item.path.name
    data = item.path.read_bytes()
    meta = _read_meta(store, item, report)
    try:
        parsed = parse_chat(name, data, roles={**settings.chat_roles, **meta.roles},
                            timezone=ZoneInfo(settings.timezone))
    except ChatFormatError as error:
        report.errors.append(quarantine(store, item.path, stage="ingest", message=str(error),
                                        redact_pii=keeps_redacted(settings)))
        return
    quarantine_problems(store, item.path, parsed.problems, report, redact_pii=keeps_redacted(settings))
    if settings.keep_unredacted or not settings.pii_redaction:
        put_file_once(store.objects, RAW_PREFIX, item.path, content_type="text/plain", metadata={"source": name})
    file_sha = hashlib.sha256(data).hexdigest()
    for chat_id, messages in parsed.chats.items():
        contact_id = chat_contact_id(file_sha, chat_id)
        if store.catalog.get_contact(contact_id) is not None:
            report.existing.append(contact_id)
            continue
        document = chat_jsonl(messages, redact_pii=settings.pii_redaction)
        key = content_key(CHATS_PREFIX, hashlib.sha256(document).hexdigest())
        if not store.objects.exists(key):
            put_bytes(store.objects, key, document, content_type="application/x-ndjson", metadata={"source": name})
        first_agent = next((m.author for m in messages if m.role == "agent" and m.author), None)
        contact = Contact(
            contact_id=contact_id,
            channel=CHAT_EXPORTS.channel,
            source=str(item.path) if len(parsed.chats) == 1 else f"{item.path}#{chat_id}",
            object_key=key,
            started_at=meta.started_at or messages[0].sent_at,
            operator_id=meta.operator_id or first_agent,
            customer_id=meta.customer_id,
            team=meta.team,
            ingested_at=datetime.now(UTC),
            language=meta.language or language or guess_language([m.text for m in messages], default=settings.language),
        )
        add_contact(store, contact, report)


CHAT_EXPORTS = InputKind(
    name="chats",
    noun="chat",
    expected=f"a chat export ({', '.join(sorted(CHAT_SUFFIXES))})",
    suffixes=tuple(sorted(CHAT_SUFFIXES)),
    input_of=lambda path, sidecars: ChatInput(path, meta=sidecars.get(META_SUFFIX)),
    ingest=ingest_chat,
    channel="chat",
    sidecars=frozenset({META_SUFFIX}),
    refused={EVENTS_SUFFIX: "telephony events beside a chat export"},
    personal_text=True,
)
