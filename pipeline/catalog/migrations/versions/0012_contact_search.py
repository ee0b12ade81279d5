"""The contact list's search text, phrase tags and customer sentiment (contact_text, contact_tags),
filled from the transcripts already stored, and the indexes of its filters and sorts.

Revision ID: 0012
Revises: 0011
"""

from collections import namedtuple

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_Turn = namedtuple("_Turn", "speaker text sentiment tags")
_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "contact_text",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("customer_sentiment", sa.String(8)),
        sa.Column("customer_negative_share", sa.Float),
    )
    op.create_index("ix_contact_text_customer_sentiment", "contact_text", ["customer_sentiment"])
    op.create_table(
        "contact_tags",
        sa.Column("contact_id", sa.String(64), sa.ForeignKey("contacts.contact_id"), primary_key=True),
        sa.Column("tag", sa.String(128), primary_key=True),
    )
    op.create_index("ix_contact_tags_tag", "contact_tags", ["tag", "contact_id"])
    op.create_index("ix_contacts_started_at", "contacts", ["started_at", "contact_id"])
    op.create_index("ix_contacts_channel_started_at", "contacts", ["channel", "started_at", "contact_id"])
    op.create_index("ix_contacts_operator_started_at", "contacts", ["operator_id", "started_at", "contact_id"])
    op.create_index("ix_contacts_team_started_at", "contacts", ["team", "started_at", "contact_id"])
    _fill_from_transcripts()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_contact_text_fts ON contact_text USING gin (to_tsvector('simple', text))")


def _fill_from_transcripts() -> None:
    """Search text and tags of every transcript stored before this revision, a batch at a time."""
    from pipeline.catalog.contact_text import contact_text_rows  # the same words as put_transcript writes

    bind = op.get_bind()
    transcripts = sa.table("transcripts", sa.column("contact_id", sa.String), sa.column("turns", sa.JSON))
    text = sa.table("contact_text", sa.column("contact_id"), sa.column("text"), sa.column("customer_sentiment"),
                    sa.column("customer_negative_share"))
    tags = sa.table("contact_tags", sa.column("contact_id"), sa.column("tag"))
    after = ""
    while True:
        rows = bind.execute(sa.select(transcripts.c.contact_id, transcripts.c.turns)
                            .where(transcripts.c.contact_id > after)
                            .order_by(transcripts.c.contact_id).limit(_BATCH)).all()
        if not rows:
            return
        text_rows, tag_rows = [], []
        for contact_id, turns in rows:
            made = contact_text_rows(contact_id, [
                _Turn(t.get("speaker", "unknown"), t.get("text", ""), t.get("sentiment"), tuple(t.get("tags", ())))
                for t in turns or ()])
            text_rows.append(made[0])
            tag_rows.extend(made[1])
        bind.execute(text.insert(), text_rows)
        if tag_rows:
            bind.execute(tags.insert(), tag_rows)
        after = rows[-1].contact_id


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
