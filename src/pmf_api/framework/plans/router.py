"""Routes for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.access.record_routes import add_crud_routes
from pmf_api.domain.workflow import SERVICE_PLAN_MACHINE
from pmf_api.framework.plans import schemas
from pmf_api.framework.plans import service as plan_service
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.problems import responses

corporate_plan = APIRouter(tags=["Corporate Plan"])
add_crud_routes(
    corporate_plan,
    spec=plan_service.corporate_plans,
    path="/corporate-plans",
    read_model=schemas.CorporatePlan,
    create_model=schemas.CorporatePlanCreate,
    update_model=schemas.CorporatePlanUpdate,
    list_params=schemas.CorporatePlanList,
    fast_read=True,
)
add_crud_routes(
    corporate_plan,
    spec=plan_service.priorities,
    path="/priorities",
    read_model=schemas.Priority,
    create_model=schemas.PriorityCreate,
    update_model=schemas.PriorityUpdate,
    list_params=schemas.PriorityList,
    plural="priorities",
    fast_read=True,
)
add_crud_routes(
    corporate_plan,
    spec=plan_service.outcomes,
    path="/outcomes",
    read_model=schemas.Outcome,
    create_model=schemas.OutcomeCreate,
    update_model=schemas.OutcomeUpdate,
    list_params=schemas.OutcomeList,
    fast_read=True,
)

service_plans = APIRouter(tags=["Service plans"])
add_crud_routes(
    service_plans,
    spec=plan_service.service_plans,
    path="/service-plans",
    read_model=schemas.ServicePlan,
    create_model=schemas.ServicePlanCreate,
    update_model=schemas.ServicePlanUpdate,
    list_params=schemas.ServicePlanList,
    fast_read=True,
)


@service_plans.post(
    "/service-plans/{id}/transition",
    summary="Move a service plan through its workflow",
    response_model=schemas.ServicePlan,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "The moves, and who may make each (roles count where their scope reaches the plan's service; "
        "seed 001, Appendix D):\n\n"
        + SERVICE_PLAN_MACHINE.describe()
        + "\n\nA step your roles over this plan do not allow is refused with 403; "
        "one that does not follow from the current state with 409."
    ),
)
async def transition_service_plan(
    id: uuid.UUID,
    body: schemas.ServicePlanTransition,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.ServicePlan:
    plan = await plan_service.transition_service_plan(
        session, actor, id, body.to, body.comment, expected_version(if_match, id)
    )
    with_etag(response, plan)
    return schemas.ServicePlan.model_validate(plan)


routers = (corporate_plan, service_plans)
