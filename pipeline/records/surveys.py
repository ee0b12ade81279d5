"""The records of customer surveys: invitations sent, answers given, and consent granted or withdrawn."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pipeline.records.checks import check_aware, check_member

SurveyKind = Literal["csat", "nps", "ces", "discourage", "goal", "emotion"]
SURVEY_RANGES: Mapping[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7), "discourage": (0, 10),
                                                "goal": (0, 2), "emotion": (1, 5)}
"""Each answer kind's scale. ``discourage`` (0-10): "how likely are you to discourage others from ...", the
second question of the word-of-mouth index (WoMI, :func:`features.surveys.womi`); it is no satisfaction
score, so CSI, CSAT, CDSAT and the like leave it out. ``goal`` (0 = no, 1 = partly, 2 = yes: "was the goal
of your contact reached?") and ``emotion`` (1 = very bad .. 5 = very good: "how did you feel?") ask two of
CSI's three parts (the third, effort, is ``ces``; :mod:`features.csi_parts`); the survey report counts them
apart and the driver analysis explains them, but CSI, CSAT, CDSAT and detractors leave them out too."""


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
        check_aware("sent_at", self.sent_at)


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
        check_aware("at", self.at)


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One score a customer gave (csat 1-5, nps 0-10, ces 1-7, discourage 0-10, goal 0-2, emotion 1-5); a survey
    row with several scores is several answers."""

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
        check_member("kind", self.kind, frozenset(SURVEY_RANGES))
        low, high = SURVEY_RANGES[self.kind]
        if isinstance(self.value, bool) or not isinstance(self.value, int) or not low <= self.value <= high:
            raise ValueError(f"{self.kind}={self.value!r}; expected an integer {low}..{high}")
        check_aware("answered_at", self.answered_at)
