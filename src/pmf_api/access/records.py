"""Create, read, update, archive and list for records that follow the common pattern.

Each feature describes its record with an :class:`EntitySpec` (what it references, where it sits
for authorisation, which extra rules apply) and its service calls these functions, so every record
gets the same organisation fence, scope checks, reference checks, optimistic locking and audit.
No HTTP here: a CLI or a job calls the same functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import BindParameter, ColumnElement, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.platform import audit
from pmf_api.platform.db.base import OrganisationOwned
from pmf_api.platform.db.repository import (
    Keyset,
    ListQuery,
    Page,
    field_of,
    get_in_organisation,
    in_organisation,
    require_in_organisation,
)
from pmf_api.platform.db.rows import DriverConnection, Query
from pmf_api.platform.errors import Conflict, FieldProblem, PMFError, refuse

OwnedT = TypeVar("OwnedT", bound=OrganisationOwned)

PlacementOf = Callable[[AsyncSession, Mapping[str, Any]], Awaitable[Placement | None]]
Check = Callable[[AsyncSession, Actor, Mapping[str, Any]], Awaitable[None]]
# A rule about changing a record as it stands (its state, its history): given the record and the changes
CheckChange = Callable[[AsyncSession, Actor, Any, Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Reference:
    """A field holding the id of another record, which must be in the same organisation."""

    field: str
    model: type[OrganisationOwned]
    what: str


@dataclass(frozen=True)
class EntitySpec(Generic[OwnedT]):
    model: type[OwnedT]
    what: str
    resource: Resource
    sortable: Mapping[str, InstrumentedAttribute[Any]]
    default_sort: str
    references: tuple[Reference, ...] = ()
    placement: PlacementOf | None = None
    check: Check | None = None
    check_change: CheckChange | None = None
    # Filters that are not a plain "column equals value" (e.g. a KPI's directorate, via its service).
    # Each is given the value's bind parameter, not the value: a list's statement is built once
    # for every value (see _list_query). A value that needs reshaping first says how in filter_values.
    filters: Mapping[str, Callable[[Any], ColumnElement[bool]]] = field(default_factory=dict)
    filter_values: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    async def where(self, session: AsyncSession, values: Mapping[str, Any]) -> Placement | None:
        return None if self.placement is None else await self.placement(session, values)


def column_values(entity: OrganisationOwned) -> dict[str, Any]:
    return {c.key: getattr(entity, c.key) for c in entity.__table__.columns}


async def check_references(
    session: AsyncSession, actor: Actor, spec: EntitySpec[Any], values: Mapping[str, Any]
) -> None:
    """Every referenced id must name a record of the actor's own organisation."""
    problems: list[FieldProblem] = []
    for ref in spec.references:
        ref_id = values.get(ref.field)
        if ref_id is None:
            continue
        found = await session.scalar(
            select(ref.model.id).where(ref.model.id == ref_id, ref.model.organisation_id == actor.organisation_id)
        )
        if found is None:
            problems.append(FieldProblem(ref.field, f"No {ref.what} with id {ref_id} in this organisation"))
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
    return await get_in_organisation(session, spec.model, actor.organisation_id, id, spec.what)


async def get_values(
    connection: DriverConnection, actor: Actor, spec: EntitySpec[Any], id: uuid.UUID
) -> dict[str, Any]:
    """What :func:`get` checks and loads, as the record's column values: for requests that only
    show the record (no session, no ORM object; see ``pmf_api.platform.db.rows``)."""
    require_read(actor)
    values = await connection.get(spec.model, id)
    require_in_organisation(None if values is None else values["organisation_id"], actor.organisation_id, spec.what, id)
    assert values is not None
    return values


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
    statement, keyset, params = _list_query(actor, spec, query)
    rows = (await session.scalars(statement.statement, params)).all()
    return keyset.page(list(rows), query.limit, getattr)


async def list_values(
    connection: DriverConnection, actor: Actor, spec: EntitySpec[Any], query: ListQuery
) -> Page[dict[str, Any]]:
    """What :func:`list_page` lists, as the records' column values (see ``pmf_api.platform.db.rows``)."""
    require_read(actor)
    statement, keyset, params = _list_query(actor, spec, query)
    return keyset.page(await connection.fetch(statement, params), query.limit, field_of)


def _same(value: Any) -> Any:
    return value


# Keyed by the spec's id (specs are module-level and live as long as the process) and the shape
# of the query: a few hundred entries at most, as filters come from each list's fixed parameters.
_LIST_QUERIES: dict[tuple[Any, ...], tuple[Query, Keyset]] = {}


def _list_query(actor: Actor, spec: EntitySpec[Any], query: ListQuery) -> tuple[Query, Keyset, dict[str, Any]]:
    """The list's statement (built once for each combination of filters, sort and cursor given) and
    the values of its bind parameters."""
    filters = {name: value for name, value in query.filters.items() if value is not None}
    sort = query.sort or spec.default_sort
    shape = (id(spec), tuple(sorted(filters)), query.updated_since is not None, query.include_archived, sort)
    after = query.cursor is not None
    built = _LIST_QUERIES.get((*shape, after))
    if built is None:
        keyset = Keyset.of(spec.model, sort, spec.sortable)
        model = spec.model
        stmt = in_organisation(model, bindparam("organisation_id"))  # type: ignore[arg-type]
        for name in sorted(filters):
            value: BindParameter[Any] = bindparam(f"filter_{name}")
            stmt = stmt.where(spec.filters[name](value) if name in spec.filters else getattr(model, name) == value)
        if query.updated_since is not None:
            stmt = stmt.where(model.updated_at >= bindparam("updated_since"))
        if not query.include_archived and hasattr(model, "archived_at"):
            stmt = stmt.where(model.archived_at.is_(None))
        built = (Query(model, keyset.apply(stmt, after=after)), keyset)
        _LIST_QUERIES[(*shape, after)] = built
    statement, keyset = built
    params = {
        "organisation_id": actor.organisation_id,
        **{f"filter_{name}": spec.filter_values.get(name, _same)(value) for name, value in filters.items()},
        **keyset.params(query.cursor),
        "page_limit": query.limit + 1,
    }
    if query.updated_since is not None:
        params["updated_since"] = query.updated_since
    return statement, keyset, params


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
