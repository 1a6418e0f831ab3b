"""audit correlation id

The audit trail's request_id is now always this service's own id for the request; a client's
X-Request-ID is kept beside it, bounded to 128 characters, as correlation_id.

Revision ID: 5c1d7a3e9b20
Revises: 3b1f0c2d9a77
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1d7a3e9b20"
down_revision: str | None = "3b1f0c2d9a77"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correlation_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("correlation_id")
