"""data quality templates and reviews

One Data Quality Template per KPI per financial year, in numbered versions (seed 001, Appendix B.2),
and the data quality reviews held with services against them (B.1; seed 003's six characteristics).

Revision ID: 9d4a6c2e1f37
Revises: 5b7e4f0c2a19
Create Date: 2026-11-30 12:19:41.675535
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pmf_api.platform.db.base

revision: str = "9d4a6c2e1f37"
down_revision: str | None = "5b7e4f0c2a19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_quality_template",
        sa.Column("kpi_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("copied_from_id", sa.Uuid(), nullable=True),
        sa.Column("statistics_collected_by", sa.Text(), nullable=True),
        sa.Column("forecast_produced_by", sa.Text(), nullable=True),
        sa.Column("commentary_provided_by", sa.Text(), nullable=True),
        sa.Column("backup_officers", sa.Text(), nullable=True),
        sa.Column("systems_and_spreadsheets", sa.Text(), nullable=True),
        sa.Column("collection_and_calculation_method", sa.Text(), nullable=True),
        sa.Column("why_it_matters", sa.Text(), nullable=True),
        sa.Column("seasonality", sa.Text(), nullable=True),
        sa.Column("amber_factors", sa.Text(), nullable=True),
        sa.Column("red_factors", sa.Text(), nullable=True),
        sa.Column("interventions_available", sa.Text(), nullable=True),
        sa.Column("benchmarking_available", sa.Text(), nullable=True),
        sa.Column("declaration", sa.Text(), nullable=True),
        sa.Column("signed_by_name", sa.String(length=200), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["copied_from_id"],
            ["data_quality_template.id"],
            name=op.f("fk_data_quality_template_copied_from_id_data_quality_template"),
        ),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"], name=op.f("fk_data_quality_template_kpi_id_kpi")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_data_quality_template_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_quality_template")),
        sa.UniqueConstraint(
            "kpi_id",
            "financial_year",
            "version_number",
            name=op.f("uq_data_quality_template_kpi_id_financial_year_version_number"),
        ),
    )
    with op.batch_alter_table("data_quality_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_quality_template_copied_from_id"), ["copied_from_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_template_financial_year"), ["financial_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_template_kpi_id"), ["kpi_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_template_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_template_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "data_quality_review",
        sa.Column("kpi_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("template_version_number", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column(
            "reviewers", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("observations", sa.Text(), nullable=True),
        sa.Column("accuracy", sa.String(length=10), nullable=False),
        sa.Column("validity", sa.String(length=10), nullable=False),
        sa.Column("reliability", sa.String(length=10), nullable=False),
        sa.Column("timeliness", sa.String(length=10), nullable=False),
        sa.Column("relevance", sa.String(length=10), nullable=False),
        sa.Column("completeness", sa.String(length=10), nullable=False),
        sa.Column(
            "follow_up_actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"], name=op.f("fk_data_quality_review_kpi_id_kpi")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_data_quality_review_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["data_quality_template.id"],
            name=op.f("fk_data_quality_review_template_id_data_quality_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_quality_review")),
    )
    with op.batch_alter_table("data_quality_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_quality_review_financial_year"), ["financial_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_review_kpi_id"), ["kpi_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_review_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_review_template_id"), ["template_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_quality_review_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_quality_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_quality_review_updated_at"))
        batch_op.drop_index(batch_op.f("ix_data_quality_review_template_id"))
        batch_op.drop_index(batch_op.f("ix_data_quality_review_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_data_quality_review_kpi_id"))
        batch_op.drop_index(batch_op.f("ix_data_quality_review_financial_year"))

    op.drop_table("data_quality_review")
    with op.batch_alter_table("data_quality_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_quality_template_updated_at"))
        batch_op.drop_index(batch_op.f("ix_data_quality_template_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_data_quality_template_kpi_id"))
        batch_op.drop_index(batch_op.f("ix_data_quality_template_financial_year"))
        batch_op.drop_index(batch_op.f("ix_data_quality_template_copied_from_id"))

    op.drop_table("data_quality_template")
