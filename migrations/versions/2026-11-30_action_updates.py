"""quarterly action updates

Each action's update for a quarter: progress, its milestones' states, RAG, commentary and impact; the
stored result of the RAG check (a flag) and where it stands with the performance team (seed 001,
"Corporate Plan Actions").

Revision ID: 7a2c9e41b5d3
Revises: 3e8a51c7d204
Create Date: 2026-11-30 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pmf_api.platform.db.base

revision: str = "7a2c9e41b5d3"
down_revision: str | None = "3e8a51c7d204"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "action_update",
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("rag", sa.String(length=5), nullable=False),
        sa.Column("commentary", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=True),
        sa.Column("milestones", _JSON, nullable=False),
        sa.Column("late_milestones", sa.Integer(), nullable=False),
        sa.Column("rag_consistent", sa.Boolean(), nullable=True),
        sa.Column("rag_suggested", sa.String(length=5), nullable=True),
        sa.Column("rag_reason", sa.Text(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_by_name", sa.String(length=200), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"], name=op.f("fk_action_update_action_id_action")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_action_update_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_update")),
        sa.UniqueConstraint(
            "action_id", "financial_year", "quarter", name=op.f("uq_action_update_action_id_financial_year_quarter")
        ),
    )
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_update_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_update_financial_year"), ["financial_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_update_flagged"), ["flagged"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_update_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_update_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_update_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_update_updated_at"))
        batch_op.drop_index(batch_op.f("ix_action_update_state"))
        batch_op.drop_index(batch_op.f("ix_action_update_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_action_update_flagged"))
        batch_op.drop_index(batch_op.f("ix_action_update_financial_year"))
        batch_op.drop_index(batch_op.f("ix_action_update_action_id"))
    op.drop_table("action_update")
