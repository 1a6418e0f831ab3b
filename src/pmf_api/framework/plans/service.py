"""Use cases for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain import workflow
from pmf_api.domain.plans import plan_span_problems
from pmf_api.framework.organisations.repository import ServiceRepository, placement_from
from pmf_api.framework.plans.models import ServicePlan
from pmf_api.framework.plans.repository import (
    CorporatePlanRepository,
    OutcomeRepository,
    PriorityRepository,
    ServicePlanRepository,
)
from pmf_api.platform import audit
from pmf_api.platform.errors import field_problems, refuse


async def _check_plan_years(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    refuse(field_problems(plan_span_problems(values["start_year"], values["end_year"])))


corporate_plans = records.EntitySpec(
    repository=CorporatePlanRepository,
    resource=Resource.corporate_plan,
    check=_check_plan_years,
)

priorities = records.EntitySpec(
    repository=PriorityRepository,
    resource=Resource.corporate_plan,
    references=(records.Reference("corporate_plan_id", CorporatePlanRepository),),
)

outcomes = records.EntitySpec(
    repository=OutcomeRepository,
    resource=Resource.corporate_plan,
    references=(records.Reference("priority_id", PriorityRepository),),
)

service_plans = records.EntitySpec(
    repository=ServicePlanRepository,
    resource=Resource.service_plan,
    references=(records.Reference("service_id", ServiceRepository),),
    placement=placement_from,
)


async def transition_service_plan(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    to: workflow.ServicePlanState,
    comment: str | None,
    expected_version: int | None,
) -> ServicePlan:
    """Move a service plan through draft -> quality review -> strategic review -> approved -> published.

    The actor needs write access over the plan's service; which step they may take is the domain
    state machine's decision, made on the roles they hold *over this plan* (a director of another
    directorate does not approve this one).
    """
    plan = await records.get(session, actor, service_plans, id)
    where = await placement_from(session, records.column_values(plan))
    require_write(actor, Resource.service_plan, where)
    new_state = workflow.service_plan_transition(workflow.ServicePlanState(plan.status), to, actor.roles_over(where))
    await audit.update(
        session, actor, plan, {"status": new_state.value}, expected_version, action="transition", note=comment
    )
    return plan
