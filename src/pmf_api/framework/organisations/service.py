"""Use cases for the council's structure: its directorates, services, portfolios and people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.framework.organisations.repository import find_organisation
from pmf_api.platform import audit
from pmf_api.platform.errors import NotFound

directorates = records.EntitySpec(
    model=Directorate,
    what="directorate",
    resource=Resource.structure,
    sortable={"code": Directorate.code, "name": Directorate.name, "updated_at": Directorate.updated_at},
    default_sort="code",
    references=(records.Reference("director_id", Person, "person"),),
)

portfolios = records.EntitySpec(
    model=Portfolio,
    what="portfolio",
    resource=Resource.structure,
    sortable={"code": Portfolio.code, "name": Portfolio.name, "updated_at": Portfolio.updated_at},
    default_sort="code",
    references=(records.Reference("holder_id", Person, "person"),),
)

services = records.EntitySpec(
    model=Service,
    what="service",
    resource=Resource.structure,
    sortable={"code": Service.code, "name": Service.name, "updated_at": Service.updated_at},
    default_sort="code",
    references=(
        records.Reference("directorate_id", Directorate, "directorate"),
        records.Reference("portfolio_id", Portfolio, "portfolio"),
        records.Reference("head_of_service_id", Person, "person"),
    ),
)

people = records.EntitySpec(
    model=Person,
    what="person",
    resource=Resource.structure,
    sortable={"name": Person.name, "email": Person.email, "updated_at": Person.updated_at},
    default_sort="name",
    references=(records.Reference("service_id", Service, "service"),),
)


async def get_organisation(session: AsyncSession, actor: Actor) -> Organisation:
    require_read(actor)
    organisation = await find_organisation(session, actor.organisation_id)
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
