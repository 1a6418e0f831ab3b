"""Routes of the collection cycle: enter, submit, query, validate, publish and revise values."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.deps import CurrentActor
from pmf_api.access.record_routes import register_fast_reads
from pmf_api.domain.workflow import SUBMISSION_MACHINE
from pmf_api.performance.submissions import schemas
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.models import Submission
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import NOT_MODIFIED, IfMatch, IfNoneMatch, expected_version, not_modified, with_etag
from pmf_api.platform.http.paging import PageOf, PageParams, list_query, page_response
from pmf_api.platform.http.problems import responses
from pmf_api.platform.schemas import PeriodText

router = APIRouter(tags=["Submissions"])

PeriodPath = Annotated[
    PeriodText,
    Path(
        description="The period, e.g. `2026/27 P6` (monthly), `2026/27 Q2` (quarterly) or `2026/27` (annual); "
        "URL-encode the space as %20",
        examples=["2026/27 P6"],
    ),
]


async def _out(session: SessionDep, actor: Actor, submission: Submission) -> schemas.Submission:
    context = await submission_service.submission_context(session, actor, submission)
    out = schemas.Submission.model_validate(submission)
    out.allowed_transitions = list(await submission_service.allowed_moves(session, actor, context, submission))
    return out


@router.put(
    "/kpis/{kpi_id}/submissions/{period:path}",
    summary="Enter (and optionally submit) a KPI's value for a period",
    response_model=schemas.Submission,
    status_code=status.HTTP_200_OK,
    responses={
        **responses(400, 401, 403, 404, 409, 412, 413, 422),
        201: {"model": schemas.Submission, "description": "Created the submission"},
    },
    description=(
        "Creates the period's submission as a draft, or changes it while it is a draft or queried. "
        "`submit: true` also submits it (or resubmits a queried one). Changing an existing submission "
        "needs `If-Match` with its ETag, so two people saving at once cannot overwrite each other. "
        "Sense-check flags are returned; they never block a submission, except that a value shown Amber or "
        "Red is not submitted without a commentary (`settings.collection.commentary_required`, on by default)."
    ),
)
async def save_submission(
    kpi_id: uuid.UUID,
    period: PeriodPath,
    body: schemas.SubmissionSave,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> schemas.Submission:
    kpi = await submission_service.load_kpi(session, actor, kpi_id)
    data = body.model_dump(exclude={"submit"})
    result = await submission_service.save_values(
        session,
        actor,
        kpi,
        period,
        submission_service.SubmissionValues(**data),
        as_of=today,
        submit=body.submit,
        expected_version=expected_version(if_match),
        require_precondition=True,
    )
    if result.outcome == "created":
        response.status_code = status.HTTP_201_CREATED
    with_etag(response, result.submission)
    return await _out(session, actor, result.submission)


@router.get(
    "/kpis/{kpi_id}/submissions/{period:path}",
    summary="Read a KPI's submission for a period",
    response_model=schemas.Submission,
    responses=responses(401, 403, 404),
)
async def get_kpi_submission(
    kpi_id: uuid.UUID, period: PeriodPath, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.Submission:
    kpi = await submission_service.load_kpi(session, actor, kpi_id)
    submission = await submission_service.find_submission(session, actor, kpi, period)
    with_etag(response, submission)
    return await _out(session, actor, submission)


@router.get(
    "/submissions",
    summary="List submissions",
    response_model=PageOf[schemas.Submission],
    responses=responses(401, 403, 422),
    description="Filter by KPI, period, year, state, service, directorate or owner; newest period first.",
)
async def list_submissions(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.SubmissionList, Query()],
) -> PageOf[schemas.Submission]:
    page = await records.list_page(session, actor, submission_service.submissions, list_query(params))
    return page_response(request, response, page, schemas.Submission.model_validate)


# Lists are read fast (Power BI refreshes them by updated_since); one submission needs its
# allowed transitions, so the full route reads it.
register_fast_reads(
    "/submissions", submission_service.submissions, schemas.Submission, schemas.SubmissionList, one=False
)


@router.get(
    "/submissions/{id}",
    summary="Read a submission",
    name="get_submission",
    response_model=schemas.Submission,
    responses={**responses(401, 403, 404), **NOT_MODIFIED},
)
async def get_submission(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor, if_none_match: IfNoneMatch = None
) -> Any:
    submission = await submission_service.get_submission(session, actor, id)
    if (unchanged := not_modified(response, submission, if_none_match)) is not None:
        return unchanged
    return await _out(session, actor, submission)


@router.post(
    "/submissions/{id}/transition",
    summary="Submit, query, answer, validate or publish a submission",
    response_model=schemas.Submission,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "The moves, and who may make each (the owner of the item is the KPI's owner or backup owner; roles "
        "count where their scope reaches the KPI):\n\n"
        + SUBMISSION_MACHINE.describe()
        + "\n\nA query needs a `message`, which starts or continues the submission's conversation. "
        "403 names who may make the move; 409 says where the submission can go from its current state. "
        "Four-eyes: whoever entered or submitted the value does not validate or publish it (403, type "
        "`four-eyes`), unless the organisation relaxes it (`settings.four_eyes.required: false`), when the "
        "audit entry says so."
    ),
)
async def transition_submission(
    id: uuid.UUID,
    body: schemas.SubmissionTransition,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Submission:
    submission = await submission_service.transition(
        session,
        actor,
        id,
        body.to,
        message=body.message,
        expected_version=expected_version(if_match, id),
        commentary_public=body.commentary_public,
    )
    with_etag(response, submission)
    return await _out(session, actor, submission)


@router.get(
    "/submissions/{id}/messages",
    summary="Read a submission's query thread",
    response_model=PageOf[schemas.Message],
    responses=responses(401, 403, 404, 422),
    description="Oldest first.",
)
async def list_submission_messages(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.Message]:
    page = await submission_service.messages(session, actor, id, cursor=params.cursor, limit=params.limit)
    return page_response(request, response, page, schemas.Message.model_validate)


@router.post(
    "/submissions/{id}/messages",
    summary="Add to a submission's query thread",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Message,
    responses=responses(400, 401, 403, 404, 413, 422),
)
async def add_submission_message(
    id: uuid.UUID, body: schemas.MessageCreate, session: SessionDep, actor: CurrentActor
) -> schemas.Message:
    return schemas.Message.model_validate(await submission_service.add_message(session, actor, id, body.body))


@router.post(
    "/submissions/{id}/revisions",
    summary="Reopen a published value as a new revision",
    response_model=schemas.Submission,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="The published value stays readable under `/publications`; the new revision starts as a draft.",
)
async def revise_submission(
    id: uuid.UUID,
    body: schemas.RevisionCreate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Submission:
    submission = await submission_service.revise(session, actor, id, body.reason, expected_version(if_match, id))
    with_etag(response, submission)
    return await _out(session, actor, submission)


@router.get(
    "/submissions/{id}/publications",
    summary="Every published version of a submission, oldest first",
    response_model=PageOf[schemas.Publication],
    responses=responses(401, 403, 404, 422),
)
async def list_submission_publications(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.Publication]:
    page = await submission_service.published_values(session, actor, id, cursor=params.cursor, limit=params.limit)
    return page_response(request, response, page, schemas.Publication.model_validate)


@router.patch(
    "/submissions/{id}/publications/{revision}",
    summary="Say whether a published commentary is open data",
    response_model=schemas.Publication,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "The performance team only. A commentary is written for colleagues, so a published value goes out "
        "as open data without it unless this (or `commentary_public` when publishing) says otherwise. Audited."
    ),
)
async def update_submission_publication(
    id: uuid.UUID,
    revision: Annotated[int, Path(ge=1, description="The published revision, from `/publications`")],
    body: schemas.PublicationUpdate,
    session: SessionDep,
    actor: CurrentActor,
) -> schemas.Publication:
    published = await submission_service.set_commentary_public(session, actor, id, revision, body.commentary_public)
    return schemas.Publication.model_validate(published)
