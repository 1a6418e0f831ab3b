"""The service root, ``/api/v1``: what this API is and where its machine-readable parts are.

It answers 200 without credentials, for GET and HEAD: Power BI's service tests a data source's
credentials by requesting its root (the feed URL's base), and a refused root fails that test
before any feed is read. It says nothing about the council's data.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from pmf_api import __version__
from pmf_api.config import Settings

router = APIRouter(tags=["Service root"])

ROOT = "/api/v1"


class ServiceLink(BaseModel):
    rel: Literal["feeds", "odata", "docs", "openapi", "problems"]
    href: str = Field(description="Absolute when PMF_PUBLIC_BASE_URL is set, else relative to the service")
    title: str


class ServiceRoot(BaseModel):
    name: str = Field(examples=["PMF API"])
    version: str = Field(description="The service's version", examples=["0.1.0"])
    api: Literal["v1"] = "v1"
    description: str
    links: list[ServiceLink]


@router.get(
    "",  # under the API's prefix: /api/v1 itself
    summary="What this API is, and links to its feeds, OData service and documentation (no credentials)",
    response_model=ServiceRoot,
    openapi_extra={"security": []},  # no credentials: Power BI's credential test reads it
)
async def get_service_root(request: Request) -> ServiceRoot:
    return _service_root(request.app.state.settings)


@router.head(
    "",
    summary="The service root's headers alone (no credentials): Power BI's credential test",
    response_model=ServiceRoot,
    openapi_extra={"security": []},  # no credentials: Power BI's credential test reads it
)
async def head_service_root(request: Request) -> ServiceRoot:
    return _service_root(request.app.state.settings)  # the server sends the headers, not the body


def _service_root(settings: Settings) -> ServiceRoot:
    base = settings.public_base_url or ""  # never built from the request's Host header
    links = [
        ServiceLink(rel="feeds", href=f"{base}{ROOT}/feeds", title="The feeds: flat tables for Power BI, JSON or CSV"),
        ServiceLink(rel="odata", href=f"{base}{ROOT}/odata", title="The OData v4 service"),
        ServiceLink(rel="problems", href=f"{base}/problems", title="The problem types errors carry"),
    ]
    if settings.docs_enabled:
        links += [
            ServiceLink(rel="docs", href=f"{base}/docs", title="The API's documentation"),
            ServiceLink(rel="openapi", href=f"{base}/openapi.json", title="The OpenAPI document"),
        ]
    return ServiceRoot(
        name="PMF API",
        version=__version__,
        description="A council's Performance Management Framework: KPIs, targets, submissions, status and reports. "
        "Every other route needs a bearer token or an API key (X-API-Key, or a read-only key as ?api_key=).",
        links=links,
    )
