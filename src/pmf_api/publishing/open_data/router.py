"""Open data's routes: public, read-only, without credentials; cached (a strong ETag and
``Cache-Control: public``) and rate-limited per address (``PMF_OPEN_DATA_RATE_LIMIT``, counted by
``platform.http.rate_limits`` apart from the address's other requests)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from pmf_api.config import Settings
from pmf_api.platform.http.deps import SessionDep, SettingsDep
from pmf_api.platform.http.problems import responses
from pmf_api.publishing.open_data import formats, schemas
from pmf_api.publishing.open_data import service as open_data
from pmf_api.publishing.open_data.service import LICENCE_NAME, LICENCE_URL, OpenDataset

router = APIRouter(tags=["Open data"])
page_router = APIRouter(tags=["Open data"])

# No credentials are asked for or read: the spec says so (an empty security requirement).
PUBLIC: dict[str, Any] = {"security": []}
CSVW_MEDIA_TYPE = "application/csvm+json"
_CACHE_NOTE = (
    " Public, without credentials; answers carry a strong `ETag` (304 to `If-None-Match`) and "
    "`Cache-Control: public, max-age=...` (`PMF_OPEN_DATA_MAX_AGE_SECONDS`), and are limited per address "
    "(`PMF_OPEN_DATA_RATE_LIMIT`)."
)

CouncilCode = Annotated[
    str, Path(min_length=1, max_length=40, description="The council's code", examples=["NORTHDALE"])
]
KpiCode = Annotated[str, Path(min_length=1, max_length=40, description="A public KPI's code", examples=["ENV01"])]


def _paths(code: str) -> dict[str, str]:
    base = f"/api/v1/open-data/{code}"
    return {
        "kpis": f"{base}/kpis",
        "json": f"{base}/values.json",
        "csv": f"{base}/values.csv",
        "csvw": f"{base}/values.csv-metadata.json",
        "page": f"/open-data/{code}",
    }


def _licence(council: str | None) -> schemas.Licence:
    text = open_data.attribution(council) if council else f"Licensed under the {LICENCE_NAME}; attribute each council."
    return schemas.Licence(name=LICENCE_NAME, url=LICENCE_URL, attribution=text)


def _council(dataset: OpenDataset) -> schemas.Council:
    return schemas.Council.model_validate(dataset.council)


def _public(settings: Settings, body: bytes, media_type: str, links: list[str] | None = None) -> Response:
    """An open-data answer: a strong ETag of its bytes (the ConditionalGets middleware answers 304 to
    ``If-None-Match``), shared caches may keep it, any site may read it (no credentials are involved),
    and the licence is linked from the headers as well as from the body."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    link = ", ".join([*(links or []), f'<{LICENCE_URL}>; rel="license"'])
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={settings.open_data_max_age_seconds}",
        "Access-Control-Allow-Origin": "*",
        "Link": link,
    }
    return Response(content=body, media_type=media_type, headers=headers)


def _json(settings: Settings, model: Any, links: list[str] | None = None) -> Response:
    return _public(settings, model.model_dump_json().encode(), "application/json", links)


def _absolute(settings: Settings, path: str) -> str:
    return (settings.public_base_url or "") + path


@router.get(
    "/open-data",
    summary="List the councils that publish open data",
    response_model=schemas.CouncilList,
    responses=responses(),
    openapi_extra=PUBLIC,
    description="Every council with a published value of a public KPI." + _CACHE_NOTE,
)
async def list_open_data_councils(session: SessionDep, settings: SettingsDep) -> Response:
    councils = [
        schemas.OpenCouncil(
            code=council.code,
            name=council.name,
            kpis=_paths(council.code)["kpis"],
            values_json=_paths(council.code)["json"],
            values_csv=_paths(council.code)["csv"],
            page=_paths(council.code)["page"],
        )
        for council in await open_data.councils(session)
    ]
    return _json(settings, schemas.CouncilList(councils=councils, licence=_licence(None)))


@router.get(
    "/open-data/{code}/kpis",
    summary="List a council's public KPIs",
    response_model=schemas.KpiList,
    responses=responses(404),
    openapi_extra=PUBLIC,
    description="404 for a council that does not exist or publishes nothing (the same answer)." + _CACHE_NOTE,
)
async def list_open_data_kpis(code: CouncilCode, session: SessionDep, settings: SettingsDep) -> Response:
    dataset = await open_data.dataset(session, code)
    kpis = [schemas.OpenKpi.model_validate(kpi) for kpi in dataset.kpis]
    return _json(
        settings, schemas.KpiList(council=_council(dataset), kpis=kpis, licence=_licence(dataset.council.name))
    )


@router.get(
    "/open-data/{code}/kpis/{kpi_code}",
    summary="Read a public KPI and its published values",
    response_model=schemas.KpiValues,
    responses=responses(404),
    openapi_extra=PUBLIC,
    description="404, the same answer, for a KPI that does not exist and for one that is not public." + _CACHE_NOTE,
)
async def get_open_data_kpi(
    code: CouncilCode, kpi_code: KpiCode, session: SessionDep, settings: SettingsDep
) -> Response:
    dataset, kpi = await open_data.kpi_dataset(session, code, kpi_code)
    body = schemas.KpiValues(
        council=_council(dataset),
        kpi=schemas.OpenKpi.model_validate(kpi),
        values=[schemas.OpenValue.model_validate(row) for row in dataset.values],
        licence=_licence(dataset.council.name),
    )
    return _json(settings, body)


@router.get(
    "/open-data/{code}/values.json",
    summary="Read a council's published values as JSON",
    response_model=schemas.ValueList,
    responses=responses(404),
    openapi_extra=PUBLIC,
    description="Every published value of every public KPI of the council: the CSV's rows." + _CACHE_NOTE,
)
async def get_open_data_values(code: CouncilCode, session: SessionDep, settings: SettingsDep) -> Response:
    dataset = await open_data.dataset(session, code)
    body = schemas.ValueList(
        council=_council(dataset),
        last_published_at=dataset.last_published_at,
        values=[schemas.OpenValue.model_validate(row) for row in dataset.values],
        licence=_licence(dataset.council.name),
    )
    return _json(settings, body)


_CSV_EXAMPLE = ",".join(name for name, *_ in formats.COLUMNS) + "\n"


@router.get(
    "/open-data/{code}/values.csv",
    summary="Download a council's published values as CSV",
    response_class=Response,
    responses={
        200: {
            "description": "UTF-8 CSV with a header row; `Link` names its CSV on the Web metadata "
            '(rel="describedby") and its licence (rel="license")',
            "content": {"text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE}},
        },
        **responses(404),
    },
    openapi_extra=PUBLIC,
    description="No cell a spreadsheet would run as a formula (`platform.file_safety`)." + _CACHE_NOTE,
)
async def get_open_data_values_csv(code: CouncilCode, session: SessionDep, settings: SettingsDep) -> Response:
    dataset = await open_data.dataset(session, code)
    metadata = _absolute(settings, _paths(dataset.council.code)["csvw"])
    response = _public(
        settings,
        formats.values_csv(dataset),
        "text/csv; charset=utf-8",
        [f'<{metadata}>; rel="describedby"; type="{CSVW_MEDIA_TYPE}"'],
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{dataset.council.code}-open-data.csv"'
    return response


@router.get(
    "/open-data/{code}/values.csv-metadata.json",
    summary="Read the CSV on the Web metadata of a council's published values",
    response_class=Response,
    responses={
        200: {
            "description": "A W3C CSV on the Web table description of `values.csv`: columns, datatypes, licence",
            "content": {
                CSVW_MEDIA_TYPE: {
                    "schema": {"type": "object"},
                    "example": {
                        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
                        "url": "/api/v1/open-data/NORTHDALE/values.csv",
                        "dc:license": {"@id": LICENCE_URL},
                        "tableSchema": {
                            "columns": [{"name": "kpi_code", "titles": "KPI code", "datatype": "string"}],
                            "primaryKey": ["kpi_code", "period"],
                        },
                    },
                }
            },
        },
        **responses(404),
    },
    openapi_extra=PUBLIC,
    description="Found where CSV on the Web looks for it (`values.csv` + `-metadata.json`)." + _CACHE_NOTE,
)
async def get_open_data_csv_metadata(code: CouncilCode, session: SessionDep, settings: SettingsDep) -> Response:
    dataset = await open_data.dataset(session, code)
    metadata = formats.csvw_metadata(dataset, _absolute(settings, _paths(dataset.council.code)["csv"]))
    return _public(settings, json.dumps(metadata, indent=2).encode(), CSVW_MEDIA_TYPE)


@page_router.get(
    "/open-data/{code}",
    summary="Read a council's open-data page",
    response_class=Response,
    responses={
        200: {
            "description": "An accessible HTML page (WCAG 2.2 AA): a table and a chart per public KPI",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **responses(404),
    },
    openapi_extra=PUBLIC,
    description="For residents: the council's public KPIs and their published values." + _CACHE_NOTE,
)
async def get_open_data_page(
    code: CouncilCode, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    dataset = await open_data.dataset(session, code)
    links = _paths(dataset.council.code)
    # Charts take tens of milliseconds each to draw: off the event loop (they are kept once drawn).
    html = await asyncio.to_thread(formats.page_html, dataset, links)
    response = _public(settings, html, "text/html; charset=utf-8")
    # The page needs nothing from elsewhere: its style and charts are inline.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    )
    return response
