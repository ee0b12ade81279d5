"""Survey invitations, survey answers, and the consent registry (an append-only history of changes).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_invitations",
        sa.Column("invitation_id", sa.String(128), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("operator_id", sa.String(128)),
        sa.Column("team", sa.String(128)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("customer_id", "sent_at", "contact_id"):
        op.create_index(f"ix_survey_invitations_{column}", "survey_invitations", [column])
    op.create_table(
        "survey_answers",
        sa.Column("answer_id", sa.String(64), primary_key=True),
        sa.Column("invitation_id", sa.String(128)),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("operator_id", sa.String(128)),
        sa.Column("team", sa.String(128)),
        sa.Column("channel", sa.String(64)),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reason", sa.String(128)),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("invitation_id", "customer_id", "contact_id", "operator_id", "answered_at"):
        op.create_index(f"ix_survey_answers_{column}", "survey_answers", [column])
    op.create_table(
        "consent_changes",
        sa.Column("change_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("contact_id", sa.String(64)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_consent_changes_customer_id", "consent_changes", ["customer_id"])


def downgrade() -> None:
    raise NotImplementedError("cxmon catalogs migrate forward only")
