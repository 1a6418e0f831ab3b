"""Budget monitoring per service and month, complaints counts per service and quarter (seed 003,
the Joint Finance and Performance Report)

Revision ID: 9830ded50ea7
Revises: 5e7a1c0d9b21
Create Date: 2026-11-30 18:57:00.325652
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pmf_api.platform.db.base

revision: str = "9830ded50ea7"
down_revision: str | None = "5e7a1c0d9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budget_monitoring",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("budget", pmf_api.platform.db.base.ExactDecimal(precision=24, scale=6), nullable=False),
        sa.Column("actual_to_date", pmf_api.platform.db.base.ExactDecimal(precision=24, scale=6), nullable=False),
        sa.Column("forecast_outturn", pmf_api.platform.db.base.ExactDecimal(precision=24, scale=6), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_budget_monitoring_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_budget_monitoring_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_monitoring")),
        sa.UniqueConstraint("service_id", "period", name=op.f("uq_budget_monitoring_service_id_period")),
    )
    with op.batch_alter_table("budget_monitoring", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_monitoring_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_monitoring_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_monitoring_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_monitoring_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "complaint_count",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("upheld", sa.Integer(), nullable=False),
        sa.Column("responded_in_time", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_complaint_count_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_complaint_count_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_count")),
        sa.UniqueConstraint("service_id", "period", name=op.f("uq_complaint_count_service_id_period")),
    )
    with op.batch_alter_table("complaint_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_count_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_count_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_count_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_count_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaint_count", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_count_updated_at"))
        batch_op.drop_index(batch_op.f("ix_complaint_count_service_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_count_period"))
        batch_op.drop_index(batch_op.f("ix_complaint_count_organisation_id"))

    op.drop_table("complaint_count")
    with op.batch_alter_table("budget_monitoring", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_monitoring_updated_at"))
        batch_op.drop_index(batch_op.f("ix_budget_monitoring_service_id"))
        batch_op.drop_index(batch_op.f("ix_budget_monitoring_period"))
        batch_op.drop_index(batch_op.f("ix_budget_monitoring_organisation_id"))

    op.drop_table("budget_monitoring")
