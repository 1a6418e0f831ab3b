"""Routes for contextual measures' values: one at a time, in bulk, and with their outcome."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.access.policy import Resource, require_write
from pmf_api.performance.bulk.router import import_request_body, read_pushed
from pmf_api.performance.contextual_values import importing, schemas
from pmf_api.performance.contextual_values import service as value_service
from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.http.deps import AsOf, SessionDep, SettingsDep
from pmf_api.platform.http.paging import PageOf, PageParams, page_response
from pmf_api.platform.http.problems import responses, rows_rejected_response

router = APIRouter(tags=["Contextual measures"])


def _value_out(view: value_service.ValueView) -> schemas.ContextualValue:
    value = view.value
    return schemas.ContextualValue(
        id=value.id,
        created_at=value.created_at,
        updated_at=value.updated_at,
        version=value.version,
        measure_id=value.measure_id,
        period=value.period,
        value=value.value,
        source=value.source,
        published_on=value.published_on,
        note=value.note,
        direction=schemas.DirectionOut(
            against_previous=view.direction.against_previous, against_last_year=view.direction.against_last_year
        ),
    )


@router.post(
    "/contextual-measures/{id}/values",
    summary="Record a contextual measure's published value",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ContextualValue,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
    description=(
        "A value for a period of the measure's frequency that has ended, with its source and publication date "
        "(not after today). No target and no RAG: the answer carries its direction of travel against the "
        "measure's preferred direction. A period that has a value already is 409: import the revised figure "
        "(`POST /contextual-values/import`) to replace it, audited."
    ),
)
async def create_contextual_value(
    id: uuid.UUID, body: schemas.ContextualValueCreate, session: SessionDep, actor: CurrentActor, today: AsOf
) -> schemas.ContextualValue:
    view = await value_service.add_value(session, actor, id, body.model_dump(), as_of=today)
    return _value_out(view)


@router.get(
    "/contextual-measures/{id}/values",
    summary="A contextual measure's values, oldest period first, with their direction of travel",
    response_model=PageOf[schemas.ContextualValue],
    responses=responses(401, 403, 404, 422),
)
async def list_contextual_values(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.ContextualValue]:
    views = await value_service.list_values(session, actor, id)
    page = page_of_list(
        views,
        lambda v: f"{v.value.period_end.isoformat()} {v.value.period}",
        order="period",
        cursor=params.cursor,
        limit=params.limit,
    )
    return page_response(request, response, page, _value_out)


@router.get(
    "/outcomes/{id}/contextual-measures",
    summary="An outcome's contextual measures with their latest values and direction of travel",
    response_model=PageOf[schemas.MeasureSummary],
    responses=responses(401, 403, 404, 422),
)
async def list_outcome_contextual_measures(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.MeasureSummary]:
    views = await value_service.outcome_measures(session, actor, id)
    page = page_of_list(views, lambda v: v.measure.code, order="code", cursor=params.cursor, limit=params.limit)

    def summary(view: value_service.MeasureView) -> schemas.MeasureSummary:
        measure = view.measure
        return schemas.MeasureSummary(
            id=measure.id,
            code=measure.code,
            title=measure.title,
            unit=measure.unit,
            preferred_direction=measure.preferred_direction,
            frequency=measure.frequency,
            source=measure.source,
            latest=_value_out(view.latest) if view.latest is not None else None,
        )

    return page_response(request, response, page, summary)


async def imported_rows(request: Request, actor: CurrentActor, settings: SettingsDep) -> list[Any]:
    """The import's rows, read and checked before the request's transaction begins (as a bulk push's)."""
    require_write(actor, Resource.contextual_measure)
    return await read_pushed(request, settings, importing.read_rows)


_REQUEST_BODY = import_request_body(
    (
        "JSON as below; or CSV (UTF-8, a header row: measure_code, period, value, source, published_on and "
        "optionally note) or tab-separated text; or an XLSX workbook (first sheet, header in row 1), as the "
        "body or as a multipart `file` field. Measure codes match in any case; `period` is of the measure's "
        "frequency (2024/25 for an annual one); `published_on` is 2025-07-15 or 15/07/2025 or a date cell."
    ),
    schemas.ContextualImportRequest,
    "measure_code,period,value,source,published_on,note\n"
    "CM-01,2024/25,118350,ONS mid-year population estimates,2025-07-15,\n",
)


@router.post(
    "/contextual-values/import",
    summary="Import contextual measures' values (JSON, CSV or XLSX)",
    response_model=schemas.ContextualImportResult,
    responses=responses(400, 401, 403, 413, 422),
    openapi_extra=_REQUEST_BODY,
    description=(
        "Each row is checked like a single value and reported as `created`, `updated` (the period had a value: "
        "replaced, audited), `unchanged` or `rejected`, with `errors` as `{pointer, detail}` at "
        "`#/rows/{i}/{column}`: an unknown measure code, a period that has not ended, a publication date in the "
        "future, a value that is not a number, the same measure and period twice. A rejected row writes nothing; "
        "the answer is 200 even when rows are rejected. `dry_run=true` checks and reports without writing. "
        "`atomic=true` writes nothing if any row is rejected: 422 with the report in the problem's `rows`."
    ),
)
async def import_contextual_values(
    request: Request,
    actor: CurrentActor,
    rows: Annotated[list[Any], Depends(imported_rows)],  # before the session: read before the transaction
    session: SessionDep,
    today: AsOf,
    dry_run: Annotated[bool, Query(description="Check and report, write nothing")] = False,
    atomic: Annotated[bool, Query(description="All rows or none")] = False,
) -> Response:
    body, refused = await importing.import_values(session, actor, rows, dry_run=dry_run, atomic=atomic, as_of=today)
    if not refused:
        return JSONResponse(body)
    rejected = body["summary"]["rejected"]
    detail = f"{rejected} of {len(body['rows'])} rows were rejected, so in atomic mode nothing was written"
    return rows_rejected_response(request, detail, body)
