"""The audit trail's writer: one row per write, in the same transaction as the write.

Every write in the service goes through :func:`record` (or :func:`create` and :func:`update`, which
call it): who, when, the record before and after, and the author's note. Reading the trail is a
feature of its own (``pmf_api.assurance.audit``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import JSON_AS_IS, Base, Entity, json_value, utcnow
from pmf_api.platform.db.bulk import insert_rows
from pmf_api.platform.errors import PreconditionFailed
from pmf_api.platform.observability import current_correlation_id


class Author(Protocol):
    """Who made a write, as the audit trail records it (an actor of ``pmf_api.access`` is one)."""

    @property
    def organisation_id(self) -> uuid.UUID: ...

    @property
    def subject(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def request_id(self) -> str | None: ...


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_org_at", "organisation_id", "at"),
        Index("ix_audit_entry_entity", "entity_type", "entity_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_subject: Mapped[str] = mapped_column(String(200), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    # Our id of the request that made the change; the client's own id for it (its X-Request-ID), if any
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    correlation_id: Mapped[str | None] = mapped_column(String(128), default=None)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # Why the change was made, where the actor said (a workflow step's comment, a revision's reason)
    note: Mapped[str | None] = mapped_column(Text, default=None)


async def record(
    session: AsyncSession,
    actor: Author,
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
        **entry_values(actor, action, entity.__tablename__, entity.id, before, snapshot(entity), note=note)
    )
    if organisation_id is not None:
        entry.organisation_id = organisation_id
    session.add(entry)
    return entry


def entry_values(
    actor: Author,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    at: datetime | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """An audit row's columns, for writers that insert many rows at once (a bulk push)."""
    return {
        "id": uuid.uuid4(),
        "organisation_id": actor.organisation_id,
        "at": at or utcnow(),
        "actor_subject": actor.subject,
        "actor_name": actor.name,
        "request_id": actor.request_id,
        "correlation_id": current_correlation_id(),
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
        "note": note,
    }


async def create(session: AsyncSession, actor: Author, entity: Entity) -> None:
    session.add(entity)
    await record(session, actor, "create", entity)


async def update(
    session: AsyncSession,
    actor: Author,
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
        raise PreconditionFailed.if_match(
            f"You edited version {expected_version} but the record is now at version {entity.version}"
        )
    before = snapshot(entity)
    for key, value in changes.items():
        setattr(entity, key, value)
    if session.is_modified(entity):
        await record(session, actor, action, entity, before, note=note)


def json_row(values: dict[str, Any]) -> dict[str, Any]:
    """Column values as JSON data, as the audit trail keeps them (a record not loaded as an object)."""
    return {key: value if type(value) in JSON_AS_IS else json_value(value) for key, value in values.items()}


def snapshot(entity: Entity) -> dict[str, Any]:
    """The record's column values as JSON data, as the audit trail keeps them."""
    return {column.key: json_value(getattr(entity, column.key)) for column in entity.__table__.columns}


async def insert_entries(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Many audit rows at once (see ``entry_values``), for writers that insert many records at once."""
    await insert_rows(session, AuditEntry, entries, json_columns=("before", "after"))
