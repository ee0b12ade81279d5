"""The questionnaire panel: the survey campaign's questions on a touch panel at the desk.

A ``panel_answer`` device event (``value`` = the answer; ``raw`` = the posted JSON with ``question``
and ``campaign``) is a :class:`~pipeline.records.SurveyAnswer` of the visit going on at that desk at
that moment, so the survey metrics and alarm rules count it as any other answer:

- the survey kind is ``raw["survey"]`` when given (``kind`` is the event's own), else the question id
  when it names a survey kind (``csat``, ``nps``, ``ces``, ``discourage``, ``goal``, ``emotion``); another
  question is no score and is refused (its event stays in ``device_events``);
- ``value`` is the score, an integer in the kind's range (CSAT 1-5, NPS 0-10, CES 1-7, goal 0-2, emotion 1-5,
  discourage 0-10);
- ``contact_id`` is the visit's (None when the camera saw no visit then); the customer is the visit
  (``desk-visit:<contact id>``), or the press itself without one (``desk-panel:<event id>``): a desk
  visitor is anonymous; ``channel`` is ``desk``; the operator the event's, else the visit's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.desk.feedback import raw_fields
from pipeline.records import SURVEY_RANGES, DeviceEvent, SurveyAnswer

if TYPE_CHECKING:
    from pipeline.desk.visit_index import Visit


def survey_kind(fields: dict) -> str:
    """The survey kind a panel question scores; ValueError for a question that is no score."""
    question, kind = fields.get("question"), fields.get("survey")
    if kind is not None:
        if kind not in SURVEY_RANGES:
            raise ValueError(f"survey {str(kind)[:32]!r}; expected one of {', '.join(SURVEY_RANGES)}")
        return kind
    if not isinstance(question, str) or not question:
        raise ValueError("no question in the raw payload; expected {\"question\": \"csat\", \"campaign\": ...}")
    if question.lower() not in SURVEY_RANGES:
        raise ValueError(f"question {question[:32]!r} is no survey score; expected question "
                         f"{', '.join(SURVEY_RANGES)} (or a survey field naming one)")
    return question.lower()


def survey_answer_of(event: DeviceEvent, visit: Visit | None) -> SurveyAnswer:
    """The survey answer a ``panel_answer`` event is; ValueError saying what it lacks."""
    kind = survey_kind(raw_fields(event))
    low, high = SURVEY_RANGES[kind]
    try:
        value = int((event.value or "").strip())
    except ValueError:
        raise ValueError(f"value {event.value!r}; expected a {kind} score {low}..{high}") from None
    if not low <= value <= high:
        raise ValueError(f"value {value}; expected a {kind} score {low}..{high}")
    return SurveyAnswer(
        customer_id=f"desk-visit:{visit.contact_id}" if visit else f"desk-panel:{event.event_id}",
        kind=kind, value=value, answered_at=event.at, contact_id=visit.contact_id if visit else None,
        operator_id=event.operator_id or (visit.operator_id if visit else None), channel="desk")
