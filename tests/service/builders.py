"""Small builders for service-level tests: a council's structure and KPIs made through the services
themselves (no HTTP), and actors as tokens would give them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.domain.workflow import Role, TargetState
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.targets import service as target_service


def actor(
    organisation_id: uuid.UUID,
    role: Role = Role.PERFORMANCE,
    *,
    scope: ScopeType = ScopeType.ORGANISATION,
    scope_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    subject: str | None = None,
) -> Actor:
    return Actor(
        organisation_id=organisation_id,
        subject=subject or f"{role.value}@example.gov.uk",
        name=role.value.replace("_", " ").title(),
        grants=(Grant(role, scope, scope_id),),
        person_id=person_id,
    )


@dataclass
class Council:
    organisation_id: uuid.UUID
    team: Actor  # the performance team
    directorate_id: uuid.UUID
    service_id: uuid.UUID
    owner_id: uuid.UUID


async def council(session: AsyncSession, code: str = "NORTHDALE") -> Council:
    """An organisation with one directorate, one service and a KPI owner, made through the services."""
    organisation = Organisation(code=code, name=f"{code} District Council", settings={})
    session.add(organisation)
    await session.flush()
    team = actor(organisation.id)
    directorate = await records.create(
        session, team, organisation_service.directorates, {"code": "PLACE", "name": "Place"}
    )
    service = await records.create(
        session,
        team,
        organisation_service.services,
        {"code": "WASTE", "name": "Waste", "directorate_id": directorate.id},
    )
    owner = await records.create(
        session,
        team,
        organisation_service.people,
        {"name": "Ola Owner", "email": f"ola@{code.lower()}.gov.uk", "service_id": service.id},
    )
    return Council(organisation.id, team, directorate.id, service.id, owner.id)


async def kpi(session: AsyncSession, place: Council, **overrides: Any) -> Kpi:
    data: dict[str, Any] = {
        "code": "PI-" + uuid.uuid4().hex[:6].upper(),
        "title": "Household waste recycled",
        "unit": "percentage",
        "polarity": "higher_is_better",
        "frequency": "monthly",
        "aggregation": "average",
        "decimal_places": 1,
        "service_id": place.service_id,
        "owner_id": place.owner_id,
        **overrides,
    }
    return await kpi_service.create_kpi(session, place.team, data)


async def approved_target(
    session: AsyncSession, place: Council, kpi: Kpi, year: str = "2026/27", target: str = "50", level: str = "45"
) -> None:
    created = await target_service.create_target(
        session,
        place.team,
        {
            "kpi_id": kpi.id,
            "financial_year": year,
            "target_type": "growth",
            "annual_target": Decimal(target),
            "tolerance": {"kind": "intervention_level", "value": Decimal(level)},
        },
    )
    director = actor(place.organisation_id, Role.DIRECTOR, subject="director@example.gov.uk")
    await target_service.transition_target(session, place.team, created.id, TargetState.PROPOSED, None)
    await target_service.transition_target(session, director, created.id, TargetState.APPROVED, None)
