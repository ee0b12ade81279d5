"""Scores of a filled-in checklist: items, sections and the form, 0-100. Pure functions.

- An item's share: yes/no 1 or 0; a scale answer ``(value - low) / (high - low)`` (4 on 1-5: 0.75).
- A section: ``100 * sum(weight * share) / sum(weight)`` over its answered items. Items not
  applicable or still pending are left out of both sums; a section with none answered has no score.
- A failed critical item (answered "no") zeroes its section, or the whole form with ``critical: form``.
- The form: the sections' scores averaged with the section weights, over the sections that have one.

>>> from pipeline.checklists.forms import Checklist, Item, Section
>>> form = Checklist("demo", "Demo", "1", (
...     Section("culture", "Culture", 1.0, (Item("greeting", "Greeted", weight=2.0),
...                                         Item("polite", "Polite", type="scale", scale=(1, 5)))),
...     Section("sales", "Sales", 3.0, (Item("offer", "Offered", na_allowed=True),))))
>>> from pipeline.records import ChecklistResult as R
>>> score_checklist(form, [R("c", "demo", "greeting", 1.0, "rule"), R("c", "demo", "polite", 4.0, "reviewer"),
...                        R("c", "demo", "offer", None, "rule", not_applicable=True)]).value
91.66666666666667
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.checklists.forms import Checklist, Item
from pipeline.records import ChecklistResult


@dataclass(frozen=True, slots=True)
class SectionScore:
    section_id: str
    value: float | None
    """0-100; None when no item of the section is answered."""
    weight: float
    answered: int
    not_applicable: int
    pending: int
    critical_failed: tuple[str, ...] = ()
    """Items whose "no" zeroed the section."""


@dataclass(frozen=True, slots=True)
class FormScore:
    checklist_id: str
    value: float | None
    """0-100; None when nothing in the form is answered."""
    sections: tuple[SectionScore, ...]
    answered: int
    not_applicable: int
    pending: int
    critical_failed: tuple[str, ...] = ()
    """Items with ``critical: form`` answered "no" (the form is 0)."""

    @property
    def complete(self) -> bool:
        """True once no item waits for a reviewer."""
        return self.pending == 0


def item_share(item: Item, value: float) -> float:
    """The answer as a share of the item's best, 0..1 (yes/no: the answer itself).

    >>> from pipeline.checklists.forms import Item
    >>> item_share(Item("x", "x", type="scale", scale=(1, 5)), 4)
    0.75
    """
    item.check_answer(value)
    low, high = item.scale
    return (value - low) / (high - low)


def item_failed(item: Item, value: float | None) -> bool:
    """A critical item fails when it is answered "no" (yes/no items only can be critical)."""
    return value is not None and item.type == "yes_no" and value == 0


def _answers(checklist: Checklist, results: Iterable[ChecklistResult]) -> dict[str, ChecklistResult]:
    by_item: dict[str, ChecklistResult] = {}
    known = {item.id for item in checklist.items}
    for result in results:
        if result.checklist_id != checklist.id:
            raise ValueError(f"result for checklist {result.checklist_id!r}; expected {checklist.id!r}")
        if result.item_id not in known:
            continue  # an item dropped from a later version of the form
        if result.item_id in by_item:
            raise ValueError(f"two results for item {result.item_id} (contacts {by_item[result.item_id].contact_id}, "
                             f"{result.contact_id}); expected one per item of one contact")
        by_item[result.item_id] = result
    return by_item


def score_checklist(checklist: Checklist, results: Iterable[ChecklistResult]) -> FormScore:
    """The section and form scores of one contact's answers to ``checklist``.

    ``results`` are that contact's answers (automatic or a reviewer's); items without one count
    as pending, answers to items the checklist no longer has are ignored. Raises ValueError for
    an answer outside its item's scale.
    """
    answers = _answers(checklist, results)
    sections: list[SectionScore] = []
    form_failed: list[str] = []
    for section in checklist.sections:
        earned = possible = 0.0
        answered = not_applicable = pending = 0
        zeroing: list[str] = []
        for item in section.items:
            result = answers.get(item.id)
            if result is not None and result.not_applicable:
                not_applicable += 1
                continue
            if result is None or result.value is None:
                pending += 1
                continue
            answered += 1
            earned += item.weight * item_share(item, result.value)
            possible += item.weight
            if item.critical != "no" and item_failed(item, result.value):
                (form_failed if item.critical == "form" else zeroing).append(item.id)
        value = None if possible == 0 else 0.0 if zeroing else 100.0 * earned / possible
        sections.append(SectionScore(section.id, value, section.weight, answered, not_applicable, pending,
                                     tuple(zeroing)))
    scored = [s for s in sections if s.value is not None]
    if not scored:
        total = None
    elif form_failed:
        total = 0.0
    else:
        total = sum(s.weight * s.value for s in scored) / sum(s.weight for s in scored)
    return FormScore(checklist.id, total, tuple(sections), sum(s.answered for s in sections),
                     sum(s.not_applicable for s in sections), sum(s.pending for s in sections), tuple(form_failed))
