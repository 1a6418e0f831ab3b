"""Routes for KPI status: one KPI in a period, and the scorecard of many."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.performance.status import schemas
from pmf_api.performance.status import service as status_service
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Status"])

_RULES = (
    "Only validated and published values count; the period's submission is reported whatever its state, "
    "with the sense-check flags of its latest save. RAG, YTD, direction of travel, forecast, SPC and "
    "escalation follow docs/rules.md. A value is due 15 days (configurable) after its period ends."
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
    response_model=schemas.ScorecardOut,
    responses=responses(401, 403, 422),
    description=(
        "Every KPI that passes the filters, ordered by code. With `period=2025/26 P6`, monthly KPIs report "
        "P6, quarterly KPIs the quarter containing it (Q2) and annual KPIs the year; without it, each KPI "
        "reports its latest period that has ended. " + _RULES
    ),
)
async def get_scorecard(
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.ScorecardParams, Query()],
    today: AsOf,
) -> Response:
    result = await status_service.scorecard(session, actor, params.filters(), params.period, as_of=today)
    # Items are built (and validated) once and reused while their inputs stay the same: sent as
    # they are rather than validated again against the response model.
    return Response(schemas.scorecard_out(result).model_dump_json(), media_type="application/json")
