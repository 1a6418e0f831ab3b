"""Reading the audit trail (the performance team and internal audit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_audit_reader
from pmf_api.assurance.audit.repository import AuditRepository
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.pages import ListQuery, Page


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
    query = ListQuery(
        filters={
            "entity_type": filters.entity_type,
            "entity_id": filters.entity_id,
            "actor_subject": filters.actor_subject,
            "action": filters.action,
            "since": filters.since,
            "until": filters.until,
        },
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return await AuditRepository(session).page(actor, query)
