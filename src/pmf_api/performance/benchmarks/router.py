"""Routes for benchmarking: comparator groups, metric mappings, the values import and positions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.access.policy import Resource, require_write
from pmf_api.access.record_routes import add_crud_routes
from pmf_api.performance.benchmarks import importing, schemas
from pmf_api.performance.benchmarks import service as benchmark_service
from pmf_api.performance.bulk.router import import_request_body, read_pushed
from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.http.deps import SessionDep, SettingsDep
from pmf_api.platform.http.paging import PageOf, page_response
from pmf_api.platform.http.problems import responses, rows_rejected_response

router = APIRouter(tags=["Benchmarking"])

add_crud_routes(
    router,
    spec=benchmark_service.groups,
    path="/comparator-groups",
    read_model=schemas.ComparatorGroup,
    create_model=schemas.ComparatorGroupCreate,
    update_model=schemas.ComparatorGroupUpdate,
    list_params=schemas.ComparatorGroupList,
)
add_crud_routes(
    router,
    spec=benchmark_service.mappings,
    path="/metric-mappings",
    read_model=schemas.MetricMapping,
    create_model=schemas.MetricMappingCreate,
    update_model=schemas.MetricMappingUpdate,
    list_params=schemas.MetricMappingList,
)


def _key(view: benchmark_service.PositionView) -> str:
    return f"{view.group.name}\x1f{view.mapping.metric_id}\x1f{view.period_end.isoformat()} {view.period}"


def position_out(view: benchmark_service.PositionView) -> schemas.BenchmarkPosition:
    return schemas.BenchmarkPosition(**_position_fields(view))


def _position_fields(view: benchmark_service.PositionView) -> dict[str, Any]:
    where = view.position
    return {
        "group_id": view.group.id,
        "group_name": view.group.name,
        "group_kind": view.group.kind,
        "metric_id": view.mapping.metric_id,
        "kpi_id": view.mapping.kpi_id,
        "measure_id": view.mapping.measure_id,
        "period": view.period,
        "period_end": view.period_end,
        "our_value": view.our_value,
        "rank": where.rank,
        "compared": where.of,
        "quartile": where.quartile,
        "median": where.median,
        "best_quartile": where.best_quartile,
        "distance_to_best_quartile": where.distance_to_best_quartile,
        "missing": view.missing,
        "in_words": view.words,
    }


@router.get(
    "/benchmark-positions",
    summary="Our positions among our comparator groups",
    response_model=PageOf[schemas.BenchmarkPosition],
    responses=responses(401, 403, 422),
    description=(
        "For each comparator group, mapped metric and period where our area code has a value: our rank (1 the "
        "best, ties sharing the best rank, by the KPI's polarity or the measure's preferred direction), the "
        "quartile (1 the best), the median, the best quartile's threshold (Excel QUARTILE.INC) and our distance "
        "to it. Ordered by group name, metric id, then period. Empty until the council has an area code "
        "(`PATCH /organisation`)."
    ),
)
async def list_benchmark_positions(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.BenchmarkPositionList, Query()],
) -> PageOf[schemas.BenchmarkPosition]:
    filters = benchmark_service.PositionFilters(
        kpi_id=params.kpi_id,
        measure_id=params.measure_id,
        group_id=params.group_id,
        period=params.period,
        metric_id=params.metric_id,
    )
    views = sorted(await benchmark_service.positions(session, actor, filters), key=_key)
    page = page_of_list(views, _key, order="group", cursor=params.cursor, limit=params.limit)
    return page_response(request, response, page, position_out)


@router.get(
    "/kpis/{id}/benchmarks",
    summary="A KPI's positions among our comparator groups, with the councils' values",
    response_model=PageOf[schemas.KpiBenchmark],
    responses=responses(401, 403, 404, 422),
    description="As `GET /benchmark-positions` for one KPI, each position with every council's value (ours first).",
)
async def list_kpi_benchmarks(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.KpiBenchmarkList, Query()],
) -> PageOf[schemas.KpiBenchmark]:
    views = await benchmark_service.kpi_positions(session, actor, id, period=params.period, group_id=params.group_id)
    views = sorted(views, key=_key)
    page = page_of_list(views, _key, order="group", cursor=params.cursor, limit=params.limit)

    def out(view: benchmark_service.PositionView) -> schemas.KpiBenchmark:
        comparators = [
            schemas.ComparatorValue(area_code=c.area_code, value=c.value, ours=c.ours) for c in view.comparators
        ]
        return schemas.KpiBenchmark(**_position_fields(view), comparators=comparators)

    return page_response(request, response, page, out)


async def imported_rows(request: Request, actor: CurrentActor, settings: SettingsDep) -> list[Any]:
    """The import's rows, read and checked before the request's transaction begins (as a bulk push's)."""
    require_write(actor, Resource.benchmark)
    return await read_pushed(request, settings, importing.read_rows)


_REQUEST_BODY = import_request_body(
    (
        "JSON as below; or CSV (UTF-8, a header row: metric_id, area_code, period, value, as LG Inform exports "
        "them: `Metric ID` and `Area code` read the same) or tab-separated text; or an XLSX workbook (first "
        "sheet, header in row 1), as the body or as a multipart `file` field. `period` is a financial year "
        "(2024/25), quarter (2024/25 Q2) or month (2024/25 P6)."
    ),
    schemas.BenchmarkImportRequest,
    "metric_id,area_code,period,value\n2150,E07000012,2024/25,51.3\n",
)


@router.post(
    "/benchmark-values/imports",
    summary="Import benchmark values (JSON, CSV or XLSX)",
    response_model=schemas.BenchmarkImportResult,
    responses=responses(400, 401, 403, 413, 422),
    openapi_extra=_REQUEST_BODY,
    description=(
        "Each row is reported as `created`, `updated` (a revised figure replaced the period's value, audited), "
        "`unchanged` or `rejected`, with `errors` as `{pointer, detail}` at `#/rows/{i}/{column}`: a metric id "
        "mapped to none of our KPIs or measures, a period that is not one, a value that is not a number, the "
        "same metric, council and period twice. A rejected row writes nothing; the answer is 200 even when rows "
        "are rejected. An area code that is neither ours nor in any of our comparator groups refuses the whole "
        "import: 422 naming the row and column, nothing written. `dry_run=true` checks and reports without "
        "writing; `atomic=true` writes nothing if any row is rejected (422 with the report in `rows`)."
    ),
)
async def import_benchmark_values(
    request: Request,
    actor: CurrentActor,
    rows: Annotated[list[Any], Depends(imported_rows)],  # before the session: read before the transaction
    session: SessionDep,
    dry_run: Annotated[bool, Query(description="Check and report, write nothing")] = False,
    atomic: Annotated[bool, Query(description="All rows or none")] = False,
) -> Response:
    body, refusal = await importing.import_values(session, actor, rows, dry_run=dry_run, atomic=atomic)
    if refusal is None:
        return JSONResponse(body)
    return rows_rejected_response(request, refusal, body)
