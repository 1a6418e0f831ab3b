"""What carries a service plan (seed 001_ec6bae7b38cacc6f.txt, Appendix D; the golden thread): the actions
that deliver it (their ``service_plan_id``), the KPIs of its service that measure it, and the risks the
register links to it (D.1 asks each plan for its risks).

Read-only, and here in assurance because it reads the framework (plans, actions), performance (KPIs)
and the risk register: the framework layer may not import the layers above it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.assurance.risks.repository import RiskRepository
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.plans import service as plan_service
from pmf_api.framework.plans.repository import ServicePlanRepository
from pmf_api.performance.kpis.repository import KpiFilters, KpiRepository
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.db.repository import OwnedRepository

_PAGE = 200


@dataclass(frozen=True)
class Contents:
    plan: Any
    actions: list[Any]
    kpis: list[Any]
    risks: list[Any]


async def contents(session: AsyncSession, actor: Actor, plan_id: uuid.UUID) -> Contents:
    """The plan with its actions (by code, archived ones left out), its service's active KPIs (by code) and
    the risks linked to it (by code).

    An action linked to an earlier version of the same service's plan for the year carries this one too:
    a new version changes the plan, not what delivers it; a risk linked to an earlier version
    likewise."""
    plan = await records.get(session, actor, plan_service.service_plans, plan_id)
    versions = await ServicePlanRepository(session).versions(plan.service_id, plan.financial_year)
    version_ids = [version.id for version in versions]
    actions = await _linked(ActionRepository(session), actor, version_ids)
    actions.sort(key=lambda action: action.code)
    risks = await _linked(RiskRepository(session), actor, version_ids)
    risks = sorted({risk.id: risk for risk in risks}.values(), key=lambda risk: risk.code)
    kpis = await KpiRepository(session).active(actor, KpiFilters(service_id=plan.service_id))
    return Contents(plan, actions, kpis, risks)


async def _linked(repository: OwnedRepository[Any], actor: Actor, plan_ids: list[uuid.UUID]) -> list[Any]:
    """Every record the actor may read that names one of ``plan_ids`` (its ``service_plan_id`` filter)."""
    found: list[Any] = []
    for plan_id in plan_ids:
        found += await repository.every(actor, ListQuery(filters={"service_plan_id": plan_id}, limit=_PAGE))
    return found
