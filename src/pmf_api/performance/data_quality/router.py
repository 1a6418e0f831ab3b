"""Routes for Data Quality Templates (seed 001, B.2) and data quality reviews (seed 001, B.1; seed 003)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.domain.data_quality import SIGN_OFF_DECLARATION
from pmf_api.performance.data_quality import schemas
from pmf_api.performance.data_quality import service as data_quality_service
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, list_query, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Data quality"])


@router.get(
    "/data-quality-templates",
    summary="List data quality templates (every version)",
    response_model=PageOf[schemas.DataQualityTemplate],
    responses=responses(401, 403, 422),
    description="Filter by `kpi_id` and `financial_year` for a KPI's versions of a year; the one in force is "
    "`signed`, earlier signed ones `superseded`.",
)
async def list_data_quality_templates(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.DataQualityTemplateList, Query()],
) -> PageOf[schemas.DataQualityTemplate]:
    page = await data_quality_service.list_templates(session, actor, list_query(params))
    return page_response(request, response, page, schemas.DataQualityTemplate.model_validate)


@router.get(
    "/data-quality-templates/unsigned",
    summary="List the KPIs without a signed data quality template for a year",
    response_model=PageOf[schemas.UnsignedKpi],
    responses=responses(401, 403, 422),
    description="KPIs (not archived) whose template for `financial_year` is missing or not yet signed, by "
    "code, with the draft being written where there is one.",
)
async def list_unsigned_kpis(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.UnsignedKpiList, Query()],
    as_of: AsOf,
) -> PageOf[schemas.UnsignedKpi]:
    page = await data_quality_service.kpis_without_signed_template(
        session,
        actor,
        params.financial_year,
        as_of=as_of,
        service_id=params.service_id,
        directorate_id=params.directorate_id,
        cursor=params.cursor,
        limit=params.limit,
    )
    return page_response(request, response, page, schemas.UnsignedKpi.model_validate)


@router.post(
    "/data-quality-templates",
    summary="Draft a KPI's data quality template for a financial year",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DataQualityTemplate,
    responses=responses(400, 401, 403, 409, 413, 422),
    description="Version 1 of the year's template, a draft, started from last year's unless "
    "`from_previous_year` is false. A KPI has one template a year (409 if it has one: change the draft, or "
    "make a new version of the signed one).",
)
async def create_data_quality_template(
    body: schemas.DataQualityTemplateCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> schemas.DataQualityTemplate:
    template = await data_quality_service.create_template(session, actor, body.model_dump(exclude_unset=True))
    with_etag(response, template)
    response.headers["Location"] = str(request.url_for("get_data_quality_template", id=template.id))
    return schemas.DataQualityTemplate.model_validate(template)


@router.get(
    "/data-quality-templates/{id}",
    summary="Read a data quality template",
    name="get_data_quality_template",
    response_model=schemas.DataQualityTemplate,
    responses=responses(401, 403, 404),
)
async def get_data_quality_template(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.DataQualityTemplate:
    template = await data_quality_service.get_template(session, actor, id)
    with_etag(response, template)
    return schemas.DataQualityTemplate.model_validate(template)


@router.patch(
    "/data-quality-templates/{id}",
    summary="Change a draft data quality template",
    response_model=schemas.DataQualityTemplate,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="Only a draft changes; a signed template is refused (409): make a new version.",
)
async def update_data_quality_template(
    id: uuid.UUID,
    body: schemas.DataQualityTemplateUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.DataQualityTemplate:
    template = await data_quality_service.update_template(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, template)
    return schemas.DataQualityTemplate.model_validate(template)


@router.post(
    "/data-quality-templates/{id}/sign-off",
    summary="Sign a data quality template off",
    response_model=schemas.DataQualityTemplate,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="The service manager of the KPI's service (the `service_manager` role over it) signs with "
    f"the declaration of seed 001, B.2: '{SIGN_OFF_DECLARATION}' Anyone else is refused (403). Every "
    "question must be answered (422). The version signed before it, if any, becomes `superseded`.",
)
async def sign_data_quality_template(
    id: uuid.UUID,
    body: schemas.DataQualitySignOff,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    as_of: AsOf,
    if_match: IfMatch = None,
) -> schemas.DataQualityTemplate:
    template = await data_quality_service.sign_template(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id), as_of=as_of
    )
    with_etag(response, template)
    return schemas.DataQualityTemplate.model_validate(template)


@router.post(
    "/data-quality-templates/{id}/versions",
    summary="Make a new version of a signed data quality template",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DataQualityTemplate,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="A draft copy of the signed version in force, numbered next, to change and sign again; the "
    "signed one stays in force until then. Refused (409) while a draft of the year exists.",
)
async def create_data_quality_template_version(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.DataQualityTemplate:
    draft = await data_quality_service.new_version(session, actor, id, expected_version(if_match, id))
    with_etag(response, draft)
    response.headers["Location"] = str(request.url_for("get_data_quality_template", id=draft.id))
    return schemas.DataQualityTemplate.model_validate(draft)


@router.get(
    "/data-quality-reviews",
    summary="List data quality reviews",
    response_model=PageOf[schemas.DataQualityReview],
    responses=responses(401, 403, 422),
    description="The organisation's reviews, newest first; filter by `kpi_id` for a KPI's.",
)
async def list_data_quality_reviews(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.DataQualityReviewList, Query()],
) -> PageOf[schemas.DataQualityReview]:
    page = await data_quality_service.list_reviews(session, actor, list_query(params))
    return page_response(request, response, page, schemas.DataQualityReview.model_validate)


@router.post(
    "/data-quality-reviews",
    summary="Record a data quality review of a KPI",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DataQualityReview,
    responses=responses(400, 401, 403, 409, 413, 422),
    description="A review with the service of the KPI's practice against a signed version of its template "
    "(seed 001, B.1), rated good, adequate or poor on the six characteristics of seed 003; by the "
    "performance team.",
)
async def create_data_quality_review(
    body: schemas.DataQualityReviewCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> schemas.DataQualityReview:
    review = await data_quality_service.create_review(session, actor, body.model_dump())
    with_etag(response, review)
    response.headers["Location"] = str(request.url_for("get_data_quality_review", id=review.id))
    return schemas.DataQualityReview.model_validate(review)


@router.get(
    "/data-quality-reviews/{id}",
    summary="Read a data quality review",
    name="get_data_quality_review",
    response_model=schemas.DataQualityReview,
    responses=responses(401, 403, 404),
)
async def get_data_quality_review(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.DataQualityReview:
    review = await data_quality_service.get_review(session, actor, id)
    with_etag(response, review)
    return schemas.DataQualityReview.model_validate(review)


@router.patch(
    "/data-quality-reviews/{id}",
    summary="Change a data quality review (observations, ratings, follow-up actions)",
    response_model=schemas.DataQualityReview,
    responses=responses(400, 401, 403, 404, 412, 413, 422),
)
async def update_data_quality_review(
    id: uuid.UUID,
    body: schemas.DataQualityReviewUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.DataQualityReview:
    review = await data_quality_service.update_review(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, review)
    return schemas.DataQualityReview.model_validate(review)
