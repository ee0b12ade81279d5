"""The record of an alarm: a rule that fired, what made it fire and where it was delivered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from pipeline.records.checks import check_aware, check_member

Severity = Literal["info", "warning", "critical"]


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
        check_member("severity", self.severity, frozenset(get_args(Severity)))
        check_aware("raised_at", self.raised_at)
        if not isinstance(self.deliveries, tuple):
            raise ValueError(f"alarm {self.rule}: deliveries is a {type(self.deliveries).__name__}; expected a tuple")
