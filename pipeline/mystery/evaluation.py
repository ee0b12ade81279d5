"""A mystery shopper's evaluation: checked against the site's checklists and scored like any filled-in form.

An evaluation names the shopper, the operator (or the shopper's contact, when it is in the store),
the channel, when, the checklist, and an answer per item. Every answer is checked against its item
(an unknown item, a value off the scale, "not applicable" where the item does not allow it are
errors naming the item) and the form is scored by :func:`pipeline.checklists.score.score_checklist`,
with the checklist's weights and critical items. The evaluation is never a :class:`ChecklistResult`
of the store: it lives in its own table and feeds neither automatic QA nor the CSI model.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from features.mystery import answer_value
from pipeline.checklists.forms import CHANNELS, Checklist
from pipeline.checklists.score import FormScore, score_checklist
from pipeline.jsonlines import checked_field
from pipeline.records import ChecklistResult, Contact

FIELDS = ("evaluation_id", "shopper_id", "operator_id", "contact_id", "team", "channel", "at", "checklist_id",
          "comment")
"""The columns of an evaluation besides its answers (every other CSV column is an item id)."""
MAX_COMMENT_CHARS = 4000
SOURCE = "mystery"
"""How a mystery evaluation is marked wherever it is shown."""


class MysteryError(ValueError):
    """An evaluation that cannot be taken; the message names the field or the item and what was expected.
    ``item_id``: the item at fault, when it is one."""

    def __init__(self, message: str, *, item_id: str | None = None) -> None:
        self.item_id = item_id
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class MysteryEvaluation:
    evaluation_id: str
    shopper_id: str
    operator_id: str
    channel: str
    at: datetime
    checklist_id: str
    checklist_version: str
    answers: tuple[tuple[str, float | None], ...]
    """``(item id, value)`` in the form's order; None: not applicable."""
    score: float | None
    sections: tuple[tuple[str, float], ...] = ()
    comment: str = ""
    contact_id: str | None = None
    team: str | None = None
    source: str = "api"
    recorded_by: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("at has no timezone; expected an aware time")
        if self.channel not in CHANNELS:
            raise ValueError(f"channel {self.channel!r}; expected one of {sorted(CHANNELS)}")

    def document(self) -> dict[str, Any]:
        """The evaluation as the API, ``--json`` and the list files show it (marked ``source: mystery``)."""
        return {"evaluation_id": self.evaluation_id, "kind": SOURCE, "shopper_id": self.shopper_id,
                "operator_id": self.operator_id, "contact_id": self.contact_id, "team": self.team,
                "channel": self.channel, "at": self.at.isoformat(), "checklist_id": self.checklist_id,
                "checklist_version": self.checklist_version, "score": self.score,
                "sections": dict(self.sections), "answers": dict(self.answers), "comment": self.comment,
                "source": self.source, "recorded_by": self.recorded_by}


def _text(fields: Mapping[str, Any], name: str, *, max_chars: int, required: bool,
          free_text: bool = False) -> str | None:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MysteryError(f"{name} is empty; expected a value")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MysteryError(f"{name} is a {type(value).__name__}; expected text")
    try:
        return checked_field(name, str(value).strip(), max_chars=max_chars, free_text=free_text)
    except ValueError as error:
        raise MysteryError(str(error)) from None


def when_of(value: Any, tz: tzinfo) -> datetime:
    """``at`` as written (ISO 8601 date or time); without an offset it is in ``tz``.

    >>> from datetime import UTC
    >>> when_of("2026-11-03T10:00:00+03:00", UTC).isoformat(), when_of("2026-11-03", UTC).isoformat()
    ('2026-11-03T10:00:00+03:00', '2026-11-03T00:00:00+00:00')
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            text = value.strip()
            moment = (datetime.combine(date.fromisoformat(text), datetime.min.time()) if len(text) == 10
                      else datetime.fromisoformat(text))
        except ValueError:
            raise MysteryError(f"at {value.strip()[:40]!r}; expected an ISO 8601 date or time, e.g. "
                               "2026-11-03T10:15:00+03:00") from None
    else:
        raise MysteryError("at is empty; expected when the shopper's contact happened (ISO 8601)")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def item_value(checklist: Checklist, item_id: str, raw: Any) -> float | None:
    """One answer as given (text, a number, true/false, or null for not applicable), checked against its item."""
    try:
        item = checklist.item(item_id)
    except KeyError:
        known = ", ".join(i.id for i in checklist.items)
        raise MysteryError(f"item {item_id[:64]!r} is not in checklist {checklist.id}; its items: {known}",
                           item_id=item_id) from None
    try:
        if raw is None:
            value = None
        elif isinstance(raw, bool):
            if item.type != "yes_no":
                raise ValueError(f"answer {raw!r}; expected a whole number {item.scale[0]}..{item.scale[1]}")
            value = float(raw)
        elif isinstance(raw, (int, float)):
            if not math.isfinite(raw):
                raise ValueError(f"answer {raw!r}; expected a finite number")
            item.check_answer(raw)
            value = float(raw)
        elif isinstance(raw, str):
            value = answer_value(raw, scale=item.scale, yes_no=item.type == "yes_no")
        else:
            raise ValueError(f"answer is a {type(raw).__name__}; expected yes/no, a number or n/a")
    except ValueError as error:
        message = str(error).removeprefix(f"item {item_id}: ")
        raise MysteryError(f"item {item_id}: {message}", item_id=item_id) from None
    if value is None and not item.na_allowed:
        raise MysteryError(f"item {item_id}: not applicable is not allowed for this item; expected an answer",
                           item_id=item_id)
    return value


def form_score(checklist: Checklist, answers: Mapping[str, float | None], *, key: str = "mystery") -> FormScore:
    """The checklist's scoring of the answers (weights, critical items); left-out items count as pending."""
    results = [ChecklistResult(key, checklist.id, item_id, value, "reviewer", not_applicable=value is None)
               for item_id, value in answers.items()]
    return score_checklist(checklist, results)


def evaluation_id_of(shopper_id: str, operator_id: str, contact_id: str | None, at: datetime, checklist_id: str) -> str:
    """The id of an evaluation that gives none: the same shopper, operator, contact, time and checklist
    give the same id, so importing a file again replaces rather than adds.

    >>> from datetime import UTC
    >>> evaluation_id_of("s1", "op1", None, datetime(2026, 11, 3, tzinfo=UTC), "ru_bank_call")[:2]
    'm-'
    """
    key = "\x1f".join((shopper_id, operator_id, contact_id or "", at.isoformat(), checklist_id))
    return "m-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:30]


def evaluation_of(fields: Mapping[str, Any], answers: Mapping[str, Any], checklists: Mapping[str, Checklist], *,
                  tz: tzinfo, contact_of: Callable[[str], Contact | None] = lambda _: None, source: str = "api",
                  recorded_by: str | None = None) -> MysteryEvaluation:
    """The evaluation ``fields`` (see :data:`FIELDS`) and ``answers`` ({item id: answer}) describe.

    ``checklists``: the site's, by id. ``contact_of``: the stored contact of an id, or None. Raises
    :class:`MysteryError` for the first thing wrong.
    """
    checklist_id = _text(fields, "checklist_id", max_chars=128, required=True)
    checklist = checklists.get(checklist_id)
    if checklist is None:
        raise MysteryError(f"checklist_id {checklist_id!r} is not a configured checklist; expected one of "
                           f"{', '.join(sorted(checklists)) or '(none configured)'}")
    shopper = _text(fields, "shopper_id", max_chars=128, required=True)
    contact_id = _text(fields, "contact_id", max_chars=64, required=False)
    contact = contact_of(contact_id) if contact_id else None
    operator = _text(fields, "operator_id", max_chars=128, required=contact is None or contact.operator_id is None)
    if operator is None:
        operator = contact.operator_id
    elif contact is not None and contact.operator_id is not None and contact.operator_id != operator:
        raise MysteryError(f"operator_id {operator!r} but contact {contact_id} is operator "
                           f"{contact.operator_id!r}'s; expected the same operator (or leave operator_id empty)")
    team = _text(fields, "team", max_chars=128, required=False) or (contact.team if contact else None)
    channel = _text(fields, "channel", max_chars=16, required=contact is None) or contact.channel
    if channel not in CHANNELS:
        raise MysteryError(f"channel {channel!r}; expected one of {', '.join(sorted(CHANNELS))}")
    if channel not in checklist.applies_to.channels:
        raise MysteryError(f"channel {channel}: checklist {checklist.id} is for "
                           f"{', '.join(sorted(checklist.applies_to.channels))}; expected one of those")
    at = when_of(fields.get("at") if fields.get("at") not in (None, "") else
                 (contact.started_at if contact else None), tz)
    comment = _text(fields, "comment", max_chars=MAX_COMMENT_CHARS, required=False, free_text=True) or ""
    given = {item_id: item_value(checklist, item_id, raw) for item_id, raw in answers.items()}
    if not any(v is not None for v in given.values()):
        raise MysteryError(f"no item answered; expected answers to items of {checklist.id} "
                           f"({', '.join(i.id for i in checklist.items[:6])}, ...)")
    ordered = {item.id: given[item.id] for item in checklist.items if item.id in given}
    score = form_score(checklist, ordered)
    evaluation_id = (_text(fields, "evaluation_id", max_chars=64, required=False)
                     or evaluation_id_of(shopper, operator, contact_id, at, checklist.id))
    return MysteryEvaluation(
        evaluation_id=evaluation_id, shopper_id=shopper, operator_id=operator, channel=channel, at=at,
        checklist_id=checklist.id, checklist_version=checklist.version, answers=tuple(ordered.items()),
        score=None if score.value is None else round(score.value, 2),
        sections=tuple((s.section_id, round(s.value, 2)) for s in score.sections if s.value is not None),
        comment=comment, contact_id=contact_id, team=team, source=source, recorded_by=recorded_by)
