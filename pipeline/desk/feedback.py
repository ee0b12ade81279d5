"""The feedback button: a complaint or a suggestion left on a kiosk or panel at a desk.

A ``feedback`` device event (``value`` = ``complaint`` | ``suggestion``; ``raw`` = the posted JSON,
with an optional ``comment`` and ``contact`` -- text, or an object such as ``{"name", "phone",
"email"}``) becomes a :class:`~pipeline.catalog.complaints.Complaint`, stamped with the visit going
on at that desk at that moment (its contact) and the top emotion the camera read then (a label,
never an image; None without a visit or before the first read frame). Comment and contact details
are personal data: with ``pii_redaction`` on they are stored with phones, e-mails, cards and
passports tagged, as chat messages are.

A complaint raises an alarm (rule ``desk_complaint``) sent to the sinks of the alarm rule
``complaint`` of the configured rule set (the one a low CSAT raises; ``log`` when there is none), and
stays ``open`` until a person closes it with an answer (``cxmon desk close``). A suggestion is
``noted``: stored, no alarm.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.catalog.complaints import FEEDBACK_KINDS, Complaint
from pipeline.personal_data import redacted
from pipeline.records import Alarm, DeviceEvent
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.alarms.sinks import Sinks
    from pipeline.desk.visit_index import Visit
    from pipeline.store import Store

COMPLAINT_RULE = "desk_complaint"
ROUTED_LIKE = "complaint"
"""The alarm rule whose sinks a complaint's alarm goes to."""
MAX_COMMENT_CHARS = 2000
MAX_CONTACT_CHARS = 500


def raw_fields(event: DeviceEvent) -> dict[str, Any]:
    """The fields of the event's raw payload when it is a JSON object (what a panel or hub posts); {}
    otherwise: a keyboard, HID or serial box sends bytes, which say no more than the value."""
    if not event.raw:
        return {}
    try:
        fields = json.loads(event.raw)
    except json.JSONDecodeError:
        return {}
    return fields if isinstance(fields, dict) else {}


def _free_text(fields: Mapping[str, Any], name: str, limit: int) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, dict):  # {"name": ..., "phone": ..., "email": ...}
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()):
            raise ValueError(f"{name}: expected text or an object of texts")
        value = "; ".join(f"{k}: {v}" for k, v in value.items() if str(v).strip())
    if not isinstance(value, str):
        raise ValueError(f"{name} is a JSON {type(value).__name__}; expected text")
    value = value.strip()
    if len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters long; expected at most {limit}")
    return value


def complaint_of(event: DeviceEvent, visit: Visit | None, settings: Settings) -> Complaint:
    """The complaint or suggestion a ``feedback`` event is; ValueError saying what the event lacks."""
    if event.value not in FEEDBACK_KINDS:
        raise ValueError(f"value {event.value!r}; expected complaint or suggestion")
    fields = raw_fields(event)
    comment = _free_text(fields, "comment", MAX_COMMENT_CHARS)
    details = _free_text(fields, "contact", MAX_CONTACT_CHARS)
    if settings.pii_redaction:
        comment, details = redacted(comment), redacted(details)
    return Complaint(
        complaint_id=event.event_id, kind=event.value, at=event.at, device_id=event.device_id,
        desk_id=event.desk_id or (visit.desk_id if visit else None),
        site_id=event.site_id or (visit.site_id if visit else None),
        operator_id=event.operator_id or (visit.operator_id if visit else None),
        contact_id=visit.contact_id if visit else None,
        emotion=visit.emotion_at(event.at) if visit else None,
        comment=comment, contact_details=details,
        status="open" if event.value == "complaint" else "noted")


def complaint_alarm(complaint: Complaint, *, severity: str = "warning") -> Alarm:
    """The alarm a complaint raises, at the moment it was left."""
    where = (f"desk {complaint.desk_id or '-'} (site {complaint.site_id or '-'}, "
             f"operator {complaint.operator_id or '-'})")
    said = complaint.comment if len(complaint.comment) <= 160 else complaint.comment[:157] + "..."
    message = f"Complaint at {where}, emotion {complaint.emotion or '-'}" + (f": {said}" if said else "")
    return Alarm(contact_id=complaint.contact_id, rule=COMPLAINT_RULE, severity=severity, message=message,
                 raised_at=complaint.at, operator_id=complaint.operator_id,
                 dedup_key=f"complaint:{complaint.complaint_id}",
                 details={"complaint_id": complaint.complaint_id, "device_id": complaint.device_id,
                          "desk_id": complaint.desk_id, "site_id": complaint.site_id, "emotion": complaint.emotion,
                          "contact_details": bool(complaint.contact_details)})


def complaint_sinks(settings: Settings) -> tuple[str, tuple[str, ...]]:
    """``(severity, sinks)`` of the configured ``complaint`` rule; ``("warning", ("log",))`` without one."""
    from pipeline.alarms.stage import rules_from_settings

    for rule in rules_from_settings(settings).rules:
        if rule.id == ROUTED_LIKE:
            return rule.severity, rule.sinks
    return "warning", ("log",)


def raise_complaint_alarms(store: Store, settings: Settings, complaints: Sequence[Complaint], *,
                           sinks: Sinks | None = None) -> list[Alarm]:
    """Raise the alarm of each open complaint that has none yet; the alarms raised.

    The alarm is stored before it is sent and the complaint notes it after: a crash in between
    leaves an alarm the next run finds stored (it is not sent twice when it was delivered)."""
    from pipeline.alarms.sinks import sinks_from_settings

    due = [c for c in complaints if c.kind == "complaint" and c.alarm_id is None]
    if not due:
        return []
    sinks = sinks or sinks_from_settings(settings)
    severity, names = complaint_sinks(settings)
    raised = []
    for complaint in due:
        stored = store.catalog.add_alarm(complaint_alarm(complaint, severity=severity))
        if not stored.deliveries:
            deliveries = sinks.deliver(stored, names)
            store.catalog.set_alarm_deliveries(stored.alarm_id, deliveries)
            stored = replace(stored, deliveries=deliveries)
        store.catalog.set_complaint_alarm(complaint.complaint_id, stored.alarm_id)
        raised.append(stored)
    return raised


def close(store: Store, id_prefix: str, answer: str, *, at: datetime) -> Complaint:
    """Close the one open complaint whose id starts with ``id_prefix`` with a person's answer.

    KeyError when no complaint or several match, ValueError when it is not open."""
    found = store.catalog.complaints(kind=None, id_prefix=id_prefix)
    if len(found) != 1:
        raise KeyError(f"{'no complaint' if not found else f'{len(found)} complaints'} with id {id_prefix!r}; "
                       "`cxmon desk complaints` lists them")
    return store.catalog.close_complaint(found[0].complaint_id, answer.strip(), at=at)
