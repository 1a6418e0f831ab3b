"""Use cases for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain import workflow
from pmf_api.framework.organisations.models import Service
from pmf_api.framework.organisations.repository import placement_from
from pmf_api.framework.plans.models import CorporatePlan, Outcome, Priority, ServicePlan
from pmf_api.platform import audit
from pmf_api.platform.errors import invalid

# A corporate plan usually runs four or five years; ten is a generous ceiling that still catches typos.
MAX_PLAN_SPAN_YEARS = 10


async def _check_plan_years(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    start, end = values["start_year"], values["end_year"]
    if end < start:
        raise invalid("end_year", f"The plan ends ({end}) before it starts ({start})")
    if end - start > MAX_PLAN_SPAN_YEARS:
        raise invalid(
            "end_year",
            f"A corporate plan spans at most {MAX_PLAN_SPAN_YEARS} years; this one spans {end - start}",
        )


def _outcomes_of_plan(corporate_plan_id: Any) -> ColumnElement[bool]:
    return Outcome.priority_id.in_(select(Priority.id).where(Priority.corporate_plan_id == corporate_plan_id))


def _plans_of_directorate(directorate_id: Any) -> ColumnElement[bool]:
    return ServicePlan.service_id.in_(select(Service.id).where(Service.directorate_id == directorate_id))


corporate_plans = records.EntitySpec(
    model=CorporatePlan,
    what="corporate plan",
    resource=Resource.corporate_plan,
    sortable={
        "start_year": CorporatePlan.start_year,
        "title": CorporatePlan.title,
        "updated_at": CorporatePlan.updated_at,
    },
    default_sort="-start_year",
    check=_check_plan_years,
)

priorities = records.EntitySpec(
    model=Priority,
    what="priority",
    resource=Resource.corporate_plan,
    sortable={
        "position": Priority.position,
        "code": Priority.code,
        "title": Priority.title,
        "updated_at": Priority.updated_at,
    },
    default_sort="position",
    references=(records.Reference("corporate_plan_id", CorporatePlan, "corporate plan"),),
)

outcomes = records.EntitySpec(
    model=Outcome,
    what="outcome",
    resource=Resource.corporate_plan,
    sortable={"code": Outcome.code, "title": Outcome.title, "updated_at": Outcome.updated_at},
    default_sort="code",
    references=(records.Reference("priority_id", Priority, "priority"),),
    filters={"corporate_plan_id": _outcomes_of_plan},
)

service_plans = records.EntitySpec(
    model=ServicePlan,
    what="service plan",
    resource=Resource.service_plan,
    sortable={"financial_year": ServicePlan.financial_year, "updated_at": ServicePlan.updated_at},
    default_sort="-financial_year",
    references=(records.Reference("service_id", Service, "service"),),
    placement=placement_from,
    filters={"directorate_id": _plans_of_directorate},
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
