"""Routes for KPI status: one KPI in a period, and the scorecard of many."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.performance.status import schemas, scorecard
from pmf_api.performance.status import service as status_service
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.paging import next_page_link
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Status"])

_RULES = (
    "Only validated and published values count; the period's submission is reported whatever its state, "
    "with the sense-check flags of its latest save. RAG, YTD, direction of travel, forecast, SPC and "
    "escalation follow docs/rules.md. `value_state` says whether the value is counted, awaiting validation "
    "(not rated yet), missing or not yet due; `completeness.due_on` is the collection due date and "
    "`completeness.missing_from` the day from which a value not submitted counts as Missing. `display` "
    "gives the figures at the KPI's decimal places, as the RAG compared them."
)


@router.get(
    "/kpis/{id}/status",
    summary="A KPI's status in a period",
    response_model=schemas.KpiStatusItem,
    responses=responses(401, 403, 404, 409, 422),
    description=_RULES,
)
async def get_kpi_status(
    id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.StatusParams, Query()],
    today: AsOf,
) -> schemas.KpiStatusItem:
    status = await status_service.kpi_status(session, actor, id, params.period, as_of=today)
    return schemas.status_item(status)


@router.get(
    "/scorecard",
    summary="The status of many KPIs in a period (the monthly dashboard)",
    response_model=scorecard.ScorecardPage,
    responses=responses(401, 403, 422),
    description=(
        "Every KPI that passes the filters, ordered by code, a page at a time (`limit`, default 50, at most "
        "500; follow `next_cursor` or the `Link` header). With `period=2025/26 P6`, monthly KPIs report "
        "P6, quarterly KPIs the quarter containing it (Q2) and annual KPIs the year; without it, each KPI "
        "reports its latest period that has ended. " + _RULES
    ),
)
async def get_scorecard(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[scorecard.ScorecardParams, Query()],
    today: AsOf,
) -> Response:
    result = await status_service.scorecard(session, actor, params.filters(), params.period, as_of=today)
    page = scorecard.scorecard_page(result, params.cursor, params.limit)
    # Items are built (and validated) once and reused while their inputs stay the same: sent as
    # they are rather than validated again against the response model.
    response = Response(page.model_dump_json(), media_type="application/json")
    if page.next_cursor:
        response.headers["Link"] = next_page_link(request, page.next_cursor)
    return response
