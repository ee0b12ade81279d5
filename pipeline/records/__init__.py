"""Typed records that every stage passes around and the catalog stores.

Frozen dataclasses, seconds for every duration (``_s``), timezone-aware timestamps.
Each record checks itself in ``__post_init__`` so a bad value fails where it is made,
not three stages later. One module per concern: ``contacts`` (a contact, its events,
messages, transcript, features, scores, errors), ``surveys``, ``checklists``, ``reviews``
and ``alarms``; every record and constant of theirs is importable from ``pipeline.records``
itself. ``review_states`` (the states of a checklist answer under review and the pure step
from one to the next) is imported by its own name.
"""

from pipeline.records.alarms import Alarm, Severity
from pipeline.records.checklists import AUTOMATIC_STATES, CHECKLIST_STATES, ChecklistResult, ChecklistState
from pipeline.records.contacts import (CHAT_ROLES, CONTACT_CHANNELS, EVENT_TYPES, LANGUAGES, SENTIMENTS, SPEAKERS,
                                       ChatMessage, ChatRole, Contact, ContactChannel, DeviceEvent, ErrorRecord,
                                       EventType, FeatureSet, FeatureValue, Score, ScoreSource, Speaker,
                                       TelephonyEvent, Transcript, Turn, Word)
from pipeline.records.reviews import (ACTIONS, ANSWERS, NEEDS_COMMENT, ROLE_OF_ACTION, ROLES, ReviewActionName,
                                      ReviewAssignment, ReviewError, ReviewEvent, ReviewRole)
from pipeline.records.surveys import SURVEY_RANGES, ConsentChange, SurveyAnswer, SurveyInvitation, SurveyKind

__all__ = [
    "ACTIONS", "ANSWERS", "AUTOMATIC_STATES", "CHAT_ROLES", "CHECKLIST_STATES", "CONTACT_CHANNELS", "EVENT_TYPES",
    "LANGUAGES", "NEEDS_COMMENT", "ROLES", "ROLE_OF_ACTION", "SENTIMENTS", "SPEAKERS", "SURVEY_RANGES",
    "Alarm", "ChatMessage", "ChatRole", "ChecklistResult", "ChecklistState", "ConsentChange", "Contact",
    "ContactChannel", "DeviceEvent", "ErrorRecord", "EventType", "FeatureSet", "FeatureValue", "ReviewActionName",
    "ReviewAssignment", "ReviewError", "ReviewEvent", "ReviewRole", "Score", "ScoreSource", "Severity", "Speaker",
    "SurveyAnswer", "SurveyInvitation", "SurveyKind", "TelephonyEvent", "Transcript", "Turn", "Word",
]
