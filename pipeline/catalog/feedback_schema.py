"""The sorted feedback table (migration 0019): one row per piece of customer free text, its category and polarity.

No text is copied here: the words stay in their own table (survey_answers.text, the chat transcript,
complaints.comment), so erasing a customer there erases them everywhere; ``cxmon feedback classify``
drops the rows whose source is gone. ``item_id`` is ``SOURCE:ID`` (``survey:<answer_id>``,
``chat:<contact_id>:<turn index>``, ``desk:<complaint_id>``).
"""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.catalog.schema import metadata

feedback_items = sa.Table(
    "feedback_items",
    metadata,
    sa.Column("item_id", sa.String(200), primary_key=True),
    sa.Column("source", sa.String(16), nullable=False, index=True),  # survey | chat | desk
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("contact_id", sa.String(64)),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("team", sa.String(128)),
    sa.Column("kind", sa.String(16)),  # survey: nps | csat | ces; desk: complaint | suggestion; chat: None
    sa.Column("score", sa.Integer),  # the survey answer's value; None elsewhere
    sa.Column("band", sa.String(16), nullable=False),  # 0-6 | 7-8 | 9-10 | 1-3 | 4 | 5 | no score
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("category", sa.String(32), nullable=False, index=True),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("subcategory", sa.String(64)),
    sa.Column("keywords", sa.JSON, nullable=False),
    sa.Column("polarity", sa.String(16), nullable=False),  # complaint | praise | neutral
    sa.Column("model", sa.String(128), nullable=False),  # which model sorted it (name, version, file hash)
    sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
)
