"""Routes for targets: set, read, revise mid-year, approve."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from pmf_api.access import records
from pmf_api.access.deps import CurrentActor
from pmf_api.domain.workflow import TARGET_MACHINE
from pmf_api.performance.targets import schemas
from pmf_api.performance.targets import service as target_service
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, PageParams, list_query, page_response
from pmf_api.platform.http.problems import responses

# A bound on a revision's number in a path, far above any target's (a few stretches a year), so
# a number no database column holds is a 422, not a database error.
MAX_REVISIONS = 10_000

router = APIRouter(tags=["Targets"])


@router.get(
    "/targets",
    summary="List targets",
    response_model=PageOf[schemas.Target],
    responses=responses(401, 403, 422),
)
async def list_targets(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.TargetList, Query()],
) -> PageOf[schemas.Target]:
    page = await records.list_page(session, actor, target_service.targets, list_query(params))
    return page_response(request, response, page, schemas.Target.model_validate)


@router.post(
    "/targets",
    summary="Set a KPI's target for a financial year",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Target,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "Creates the target in `draft` with its first revision. The intervention level must lie on the "
        "worse side of the target for the KPI's polarity; a percentage target lies within 0-100; a profile "
        "for a cumulative KPI adds up to the annual target."
    ),
)
async def create_target(
    body: schemas.TargetCreate, request: Request, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.Target:
    target = await target_service.create_target(session, actor, body.model_dump())
    with_etag(response, target)
    response.headers["Location"] = str(request.url_for("get_target", id=target.id))
    return schemas.Target.model_validate(target)


@router.get(
    "/targets/{id}",
    summary="Read a target",
    name="get_target",
    response_model=schemas.Target,
    responses=responses(401, 403, 404),
)
async def get_target(id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor) -> schemas.Target:
    target = await records.get(session, actor, target_service.targets, id)
    with_etag(response, target)
    return schemas.Target.model_validate(target)


@router.patch(
    "/targets/{id}",
    summary="Change a target's type",
    response_model=schemas.Target,
    responses=responses(400, 401, 403, 404, 412, 413, 422),
    description="Values change only through a revision (`POST /targets/{id}/revisions`), so history is kept.",
)
async def update_target(
    id: uuid.UUID,
    body: schemas.TargetUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Target:
    target = await target_service.update_target(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, target)
    return schemas.Target.model_validate(target)


@router.get(
    "/targets/{id}/revisions",
    summary="Every revision of a target, oldest first",
    response_model=PageOf[schemas.TargetRevision],
    responses=responses(401, 403, 404, 422),
)
async def list_target_revisions(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.TargetRevision]:
    page = await target_service.list_revisions(session, actor, id, cursor=params.cursor, limit=params.limit)
    return page_response(request, response, page, schemas.TargetRevision.model_validate)


@router.post(
    "/targets/{id}/revisions",
    summary="Revise a target from a period onwards (e.g. a mid-year stretch)",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Target,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "A revision of an approved target is **proposed**: the target keeps its values, shows the revision "
        "as `pending_revision`, and the revision applies from `effective_from` only once someone other "
        "than its proposer approves it (`POST /targets/{id}/revisions/{number}/transition`); another "
        "revision waits until then (409). A revision of a target not yet approved applies at once, as part "
        "of what will be approved. Earlier revisions are kept: each period is judged against the one in force."
    ),
)
async def revise_target(
    id: uuid.UUID,
    body: schemas.TargetRevise,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Target:
    target = await target_service.revise_target(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, target)
    return schemas.Target.model_validate(target)


@router.post(
    "/targets/{id}/transition",
    summary="Propose, approve or send back a target",
    response_model=schemas.Target,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "The moves, and who may make each (roles count where their scope reaches the target's KPI; "
        "targets are approved before they count, seed 001, C.1):\n\n"
        + TARGET_MACHINE.describe()
        + "\n\nFour-eyes: whoever proposed it (`proposed_by`) does not approve it (403, type `four-eyes`), "
        "unless the organisation relaxes it, when the audit entry says so."
    ),
)
async def transition_target(
    id: uuid.UUID,
    body: schemas.TargetTransition,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Target:
    target = await target_service.transition_target(
        session, actor, id, body.to, expected_version(if_match, id), comment=body.comment
    )
    with_etag(response, target)
    return schemas.Target.model_validate(target)


@router.post(
    "/targets/{id}/revisions/{number}/transition",
    summary="Approve or refuse a proposed revision of a target",
    response_model=schemas.Target,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "Who may: whoever may approve a proposed target (the director or portfolio holder over its KPI), "
        "never the revision's proposer (403, type `four-eyes`, unless the organisation relaxes it); "
        "refusing also by whoever may send a proposed target back, with a `comment`. Approved, its values "
        "become the target's from its `effective_from`; refused, nothing applies. `If-Match` takes the "
        "target's ETag."
    ),
)
async def transition_target_revision(
    id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=MAX_REVISIONS, description="The revision's number (1 is the target as set)")],
    body: schemas.TargetRevisionTransition,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Target:
    target = await target_service.transition_revision(
        session, actor, id, number, body.to, expected_version(if_match, id), comment=body.comment
    )
    with_etag(response, target)
    return schemas.Target.model_validate(target)
