"""Builds the FastAPI application. Nothing connects at import time: the lifespan creates the engine."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.ext.asyncio import AsyncEngine

from pmf_api import __version__
from pmf_api.access.authentication import identify_for_fast_read, key_is_read_only
from pmf_api.access.oidc import KeySet
from pmf_api.access.tokens import CurrentPeople
from pmf_api.api import API_PREFIX, FEATURE_ROUTERS, OPEN_DATA_PATHS, PAGE_ROUTERS
from pmf_api.assurance.notifications import runner as notifications
from pmf_api.config import Settings, get_settings
from pmf_api.framework.organisations.repository import directory
from pmf_api.platform.db.session import create_engine, create_read_sessions, create_sessionmaker
from pmf_api.platform.http import docs, fast_reads, problems
from pmf_api.platform.http.body import RequestBodyMiddleware
from pmf_api.platform.http.deps import refuse_nul_parameters
from pmf_api.platform.http.etag import ConditionalGets, document_conditional_gets
from pmf_api.platform.http.fast_reads import FastReads
from pmf_api.platform.http.health import router as health_router
from pmf_api.platform.http.operations import operation_id
from pmf_api.platform.http.problem_routes import router as problems_router
from pmf_api.platform.http.query_keys import QueryStringKeys
from pmf_api.platform.http.rate_limits import Limits, RateLimits, limiter_for
from pmf_api.platform.observability import RequestContextMiddleware, configure_logging
from pmf_api.reporting.jobs import runner as jobs
from pmf_api.reporting.jobs.queue import queue_for

DESCRIPTION = """
A backend for English councils' Performance Management Frameworks: the Corporate Plan and its
priorities and outcomes, service plans, actions, KPIs with targets and tolerances, and the audit
trail behind them.

**Rate limits.** Requests are counted per client address and per credential, and refused
credentials more strictly; past a limit the answer is 429 with `Retry-After` (seconds).

**Authentication.** Every endpoint except `/healthz`, `/readyz`, `/problems` and the docs needs a
credential: a person sends `Authorization: Bearer <token>`; a machine client (a Power BI refresh, a
nightly push from a case system) sends `X-API-Key: <key>`, a key the performance team creates with
`POST /api/v1/api-keys`, acting with one role at a scope like a person's grant. A client that
cannot set a header (Power BI's API key credential, whose ApiKeyName is `api_key`) may send a
read-only key (viewer or auditor) as `?api_key=<key>` on a GET; a key that may write is refused
there. Locally,
`pmf-api token` prints a performance-team token for the demo council; press *Authorize* above
and paste it.

**Conventions.** Lists are cursor-paginated (`next_cursor` and a `Link: rel="next"` header).
Every read returns an `ETag`; send it back as `If-Match` on a change and a stale write gets 412 with
nothing changed, or as `If-None-Match` on a read (lists, the scorecard and status included) and an
unchanged answer is 304 with no body (tags compare weakly: `W/"x"` matches `"x"`). Measured values
are exact decimals, sent and returned as JSON numbers.

**Errors.** Errors are RFC 9457 `application/problem+json`. Each problem `type` (one title each) is
listed, with its status, meaning and what to do, by `GET /problems` (`GET /problems/{slug}` for the
type whose URI ends in `slug`) and in the project's `docs/problems.md`. Each entry of `errors` has a
`pointer` to the bad input: `#/tolerance/value` for a body field (a JSON Pointer as a URI fragment;
`#` is the whole body), `#/rows/3/value` for a bulk row's cell, `query:period`, `path:kpi_id` or
`header:If-Match` for a parameter.
"""

OPENAPI_TAGS = [
    {"name": "Organisation", "description": "Your council and its settings"},
    {"name": "Structure", "description": "Directorates, services, portfolios and people"},
    {"name": "Corporate Plan", "description": "Corporate plans, their priorities and outcomes"},
    {"name": "Service plans", "description": "One plan per service per financial year"},
    {"name": "Actions", "description": "Corporate Plan actions, key activities and projects"},
    {"name": "Objectives", "description": "Individual objectives: the golden thread's last link, seen by few"},
    {"name": "KPIs", "description": "Operational performance indicators and contextual outcome measures"},
    {"name": "Contextual measures", "description": "Contextual outcome measures' published values and direction"},
    {"name": "Targets", "description": "Annual targets, period profiles and tolerances, with every revision"},
    {"name": "Submissions", "description": "Each period's values, comments and forecasts, from entry to publication"},
    {"name": "Collection", "description": "Collection windows and due dates; what is due, overdue and complete"},
    {"name": "Period close", "description": "Closed periods lock their values; the restatement log of later changes"},
    {"name": "Status", "description": "KPI status and the scorecard: RAG, YTD, forecasts, SPC, escalation"},
    {"name": "Finance", "description": "Budget monitoring, complaints and the joint finance and performance view"},
    {"name": "Bulk push", "description": "Many values in one request (JSON, CSV, XLSX) and per-service templates"},
    {"name": "API keys", "description": "Keys for machine clients, sent as `X-API-Key`"},
    {"name": "Reports", "description": "As-reported snapshots of a period and the reports built from them"},
    {"name": "Audit", "description": "Who changed what, when, from what to what"},
    {"name": "Reports", "description": "Reports made as jobs: ask, follow the job, fetch the file"},
    {
        "name": "Open data",
        "description": "For residents, without credentials: each council's public KPIs and published values "
        "(JSON, CSV with CSV on the Web metadata, an accessible page), under the Open Government Licence v3",
    },
    {"name": "Notifications", "description": "Signed webhooks and their delivery log; your reminder preferences"},
    {"name": "Service root", "description": "What this API is, answered without credentials (Power BI's test)"},
    {"name": "Health", "description": "Liveness and readiness probes"},
    {"name": "Problems", "description": "The problem types error responses carry, and what each means"},
]


logger = logging.getLogger("pmf_api")

# Response headers a browser client may read across origins (beyond the CORS-safelisted ones).
EXPOSED_HEADERS = [
    "Content-Disposition",  # a template's file name
    "ETag",
    "Idempotency-Replayed",  # a bulk push answered from an earlier request with its Idempotency-Key
    "Link",
    "Location",
    "Retry-After",
    "X-Correlation-ID",
    "X-Request-ID",
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = getattr(app.state, "engine", None)
        owns_engine = engine is None
        if engine is None:
            engine = create_engine(settings)
            _use_engine(app, engine, settings)
        tune_garbage_collector()
        logger.info("PMF API starting in %s", settings.mode_description)
        async with (
            notifications.schedule(app.state.sessionmaker, settings),
            jobs.run_in_service(app.state.sessionmaker, settings, app.state.job_queue),
        ):
            yield
        if owns_engine:
            await engine.dispose()

    app = FastAPI(
        title="PMF API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        license_info={"name": "MIT"},
        # The spec and its pages can be kept from the public (PMF_API_DOCS; off in production by default)
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        docs_url=None,  # served by platform.http.docs, without a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_nul_parameters)],
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.key_set = KeySet.from_settings(settings)
    app.state.directory = directory  # what access asks of the council's structure
    app.state.people = CurrentPeople()  # whether the people tokens speak for are still current
    app.state.job_queue = queue_for(settings)  # where a report job is announced to the workers
    jobs.load_kinds(settings)  # the kinds of job requests may ask for (also without a lifespan: tests)
    problems.install(app)
    if settings.hot_reads:  # innermost: rate limits, CORS headers, request ids, logs and body limits apply to it too
        app.add_middleware(FastReads, prefix=API_PREFIX, reads=fast_reads.registered(), identify=identify_for_fast_read)
    # Outside the fast read path, so either path's answer gets its ETag and 304 the same way.
    app.add_middleware(ConditionalGets)
    # Inside the rate limits (a limited client does not get its body read) and CORS (a refused body
    # still carries its headers), outside everything that reads a body.
    app.add_middleware(
        RequestBodyMiddleware,
        max_body_bytes=settings.max_body_bytes,
        bulk_max_body_bytes=settings.bulk_max_body_bytes,
        timeout_seconds=settings.body_timeout_seconds,
    )
    if settings.rate_limit_enabled:  # inside CORS, so a browser can read a 429
        limits = Limits.parse(
            settings.rate_limit_per_address,
            settings.rate_limit_per_credential,
            settings.rate_limit_failed_authentication,
            {"open-data": (OPEN_DATA_PATHS, settings.open_data_rate_limit)},
        )
        limiter = limiter_for(settings.rate_limit_storage_url, settings.rate_limit_key_prefix)
        app.add_middleware(RateLimits, limits=limits, limiter=limiter)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
        )
    # Outside everything that reads credentials (rate limits, the fast read path, the routes) and
    # inside the request ids, so a key in a URL is a header before anything reads or echoes the URL.
    app.add_middleware(QueryStringKeys, read_only=key_is_read_only)
    app.add_middleware(RequestContextMiddleware, unexpected=problems.unexpected_error)
    if settings.docs_enabled:
        docs.install(app)
    app.include_router(health_router)
    app.include_router(problems_router)
    for feature_router in FEATURE_ROUTERS:
        app.include_router(feature_router, prefix=API_PREFIX)
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)
    _document_conditional_gets(app)
    return app


def _document_conditional_gets(app: FastAPI) -> None:
    """The spec says, for every GET, what ``ConditionalGets`` does: ETag, If-None-Match, 304."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_conditional_gets(build())
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


# Young-generation collections every 50,000 allocations rather than 700, and older ones less often.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    """Collect garbage less often, and never rescan what start-up created.

    The service keeps evaluated KPIs and scorecards in memory; with CPython's default thresholds
    the collector rescans them every few requests, and those pauses were most of a scorecard's
    95th-percentile time (bench/bench_scorecard.py). Nothing here leaks: cycles are still collected.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def attach_engine(app: FastAPI, settings: Settings) -> None:
    """Give the app an engine before startup (tests and benchmarks share one across apps)."""
    _use_engine(app, create_engine(settings), settings)


def _use_engine(app: FastAPI, engine: AsyncEngine, settings: Settings) -> None:
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.read_sessions = create_read_sessions(engine, app.state.sessionmaker, settings)
