"""Open data: which KPIs are published to residents, and which published commentaries go with them

Revision ID: b7875de80960
Revises: 5c2e9a7d41b3
Create Date: 2026-12-01 03:30:00

Both start false: nothing becomes public until someone says so (seed 003_2a403038ecab8362.txt,
"Transparency and accountability").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7875de80960"
down_revision: str | None = "5c2e9a7d41b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("published_value", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commentary_public", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("published_value", schema=None) as batch_op:
        batch_op.drop_column("commentary_public")
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_column("public")
