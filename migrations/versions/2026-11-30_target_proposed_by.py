"""Who proposed each target, for four-eyes: the proposer does not approve it

Revision ID: 5b7e4f0c2a19
Revises: 5c1d7a3e9b20
Create Date: 2026-11-30 09:00:00

Existing targets get their proposer from the audit trail: the last ``transition`` to ``proposed`` of
each target that is not a draft (a draft has been sent back, or was never proposed).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5b7e4f0c2a19"
down_revision: str | None = "5c1d7a3e9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_target = sa.table("target", sa.column("id", sa.Uuid()), sa.column("state", sa.String()), sa.column("proposed_by"))
_audit = sa.table(
    "audit_entry",
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("actor_subject", sa.String()),
    sa.column("after", _JSON),
    sa.column("at", sa.DateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_by", sa.String(length=200), nullable=True))

    connection = op.get_bind()
    proposals = connection.execute(
        sa.select(_audit.c.entity_id, _audit.c.actor_subject, _audit.c.after)
        .where(_audit.c.entity_type == "target", _audit.c.action == "transition")
        .order_by(_audit.c.at)
    )
    proposer: dict[Any, str] = {}
    for entity_id, subject, after in proposals:
        if isinstance(after, dict) and after.get("state") == "proposed":
            proposer[entity_id] = subject  # the latest proposal wins
    for target_id, subject in proposer.items():
        connection.execute(
            sa.update(_target).where(_target.c.id == target_id, _target.c.state != "draft").values(proposed_by=subject)
        )


def downgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_column("proposed_by")
