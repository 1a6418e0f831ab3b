"""Queries of the council's structure: where a record sits (its service, directorate and portfolio),
the organisation itself, and the scopes grants and API keys name."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Placement, ScopeType
from pmf_api.framework.organisations.models import Directorate, Organisation, Portfolio, Service

SCOPE_MODELS: dict[ScopeType, type[Directorate] | type[Service] | type[Portfolio]] = {
    ScopeType.DIRECTORATE: Directorate,
    ScopeType.SERVICE: Service,
    ScopeType.PORTFOLIO: Portfolio,
}


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
    """The placement of a record given its ``service_id`` (and optional ``portfolio_id``) values."""
    return await placement_of_service(session, values.get("service_id"), values.get("portfolio_id"))


async def find_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


class StructureDirectory:
    """The council's structure as access sees it (``pmf_api.access.directory.Directory``)."""

    async def scope_id_of(
        self, session: AsyncSession, organisation_id: uuid.UUID, scope: ScopeType, code: str
    ) -> uuid.UUID | None:
        model = SCOPE_MODELS[scope]
        found: uuid.UUID | None = await session.scalar(
            select(model.id).where(model.organisation_id == organisation_id, model.code == code)
        )
        return found

    async def scope_exists(
        self, session: AsyncSession, organisation_id: uuid.UUID, scope: ScopeType, scope_id: uuid.UUID
    ) -> bool:
        model = SCOPE_MODELS[scope]
        found = await session.scalar(
            select(model.id).where(model.id == scope_id, model.organisation_id == organisation_id)
        )
        return found is not None


directory = StructureDirectory()
