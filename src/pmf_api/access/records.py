"""Create, read, update, archive and list for records that follow the common pattern.

Each feature describes its record with an :class:`EntitySpec`: its repository (queries and the
read rule), what it references, where it sits for authorisation, which extra rules apply. Its
service calls these functions, so every record gets the same read rule, scope checks, reference
checks, optimistic locking and audit. No HTTP here: a CLI or a job calls the same functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.platform import audit
from pmf_api.platform.db.base import OrganisationOwned
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.platform.db.rows import DriverConnection
from pmf_api.platform.errors import Conflict, FieldProblem, PMFError, refuse

OwnedT = TypeVar("OwnedT", bound=OrganisationOwned)

PlacementOf = Callable[[AsyncSession, Mapping[str, Any]], Awaitable[Placement | None]]
Check = Callable[[AsyncSession, Actor, Mapping[str, Any]], Awaitable[None]]
# A rule about changing a record as it stands (its state, its history): given the record and the changes
CheckChange = Callable[[AsyncSession, Actor, Any, Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Reference:
    """A field holding the id of another record, which the actor must be able to read."""

    field: str
    repository: type[OwnedRepository[Any]]


@dataclass(frozen=True)
class EntitySpec(Generic[OwnedT]):
    repository: type[OwnedRepository[OwnedT]]
    resource: Resource
    references: tuple[Reference, ...] = ()
    placement: PlacementOf | None = None
    check: Check | None = None
    check_change: CheckChange | None = None

    @property
    def model(self) -> type[OwnedT]:
        return self.repository.model

    @property
    def what(self) -> str:
        return self.repository.what

    async def where(self, session: AsyncSession, values: Mapping[str, Any]) -> Placement | None:
        return None if self.placement is None else await self.placement(session, values)


def column_values(entity: OrganisationOwned) -> dict[str, Any]:
    return {c.key: getattr(entity, c.key) for c in entity.__table__.columns}


async def check_references(
    session: AsyncSession, actor: Actor, spec: EntitySpec[Any], values: Mapping[str, Any]
) -> None:
    """Every referenced id must name a record the actor can read (one of their organisation's)."""
    problems: list[FieldProblem] = []
    for reference in spec.references:
        ref_id = values.get(reference.field)
        if ref_id is not None and not await reference.repository(session).exists(actor, ref_id):
            what = reference.repository.what
            problems.append(FieldProblem(reference.field, f"No {what} with id {ref_id} in this organisation"))
    refuse(problems)


async def create(session: AsyncSession, actor: Actor, spec: EntitySpec[OwnedT], data: Mapping[str, Any]) -> OwnedT:
    await check_references(session, actor, spec, data)
    require_write(actor, spec.resource, await spec.where(session, data))
    if spec.check is not None:
        await spec.check(session, actor, data)
    entity = spec.model(organisation_id=actor.organisation_id, **data)
    await guard_unique(session, lambda: audit.create(session, actor, entity))
    return entity


async def get(session: AsyncSession, actor: Actor, spec: EntitySpec[OwnedT], id: uuid.UUID) -> OwnedT:
    require_read(actor)
    return await spec.repository(session).get(actor, id)


async def get_values(
    connection: DriverConnection, actor: Actor, spec: EntitySpec[Any], id: uuid.UUID
) -> dict[str, Any]:
    """What :func:`get` checks and loads, as the record's column values: for requests that only
    show the record (no session, no ORM object; see ``pmf_api.platform.db.rows``)."""
    require_read(actor)
    return await spec.repository.read_values(connection, actor, id)


async def update(
    session: AsyncSession,
    actor: Actor,
    spec: EntitySpec[OwnedT],
    id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> OwnedT:
    entity = await get(session, actor, spec, id)
    current = column_values(entity)
    require_write(actor, spec.resource, await spec.where(session, current))
    merged = {**current, **changes}
    await check_references(session, actor, spec, changes)
    # Moving a record (say a KPI to another service) needs the right over where it goes too.
    require_write(actor, spec.resource, await spec.where(session, merged))
    if spec.check_change is not None:
        await spec.check_change(session, actor, entity, changes)
    if spec.check is not None:
        await spec.check(session, actor, merged)
    await guard_unique(session, lambda: audit.update(session, actor, entity, dict(changes), expected_version))
    return entity


async def set_archived(
    session: AsyncSession,
    actor: Actor,
    spec: EntitySpec[OwnedT],
    id: uuid.UUID,
    archived: bool,
    expected_version: int | None,
) -> OwnedT:
    """Archive (or restore) a record: records with data are archived, never deleted."""
    entity = await get(session, actor, spec, id)
    require_write(actor, spec.resource, await spec.where(session, column_values(entity)))
    if archived == (getattr(entity, "archived_at", None) is not None):
        return entity
    await audit.update(
        session,
        actor,
        entity,
        {"archived_at": datetime.now(UTC) if archived else None},
        expected_version,
        action="archive" if archived else "restore",
    )
    return entity


async def list_page(session: AsyncSession, actor: Actor, spec: EntitySpec[OwnedT], query: ListQuery) -> Page[OwnedT]:
    require_read(actor)
    return await spec.repository(session).page(actor, query)


async def list_values(
    connection: DriverConnection, actor: Actor, spec: EntitySpec[Any], query: ListQuery
) -> Page[dict[str, Any]]:
    """What :func:`list_page` lists, as the records' column values (see ``pmf_api.platform.db.rows``)."""
    require_read(actor)
    return await spec.repository.page_values(connection, actor, query)


async def guard_unique(
    session: AsyncSession,
    write: Callable[[], Awaitable[Any]],
    message: str = "A record with the same code (or the same key) already exists",
    conflict: type[PMFError] = Conflict,
) -> None:
    """Turn a duplicate key into a clear 409 without spoiling the transaction."""
    try:
        async with session.begin_nested():
            await write()
    except IntegrityError as exc:
        reason = str(exc.orig).lower()
        if "unique" in reason or "duplicate" in reason:
            raise conflict(detail=message) from None
        raise
