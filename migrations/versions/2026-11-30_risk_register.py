"""risk register

The risk register (issue 12, item 2; seeds 003 and 004): risks on the strategic and operational
registers, their review history, and an index of the records each risk is linked to.

Revision ID: b3189a42c82b
Revises: 7acdfccff245
Create Date: 2026-11-30 15:26:50.712892
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pmf_api.platform.db.base

revision: str = "b3189a42c82b"
down_revision: str | None = "7acdfccff245"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("register", sa.String(length=12), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("directorate_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=False),
        sa.Column("inherent_impact", sa.Integer(), nullable=False),
        sa.Column("inherent_score", sa.Integer(), nullable=False),
        sa.Column("inherent_rag", sa.String(length=5), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=False),
        sa.Column("residual_impact", sa.Integer(), nullable=False),
        sa.Column("residual_score", sa.Integer(), nullable=False),
        sa.Column("residual_rag", sa.String(length=5), nullable=False),
        sa.Column("target_score", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "controls", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "mitigations", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "outcome_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "kpi_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "service_plan_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "action_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.Column("trend", sa.String(length=10), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("escalated_by", sa.String(length=200), nullable=True),
        sa.Column("escalated_by_name", sa.String(length=200), nullable=True),
        sa.Column("escalation_reason", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["directorate_id"], ["directorate.id"], name=op.f("fk_risk_directorate_id_directorate")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"], name=op.f("fk_risk_owner_id_person")),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_risk_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_risk_organisation_id_code")),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_directorate_id"), ["directorate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_next_review_due"), ["next_review_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_register"), ["register"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_residual_rag"), ["residual_rag"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "risk_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("risk_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("linked_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"], name=op.f("fk_risk_link_risk_id_risk"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_link")),
    )
    with op.batch_alter_table("risk_link", schema=None) as batch_op:
        batch_op.create_index("ix_risk_link_kind_linked_id", ["kind", "linked_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_link_risk_id"), ["risk_id"], unique=False)

    op.create_table(
        "risk_review",
        sa.Column("risk_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rag", sa.String(length=5), nullable=False),
        sa.Column("previous_score", sa.Integer(), nullable=False),
        sa.Column("trend", sa.String(length=10), nullable=False),
        sa.Column("commentary", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=False),
        sa.Column("register", sa.String(length=12), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_review_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["reviewer_id"], ["person.id"], name=op.f("fk_risk_review_reviewer_id_person")),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"], name=op.f("fk_risk_review_risk_id_risk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_review")),
    )
    with op.batch_alter_table("risk_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_review_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_review_risk_id"), ["risk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_review_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_review_updated_at"))
        batch_op.drop_index(batch_op.f("ix_risk_review_risk_id"))
        batch_op.drop_index(batch_op.f("ix_risk_review_organisation_id"))

    op.drop_table("risk_review")
    with op.batch_alter_table("risk_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_link_risk_id"))
        batch_op.drop_index("ix_risk_link_kind_linked_id")

    op.drop_table("risk_link")
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_updated_at"))
        batch_op.drop_index(batch_op.f("ix_risk_status"))
        batch_op.drop_index(batch_op.f("ix_risk_service_id"))
        batch_op.drop_index(batch_op.f("ix_risk_residual_rag"))
        batch_op.drop_index(batch_op.f("ix_risk_register"))
        batch_op.drop_index(batch_op.f("ix_risk_owner_id"))
        batch_op.drop_index(batch_op.f("ix_risk_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_risk_next_review_due"))
        batch_op.drop_index(batch_op.f("ix_risk_directorate_id"))

    op.drop_table("risk")
