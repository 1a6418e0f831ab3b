"""Service plans in versions with D.1's sections and a review history; a Corporate Plan retires by archive

Revision ID: 4b87ab8abc0f
Revises: 7a2c9e41b5d3
Create Date: 2026-11-30

Seed 001, Appendix D: a service plan's sections (core service information, planned projects, risks, next
to the summary, resources and SWOT it had), numbered versions (an approved plan is frozen; a change is a
new version, so one plan per service, year *and version*), where its content was copied from, and one
review row per step of its workflow. Existing plans are version 1 with no projects, and their review history
is read from the audit trail: each ``transition`` of a plan becomes a review row (who, when, the comment).

A Corporate Plan's ``status`` was draft, adopted or archived, next to ``archived_at``: two ideas of
retiring a plan. The status is now draft or adopted, and archiving is the only way to retire one: a plan
whose status was ``archived`` becomes an adopted plan archived when it was last changed (unless it was
archived already). The downgrade gives archived plans the ``archived`` status again.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pmf_api.platform.db.base

revision: str = "4b87ab8abc0f"
down_revision: str | None = "7a2c9e41b5d3"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = pmf_api.platform.db.base.UTCDateTime(timezone=True)
_service_plan = sa.table("service_plan", sa.column("id", sa.Uuid()), sa.column("projects", _JSON))
_audit = sa.table(
    "audit_entry",
    sa.column("organisation_id", sa.Uuid()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("actor_subject", sa.String()),
    sa.column("actor_name", sa.String()),
    sa.column("before", _JSON),
    sa.column("after", _JSON),
    sa.column("note", sa.Text()),
    sa.column("at", _UTC),
)
_review = sa.table(
    "service_plan_review",
    *(sa.column(name, sa.Uuid()) for name in ("id", "organisation_id", "service_plan_id")),
    *(sa.column(name, sa.String()) for name in ("step", "decision", "from_state", "to_state", "reviewer")),
    sa.column("reviewer_name", sa.String()),
    sa.column("comment", sa.Text()),
    *(sa.column(name, _UTC) for name in ("reviewed_at", "created_at", "updated_at")),
    sa.column("version", sa.Integer()),
)
# domain.service_plans as it stood at this revision (a migration does not follow later rules)
_ORDER = ("draft", "quality_review", "strategic_review", "approved", "published")
_STEP = {"draft": "submission", "quality_review": "quality_review", "strategic_review": "strategic_review"}
_STEP["approved"] = "publication"
_FORWARD = {"quality_review": "submitted", "strategic_review": "passed", "approved": "approved"}
_FORWARD["published"] = "published"
_corporate_plan = sa.table(
    "corporate_plan",
    sa.column("status", sa.String()),
    sa.column("archived_at", pmf_api.platform.db.base.UTCDateTime(timezone=True)),
    sa.column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "service_plan_review",
        sa.Column("service_plan_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("reviewer_name", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_service_plan_review_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_plan_id"],
            ["service_plan.id"],
            name=op.f("fk_service_plan_review_service_plan_id_service_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_plan_review")),
    )
    with op.batch_alter_table("service_plan_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_plan_review_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_plan_review_service_plan_id"), ["service_plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_plan_review_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("service_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_number", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("copied_from_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("core_information", _JSON, nullable=True))
        batch_op.add_column(sa.Column("projects", _JSON, nullable=True))
        batch_op.add_column(sa.Column("risks", sa.Text(), nullable=True))
    op.execute(sa.update(_service_plan).values(projects=[]))
    with op.batch_alter_table("service_plan", schema=None) as batch_op:
        batch_op.alter_column("projects", existing_type=_JSON, nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_service_plan_service_id_financial_year"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_service_plan_service_id_financial_year_version_number"),
            ["service_id", "financial_year", "version_number"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_service_plan_copied_from_id_service_plan"), "service_plan", ["copied_from_id"], ["id"]
        )

    _reviews_from_audit_trail()

    op.execute(
        sa.update(_corporate_plan)
        .where(_corporate_plan.c.status == "archived")
        .values(
            status="adopted",
            archived_at=sa.func.coalesce(_corporate_plan.c.archived_at, _corporate_plan.c.updated_at),
        )
    )


def _reviews_from_audit_trail() -> None:
    """Each audited move of an existing plan becomes a review row, in the order they were made."""
    connection = op.get_bind()
    moves = connection.execute(
        sa.select(
            _audit.c.organisation_id,
            _audit.c.entity_id,
            _audit.c.actor_subject,
            _audit.c.actor_name,
            _audit.c.before,
            _audit.c.after,
            _audit.c.note,
            _audit.c.at,
        )
        .where(
            _audit.c.entity_type == "service_plan",
            _audit.c.action == "transition",
            _audit.c.entity_id.in_(sa.select(_service_plan.c.id)),
        )
        .order_by(_audit.c.at)
    )
    rows = []
    for organisation_id, plan_id, subject, name, before, after, note, at in moves:
        was = before.get("status") if isinstance(before, dict) else None
        now = after.get("status") if isinstance(after, dict) else None
        if was not in _STEP or now not in _ORDER or was == now:
            continue
        decision = _FORWARD[now] if _ORDER.index(now) > _ORDER.index(was) else "sent_back"
        rows.append(
            {
                "id": uuid.uuid4(),
                "organisation_id": organisation_id,
                "service_plan_id": plan_id,
                "step": _STEP[was],
                "decision": decision,
                "from_state": was,
                "to_state": now,
                "reviewer": subject,
                "reviewer_name": name,
                "comment": note,
                "reviewed_at": at,
                "created_at": at,
                "updated_at": at,
                "version": 1,
            }
        )
    if rows:
        connection.execute(sa.insert(_review), rows)


def downgrade() -> None:
    op.execute(sa.update(_corporate_plan).where(_corporate_plan.c.archived_at.is_not(None)).values(status="archived"))
    # One plan per service and year again: later versions go (actions that named one name none).
    op.execute(
        "UPDATE action SET service_plan_id = NULL WHERE service_plan_id IN "
        "(SELECT id FROM service_plan WHERE version_number > 1)"
    )
    # A plan copied from a later version (next year's, say) forgets where it came from first
    op.execute(
        "UPDATE service_plan SET copied_from_id = NULL WHERE copied_from_id IN "
        "(SELECT id FROM service_plan WHERE version_number > 1)"
    )
    op.execute("DELETE FROM service_plan WHERE version_number > 1")
    with op.batch_alter_table("service_plan", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_service_plan_copied_from_id_service_plan"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_service_plan_service_id_financial_year_version_number"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_service_plan_service_id_financial_year"), ["service_id", "financial_year"]
        )
        batch_op.drop_column("risks")
        batch_op.drop_column("projects")
        batch_op.drop_column("core_information")
        batch_op.drop_column("copied_from_id")
        batch_op.drop_column("version_number")

    with op.batch_alter_table("service_plan_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_plan_review_updated_at"))
        batch_op.drop_index(batch_op.f("ix_service_plan_review_service_plan_id"))
        batch_op.drop_index(batch_op.f("ix_service_plan_review_organisation_id"))

    op.drop_table("service_plan_review")
