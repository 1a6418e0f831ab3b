"""Routes for quarterly action updates (seed 001_ec6bae7b38cacc6f.txt, "Corporate Plan Actions")."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.domain.action_updates import ACTION_UPDATE_MACHINE
from pmf_api.framework.action_updates import schemas
from pmf_api.framework.action_updates import service as update_service
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, list_query, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Action updates"])


@router.get(
    "/action-updates",
    summary="List action updates",
    response_model=PageOf[schemas.QuarterlyActionUpdate],
    responses=responses(401, 403, 422),
    description="Filter by `financial_year`, `quarter`, `action_id`, `state`, `flagged` (the RAG contradicts the "
    "update's dates and progress), or the action's `service_id`, `directorate_id` or `outcome_id`.",
)
async def list_action_updates(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.QuarterlyActionUpdateList, Query()],
) -> PageOf[schemas.QuarterlyActionUpdate]:
    page = await update_service.list_updates(session, actor, list_query(params))
    return page_response(request, response, page, schemas.QuarterlyActionUpdate.model_validate)


@router.get(
    "/action-updates/summary",
    summary="Summarise a quarter's action updates",
    response_model=schemas.ActionUpdateSummary,
    responses=responses(401, 403, 422),
    description="Counts by RAG, with Do, Enable and Influence reported apart (seed 000), and how many updates "
    "are flagged, awaiting acceptance, returned or accepted, and how many actions have no update (missing). "
    "Archived actions are not counted.",
)
async def summarise_action_updates(
    session: SessionDep, actor: CurrentActor, params: Annotated[schemas.ActionUpdateSummaryParams, Query()]
) -> schemas.ActionUpdateSummary:
    found = await update_service.summary(
        session,
        actor,
        params.financial_year,
        params.quarter,
        service_id=params.service_id,
        directorate_id=params.directorate_id,
        outcome_id=params.outcome_id,
    )
    return schemas.ActionUpdateSummary.model_validate(found)


@router.post(
    "/action-updates",
    summary="Submit an action's update for a quarter",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.QuarterlyActionUpdate,
    responses=responses(400, 401, 403, 409, 413, 422),
    description="By the action's owner, or someone who may change the action. The quarter must have started "
    "(422 at `quarter`); one update per action per quarter (409). The RAG is checked against the action's "
    "dates and the progress as at the quarter's end (or today): a contradiction is stored as `flagged`, "
    "not refused.",
)
async def create_action_update(
    body: schemas.QuarterlyActionUpdateCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
) -> schemas.QuarterlyActionUpdate:
    update = await update_service.create_update(session, actor, body.model_dump(exclude_unset=True), as_of=as_of)
    with_etag(response, update)
    response.headers["Location"] = str(request.url_for("get_action_update", id=update.id))
    return schemas.QuarterlyActionUpdate.model_validate(update)


@router.get(
    "/action-updates/{id}",
    summary="Read an action update",
    name="get_action_update",
    response_model=schemas.QuarterlyActionUpdate,
    responses=responses(401, 403, 404),
)
async def get_action_update(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.QuarterlyActionUpdate:
    update = await update_service.get_update(session, actor, id)
    with_etag(response, update)
    return schemas.QuarterlyActionUpdate.model_validate(update)


@router.patch(
    "/action-updates/{id}",
    summary="Change an action update",
    response_model=schemas.QuarterlyActionUpdate,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="Until it is accepted (then 409). The RAG check runs again; whoever changes it becomes its "
    "submitter, so they do not accept it.",
)
async def update_action_update(
    id: uuid.UUID,
    body: schemas.QuarterlyActionUpdateChange,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
    if_match: IfMatch = None,
) -> schemas.QuarterlyActionUpdate:
    update = await update_service.change_update(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id), as_of=as_of
    )
    with_etag(response, update)
    return schemas.QuarterlyActionUpdate.model_validate(update)


@router.post(
    "/action-updates/{id}/transition",
    summary="Accept, return or resubmit an action update",
    response_model=schemas.QuarterlyActionUpdate,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="The workflow (seed 001: the performance team checks the comment and the RAG conform, and "
    "contacts whoever has not completed their update adequately):\n\n"
    + ACTION_UPDATE_MACHINE.describe()
    + "\n\nReturning needs a `comment` (422). Whoever submitted the update does not accept it (four-eyes).",
)
async def transition_action_update(
    id: uuid.UUID,
    body: schemas.QuarterlyActionUpdateTransition,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
    if_match: IfMatch = None,
) -> schemas.QuarterlyActionUpdate:
    update = await update_service.move_update(
        session, actor, id, body.to, body.comment, expected_version(if_match, id), as_of=as_of
    )
    with_etag(response, update)
    return schemas.QuarterlyActionUpdate.model_validate(update)


@router.get(
    "/actions/{id}/milestones",
    summary="Read an action's milestones and which are late",
    response_model=schemas.ActionMilestones,
    responses=responses(401, 403, 404),
    description="Each milestone's state, and `late` when it is past its due date and not completed, as of today.",
)
async def get_action_milestones(
    id: uuid.UUID, session: SessionDep, actor: CurrentActor, as_of: AsOf
) -> schemas.ActionMilestones:
    found = await update_service.action_milestones(session, actor, id, as_of=as_of)
    return schemas.ActionMilestones.model_validate(found)
