"""Use cases for the council's structure: its directorates, services, portfolios and people."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api import crud
from pmf_api.audit import service as audit
from pmf_api.auth.actor import Actor, Placement
from pmf_api.auth.policy import Resource, require_read, require_write
from pmf_api.errors import NotFound
from pmf_api.organisations.models import Directorate, Organisation, Person, Portfolio, Service

directorates = crud.EntitySpec(
    model=Directorate,
    what="directorate",
    resource=Resource.structure,
    sortable={"code": Directorate.code, "name": Directorate.name, "updated_at": Directorate.updated_at},
    default_sort="code",
    references=(crud.Reference("director_id", Person, "person"),),
)

portfolios = crud.EntitySpec(
    model=Portfolio,
    what="portfolio",
    resource=Resource.structure,
    sortable={"code": Portfolio.code, "name": Portfolio.name, "updated_at": Portfolio.updated_at},
    default_sort="code",
    references=(crud.Reference("holder_id", Person, "person"),),
)

services = crud.EntitySpec(
    model=Service,
    what="service",
    resource=Resource.structure,
    sortable={"code": Service.code, "name": Service.name, "updated_at": Service.updated_at},
    default_sort="code",
    references=(
        crud.Reference("directorate_id", Directorate, "directorate"),
        crud.Reference("portfolio_id", Portfolio, "portfolio"),
        crud.Reference("head_of_service_id", Person, "person"),
    ),
)

people = crud.EntitySpec(
    model=Person,
    what="person",
    resource=Resource.structure,
    sortable={"name": Person.name, "email": Person.email, "updated_at": Person.updated_at},
    default_sort="name",
    references=(crud.Reference("service_id", Service, "service"),),
)


async def placement_of_service(
    session: AsyncSession, service_id: uuid.UUID | None, portfolio_id: uuid.UUID | None = None
) -> Placement | None:
    """Where a record attached to a service sits: its service, directorate and portfolio.

    A record may name its own portfolio (a KPI reported to another cabinet member); otherwise
    the service's portfolio applies.
    """
    if service_id is None:
        return None
    row = (
        await session.execute(select(Service.directorate_id, Service.portfolio_id).where(Service.id == service_id))
    ).first()
    if row is None:
        return Placement(service_id=service_id, portfolio_id=portfolio_id)
    return Placement(directorate_id=row[0], service_id=service_id, portfolio_id=portfolio_id or row[1])


async def placement_from(session: AsyncSession, values: Mapping[str, Any]) -> Placement | None:
    return await placement_of_service(session, values.get("service_id"), values.get("portfolio_id"))


async def get_organisation(session: AsyncSession, actor: Actor) -> Organisation:
    require_read(actor)
    organisation = await session.get(Organisation, actor.organisation_id)
    if organisation is None:
        raise NotFound(detail="Your organisation is not set up in this service")
    return organisation


async def update_organisation(
    session: AsyncSession, actor: Actor, changes: Mapping[str, Any], expected_version: int | None
) -> Organisation:
    organisation = await get_organisation(session, actor)
    require_write(actor, Resource.structure)
    changes = dict(changes)
    if "settings" in changes:
        # A section sent replaces that section; sections not sent are kept.
        sent = {k: v for k, v in (changes["settings"] or {}).items() if v is not None}
        changes["settings"] = {**(organisation.settings or {}), **sent}
    await audit.update(session, actor, organisation, changes, expected_version)
    return organisation
