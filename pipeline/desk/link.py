"""Device events of the desk's other devices into what they mean: complaints and suggestions,
survey answers, sales; seller presses and unknown kinds checked.

Run after ``cxmon devices flush`` (and after the camera's visits are stored, so that presses find
their visit): ``cxmon desk link``. Everything is keyed by the event it came from, so running it
twice adds nothing twice and raises no alarm twice. An event that cannot be what its kind says --
a feedback without a value, a panel answer that is no score, a seller press without a seller, a
kind no device sends -- becomes an error record naming the event and what was expected (its raw
payload stays in ``device_events``); the other events go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipeline.desk.feedback import complaint_of, raise_complaint_alarms
from pipeline.desk.panel import survey_answer_of
from pipeline.desk.sellers import sale_of
from pipeline.desk.visit_index import VisitIndex
from pipeline.personal_data import redacted
from pipeline.records import Alarm, DeviceEvent, ErrorRecord
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.alarms.sinks import Sinks
    from pipeline.store import Store

LINK_STAGE = "desk-link"
KINDS = ("press", "feedback", "panel_answer", "seller_start", "sale")
"""The kinds desk devices send; ``press`` (a rating) is the desk stage's, the others are linked here."""


@dataclass
class LinkReport:
    events: int = 0
    complaints: list[str] = field(default_factory=list)
    """Complaints stored now (ids)."""
    suggestions: list[str] = field(default_factory=list)
    survey_answers: int = 0
    sales: int = 0
    seller_starts: int = 0
    alarms: list[Alarm] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    """One per event that could not be linked (stored once, however often the link runs)."""
    new_errors: list[ErrorRecord] = field(default_factory=list)
    """Those of ``errors`` recorded by this run (the others were recorded by an earlier one)."""

    def as_json(self) -> dict:
        return {"events": self.events, "complaints": self.complaints, "suggestions": self.suggestions,
                "survey_answers": self.survey_answers, "sales": self.sales, "seller_starts": self.seller_starts,
                "alarms": [a.alarm_id for a in self.alarms],
                "errors": [{"error_id": e.error_id, "source": e.source, "message": e.message,
                            "new": e in self.new_errors} for e in self.errors]}


def error_of(event: DeviceEvent, reason: str) -> ErrorRecord:
    """The error record of an event that cannot be linked; the same event and reason give the same id."""
    message = redacted(f"device event {event.event_id} ({event.kind}) from {event.device_id}: {reason}")
    return ErrorRecord(error_id=hashlib.sha256(f"{event.event_id}\n{LINK_STAGE}\n{message}".encode()).hexdigest()[:16],
                       source=f"device:{event.device_id}#{event.event_id}", stage=LINK_STAGE, message=message,
                       created_at=datetime.now(UTC))


def _seller_start(event: DeviceEvent) -> None:
    if not event.operator_id:
        raise ValueError("no operator_id: the seller is unknown; send operator_id with the press or set the "
                         "desk's operator in the device registry")


def link_device_events(store: Store, settings: Settings, *, since: datetime | None = None,
                       until: datetime | None = None, sinks: Sinks | None = None) -> LinkReport:
    """Link the catalog's device events in ``[since, until)``; what was added."""
    events = store.catalog.device_events(since=since, until=until)
    report = LinkReport(events=len(events))
    visits = VisitIndex.around(store, [e.at for e in events if e.kind in ("feedback", "panel_answer")])
    complaints, answers, sales = [], [], []
    handlers: dict[str, Callable[[DeviceEvent], None]] = {
        "press": lambda e: None,
        "feedback": lambda e: complaints.append(complaint_of(e, visits.at(e.desk_id, e.at), settings)),
        "panel_answer": lambda e: answers.append(survey_answer_of(e, visits.at(e.desk_id, e.at))),
        "seller_start": _seller_start,
        "sale": lambda e: sales.append(sale_of(e)),
    }
    for event in events:
        handler = handlers.get(event.kind)
        try:
            if handler is None:
                raise ValueError(f"kind {event.kind[:32]!r} is no desk device's; expected one of {', '.join(KINDS)}")
            handler(event)
        except ValueError as error:
            report.errors.append(error_of(event, str(error)))
            continue
        report.seller_starts += event.kind == "seller_start"
    report.new_errors = [error for error in report.errors if store.catalog.add_error(error)]
    new = set(store.catalog.add_complaints(complaints))
    report.complaints = [c.complaint_id for c in complaints if c.complaint_id in new and c.kind == "complaint"]
    report.suggestions = [c.complaint_id for c in complaints if c.complaint_id in new and c.kind == "suggestion"]
    report.survey_answers = store.catalog.add_survey_answers(answers)
    report.sales = store.catalog.add_sales(sales)
    # every open complaint without its alarm, not only the new ones: a run that stopped in between is finished
    report.alarms = raise_complaint_alarms(store, settings, store.catalog.complaints(status="open"), sinks=sinks)
    return report
