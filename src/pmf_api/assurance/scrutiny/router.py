"""Routes of scrutiny challenges: raise, read and list them; answer a question; accept or follow up
an answer (seeds 000 and 001, Overview and Scrutiny Panels)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.assurance.scrutiny import reading, schemas
from pmf_api.assurance.scrutiny import service as scrutiny_service
from pmf_api.domain.scrutiny import QUESTION_MACHINE
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, link_next_page
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Scrutiny"])

Challenge = schemas.ScrutinyChallenge
WORKFLOW = (
    "A question's moves, and who may make each (the owner of the item is the officer it is assigned to):\n\n"
    + QUESTION_MACHINE.describe()
    + "\n\nFour-eyes: whoever answered does not accept or follow up their own answer (403, type `four-eyes`), "
    "unless the organisation relaxes it. A move the question's state does not allow (answering an accepted "
    "question) is 409. `If-Match` takes the challenge's ETag: its version moves with its questions."
)


@router.get(
    "/scrutiny-challenges",
    summary="List scrutiny challenges",
    response_model=PageOf[Challenge],
    responses=responses(401, 403, 422),
    description="Filters: state, kind, subject (`subject_type`, `subject_id`), panel, the days raised "
    "(`raised_from`, `raised_to`, or `financial_year` with `quarter`), the officer a question is assigned to "
    "(`assigned_to_id`) and `overdue` (judged on `as_of`, default today). Newest first by default.",
)
async def list_scrutiny_challenges(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.ChallengeList, Query()],
    today: AsOf,
) -> PageOf[Challenge]:
    page = await reading.list_challenges(
        session,
        actor,
        params.filters(),
        as_of=params.as_of or today,
        sort=params.sort,
        cursor=params.cursor,
        limit=params.limit,
    )
    link_next_page(request, response, page.next_cursor)
    return PageOf[Challenge](items=[schemas.challenge_out(view) for view in page.items], next_cursor=page.next_cursor)


@router.post(
    "/scrutiny-challenges",
    summary="Raise a scrutiny challenge",
    status_code=status.HTTP_201_CREATED,
    response_model=Challenge,
    responses=responses(400, 401, 403, 404, 413, 422),
    description="A panel's challenge on a KPI, an action or a risk of this council (422 at `#/subject_id` "
    "otherwise) or a quarterly report (`report_financial_year`, `report_quarter`), with its questions, each "
    "assigned to an officer and due not before the day raised. Needs the viewer (a scrutiny member) or "
    "performance role.",
)
async def raise_scrutiny_challenge(
    body: schemas.ChallengeRaise,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
) -> Challenge:
    view = await scrutiny_service.raise_challenge(session, actor, body.model_dump(), as_of=today)
    with_etag(response, view.record)
    response.headers["Location"] = str(request.url_for("get_scrutiny_challenge", id=view.record.id))
    return schemas.challenge_out(view)


@router.get(
    "/scrutiny-challenges/{id}",
    summary="Read a scrutiny challenge with its questions",
    name="get_scrutiny_challenge",
    response_model=Challenge,
    responses=responses(401, 403, 404),
)
async def get_scrutiny_challenge(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor, today: AsOf
) -> Challenge:
    view = await reading.load_challenge(session, actor, id, as_of=today)
    with_etag(response, view.record)
    return schemas.challenge_out(view)


@router.post(
    "/scrutiny-challenges/{id}/questions/{question_id}/answer",
    summary="Answer a scrutiny question",
    response_model=Challenge,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="By the officer it is assigned to (the token's person), and nobody else: the performance team "
    "reassigns a question rather than answer it.\n\n" + WORKFLOW,
)
async def answer_scrutiny_question(
    id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.AnswerGive,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Challenge:
    view = await scrutiny_service.answer_question(
        session, actor, id, question_id, body.answer, expected_version(if_match, id), as_of=today
    )
    with_etag(response, view.record)
    return schemas.challenge_out(view)


@router.post(
    "/scrutiny-challenges/{id}/questions/{question_id}/accept",
    summary="Accept the answer to a scrutiny question",
    response_model=Challenge,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="By the panel side: a scrutiny member (viewer) or the performance team.\n\n" + WORKFLOW,
)
async def accept_scrutiny_answer(
    id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.AnswerAccept,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Challenge:
    view = await scrutiny_service.accept_answer(
        session, actor, id, question_id, body.comment, expected_version(if_match, id), as_of=today
    )
    with_etag(response, view.record)
    return schemas.challenge_out(view)


@router.post(
    "/scrutiny-challenges/{id}/questions/{question_id}/follow-up",
    summary="Follow up the answer to a scrutiny question with a new question",
    response_model=Challenge,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="The answered question becomes `followed_up` and a new open question follows it (`follows_id`), "
    "assigned to the same officer unless said, due not before today.\n\n" + WORKFLOW,
)
async def follow_up_scrutiny_answer(
    id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.AnswerFollowUp,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Challenge:
    view = await scrutiny_service.follow_up_answer(
        session, actor, id, question_id, body.model_dump(), expected_version(if_match, id), as_of=today
    )
    with_etag(response, view.record)
    return schemas.challenge_out(view)


@router.post(
    "/scrutiny-challenges/{id}/questions/{question_id}/reassign",
    summary="Give an open scrutiny question to another officer, or a new due date",
    response_model=Challenge,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="By the performance team, while the question is open (409 otherwise); the new due date is not "
    "before today. The reason goes to the audit trail.",
)
async def reassign_scrutiny_question(
    id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.QuestionReassign,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Challenge:
    view = await scrutiny_service.reassign_question(
        session, actor, id, question_id, body.model_dump(), expected_version(if_match, id), as_of=today
    )
    with_etag(response, view.record)
    return schemas.challenge_out(view)


@router.post(
    "/scrutiny-challenges/{id}/questions",
    summary="Ask another question in a task-and-finish review",
    response_model=Challenge,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="A `task_and_finish` review asks more questions as it goes (a `question` challenge does not: "
    "409; follow up its answer instead). Due not before today. Needs the viewer or performance role.",
)
async def ask_scrutiny_question(
    id: uuid.UUID,
    body: schemas.QuestionAsk,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Challenge:
    view = await scrutiny_service.add_question(
        session, actor, id, body.model_dump(), expected_version(if_match, id), as_of=today
    )
    with_etag(response, view.record)
    return schemas.challenge_out(view)
