"""Routes for the risk register (seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.assurance.risks import schemas
from pmf_api.assurance.risks import service as risk_service
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, list_query, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Risks"])


@router.get(
    "/risks",
    summary="List risks",
    response_model=PageOf[schemas.Risk],
    responses=responses(401, 403, 422),
    description="Both registers, filtered by `register`, place, colour, owner, linked record, or "
    "`review_overdue` (as of today). Filters combine with AND.",
)
async def list_risks(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.RiskList, Query()],
    as_of: AsOf,
) -> PageOf[schemas.Risk]:
    page = await risk_service.list_risks(session, actor, list_query(params), as_of)
    return page_response(request, response, page, schemas.Risk.model_validate)


@router.get(
    "/risks/reviews-overdue",
    summary="List open risks whose review is overdue",
    response_model=PageOf[schemas.Risk],
    responses=responses(401, 403, 422),
    description="Open risks past their next review date as of today, the longest overdue first.",
)
async def list_overdue_risk_reviews(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.OverdueRiskList, Query()],
    as_of: AsOf,
) -> PageOf[schemas.Risk]:
    page = await risk_service.list_overdue_reviews(session, actor, list_query(params), as_of)
    return page_response(request, response, page, schemas.Risk.model_validate)


@router.post(
    "/risks",
    summary="Record a risk",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Risk,
    responses=responses(400, 401, 403, 409, 413, 422),
    description="Scores are checked against the council's matrix (`settings.risk`); every linked record "
    "must be this council's. The first review falls due from `identified_on` by the residual score's colour "
    "(Red 3 months, Amber 6, Green 12; the strategic register every 8 weeks).",
)
async def create_risk(
    body: schemas.RiskCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
) -> schemas.Risk:
    risk = await risk_service.create_risk(session, actor, body.model_dump(), as_of)
    with_etag(response, risk)
    response.headers["Location"] = str(request.url_for("get_risk", id=risk.id))
    return schemas.Risk.model_validate(risk)


@router.get(
    "/risks/{id}",
    summary="Read a risk",
    name="get_risk",
    response_model=schemas.Risk,
    responses=responses(401, 403, 404),
)
async def get_risk(id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor) -> schemas.Risk:
    risk = await risk_service.get_risk(session, actor, id)
    with_etag(response, risk)
    return schemas.Risk.model_validate(risk)


@router.patch(
    "/risks/{id}",
    summary="Change a risk",
    response_model=schemas.Risk,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="Send only the fields to change. The residual score changes by a review, the register by "
    "escalation. Send `If-Match` with the ETag you read to refuse stale writes.",
)
async def update_risk(
    id: uuid.UUID,
    body: schemas.RiskUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Risk:
    risk = await risk_service.update_risk(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, risk)
    return schemas.Risk.model_validate(risk)


@router.post(
    "/risks/{id}/reviews",
    summary="Review a risk",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.RiskReview,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
    description="The review's residual score becomes the risk's, with its trend against the one before; the "
    "next review falls due by the new colour, or in 8 weeks on the strategic register. A review dated after "
    "today, or before the last review, is refused (422 at `reviewed_on`).",
)
async def review_risk(
    id: uuid.UUID,
    body: schemas.RiskReviewCreate,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
) -> schemas.RiskReview:
    reviewed = await risk_service.review_risk(session, actor, id, body.model_dump(), as_of)
    return schemas.RiskReview.model_validate(reviewed.review)


@router.get(
    "/risks/{id}/reviews",
    summary="List a risk's reviews",
    response_model=PageOf[schemas.RiskReview],
    responses=responses(401, 403, 404, 422),
    description="The review history, the latest first.",
)
async def list_risk_reviews(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.RiskReviewList, Query()],
) -> PageOf[schemas.RiskReview]:
    page = await risk_service.list_reviews(session, actor, id, list_query(params))
    return page_response(request, response, page, schemas.RiskReview.model_validate)


@router.post(
    "/risks/{id}/escalate",
    summary="Escalate a risk to the strategic register",
    response_model=schemas.Risk,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="An open operational risk goes onto the strategic register with its history; who escalated "
    "it, when and why are recorded, and its reviews come onto the register's 8-week cycle.",
)
async def escalate_risk(
    id: uuid.UUID,
    body: schemas.RiskEscalation,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
    if_match: IfMatch = None,
) -> schemas.Risk:
    risk = await risk_service.escalate_risk(session, actor, id, body.reason, expected_version(if_match, id), as_of)
    with_etag(response, risk)
    return schemas.Risk.model_validate(risk)
