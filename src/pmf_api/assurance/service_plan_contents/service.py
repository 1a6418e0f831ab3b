"""What carries a service plan (seed 001_ec6bae7b38cacc6f.txt, Appendix D; the golden thread): the actions
that deliver it (their ``service_plan_id``) and the KPIs of its service that measure it.

Read-only, and here in assurance because it reads both the framework (plans, actions) and performance
(KPIs): the framework layer may not import performance. Risks are linked to plans from the risk register.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.plans import service as plan_service
from pmf_api.framework.plans.repository import ServicePlanRepository
from pmf_api.performance.kpis.repository import KpiFilters, KpiRepository
from pmf_api.platform.db.pages import ListQuery

_PAGE = 200


@dataclass(frozen=True)
class Contents:
    plan: Any
    actions: list[Any]
    kpis: list[Any]


async def contents(session: AsyncSession, actor: Actor, plan_id: uuid.UUID) -> Contents:
    """The plan with its actions (by code, archived ones left out) and its service's active KPIs (by code).

    An action linked to an earlier version of the same service's plan for the year carries this one too:
    a new version changes the plan, not what delivers it."""
    plan = await records.get(session, actor, plan_service.service_plans, plan_id)
    versions = await ServicePlanRepository(session).versions(plan.service_id, plan.financial_year)
    actions: list[Any] = []
    repository = ActionRepository(session)
    for version in versions:
        cursor: str | None = None
        while True:
            query = ListQuery(filters={"service_plan_id": version.id}, sort="code", cursor=cursor, limit=_PAGE)
            page = await repository.page(actor, query)
            actions += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
    actions.sort(key=lambda action: action.code)
    kpis = await KpiRepository(session).active(actor, KpiFilters(service_id=plan.service_id))
    return Contents(plan, actions, kpis)
