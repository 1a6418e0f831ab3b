"""Routes for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.access.record_routes import add_crud_routes
from pmf_api.domain.workflow import SERVICE_PLAN_MACHINE
from pmf_api.framework.plans import schemas
from pmf_api.framework.plans import service as plan_service
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, list_query, page_response
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
    create=plan_service.create_service_plan,
    update=plan_service.update_service_plan,
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


@service_plans.get(
    "/service-plans/{id}/reviews",
    summary="A service plan's review history",
    response_model=PageOf[schemas.ServicePlanReview],
    responses=responses(401, 403, 404, 422),
    description="Every step of the plan's review (seed 001, Appendix D.1): submission, the quality review, "
    "the strategic review and publication, with who decided what, when and why; oldest first.",
)
async def list_service_plan_reviews(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.ServicePlanReviewList, Query()],
) -> PageOf[schemas.ServicePlanReview]:
    page = await plan_service.list_reviews(session, actor, id, list_query(params))
    return page_response(request, response, page, schemas.ServicePlanReview.model_validate)


@service_plans.post(
    "/service-plans/{id}/versions",
    summary="Start a new version of an approved service plan",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ServicePlan,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="An approved (or published) plan is frozen. This starts a draft copy of it, numbered next, to "
    "change and take through the reviews again; the approved one stays in force until the new one is approved, "
    "and then becomes `superseded`. Refused (409) when the plan is not the version in force, or while another "
    "version of the year is being written or reviewed.",
)
async def create_service_plan_version(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.ServicePlan:
    draft = await plan_service.new_version(session, actor, id, expected_version(if_match, id))
    with_etag(response, draft)
    response.headers["Location"] = str(request.url_for("get_service_plan", id=draft.id))
    return schemas.ServicePlan.model_validate(draft)


@service_plans.post(
    "/service-plans/{id}/next-year",
    summary="Start next year's service plan from this one",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ServicePlan,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
    description="A draft plan for the service's next financial year, its sections copied from this plan "
    "(seed 001, Appendix D.2: pre-filled from the previous year's plan, to review and update); the reviews are "
    "not copied. Refused (409) when the service has a plan for that year already.",
)
async def create_next_year_service_plan(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> schemas.ServicePlan:
    draft = await plan_service.next_year(session, actor, id)
    with_etag(response, draft)
    response.headers["Location"] = str(request.url_for("get_service_plan", id=draft.id))
    return schemas.ServicePlan.model_validate(draft)


routers = (corporate_plan, service_plans)
