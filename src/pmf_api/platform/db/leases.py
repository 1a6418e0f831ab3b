"""Claiming work with a lease, so two workers never send the same thing and a crash loses nothing.

A row of work (a webhook delivery, an e-mail digest) is ready when it is pending, its next try is
due and no live lease holds it. A worker claims some in one statement: it writes its own token and
a lease expiry on them (PostgreSQL picks the rows ``FOR UPDATE SKIP LOCKED``, so concurrent workers
take different ones; SQLite has one writer at a time, and the statement re-checks readiness), then
commits before sending. A worker that stops mid-send never releases its lease: when the lease
expires the row is ready again and another worker tries it (at least once; receivers drop a
duplicate by its id).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession


def ready(model: Any, now: datetime) -> ColumnElement[bool]:
    return and_(
        model.state == "pending",
        model.next_attempt_at <= now,
        or_(model.lease_until.is_(None), model.lease_until < now),
    )


async def claim(
    session: AsyncSession, model: Any, *, now: datetime, lease_seconds: int, limit: int, token: str | None = None
) -> tuple[str, list[uuid.UUID]]:
    """Lease up to ``limit`` ready rows of ``model`` to a new token; their ids, oldest due first."""
    token = token or uuid.uuid4().hex
    candidates = (
        select(model.id)
        .where(ready(model, now))
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    await session.execute(
        update(model)
        .where(model.id.in_(candidates.scalar_subquery()), ready(model, now))
        .values(lease_token=token, lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    claimed = await session.scalars(select(model.id).where(model.lease_token == token).order_by(model.next_attempt_at))
    return token, list(claimed)


async def settle(session: AsyncSession, model: Any, id: uuid.UUID, token: str, **values: Any) -> bool:
    """Record a try's outcome on a row this worker still holds (its token), and release the lease.
    False when the lease was lost (it expired and another worker took the row)."""
    result = await session.execute(
        update(model)
        .where(model.id == id, model.lease_token == token)
        .values(lease_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
