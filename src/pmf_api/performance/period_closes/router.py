"""Routes of period close and the restatement log (issue 13, item 2)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.performance.period_closes import schemas
from pmf_api.performance.period_closes import service as close_service
from pmf_api.performance.period_closes.models import PeriodClose, Restatement
from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, PageParams, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Period close"])


def _close_out(close: PeriodClose) -> schemas.PeriodClose:
    return schemas.PeriodClose.model_validate(close)


@router.post(
    "/period-closes",
    summary="Close a period: lock its values",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PeriodClose,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "The performance team closes a period that has ended (422 at `#/period` otherwise). Closing a quarter "
        "locks its months' values too (a monthly KPI's P4-P6 and a quarterly KPI's Q2 lie within 2026/27 Q2); "
        "closing a month locks that month. While closed, a change to a value within it is refused (409, type "
        "`period-closed`) except by the performance team, and a published value changes only through a "
        "revision with a reason; what is republished is listed in `GET /restatements`.\n\n"
        "Values of the period not yet validated (not entered, draft, submitted, queried or resubmitted) refuse "
        "the close (422, each listed in `errors` at `#/reason`) unless a `reason` is given: then the close is "
        "made and lists them in `unvalidated_at_close`. A period lying within one closed already is 409."
    ),
)
async def close_period(
    body: schemas.PeriodCloseCreate, response: Response, session: SessionDep, actor: CurrentActor, today: AsOf
) -> schemas.PeriodClose:
    close = await close_service.close_period(session, actor, body.model_dump(), as_of=today)
    with_etag(response, close)
    return _close_out(close)


@router.get(
    "/period-closes",
    summary="Closes of periods, the latest first (reopened ones with their history)",
    response_model=PageOf[schemas.PeriodClose],
    responses=responses(401, 403, 422),
)
async def list_period_closes(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.PeriodClose]:
    closes = await close_service.list_closes(session, actor)
    page = page_of_list(
        closes,
        lambda c: f"{9_999_999_999 - int(c.closed_at.timestamp()):010d} {c.id}",
        order="closed_at_desc",
        cursor=params.cursor,
        limit=params.limit,
    )
    return page_response(request, response, page, _close_out)


@router.get(
    "/period-closes/{id}",
    summary="Read a period's close",
    response_model=schemas.PeriodClose,
    responses=responses(401, 403, 404),
)
async def get_period_close(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.PeriodClose:
    close = await close_service.get_close(session, actor, id)
    with_etag(response, close)
    return _close_out(close)


@router.post(
    "/period-closes/{id}/reopen",
    summary="Reopen a closed period, with a reason",
    response_model=schemas.PeriodClose,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "The performance team reopens a closed period, saying why (audited): its values are unlocked. The "
        "close keeps who closed and who reopened it; closing the period again makes a new close. A close "
        "reopened already is 409."
    ),
)
async def reopen_period_close(
    id: uuid.UUID,
    body: schemas.PeriodCloseReopen,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.PeriodClose:
    close = await close_service.reopen(session, actor, id, body.reason, expected_version=expected_version(if_match, id))
    with_etag(response, close)
    return _close_out(close)


@router.get(
    "/restatements",
    summary="The restatement log: values of closed periods published after the close, oldest first",
    response_model=PageOf[schemas.Restatement],
    responses=responses(401, 403, 422),
    description=(
        'Each row says what was reported and when, what it was restated as and when, and why ("reported '
        '45.2% on 15 July; restated 44.1% on 2 September: source system corrected"). `since` (exclusive) and '
        "`until` (inclusive) bound when it was restated; `kpi_id` picks one KPI."
    ),
)
async def list_restatements(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.RestatementParams, Query()],
) -> PageOf[schemas.Restatement]:
    found = await close_service.list_restatements(
        session, actor, since=params.since, until=params.until, kpi_id=params.kpi_id
    )
    page = page_of_list(
        found,
        lambda r: f"{r.restated_at.isoformat()} {r.id}",
        order="restated_at",
        cursor=params.cursor,
        limit=params.limit,
    )

    def out(row: Restatement) -> schemas.Restatement:
        return schemas.Restatement.model_validate(row)

    return page_response(request, response, page, out)
