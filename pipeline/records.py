"""Typed records that every stage passes around and the catalog stores.

Frozen dataclasses, seconds for every duration (``_s``), timezone-aware timestamps.
Each record checks itself in ``__post_init__`` so a bad value fails where it is made,
not three stages later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

ContactChannel = Literal["call", "chat", "desk"]
Speaker = Literal["agent", "customer", "ivr", "bot", "unknown"]
ChatRole = Literal["agent", "customer", "bot"]
EventType = Literal[
    "ivr_start", "ivr_end", "queue_start", "agent_answer", "hold_start", "hold_end", "transfer", "hangup"
]
SurveyKind = Literal["csat", "nps", "ces"]
ScoreSource = Literal["model", "survey", "reviewer", "rule"]
Severity = Literal["info", "warning", "critical"]

CONTACT_CHANNELS: frozenset[str] = frozenset(get_args(ContactChannel))
SPEAKERS: frozenset[str] = frozenset(get_args(Speaker))
CHAT_ROLES: frozenset[str] = frozenset(get_args(ChatRole))
EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
LANGUAGES: frozenset[str] = frozenset({"ru", "en"})
SENTIMENTS: frozenset[str] = frozenset({"negative", "neutral", "positive"})
SURVEY_RANGES: Mapping[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


def _check_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name}={value.isoformat()} has no timezone; expected an aware datetime")


def _check_seconds(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}={value!r}; expected a finite number of seconds >= 0")


def _check_span(start_s: float, end_s: float) -> None:
    _check_seconds("start_s", start_s)
    _check_seconds("end_s", end_s)
    if end_s < start_s:
        raise ValueError(f"end_s={end_s} is before start_s={start_s}")


def _check_member(name: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r}; expected one of {sorted(allowed)}")


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
        _check_member("channel", self.channel, CONTACT_CHANNELS)
        _check_aware("started_at", self.started_at)
        _check_aware("ingested_at", self.ingested_at)
        for side, speaker in self.channel_map.items():
            _check_member(f"channel_map[{side!r}]", speaker, SPEAKERS)


@dataclass(frozen=True, slots=True)
class TelephonyEvent:
    """A telephony event from an events sidecar, ``t_s`` seconds from the start of the recording."""

    type: EventType
    t_s: float
    agent_id: str | None = None
    exit: str | None = None

    def __post_init__(self) -> None:
        _check_member("type", self.type, EVENT_TYPES)
        _check_seconds("t_s", self.t_s)


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
        _check_aware("sent_at", self.sent_at)
        _check_member("role", self.role, CHAT_ROLES)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float = 1.0

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s)
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

    def __post_init__(self) -> None:
        _check_member("speaker", self.speaker, SPEAKERS)
        _check_span(self.start_s, self.end_s)
        if self.sentiment is not None:
            _check_member("sentiment", self.sentiment, SENTIMENTS)


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
        _check_member("source", self.source, frozenset(get_args(ScoreSource)))
        if not math.isfinite(self.value):
            raise ValueError(f"score {self.name}={self.value}; expected a finite number")


@dataclass(frozen=True, slots=True)
class SurveyInvitation:
    """A survey sent to a customer about a contact, through a channel (chat-bot, sms, web, panel, ...).

    Whether it was answered, ignored or is still open follows from the answers that name it.
    """

    invitation_id: str
    customer_id: str
    channel: str
    sent_at: datetime
    contact_id: str | None = None
    operator_id: str | None = None
    team: str | None = None

    def __post_init__(self) -> None:
        if not self.invitation_id or not self.customer_id or not self.channel:
            raise ValueError("a survey invitation needs invitation_id, customer_id and channel")
        _check_aware("sent_at", self.sent_at)


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """A customer granting or withdrawing consent to be surveyed ("STOP" withdraws it at once)."""

    customer_id: str
    granted: bool
    at: datetime
    channel: str
    source: str = ""
    """Where it came from: a consent registry file, a survey reply, a chat message, ..."""
    contact_id: str | None = None
    """The contact (a chat, the survey's contact) whose message or reply it was, if any."""

    def __post_init__(self) -> None:
        if not isinstance(self.granted, bool):
            raise ValueError(f"granted={self.granted!r}; expected True or False")
        if not self.customer_id or not self.channel:
            raise ValueError("a consent change needs customer_id and channel")
        _check_aware("at", self.at)


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One score a customer gave (csat 1-5, nps 0-10, ces 1-7); a survey row with several scores is several answers."""

    customer_id: str
    kind: SurveyKind
    value: int
    answered_at: datetime
    contact_id: str | None = None
    operator_id: str | None = None
    text: str = ""
    reason: str | None = None
    invitation_id: str | None = None
    channel: str | None = None
    team: str | None = None

    def __post_init__(self) -> None:
        if not self.customer_id:
            raise ValueError("a survey answer needs customer_id")
        _check_member("kind", self.kind, frozenset(SURVEY_RANGES))
        low, high = SURVEY_RANGES[self.kind]
        if isinstance(self.value, bool) or not isinstance(self.value, int) or not low <= self.value <= high:
            raise ValueError(f"{self.kind}={self.value!r}; expected an integer {low}..{high}")
        _check_aware("answered_at", self.answered_at)


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A button press, panel answer or camera frame from a desk device."""

    device_id: str
    kind: str
    at: datetime
    value: str | None = None
    object_key: str | None = None
    contact_id: str | None = None

    def __post_init__(self) -> None:
        _check_aware("at", self.at)


ChecklistState = Literal["auto", "pending", "reviewed", "acknowledged", "disputed", "resolved"]
CHECKLIST_STATES: frozenset[str] = frozenset(get_args(ChecklistState))
AUTOMATIC_STATES: frozenset[str] = frozenset({"auto", "pending"})
"""States a re-run may replace; any other one is a person's answer and is kept."""


@dataclass(frozen=True, slots=True)
class ChecklistResult:
    """The answer to one checklist item for one contact.

    ``value`` is the answer as given: 1 or 0 for a yes/no item, the point chosen on a scale item
    (4 on 1-5); None while the item waits for a reviewer (``state="pending"``) or is not applicable.
    ``evidence`` says what decided it: dicts with a ``note`` and, where there is one, the ``turn``
    index, its time ``t_s``, a ``text`` excerpt, the ``feature`` and its ``value``.
    """

    contact_id: str
    checklist_id: str
    item_id: str
    value: float | None
    source: ScoreSource
    comment: str = ""
    checklist_version: str = ""
    not_applicable: bool = False
    state: ChecklistState = "auto"
    evidence: tuple[Mapping[str, object], ...] = ()
    reviewer: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.contact_id or not self.checklist_id or not self.item_id:
            raise ValueError("a checklist result needs contact_id, checklist_id and item_id")
        _check_member("source", self.source, frozenset(get_args(ScoreSource)))
        _check_member("state", self.state, CHECKLIST_STATES)
        if self.value is not None and (isinstance(self.value, bool) or not isinstance(self.value, (int, float))
                                       or not math.isfinite(self.value)):
            raise ValueError(f"item {self.item_id}: value={self.value!r}; expected a finite number or None")
        if not isinstance(self.not_applicable, bool):
            raise ValueError(f"item {self.item_id}: not_applicable={self.not_applicable!r}; expected true or false")
        if self.not_applicable and self.value is not None:
            raise ValueError(f"item {self.item_id}: value={self.value} and not applicable; expected value None")
        if not isinstance(self.evidence, tuple):
            raise ValueError(f"item {self.item_id}: evidence is a {type(self.evidence).__name__}; expected a tuple")
        _check_aware("updated_at", self.updated_at)


@dataclass(frozen=True, slots=True)
class Alarm:
    """A rule that fired: on one contact, or (an aggregate rule) on many at once, with no ``contact_id``.

    ``dedup_key`` is what the rule's cooldown counts per (``contact:ID``, ``customer:ID``,
    ``operator:ID``, ``rule``); ``details`` the values that made it fire; ``deliveries`` one dict
    per sink it was sent to: ``sink``, ``ok``, ``attempts``, ``status``, ``error``, ``at``.
    """

    contact_id: str | None
    rule: str
    severity: Severity
    message: str
    raised_at: datetime
    alarm_id: str = ""
    customer_id: str | None = None
    operator_id: str | None = None
    dedup_key: str = ""
    details: Mapping[str, object] = field(default_factory=dict)
    deliveries: tuple[Mapping[str, object], ...] = ()

    def __post_init__(self) -> None:
        if not self.rule:
            raise ValueError("an alarm needs the id of its rule")
        _check_member("severity", self.severity, frozenset(get_args(Severity)))
        _check_aware("raised_at", self.raised_at)
        if not isinstance(self.deliveries, tuple):
            raise ValueError(f"alarm {self.rule}: deliveries is a {type(self.deliveries).__name__}; expected a tuple")


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
        _check_aware("created_at", self.created_at)
