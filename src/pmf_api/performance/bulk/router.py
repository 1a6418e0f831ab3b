"""Routes for pushing many values at once and for the per-service submission template."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from pmf_api.access.deps import CurrentActor
from pmf_api.config import Settings
from pmf_api.performance.bulk import parsing, schemas, template
from pmf_api.performance.bulk import service as bulk_service
from pmf_api.performance.bulk.schemas import inline_schema
from pmf_api.platform.errors import invalid
from pmf_api.platform.http.deps import AsOf, SessionDep, SettingsDep
from pmf_api.platform.http.etag import etag_of_body
from pmf_api.platform.http.problems import responses, rows_rejected_response
from pmf_api.platform.schemas import PeriodText

router = APIRouter(tags=["Bulk push"])

_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "JSON as below; or CSV (UTF-8, with or without BOM, comma separated, a point as decimal separator, "
            "a header row with the same column names) or tab-separated text (`text/tab-separated-values`, a `.tsv` "
            "file, or tabs found in a CSV's header); or an XLSX workbook (first sheet, header in row 1), as the "
            "body or as a multipart `file` field. The template's other columns (kpi_title, unit, owner, enter) are "
            "ignored; any other column is ignored and named in the answer's `warnings` (`unknown_column`), and an "
            "unknown JSON field rejects its row. Numbers have at most 6 decimal places, in every format (an XLSX "
            "number is read as Excel shows it, to 15 significant digits: never rounded to fit). KPI codes match in "
            "any case. `period` is `2025/26 P6`, `2025/26 Q2` or `2025/26`; a date (a date cell, an Excel date "
            "serial, 2025-09-30, 30/09/2025) or a month (Sep-25, September 2025, 2025-09) is read as the period of "
            "the KPI's frequency it falls in (warning `period_read_from_date`)."
        ),
        "content": {
            "application/json": {"schema": schemas.inline_schema(schemas.BulkRequest)},
            "text/csv": {
                "schema": {"type": "string"},
                "example": "kpi_code,period,value,numerator,denominator,commentary,owner_forecast\n"
                "WAS-01,2025/26 P6,,1180,2150,Garden waste up,54\n",
            },
            parsing.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


# Files parsed at once, each in a worker thread; more wait their turn. Each parse holds at most one
# push's limits in memory (settings: bulk_max_*), and the machine's cores are few.
PARSERS = 2

Parsed = TypeVar("Parsed")


async def pushed_file(request: Request, actor: CurrentActor, settings: SettingsDep) -> parsing.Upload:
    """The pushed file, read whole and parsed before the request's transaction begins.

    On SQLite a transaction that writes holds the database's write lock from its start, and on
    PostgreSQL a connection: neither waits for a file to be parsed. Parsing runs in a worker thread,
    so other requests are answered meanwhile; who may push at all is known before anything is read.
    """
    bulk_service.require_pusher(actor)
    return await read_pushed(request, settings, parsing.read_upload)


def import_request_body(description: str, json_model: type[BaseModel], csv_example: str) -> dict[str, Any]:
    """The OpenAPI request body of an import that reads a push as ``read_pushed`` does: JSON of
    ``json_model``, CSV or tab-separated text, an XLSX workbook, as the body or a multipart ``file``."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": inline_schema(json_model)},
                "text/csv": {"schema": {"type": "string"}, "example": csv_example},
                parsing.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    }


async def read_pushed(
    request: Request, settings: Settings, read: Callable[[parsing.Format, bytes, parsing.UploadLimits], Parsed]
) -> Parsed:
    """A pushed body (or a multipart ``file`` field) read whole and parsed by ``read`` in a worker thread,
    at most :data:`PARSERS` at once across the app, within the push limits (settings: bulk_max_*): the one
    way a route that takes a file reads it (a bulk push, an import of contextual values)."""
    kind, payload = await _payload(request)
    state = request.app.state
    parsers: anyio.CapacityLimiter | None = getattr(state, "upload_parsers", None)
    if parsers is None:
        parsers = state.upload_parsers = anyio.CapacityLimiter(PARSERS)
    limits = parsing.UploadLimits.from_settings(settings)
    return await anyio.to_thread.run_sync(read, kind, payload, limits, limiter=parsers)


PushedFile = Annotated[parsing.Upload, Depends(pushed_file)]


async def _payload(request: Request) -> tuple[parsing.Format, bytes]:
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise invalid("file", "Send the file in a multipart field named `file`")
        return parsing.format_of(file.content_type, file.filename), await file.read()
    return parsing.format_of(content_type), await request.body()


@router.post(
    "/submissions/bulk",
    summary="Push many values at once (JSON, CSV or XLSX)",
    response_model=schemas.BulkResult,
    responses=responses(400, 401, 403, 409, 413, 422),
    openapi_extra=_REQUEST_BODY,
    description=(
        "Each row is checked and saved as a draft like a single entry, and reported as `created`, `updated`, "
        "`unchanged`, `skipped` (nothing to save) or `rejected`, with `errors` and `warnings` as `{pointer, "
        "detail}` at `#/rows/{i}/{column}` (`i` from 0 in the order sent, as in the answer's `rows`); `warnings` "
        "carry the sense-check flags a single save stores (by `code`: they never stop a row). The answer is 200 "
        "even when rows are rejected. `dry_run=true` checks and reports without writing. `atomic=true` writes "
        "nothing if any row is rejected: 422 with the same report in the problem's `rows`, the rows that were "
        "fine reported as `not_written`, and the problem's `errors` pointing where the rows' do. With an "
        "`Idempotency-Key`, "
        "a retry of the same request within 24 hours replays the first answer (header `Idempotency-Replayed: "
        "true`) and never writes twice; a retry while the first is still being processed gets 409 "
        "`request-in-progress` with `Retry-After` (send it again then to get the answer); the key with a different "
        "request gets 409. The file is read whole and checked before anything is written: more rows (blank ones "
        "included) or cells than one push may hold, or an XLSX that unpacks to more bytes, gets 413; a cell longer "
        "than a spreadsheet allows (32,767 characters), 422; a body that does not arrive in time, 408."
    ),
)
async def push_values(
    request: Request,
    actor: CurrentActor,
    upload: PushedFile,  # before the session: the file is read and checked before the transaction begins
    session: SessionDep,
    today: AsOf,
    dry_run: Annotated[bool, Query(description="Check and report, write nothing")] = False,
    atomic: Annotated[bool, Query(description="All rows or none")] = False,
    submit: Annotated[bool, Query(description="Also submit each saved row (CSV and XLSX; JSON may say so)")] = False,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Your unique id for this request (e.g. a UUID): a retry with it never writes twice",
        ),
    ] = None,
) -> Response:
    options = bulk_service.BulkOptions(dry_run=dry_run, atomic=atomic, submit=submit, idempotency_key=idempotency_key)
    report = await bulk_service.push(session, actor, upload, options, as_of=today)
    headers = {"Idempotency-Replayed": "true"} if report.replayed else None
    if not report.refused:
        return JSONResponse(report.body, headers=headers)
    rejected = report.body["summary"]["rejected"]
    detail = f"{rejected} of {len(report.body['rows'])} rows were rejected, so in atomic mode nothing was written"
    return rows_rejected_response(request, detail, report.body, headers)


@router.get(
    "/services/{id}/submission-template",
    summary="The submission template of a service for a period (XLSX, CSV or JSON)",
    response_model=schemas.BulkRequest,
    responses={
        **responses(401, 403, 404, 422),
        200: {
            "description": "The template: fill in the values and upload it to `POST /api/v1/submissions/bulk`",
            "content": {
                parsing.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
    },
    description=(
        "The KPIs the service owes for the period, one row each: monthly KPIs for a month, quarterly KPIs when "
        "the month closes a quarter (P6 closes Q2), annual KPIs at P12; with title, unit, owner and empty value "
        "(or numerator and denominator), commentary and forecast columns. The XLSX has a second sheet of guidance."
    ),
)
async def get_submission_template(
    id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    period: Annotated[PeriodText, Query(description="The period to collect, e.g. 2026/27 P6", examples=["2026/27 P6"])],
    format: Annotated[Literal["xlsx", "csv", "json"], Query(description="File format")] = "xlsx",
) -> Response:
    found = await bulk_service.template(session, actor, id, period)
    name = f"submissions-{found.service.code}-{str(found.period).replace('/', '-').replace(' ', '-')}"
    if format == "json":
        return JSONResponse(template.as_json(found))
    if format == "csv":
        content, media_type = template.as_csv(found), "text/csv; charset=utf-8"
    else:
        content, media_type = template.as_xlsx(found), parsing.XLSX_MEDIA_TYPE
    headers = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    if format == "xlsx":
        # A workbook's bytes carry the moment it was written: its tag is that of what it holds.
        headers["ETag"] = etag_of_body(b"xlsx " + JSONResponse(template.as_json(found)).body)
    return Response(content, media_type=media_type, headers=headers)
