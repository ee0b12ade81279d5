"""Consent to be surveyed: who may be invited, and "STOP" as an immediate withdrawal.

A customer's consent is their latest :class:`~pipeline.records.ConsentChange` (the catalog keeps
the whole history). Nobody is invited without a grant: a customer never asked is not invited,
and one whose latest change withdraws (a "STOP" reply to a survey or in a chat) is not either.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from pipeline.records import ChatMessage, ConsentChange, Contact

if TYPE_CHECKING:
    from pipeline.store import Store

STOP_WORDS = frozenset({"stop", "стоп"})
FROM_SURVEY_REPLY = "survey reply"
FROM_CHAT_MESSAGE = "chat message"

_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")

Item = TypeVar("Item")


def is_stop(text: str) -> bool:
    """True when the whole message is the word STOP or СТОП, in any case, with any punctuation, quotes,
    emoji or spaces around it; a message that merely contains it ("stop the card", "стоп-лист") is not.

    >>> [is_stop(t) for t in ("STOP", "Стоп!", " stop. ", "«СТОП»", "stop the card", "не останавливайте")]
    [True, True, True, True, False, False]
    """
    if not isinstance(text, str):
        raise TypeError(f"text={text!r}; expected a string")
    core = _EDGE_PUNCTUATION.sub("", unicodedata.normalize("NFKC", text))
    return core.casefold() in STOP_WORDS


def stop_changes(contact: Contact, messages: Sequence[ChatMessage]) -> list[ConsentChange]:
    """A withdrawal for each customer message of the chat that is STOP; none when the customer is unknown."""
    if not contact.customer_id:
        return []
    return [
        ConsentChange(customer_id=contact.customer_id, granted=False, at=m.sent_at, channel="chat",
                      source=FROM_CHAT_MESSAGE, contact_id=contact.contact_id)
        for m in messages if m.role == "customer" and is_stop(m.text)
    ]


def record_stop_messages(store: Store, contact: Contact, messages: Sequence[ChatMessage]) -> list[ConsentChange]:
    """Record at once the withdrawals of :func:`stop_changes` (a chat processed twice records them once)."""
    changes = stop_changes(contact, messages)
    store.catalog.add_consent_changes(changes)
    return changes


def _customer_of(item: object) -> str | None:
    return item if isinstance(item, str) else getattr(item, "customer_id", None)


def invitation_candidates(store: Store, items: Iterable[Item], *, at: datetime | None = None) -> list[Item]:
    """The items (contacts, survey invitations, customer ids) whose customer may be surveyed, in their order.

    An item is kept only when its customer's latest consent change (at or before ``at``, when
    given) grants consent: never asked, withdrawn, or no customer at all means it is dropped.
    """
    items = list(items)
    customers = {c for c in map(_customer_of, items) if c}
    granted = store.catalog.consent_states(customers, at=at)
    return [item for item in items if granted.get(_customer_of(item) or "", False)]


def contacts_to_invite(store: Store, *, since: datetime | None = None, at: datetime | None = None) -> list[Contact]:
    """Contacts (started, else ingested, at or after ``since``) that may get a survey now: their customer
    consents (:func:`invitation_candidates`) and no invitation names the contact yet. Oldest first."""
    invited = {i.contact_id for i in store.catalog.survey_invitations() if i.contact_id}
    contacts = [
        c for c in store.catalog.contacts()
        if c.customer_id and c.contact_id not in invited
        and (since is None or (c.started_at or c.ingested_at) >= since)
    ]
    contacts.sort(key=lambda c: (c.started_at or c.ingested_at, c.contact_id))
    return invitation_candidates(store, contacts, at=at)
