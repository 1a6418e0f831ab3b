"""submission values by kpi and period

One index on (kpi_id, period_end) replaces the one on kpi_id: statuses and scorecards read a
KPI's values over a span of periods, and with only the two single-column indexes PostgreSQL may
intersect each KPI's rows with every row of the span (bench/bench_scorecard.py). The new index is
made before the old one goes, so KPI lookups are never without one.

Revision ID: e0968aae572a
Revises: e963ce0d24fd
Create Date: 2026-11-22 19:19:48.021508
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e0968aae572a"
down_revision: str | None = "e963ce0d24fd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index("ix_submission_kpi_id_period_end", ["kpi_id", "period_end"], unique=False)
        batch_op.drop_index(batch_op.f("ix_submission_kpi_id"))


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_kpi_id"), ["kpi_id"], unique=False)
        batch_op.drop_index("ix_submission_kpi_id_period_end")
