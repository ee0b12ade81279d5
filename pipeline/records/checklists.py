"""The record of a checklist answer: one item, one contact, and where its review stands (``state``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from pipeline.records.checks import check_aware, check_member
from pipeline.records.contacts import ScoreSource

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
        check_member("source", self.source, frozenset(get_args(ScoreSource)))
        check_member("state", self.state, CHECKLIST_STATES)
        if self.value is not None and (isinstance(self.value, bool) or not isinstance(self.value, (int, float))
                                       or not math.isfinite(self.value)):
            raise ValueError(f"item {self.item_id}: value={self.value!r}; expected a finite number or None")
        if not isinstance(self.not_applicable, bool):
            raise ValueError(f"item {self.item_id}: not_applicable={self.not_applicable!r}; expected true or false")
        if self.not_applicable and self.value is not None:
            raise ValueError(f"item {self.item_id}: value={self.value} and not applicable; expected value None")
        if not isinstance(self.evidence, tuple):
            raise ValueError(f"item {self.item_id}: evidence is a {type(self.evidence).__name__}; expected a tuple")
        check_aware("updated_at", self.updated_at)
