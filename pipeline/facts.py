"""Everything known about one contact, in one object, for rules to read (checklists, alarms).

``values`` flattens the contact's feature sets and scores into one name -> value mapping: a
feature under its own name (``holds_count``, ``customer_negative_turns``, ``phrase_greeting``,
``first_response_s``) and also as ``stage.name`` (``call.holds_count``); the predicted CSI as
``csi``; survey answers as ``survey.csat`` / ``survey.nps`` / ``survey.ces`` (the most critical answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.records import Contact, FeatureValue, SurveyAnswer, TelephonyEvent, Turn

if TYPE_CHECKING:
    from pipeline.store import Store


@dataclass(frozen=True, slots=True)
class ContactFacts:
    contact: Contact
    values: dict[str, FeatureValue] = field(default_factory=dict)
    turns: tuple[Turn, ...] = ()
    events: tuple[TelephonyEvent, ...] = ()
    answers: tuple[SurveyAnswer, ...] = ()


def contact_facts(store: Store, contact: Contact) -> ContactFacts:
    values: dict[str, FeatureValue] = {}
    for features in store.catalog.feature_sets(contact.contact_id):
        for name, value in features.values.items():
            values.setdefault(name, value)
            values[f"{features.name}.{name}"] = value
    for score in store.catalog.scores(contact.contact_id):
        if score.source == "model":
            values[score.name] = score.value
        values[f"{score.name}.{score.source}"] = score.value
    answers = tuple(store.catalog.survey_answers(contact_id=contact.contact_id))
    for kind in ("csat", "nps", "ces"):
        mine = [a.value for a in answers if a.kind == kind]
        if mine:
            values[f"survey.{kind}"] = max(mine) if kind == "ces" else min(mine)  # the most critical answer
    transcript = store.catalog.transcript(contact.contact_id)
    return ContactFacts(contact=contact, values=values, turns=transcript.turns if transcript else (),
                        events=tuple(store.catalog.events(contact.contact_id)), answers=answers)
