"""kpi history dates

When a KPI first had a target, and a value. A KPI with either keeps how it is judged; keeping the
two dates on the KPI lets the KPIs feature answer that without asking the targets and submissions
features (which build on it). Filled from the targets and submissions already stored.

Revision ID: 3b1f0c2d9a77
Revises: e0968aae572a
Create Date: 2026-11-30 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pmf_api.platform.db.base

revision: str = "3b1f0c2d9a77"
down_revision: str | None = "e0968aae572a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_target_at", pmf_api.platform.db.base.UTCDateTime(timezone=True)))
        batch_op.add_column(sa.Column("first_value_at", pmf_api.platform.db.base.UTCDateTime(timezone=True)))
    op.execute(
        "UPDATE kpi SET first_target_at = (SELECT MIN(target.created_at) FROM target WHERE target.kpi_id = kpi.id)"
    )
    op.execute(
        "UPDATE kpi SET first_value_at = "
        "(SELECT MIN(submission.created_at) FROM submission WHERE submission.kpi_id = kpi.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_column("first_value_at")
        batch_op.drop_column("first_target_at")
