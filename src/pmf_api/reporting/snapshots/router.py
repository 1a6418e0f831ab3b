"""Routes of as-reported snapshots and the report document built from one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.paging import PageOf, page_response
from pmf_api.platform.http.problems import responses
from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.snapshots import schemas
from pmf_api.reporting.snapshots import service as snapshot_service

router = APIRouter(tags=["Reports"])


@router.post(
    "/snapshots",
    summary="Freeze a period as reported",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Snapshot,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "The performance team freezes a quarter (for the Corporate Performance Report) or a month (for the "
        "board pack) once it has ended: everything its reports show is kept, unchanged from then on, so the "
        "same snapshot always gives the same report. A period not yet ended is 422; a period frozen already "
        "is 409. Written in one transaction: a half-made snapshot is never visible."
    ),
)
async def create_snapshot(
    body: schemas.SnapshotCreate, session: SessionDep, actor: CurrentActor, today: AsOf
) -> schemas.Snapshot:
    entity = await snapshot_service.freeze(session, actor, body.period, as_of=today)
    return schemas.Snapshot.model_validate(entity)


@router.get(
    "/snapshots",
    summary="List snapshots, latest period first",
    response_model=PageOf[schemas.SnapshotSummary],
    responses=responses(401, 403, 422),
)
async def list_snapshots(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.SnapshotList, Query()],
) -> PageOf[schemas.SnapshotSummary]:
    query = ListQuery(filters={"frequency": params.frequency}, cursor=params.cursor, limit=params.limit)
    page = await snapshot_service.list_snapshots(session, actor, query)
    return page_response(request, response, page, schemas.SnapshotSummary.model_validate)


@router.get(
    "/snapshots/{id}",
    summary="A snapshot with its content",
    response_model=schemas.Snapshot,
    responses=responses(401, 403, 404),
)
async def get_snapshot(id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> schemas.Snapshot:
    return schemas.Snapshot.model_validate(await snapshot_service.get_snapshot(session, actor, id))


@router.get(
    "/snapshots/{id}/report",
    summary="The report document built from a snapshot (JSON)",
    response_model=schemas.ReportJson,
    responses=responses(401, 403, 404, 422),
    description=(
        "The quarterly Corporate Performance Report (from a quarter's snapshot; a month's is 422) or the "
        "board pack (from either), for the whole council or filtered to a directorate (clinic pack) or a "
        "portfolio. The same snapshot and filter always give the same document: every other format of the "
        "report is rendered from it."
    ),
)
async def get_snapshot_report(
    id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.ReportParams, Query()],
) -> ReportDocument:
    request = snapshot_service.ReportRequest(params.kind, params.directorate_id, params.portfolio_id)
    return await snapshot_service.report(session, actor, id, request)
