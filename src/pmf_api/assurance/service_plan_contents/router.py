"""Route for reading what carries a service plan: its actions, its service's KPIs and its risks."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from pmf_api.access.deps import CurrentActor
from pmf_api.assurance.service_plan_contents import schemas
from pmf_api.assurance.service_plan_contents import service as contents_service
from pmf_api.framework.plans.schemas import ServicePlan
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Service plans"])


@router.get(
    "/service-plans/{id}/contents",
    summary="A service plan with the actions, KPIs and risks that carry it",
    response_model=schemas.ServicePlanContents,
    responses=responses(401, 403, 404),
    description="The plan, the actions that deliver it (those whose `service_plan_id` names it or another "
    "version of the service's plan for the same year, archived ones left out) and the active KPIs of its "
    "service that measure it, and the risks the register links to it (`service_plan_ids`), each by code "
    "(seed 001, Appendix D).",
)
async def get_service_plan_contents(
    id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> schemas.ServicePlanContents:
    found = await contents_service.contents(session, actor, id)
    return schemas.ServicePlanContents(
        plan=ServicePlan.model_validate(found.plan),
        actions=[schemas.PlanAction.model_validate(a) for a in found.actions],
        kpis=[schemas.PlanKpi.model_validate(k) for k in found.kpis],
        risks=[schemas.PlanRisk.model_validate(r) for r in found.risks],
    )
