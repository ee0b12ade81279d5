"""One contact as ``GET /api/contacts/{id}`` gives it: what ``cxmon show --json`` shows, plus its checklist
answers with evidence, alarms and review history.

Personal data: the contact's source and customer id, the transcript, evidence excerpts, alarm messages
and what the events kept beyond the contract are shown tagged (``[PHONE]``) unless the user is granted
unredacted transcripts. A turn whose text held personal data loses its word list then: one word alone
(``916``) cannot be told from a number that was split across words.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pipeline.personal_data import redacted, redacted_name
from pipeline.records import Contact
from pipeline.sidecars import event_notes
from pipeline.store.intake import redacted_error
from pipeline.users import User

if TYPE_CHECKING:
    from pipeline.store import Store


def _shown(value: Any, hide: bool) -> Any:
    """A JSON value from outside cxmon with personal data tagged in its strings (when ``hide``)."""
    if not hide:
        return value
    if isinstance(value, dict):
        return {redacted(str(k)): _shown(v, hide) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shown(v, hide) for v in value]
    return redacted(value) if isinstance(value, str) else value


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def shown_turn_text(turn, hide: bool) -> tuple[str, bool]:
    """The turn's text as ``hide`` allows it and whether its words may be shown: not when the text held
    personal data (it may span words: a phone number said in groups)."""
    text = redacted(turn.text) if hide else turn.text
    return text, text == turn.text


def _turn(turn, hide: bool) -> dict[str, Any]:
    document = asdict(turn)
    del document["sentiment_proba"]  # kept in the catalog for the csi stage; not what people read
    document["text"], words_shown = shown_turn_text(turn, hide)
    if not words_shown:
        document["words"] = []
    return document


def contact_detail(store: Store, contact: Contact, user: User) -> dict[str, Any]:
    """Everything the API tells ``user`` about ``contact`` (whom the caller has checked they may see)."""
    catalog, cid, hide = store.catalog, contact.contact_id, not user.unredacted
    events = catalog.events(cid)
    transcript = catalog.transcript(cid)
    document = {**asdict(contact), "started_at": _iso(contact.started_at), "ingested_at": _iso(contact.ingested_at),
                "source": redacted_name(contact.source) if hide else contact.source,
                "customer_id": redacted(contact.customer_id) if hide and contact.customer_id else contact.customer_id,
                "channel_map": dict(contact.channel_map)}
    return {
        "contact": document,
        "redacted": hide,
        "stages": catalog.stage_statuses(cid).get(cid, {}),
        "events": [{**asdict(e), "extra": _shown(dict(e.extra), hide)} for e in events],
        "notes": event_notes(events),
        "features": {fs.name: dict(fs.values) for fs in catalog.feature_sets(cid)},
        "scores": [{"name": s.name, "value": s.value, "source": s.source, "reasons": dict(s.reasons)}
                   for s in catalog.scores(cid)],
        "transcript": [_turn(t, hide) for t in transcript.turns] if transcript else [],
        "checklist": [{**asdict(r), "evidence": _shown([dict(e) for e in r.evidence], hide),
                       "updated_at": _iso(r.updated_at)} for r in catalog.checklist_results(cid)],
        "alarms": [{"alarm_id": a.alarm_id, "rule": a.rule, "severity": a.severity,
                    "message": redacted(a.message) if hide else a.message, "raised_at": _iso(a.raised_at),
                    "details": _shown(dict(a.details), hide)} for a in catalog.alarms(contact_id=cid)],
        "reviews": [{**asdict(e), "at": _iso(e.at)} for e in catalog.review_events(cid)],
        "errors": [asdict(redacted_error(e)) | {"created_at": _iso(e.created_at)} for e in catalog.errors(cid)],
    }
