"""Routes for budget monitoring, complaints counts and the joint finance and performance view."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.access.policy import Resource, require_write
from pmf_api.performance.bulk.router import import_request_body, read_pushed
from pmf_api.performance.finance import importing, schemas
from pmf_api.performance.finance import service as finance_service
from pmf_api.platform.http.deps import AsOf, SessionDep, SettingsDep
from pmf_api.platform.http.paging import PageOf, list_query, page_response
from pmf_api.platform.http.problems import responses, rows_rejected_response
from pmf_api.platform.schemas import PeriodText

router = APIRouter(tags=["Finance"])


def _budget_out(view: finance_service.BudgetView) -> schemas.BudgetMonitoring:
    row, variance = view.row, view.variance
    return schemas.BudgetMonitoring(
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        service_id=row.service_id,
        period=row.period,
        budget=variance.budget,
        actual_to_date=variance.actual_to_date,
        forecast_outturn=variance.forecast_outturn,
        variance=variance.variance,
        variance_percent=variance.variance_percent,
        variance_rag=variance.rag,
        variance_rag_text=variance.rag_text,
        note=row.note,
    )


@router.post(
    "/budget-monitoring",
    summary="Record a service's budget monitoring for a month",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.BudgetMonitoring,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "A service's annual budget, actual to date and forecast outturn at the end of a month that has ended "
        "(seed 003: the Joint Finance and Performance Report). The answer carries the variance (forecast outturn "
        "less budget: an overspend is positive), its percentage of the budget and its RAG against the council's "
        "`settings.finance` thresholds (an underspend is green). A month that has monitoring for the service "
        "already is 409: import the finance system's figures (`POST /budget-monitoring/import`) to replace it."
    ),
)
async def create_budget_monitoring(
    body: schemas.BudgetMonitoringCreate, session: SessionDep, actor: CurrentActor, today: AsOf
) -> schemas.BudgetMonitoring:
    view = await finance_service.add_budget_monitoring(session, actor, body.model_dump(), as_of=today)
    return _budget_out(view)


@router.get(
    "/budget-monitoring",
    summary="List budget monitoring, with each row's variance and RAG",
    response_model=PageOf[schemas.BudgetMonitoring],
    responses=responses(401, 403, 422),
)
async def list_budget_monitoring(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.BudgetMonitoringList, Query()],
) -> PageOf[schemas.BudgetMonitoring]:
    page = await finance_service.list_budget_monitoring(session, actor, list_query(params))
    return page_response(request, response, page, _budget_out)


async def imported_rows(request: Request, actor: CurrentActor, settings: SettingsDep) -> list[Any]:
    """The import's rows, read and checked before the request's transaction begins (as a bulk push's)."""
    require_write(actor, Resource.finance)
    return await read_pushed(request, settings, importing.read_rows)


_REQUEST_BODY = import_request_body(
    (
        "JSON as below; or CSV (UTF-8, a header row: service_code (or service_id), period, budget, "
        "actual_to_date, forecast_outturn and optionally note) or tab-separated text; or an XLSX workbook "
        "(first sheet, header in row 1), as the body or as a multipart `file` field, as the finance system "
        "exports it. Service codes match in any case; `period` is a month that has ended (2026/27 P6); "
        "amounts are pounds to the penny."
    ),
    schemas.BudgetImportRequest,
    "service_code,period,budget,actual_to_date,forecast_outturn,note\n"
    "WASTE,2026/27 P6,1250000,640210.55,1301000,Agency staff\n",
)


@router.post(
    "/budget-monitoring/import",
    summary="Import budget monitoring from the finance system (JSON, CSV or XLSX)",
    response_model=schemas.BudgetImportResult,
    responses=responses(400, 401, 403, 413, 422),
    openapi_extra=_REQUEST_BODY,
    description=(
        "Each row is checked like a single one and reported as `created`, `updated` (the service had monitoring "
        "for the month: replaced, audited), `unchanged` or `rejected`, with `errors` as `{pointer, detail}` at "
        "`#/rows/{i}/{column}`: an unknown service, a negative budget, a period that is not a month that has "
        "ended, an amount that is not a number, the same service and month twice. A rejected row writes nothing; "
        "the answer is 200 even when rows are rejected. `dry_run=true` checks and reports without writing. "
        "`atomic=true` writes nothing if any row is rejected: 422 with the report in the problem's `rows`."
    ),
)
async def import_budget_monitoring(
    request: Request,
    actor: CurrentActor,
    rows: Annotated[list[Any], Depends(imported_rows)],  # before the session: read before the transaction
    session: SessionDep,
    today: AsOf,
    dry_run: Annotated[bool, Query(description="Check and report, write nothing")] = False,
    atomic: Annotated[bool, Query(description="All rows or none")] = False,
) -> Response:
    body, refused = await importing.import_budget_monitoring(
        session, actor, rows, dry_run=dry_run, atomic=atomic, as_of=today
    )
    if not refused:
        return JSONResponse(body)
    rejected = body["summary"]["rejected"]
    detail = f"{rejected} of {len(body['rows'])} rows were rejected, so in atomic mode nothing was written"
    return rows_rejected_response(request, detail, body)


@router.post(
    "/complaints",
    summary="Record a service's complaints for a quarter",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ComplaintCount,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "Complaints received, upheld (at most those received) and answered in time in a quarter that has ended "
        "(seed 003: complaints data is reported quarterly in the Joint Finance and Performance Report). A quarter "
        "counted already for the service is 409."
    ),
)
async def create_complaints(
    body: schemas.ComplaintCountCreate, session: SessionDep, actor: CurrentActor, today: AsOf
) -> schemas.ComplaintCount:
    row = await finance_service.add_complaints(session, actor, body.model_dump(), as_of=today)
    return schemas.ComplaintCount.model_validate(row)


async def imported_complaint_rows(request: Request, actor: CurrentActor, settings: SettingsDep) -> list[Any]:
    """A complaints import's rows, read before the request's transaction begins."""
    require_write(actor, Resource.finance)
    return await read_pushed(request, settings, importing.read_complaint_rows)


_COMPLAINTS_BODY = import_request_body(
    (
        "JSON as below; or CSV (a header row: service_code (or service_id), period, received, upheld and "
        "optionally responded_in_time) or tab-separated text; or an XLSX workbook, as the body or as a "
        "multipart `file` field. `period` is a quarter that has ended (2026/27 Q2)."
    ),
    schemas.ComplaintImportRequest,
    "service_code,period,received,upheld,responded_in_time\nWASTE,2026/27 Q2,37,8,35\n",
)


@router.post(
    "/complaints/import",
    summary="Import complaints counts (JSON, CSV or XLSX)",
    response_model=schemas.ComplaintImportResult,
    responses=responses(400, 401, 403, 413, 422),
    openapi_extra=_COMPLAINTS_BODY,
    description=(
        "As the budget monitoring import: each row `created`, `updated` (the quarter was counted: replaced, "
        "audited), `unchanged` or `rejected` with errors at `#/rows/{i}/{column}` (an unknown service, more upheld "
        "than received, a period that is not a quarter that has ended); `dry_run` and `atomic` as there."
    ),
)
async def import_complaints(
    request: Request,
    actor: CurrentActor,
    rows: Annotated[list[Any], Depends(imported_complaint_rows)],  # before the session
    session: SessionDep,
    today: AsOf,
    dry_run: Annotated[bool, Query(description="Check and report, write nothing")] = False,
    atomic: Annotated[bool, Query(description="All rows or none")] = False,
) -> Response:
    body, refused = await importing.import_complaints(session, actor, rows, dry_run=dry_run, atomic=atomic, as_of=today)
    if not refused:
        return JSONResponse(body)
    rejected = body["summary"]["rejected"]
    detail = f"{rejected} of {len(body['rows'])} rows were rejected, so in atomic mode nothing was written"
    return rows_rejected_response(request, detail, body)


@router.get(
    "/complaints",
    summary="List complaints counts per service and quarter",
    response_model=PageOf[schemas.ComplaintCount],
    responses=responses(401, 403, 422),
)
async def list_complaints(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.ComplaintCountList, Query()],
) -> PageOf[schemas.ComplaintCount]:
    page = await finance_service.list_complaints(session, actor, list_query(params))
    return page_response(request, response, page, schemas.ComplaintCount.model_validate)


def _counts(counts: finance_service.KpiCounts) -> schemas.KpiRagCounts:
    return schemas.KpiRagCounts(
        green=counts.green, amber=counts.amber, red=counts.red, missing=counts.missing, not_rated=counts.not_rated
    )


def _joint_row(row: finance_service.JointRow) -> schemas.JointRow:
    variance = row.variance
    return schemas.JointRow(
        label=row.label,
        service_id=row.service_id,
        directorate_id=row.directorate_id,
        budget=None if variance is None else variance.budget,
        actual_to_date=None if variance is None else variance.actual_to_date,
        forecast_outturn=None if variance is None else variance.forecast_outturn,
        variance=None if variance is None else variance.variance,
        variance_percent=None if variance is None else variance.variance_percent,
        variance_rag=row.variance_rag,
        variance_rag_text=row.variance_rag_text,
        complaints=row.complaints,
        complaints_upheld=row.complaints_upheld,
        kpis=_counts(row.kpis),
    )


@router.get(
    "/finance-and-performance",
    summary="The joint finance and performance view of a period: per service, per directorate, the council",
    response_model=schemas.JointView,
    responses=responses(401, 403, 404, 422),
    description=(
        "Seed 003's Joint Finance and Performance Report: for each service, its budget monitoring (a quarter "
        "shows its last month's: P6 for Q2), variance and variance RAG (in words too), its complaints in the "
        "quarter and its KPIs counted by RAG as the scorecard rates them for the period; each directorate's "
        "totals and the council's (or, with `directorate_id`, one directorate's: a clinic pack). The period "
        "must have ended."
    ),
)
async def get_joint_view(
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    period: Annotated[
        PeriodText, Query(description="A month, quarter or year that has ended", examples=["2026/27 Q2"])
    ],
    directorate_id: Annotated[uuid.UUID | None, Query()] = None,
) -> schemas.JointView:
    view = await finance_service.joint_view(session, actor, period, directorate_id, as_of=today)
    assert view.council is not None
    return schemas.JointView(
        period=str(view.period),
        monitoring_period=str(view.monitoring_period),
        complaints_period=None if view.complaints_period is None else str(view.complaints_period),
        thresholds=schemas.FinanceThresholds(
            amber_from_percent=view.config.amber_from_percent, red_from_percent=view.config.red_from_percent
        ),
        services=[_joint_row(row) for row in view.services],
        directorates=[_joint_row(row) for row in view.directorates],
        council=_joint_row(view.council),
    )
