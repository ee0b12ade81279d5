"""What the contact list filters and searches on besides the contact itself (tables contact_text,
contact_tags, migration 0012), kept in step with the transcript by ``Catalog.put_transcript``.

A transcript (a call's turns or a chat's messages) is stored once as JSON; searching that JSON
would mean reading every transcript. So each stored transcript also writes:

- ``contact_text``: the words of every turn, case-folded with ``ё`` read as ``е`` (Russian writes
  both for one letter), one space between words and one at each end, so that ``" жалоба "`` is a
  whole word on SQLite (``LIKE``) and the PostgreSQL parser (``to_tsvector('simple', ...)``, GIN
  index) sees the same words; and the customer's sentiment over the contact;
- ``contact_tags``: one row per phrase tag found in any turn (``greeting``, ``apology``, ...).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql  # noqa: F401  registers to_tsvector's types for the GIN index below

from pipeline.catalog.schema import contacts, metadata
from pipeline.records import Transcript, Turn

contact_text = sa.Table(
    "contact_text",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),  # " word word ... ": see search_words
    sa.Column("customer_sentiment", sa.String(8), index=True),  # negative | neutral | positive; None: not analysed
    sa.Column("customer_negative_share", sa.Float),  # of the customer's analysed turns, 0..1
    sa.Index("ix_contact_text_fts", sa.func.to_tsvector(sa.literal_column("'simple'"), sa.column("text")),
             postgresql_using="gin").ddl_if(dialect="postgresql"),
)

contact_tags = sa.Table(
    "contact_tags",
    metadata,
    sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
    sa.Column("tag", sa.String(128), primary_key=True),
    sa.Index("ix_contact_tags_tag", "tag", "contact_id"),
)

# The list's filters and sorts (0012): each leads with what a page filters on, then its order.
sa.Index("ix_contacts_started_at", contacts.c.started_at, contacts.c.contact_id)
sa.Index("ix_contacts_channel_started_at", contacts.c.channel, contacts.c.started_at, contacts.c.contact_id)
sa.Index("ix_contacts_operator_started_at", contacts.c.operator_id, contacts.c.started_at, contacts.c.contact_id)
sa.Index("ix_contacts_team_started_at", contacts.c.team, contacts.c.started_at, contacts.c.contact_id)

_WORD = re.compile(r"[^\W_]+")  # letters and digits: no LIKE wildcard or tsquery operator survives


def normalized(text: str) -> str:
    """``text`` case-folded with ``ё`` as ``е``: how both stored text and queries are compared.

    >>> normalized("Жалоба на ЁЛКУ")
    'жалоба на елку'
    """
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


def search_words(text: str) -> list[str]:
    """The words of ``text`` as they are stored and searched (letters and digits, normalized).

    >>> search_words("Ёжик, 'жалоба'; DROP--%_x")
    ['ежик', 'жалоба', 'drop', 'x']
    """
    return _WORD.findall(normalized(text))


def customer_sentiment(turns: Sequence[Turn]) -> tuple[str | None, float | None]:
    """The customer's sentiment over a contact and the share of their analysed turns that were negative.

    ``negative`` when any customer turn was (as the review queue's ``negative`` reason), else
    ``positive`` when any was, else ``neutral``; ``(None, None)`` when no customer turn was analysed.

    >>> customer_sentiment([Turn("customer", 0.0, 1.0, "a", sentiment="negative"),
    ...                     Turn("customer", 1.0, 2.0, "b", sentiment="positive"),
    ...                     Turn("agent", 2.0, 3.0, "c", sentiment="negative")])
    ('negative', 0.5)
    """
    read = [t.sentiment for t in turns if t.speaker == "customer" and t.sentiment is not None]
    if not read:
        return None, None
    negative = sum(s == "negative" for s in read)
    label = "negative" if negative else "positive" if "positive" in read else "neutral"
    return label, negative / len(read)


def contact_text_rows(contact_id: str, turns: Sequence[Turn]) -> tuple[dict, list[dict]]:
    """The ``contact_text`` row and the ``contact_tags`` rows of a contact with these turns."""
    words = [w for t in turns for w in search_words(t.text)]
    label, share = customer_sentiment(turns)
    text_row = {"contact_id": contact_id, "text": f" {' '.join(words)} " if words else " ",
                "customer_sentiment": label, "customer_negative_share": share}
    tags = sorted({tag for t in turns for tag in t.tags})
    return text_row, [{"contact_id": contact_id, "tag": tag} for tag in tags]


def write_contact_text(conn: sa.Connection, transcript: Transcript) -> None:
    """Replace the contact's search text and tags with those of ``transcript`` (inside the caller's
    transaction, so the transcript and its search text never disagree)."""
    text_row, tag_rows = contact_text_rows(transcript.contact_id, transcript.turns)
    conn.execute(contact_tags.delete().where(contact_tags.c.contact_id == transcript.contact_id))
    conn.execute(contact_text.delete().where(contact_text.c.contact_id == transcript.contact_id))
    conn.execute(contact_text.insert().values(text_row))
    if tag_rows:
        conn.execute(contact_tags.insert(), tag_rows)
