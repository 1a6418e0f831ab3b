"""Recording and reading the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.audit.models import AuditEntry
from pmf_api.auth.actor import Actor
from pmf_api.auth.policy import require_audit_reader
from pmf_api.db.base import Entity
from pmf_api.db.repository import Page, paginate, snapshot
from pmf_api.errors import PreconditionFailed


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity: Entity,
    before: dict[str, Any] | None = None,
    *,
    organisation_id: uuid.UUID | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Add the audit row for a write; call after the write, inside the same transaction."""
    await session.flush()
    entry = AuditEntry(
        organisation_id=organisation_id or actor.organisation_id,
        actor_subject=actor.subject,
        actor_name=actor.name,
        request_id=actor.request_id,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        action=action,
        before=before,
        after=snapshot(entity),
        note=note,
    )
    session.add(entry)
    return entry


async def create(session: AsyncSession, actor: Actor, entity: Entity) -> None:
    session.add(entity)
    await record(session, actor, "create", entity)


async def update(
    session: AsyncSession,
    actor: Actor,
    entity: Entity,
    changes: dict[str, Any],
    expected_version: int | None,
    action: str = "update",
    note: str | None = None,
) -> None:
    """Apply ``changes`` when the caller's version is current; audit before and after.

    A stale ``expected_version`` (from ``If-Match``) is refused before anything is written;
    a race between two writers is still caught by the version column at flush.
    """
    if expected_version is not None and expected_version != entity.version:
        raise PreconditionFailed(
            detail=f"You edited version {expected_version} but the record is now at version {entity.version}"
        )
    before = snapshot(entity)
    for key, value in changes.items():
        setattr(entity, key, value)
    if session.is_modified(entity):
        await record(session, actor, action, entity, before, note=note)


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    actor_subject: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_entries(
    session: AsyncSession, actor: Actor, filters: AuditFilter, *, cursor: str | None, limit: int, sort: str
) -> Page[AuditEntry]:
    require_audit_reader(actor)
    stmt = select(AuditEntry).where(AuditEntry.organisation_id == actor.organisation_id)
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.actor_subject:
        stmt = stmt.where(AuditEntry.actor_subject == filters.actor_subject)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.at < filters.until)
    return await paginate(
        session, stmt, AuditEntry, sort=sort, sortable={"at": AuditEntry.at}, cursor=cursor, limit=limit
    )
