"""A QA checklist once read: its sections, their items, and whom it applies to (pure data).

Reading one from YAML is :mod:`pipeline.checklists.schema`'s job; an item's rule is
:mod:`pipeline.checklists.rules`'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pipeline.checklists.rules import Rule
from pipeline.records import Contact

ItemType = Literal["yes_no", "scale"]
Critical = Literal["no", "section", "form"]
CHANNELS = frozenset({"call", "chat", "desk"})
"""Channels a checklist may name in ``applies_to``."""
DEFAULT_CHANNELS = frozenset({"call", "chat"})
"""Channels of a checklist that names none: a desk visit has no words, so a form for it says ``desk``."""
MAX_SCALE = 10


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    type: ItemType = "yes_no"
    scale: tuple[int, int] = (0, 1)
    """The lowest and highest answer; (0, 1) for yes/no."""
    weight: float = 1.0
    critical: Critical = "no"
    na_allowed: bool = False
    rule: Rule | None = None
    line: int = 0

    def __post_init__(self) -> None:
        low, high = self.scale
        if self.type not in ("yes_no", "scale"):
            raise ValueError(f"item {self.id}: type {self.type!r}; expected yes_no or scale")
        if self.type == "yes_no" and self.scale != (0, 1):
            raise ValueError(f"item {self.id}: a yes_no item has scale (0, 1); got {self.scale}")
        if not 0 <= low < high <= MAX_SCALE:
            raise ValueError(f"item {self.id}: scale {list(self.scale)}; expected 0 <= low < high <= {MAX_SCALE}")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"item {self.id}: weight {self.weight}; expected > 0")
        if self.critical != "no" and self.type != "yes_no":
            raise ValueError(f"item {self.id}: critical {self.type} item; expected critical only on yes_no items")

    def check_answer(self, value: float) -> None:
        """Raise ValueError unless ``value`` is an answer this item allows (0/1, or a point of its scale)."""
        low, high = self.scale
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
                or not low <= value <= high:
            expected = "0 (no) or 1 (yes)" if self.type == "yes_no" else f"a whole number {low}..{high}"
            raise ValueError(f"item {self.id}: answer {value!r}; expected {expected}")


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    weight: float
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class AppliesTo:
    channels: frozenset[str] = DEFAULT_CHANNELS
    languages: frozenset[str] | None = None
    teams: frozenset[str] | None = None
    """None: any language, any team (or none)."""


@dataclass(frozen=True, slots=True)
class Checklist:
    id: str
    title: str
    version: str
    sections: tuple[Section, ...]
    applies_to: AppliesTo = AppliesTo()
    description: str = ""
    source: str = ""
    """The file it was read from."""
    line: int = 1
    """The line of its id there."""

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"checklist {self.id} has no item {item_id!r}")

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(f"checklist {self.id} has no item {item_id!r}")

    def tags(self) -> set[str]:
        """Phrase tags its rules read."""
        return set().union(*(item.rule.tags() for item in self.items if item.rule is not None))


def applies(checklist: Checklist, contact: Contact, language: str | None) -> bool:
    """Whether the checklist is for this contact's channel, language and team."""
    scope = checklist.applies_to
    if contact.channel not in scope.channels:
        return False
    if scope.languages is not None and language not in scope.languages:
        return False
    return scope.teams is None or contact.team in scope.teams
