"""A revision of an approved target waits for approval before it applies

Revision ID: 3e8a51c7d204
Revises: 50566199fe39
Create Date: 2026-11-30

Revising an approved target changed what counted at once, past the four-eyes approval every target
meets. A revision now has a state (existing revisions applied: ``approved``) and who decided it;
a target names the revision waiting for approval.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pmf_api.platform.db.base

revision: str = "3e8a51c7d204"
down_revision: str | None = "50566199fe39"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("target_revision") as batch:
        batch.add_column(sa.Column("state", sa.String(length=12), server_default="approved", nullable=False))
        batch.add_column(sa.Column("decided_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("decided_at", pmf_api.platform.db.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision_note", sa.Text(), nullable=True))
    with op.batch_alter_table("target") as batch:
        batch.add_column(sa.Column("pending_revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("target") as batch:
        batch.drop_column("pending_revision")
    with op.batch_alter_table("target_revision") as batch:
        batch.drop_column("decision_note")
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
        batch.drop_column("state")
