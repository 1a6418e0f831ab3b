"""Reading the audit trail (the performance team and internal audit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_audit_reader
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.repository import Page, paginate


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
