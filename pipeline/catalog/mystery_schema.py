"""The mystery shopper table (migration 0017): one row per evaluation a shopper filled in.

A mystery evaluation answers a QA checklist like a reviewer does, but it is kept apart from
``checklist_results`` and ``scores`` on purpose: nothing here feeds the automatic QA answers, the
reviewer workflow, the grades or the CSI model's training. ``answers`` maps item id to the answer
(1/0, a scale point, or None for "not applicable"); items the shopper left out are not in it.
``contact_id`` names the shopper's own contact when it is in the store (no foreign key: the file
may arrive first). ``source`` is the file name (``NAME.mystery.csv``) or ``api``.
"""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.catalog.schema import metadata

mystery_evaluations = sa.Table(
    "mystery_evaluations",
    metadata,
    sa.Column("evaluation_id", sa.String(64), primary_key=True),
    sa.Column("shopper_id", sa.String(128), nullable=False, index=True),
    sa.Column("operator_id", sa.String(128), nullable=False, index=True),
    sa.Column("contact_id", sa.String(64)),
    sa.Column("team", sa.String(128)),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("checklist_id", sa.String(128), nullable=False),
    sa.Column("checklist_version", sa.String(64), nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),  # {item id: value | None (not applicable)}
    sa.Column("score", sa.Float),  # the form's total 0..100 by the checklist's scoring; None: nothing answered
    sa.Column("sections", sa.JSON, nullable=False),  # {section id: 0..100}
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("recorded_by", sa.String(128)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
