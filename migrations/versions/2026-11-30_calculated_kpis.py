"""calculated kpis

A KPI may be calculated by a formula over other KPIs' values for the same period (issue 11, section 3):
its formula in canonical form, the ids of the KPIs it uses, and its rules for a missing input and a
zero divisor. Existing KPIs are entered by hand: all four are empty.

Revision ID: 88ecb05cf46f
Revises: 9d4a6c2e1f37
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "88ecb05cf46f"
down_revision: str | None = "9d4a6c2e1f37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("formula", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("formula_inputs", _JSON, nullable=True))
        batch_op.add_column(sa.Column("on_missing_input", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("on_zero_divisor", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_column("on_zero_divisor")
        batch_op.drop_column("on_missing_input")
        batch_op.drop_column("formula_inputs")
        batch_op.drop_column("formula")
