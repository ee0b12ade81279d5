"""The records of a contact: the contact itself, its telephony events, chat messages, transcript,
features, scores, desk-device events, and the error record of an input or stage that failed.

Frozen dataclasses, seconds for every duration (``_s``), timezone-aware timestamps.
Each record checks itself in ``__post_init__`` so a bad value fails where it is made,
not three stages later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from pipeline.records.checks import check_aware, check_member, check_seconds, check_span

ContactChannel = Literal["call", "chat", "desk"]
Speaker = Literal["agent", "customer", "ivr", "bot", "unknown"]
ChatRole = Literal["agent", "customer", "bot"]
EventType = Literal[
    "ivr_start", "ivr_end", "queue_start", "agent_answer", "hold_start", "hold_end", "transfer", "hangup", "other"
]
ScoreSource = Literal["model", "survey", "reviewer", "rule"]

CONTACT_CHANNELS: frozenset[str] = frozenset(get_args(ContactChannel))
SPEAKERS: frozenset[str] = frozenset(get_args(Speaker))
CHAT_ROLES: frozenset[str] = frozenset(get_args(ChatRole))
EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
LANGUAGES: frozenset[str] = frozenset({"ru", "en"})
SENTIMENTS: frozenset[str] = frozenset({"negative", "neutral", "positive"})


@dataclass(frozen=True, slots=True)
class Contact:
    """One call, chat or desk session; its raw bytes live in the object store at ``object_key``."""

    contact_id: str
    channel: ContactChannel
    source: str
    object_key: str
    started_at: datetime | None = None
    operator_id: str | None = None
    customer_id: str | None = None
    team: str | None = None
    channel_map: Mapping[str, Speaker] = field(default_factory=dict)
    ingested_at: datetime | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.language is not None and self.language not in LANGUAGES:
            raise ValueError(f"language={self.language!r}; expected one of {sorted(LANGUAGES)}")
        if not self.contact_id:
            raise ValueError("contact_id is empty")
        check_member("channel", self.channel, CONTACT_CHANNELS)
        check_aware("started_at", self.started_at)
        check_aware("ingested_at", self.ingested_at)
        for side, speaker in self.channel_map.items():
            check_member(f"channel_map[{side!r}]", speaker, SPEAKERS)


@dataclass(frozen=True, slots=True)
class TelephonyEvent:
    """A telephony event from an events sidecar, ``t_s`` seconds from the start of the recording.

    ``extra`` keeps what the export wrote beyond the contract, as it was (JSON values), and nothing
    reads it: fields such as ``"by": "customer"`` on a hangup, and for an ``other`` event (a type
    the contract does not know) its own type under ``"type"``.
    """

    type: EventType
    t_s: float
    agent_id: str | None = None
    exit: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_member("type", self.type, EVENT_TYPES)
        check_seconds("t_s", self.t_s)
        if self.type == "other" and not isinstance(self.extra.get("type"), str):
            raise ValueError("an 'other' event keeps its own type as a string in extra['type']")


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a chat (messenger, web chat, chat-bot), as a parser read it from an export."""

    chat_id: str
    sent_at: datetime
    role: ChatRole
    author: str
    text: str

    def __post_init__(self) -> None:
        if not self.chat_id:
            raise ValueError("chat_id is empty")
        check_aware("sent_at", self.sent_at)
        check_member("role", self.role, CHAT_ROLES)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float = 1.0

    def __post_init__(self) -> None:
        check_span(self.start_s, self.end_s)
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability={self.probability}; expected 0..1")


@dataclass(frozen=True, slots=True)
class Turn:
    """One party speaking without a pause long enough to end the turn."""

    speaker: Speaker
    start_s: float
    end_s: float
    text: str = ""
    words: tuple[Word, ...] = ()
    sentiment: str | None = None
    """``negative``, ``neutral`` or ``positive`` once text analytics ran on the turn."""
    tags: tuple[str, ...] = ()
    """Phrase tags found in the turn (``greeting``, ``apology``, ...)."""
    sentiment_proba: tuple[float, float, float] | None = None
    """P(negative, neutral, positive) of ``text`` from the sentiment model, kept with the transcript
    so later stages need not run the model again; None before text analytics or without text."""
    speaker_id: str = ""
    """Which voice spoke, beside ``speaker`` (the role): in a mono call the diarization label, ``S1``
    ... ``Sn`` in order of first speech; in a stereo call the channel's party; ``ivr`` for prompts.
    Empty (a transcript stored before speaker ids, a chat message) means the role."""

    def __post_init__(self) -> None:
        check_member("speaker", self.speaker, SPEAKERS)
        if not self.speaker_id:
            object.__setattr__(self, "speaker_id", self.speaker)
        elif not isinstance(self.speaker_id, str) or len(self.speaker_id) > 32 or not self.speaker_id.isprintable() \
                or self.speaker_id != self.speaker_id.strip():
            raise ValueError(f"speaker_id={self.speaker_id!r}; expected a label of 1..32 printable characters, "
                             "e.g. S1 or agent")
        check_span(self.start_s, self.end_s)
        if self.sentiment is not None:
            check_member("sentiment", self.sentiment, SENTIMENTS)
        if self.sentiment_proba is not None and (
                len(self.sentiment_proba) != 3 or not all(0.0 <= p <= 1.0 for p in self.sentiment_proba)):
            raise ValueError(f"sentiment_proba={self.sentiment_proba}; expected 3 probabilities in 0..1")


@dataclass(frozen=True, slots=True)
class Transcript:
    contact_id: str
    language: str
    turns: tuple[Turn, ...]
    model: str = ""

    def __post_init__(self) -> None:
        starts = [t.start_s for t in self.turns]
        if starts != sorted(starts):
            raise ValueError(f"transcript of {self.contact_id}: turns are not sorted by start_s")


FeatureValue = float | int | str | None


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """Named values one stage computed for one contact (``name`` is the stage, e.g. ``probe``)."""

    contact_id: str
    name: str
    values: Mapping[str, FeatureValue]
    version: int = 1

    def __post_init__(self) -> None:
        for key, value in self.values.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"feature {self.name}.{key}={value}; expected a finite number or None")


@dataclass(frozen=True, slots=True)
class Score:
    """A number given to a contact (CSI, checklist total, ...) and the reasons behind it."""

    contact_id: str
    name: str
    value: float
    source: ScoreSource
    reasons: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_member("source", self.source, frozenset(get_args(ScoreSource)))
        if not math.isfinite(self.value):
            raise ValueError(f"score {self.name}={self.value}; expected a finite number")


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A button press, panel answer or camera frame from a desk device.

    ``event_id`` makes a press storable exactly once: the device's own id when it sends one, else
    derived from what the press is (device, time, kind, value, raw payload), so the same bytes
    read twice are the same event. ``raw`` is the payload as received (text; bytes as hex).
    """

    device_id: str
    kind: str
    at: datetime
    value: str | None = None
    object_key: str | None = None
    contact_id: str | None = None
    event_id: str = ""
    desk_id: str | None = None
    site_id: str | None = None
    operator_id: str | None = None
    raw: str | None = None

    def __post_init__(self) -> None:
        check_aware("at", self.at)
        if not self.device_id or not self.kind:
            raise ValueError("a device event needs a device_id and a kind")
        if not self.event_id:
            object.__setattr__(self, "event_id", derived_event_id(self))


def derived_event_id(event: DeviceEvent) -> str:
    """A stable id for an event its device did not number: a hash of what the event is."""
    import hashlib

    parts = (event.device_id, event.at.isoformat(), event.kind, event.value or "", event.raw or "")
    return "d-" + hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """Why an input or a stage failed; the raw bytes stay in quarantine at ``quarantine_key``."""

    error_id: str
    source: str
    stage: str
    message: str
    created_at: datetime
    quarantine_key: str | None = None
    contact_id: str | None = None

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError("an error record needs a message")
        check_aware("created_at", self.created_at)
