"""Where customer free text comes from: survey answers' text, negative customer messages of chats, desk comments.

Each text becomes a :class:`FeedbackText` with a stable ``item_id`` (``survey:<answer id>``,
``chat:<contact id>:<turn index>``, ``desk:<complaint id>``), so classifying again finds what is new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from pipeline.catalog import Catalog
from pipeline.catalog.schema import contacts, transcripts
from pipeline.catalog.sql import utc

SOURCES = ("survey", "chat", "desk")
_KIND_ORDER = ("nps", "csat", "ces")  # a survey row's text is kept once, with the score that bands best


@dataclass(frozen=True, slots=True)
class FeedbackText:
    item_id: str
    source: str  # survey | chat | desk
    at: datetime
    text: str
    customer_id: str | None = None
    contact_id: str | None = None
    operator_id: str | None = None
    team: str | None = None
    kind: str | None = None  # survey: nps | csat | ces | ...; desk: complaint | suggestion
    score: int | None = None
    language: str | None = None
    polarity: str | None = None  # known without the sentiment model: a negative chat message, a desk complaint


def survey_texts(catalog: Catalog, *, since: datetime | None = None) -> Iterator[FeedbackText]:
    """Answers with free text; when a survey row gave several scores with the same text, one item, banded by
    its NPS (else CSAT, else the first)."""
    from pipeline.catalog.surveys import survey_answer_id
    from pipeline.surveys.metrics import answer_fields

    answers = [a for a in catalog.survey_answers(since=since) if a.text.strip()]
    invitations = {i.invitation_id: i for i in catalog.survey_invitations()} if answers else {}
    groups: dict[tuple, list] = {}
    for a in answers:
        groups.setdefault((a.customer_id, a.answered_at, a.text.strip()), []).append(a)
    for group in groups.values():
        a = min(group, key=lambda x: _KIND_ORDER.index(x.kind) if x.kind in _KIND_ORDER else len(_KIND_ORDER))
        fields = answer_fields(a, invitations.get(a.invitation_id) if a.invitation_id else None)
        yield FeedbackText(f"survey:{survey_answer_id(a)}", "survey", a.answered_at, a.text.strip(),
                           customer_id=a.customer_id, contact_id=a.contact_id, operator_id=fields["operator"],
                           team=fields["team"], kind=a.kind, score=a.value)


def chat_texts(catalog: Catalog, *, since: datetime | None = None) -> Iterator[FeedbackText]:
    """The customer messages of chats that the sentiment model read as negative: the chats' complaints."""
    query = (sa.select(transcripts.c.contact_id, transcripts.c.turns, transcripts.c.language,
                       transcripts.c.created_at, contacts.c.started_at, contacts.c.operator_id,
                       contacts.c.customer_id, contacts.c.team)
             .join(contacts, contacts.c.contact_id == transcripts.c.contact_id)
             .where(transcripts.c.model == "chat").order_by(transcripts.c.contact_id))
    if since is not None:
        query = query.where(sa.func.coalesce(contacts.c.started_at, transcripts.c.created_at) >= utc(since))
    with catalog.engine.connect() as conn:
        rows = conn.execute(query).all()
    for row in rows:
        start = utc(row.started_at or row.created_at)
        for index, turn in enumerate(row.turns or ()):
            text = (turn.get("text") or "").strip()
            if turn.get("speaker") != "customer" or turn.get("sentiment") != "negative" or not text:
                continue
            yield FeedbackText(f"chat:{row.contact_id}:{index}", "chat", start + timedelta(seconds=turn["start_s"]),
                               text, customer_id=row.customer_id, contact_id=row.contact_id,
                               operator_id=row.operator_id, team=row.team, language=row.language,
                               polarity="complaint")


def desk_texts(catalog: Catalog, *, since: datetime | None = None) -> Iterator[FeedbackText]:
    """Comments left with the desk feedback button: complaints (a complaint, whatever its words) and suggestions."""
    for c in catalog.complaints(kind=None, since=since):
        if c.comment.strip():
            yield FeedbackText(f"desk:{c.complaint_id}", "desk", c.at, c.comment.strip(), contact_id=c.contact_id,
                               operator_id=c.operator_id, kind=c.kind,
                               polarity="complaint" if c.kind == "complaint" else None)


def feedback_texts(catalog: Catalog, *, sources: tuple[str, ...] = SOURCES,
                   since: datetime | None = None) -> list[FeedbackText]:
    """Every free text of the chosen sources, oldest first."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise ValueError(f"sources {unknown}; expected some of {list(SOURCES)}")
    readers = {"survey": survey_texts, "chat": chat_texts, "desk": desk_texts}
    items = [item for source in sources for item in readers[source](catalog, since=since)]
    return sorted(items, key=lambda i: (i.at, i.item_id))
