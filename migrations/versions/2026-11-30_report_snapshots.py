"""As-reported snapshots of a period (issue 13): one row per council and period, never changed

Revision ID: 5e7a1c0d9b21
Revises: 027b61fa7b1a
Create Date: 2026-11-30 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pmf_api.platform.db.base

revision: str = "5e7a1c0d9b21"
down_revision: str | None = "027b61fa7b1a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_snapshot",
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("frozen_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("frozen_by", sa.String(length=200), nullable=False),
        sa.Column("frozen_by_name", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "content", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_report_snapshot_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshot")),
        sa.UniqueConstraint("organisation_id", "period", name=op.f("uq_report_snapshot_organisation_id_period")),
    )
    with op.batch_alter_table("report_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_snapshot_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_snapshot_period_end"), ["period_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_snapshot_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_snapshot_updated_at"))
        batch_op.drop_index(batch_op.f("ix_report_snapshot_period_end"))
        batch_op.drop_index(batch_op.f("ix_report_snapshot_organisation_id"))
    op.drop_table("report_snapshot")
