"""Everything known about one contact, in one object, for rules to read (checklists, alarms).

``values`` flattens the contact's feature sets and scores into one name -> value mapping, which
rules read by name (:func:`pipeline.rules.conditions.lookup`): a feature under its own name
(``holds_count``, ``customer_negative_turns``, ``phrase_greeting``, ``first_response_s``) and also
as ``stage.name`` (``call.holds_count``); the predicted CSI as ``csi``; survey answers as
``survey.<kind>`` for every survey kind (``survey.csat``, ``survey.nps``, ``survey.ces``, ``survey.goal``,
``survey.emotion``, ``survey.discourage``): the most critical answer, the highest for the kinds where high is
bad (CES, discourage), else the lowest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.records import SURVEY_RANGES, Contact, FeatureSet, FeatureValue, Score, SurveyAnswer, TelephonyEvent, Turn

if TYPE_CHECKING:
    from pipeline.store import Store

HIGH_IS_BAD = ("ces", "discourage")


@dataclass(frozen=True, slots=True)
class ContactFacts:
    contact: Contact
    values: dict[str, FeatureValue] = field(default_factory=dict)
    turns: tuple[Turn, ...] = ()
    events: tuple[TelephonyEvent, ...] = ()
    answers: tuple[SurveyAnswer, ...] = ()


def flat_values(feature_sets: Iterable[FeatureSet], scores: Iterable[Score],
                answers: Iterable[SurveyAnswer]) -> dict[str, FeatureValue]:
    """A contact's feature sets, scores and survey answers as one name -> value mapping (see the module doc)."""
    values: dict[str, FeatureValue] = {}
    for features in feature_sets:
        for name, value in features.values.items():
            values.setdefault(name, value)
            values[f"{features.name}.{name}"] = value
    for score in scores:
        if score.source == "model":
            values[score.name] = score.value
        values[f"{score.name}.{score.source}"] = score.value
    answers = list(answers)
    for kind in SURVEY_RANGES:
        mine = [a.value for a in answers if a.kind == kind]
        if mine:
            values[f"survey.{kind}"] = max(mine) if kind in HIGH_IS_BAD else min(mine)  # the most critical answer
    return values


def contact_facts(store: Store, contact: Contact) -> ContactFacts:
    answers = tuple(store.catalog.survey_answers(contact_id=contact.contact_id))
    values = flat_values(store.catalog.feature_sets(contact.contact_id), store.catalog.scores(contact.contact_id),
                         answers)
    transcript = store.catalog.transcript(contact.contact_id)
    return ContactFacts(contact=contact, values=values, turns=transcript.turns if transcript else (),
                        events=tuple(store.catalog.events(contact.contact_id)), answers=answers)
