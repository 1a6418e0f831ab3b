"""Routes for individual objectives: the standard record routes, and their reviews."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.access.record_routes import add_crud_routes
from pmf_api.framework.objectives import schemas
from pmf_api.framework.objectives import service as objective_service
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Objectives"])
add_crud_routes(
    router,
    spec=objective_service.objectives,
    path="/objectives",
    read_model=schemas.Objective,
    create_model=schemas.ObjectiveCreate,
    update_model=schemas.ObjectiveUpdate,
    list_params=schemas.ObjectiveList,
    create=objective_service.create_objective,
    update=objective_service.update_objective,
)


@router.post(
    "/objectives/{id}/reviews",
    summary="Record an objective's mid-year or year-end review",
    response_model=schemas.Objective,
    responses=responses(400, 401, 403, 404, 412, 413, 422),
    description=(
        "By the line manager or the performance team: how the objective stands (`on_track`, `at_risk`, "
        "`achieved`, `not_achieved`, or `not_due`), a comment and the date (not after today). The reviewer is "
        "you. Anyone who may not read the objective gets 404."
    ),
)
async def review_objective(
    id: uuid.UUID,
    body: schemas.ObjectiveReview,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> schemas.Objective:
    objective = await objective_service.review_objective(
        session, actor, id, body.model_dump(), expected_version(if_match, id), as_of=today
    )
    with_etag(response, objective)
    return schemas.Objective.model_validate(objective)
