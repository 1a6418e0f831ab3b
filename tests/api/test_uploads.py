"""Hostile and slow uploads (issue #8, items 1, 3, 4, 5 and 6): a body that stalls or never ends, files
that unpack or expand far beyond their size on the wire, cells too long to echo, deep JSON, and cells
of the files we write that a spreadsheet would run as formulas.

Hostile files are built here, small on the wire. Nothing is timed: where a request must not hold up
another, the test orders events (the other request is answered while the first is still waiting).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant
from pmf_api.access.tokens import mint_token
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.main import attach_engine, create_app
from tests.api.conftest import TokenFactory
from tests.conftest import Backend, _create_postgres_database, _drop_postgres_database, make_settings, migrate

BULK = "/api/v1/submissions/bulk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = {"Content-Type": "text/csv"}
# A test waits this long for something that must happen at once; a failure never hangs the suite.
PATIENCE = 4.0


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["request_id"] == response.headers["X-Request-ID"]
    return problem


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


def _app_client(backend: Backend, sessionmaker: async_sessionmaker[AsyncSession], **settings: Any) -> httpx.AsyncClient:
    app = create_app(backend.settings.model_copy(update=settings))
    app.state.engine = backend.engine
    app.state.sessionmaker = sessionmaker
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def small_limits(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """Limits small enough that a test's files cross them cheaply."""
    limits = {"bulk_max_body_bytes": 16_000}
    async with _app_client(backend, connection_sessionmaker, **limits) as client:
        yield client


@pytest.fixture
async def impatient(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app waiting at most half a second for a request's body."""
    async with _app_client(backend, connection_sessionmaker, body_timeout_seconds=0.5) as client:
        yield client


@dataclass
class Deployed:
    client: httpx.AsyncClient
    performance: dict[str, str]
    viewer: dict[str, str]


@pytest.fixture(scope="module")
async def deployed(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployed]:
    """The app on a database of its own, with its own engine and real commits (as deployed), so one
    request can hold a lock or a connection another needs. On PostgreSQL its pool has one connection:
    a request that kept one while waiting for its body would leave none for the others."""
    if backend.name == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('uploads')) / 'deployed.db'}"
    else:
        url = await _create_postgres_database()
    try:
        await migrate(url)
        settings = make_settings(url).model_copy(update={"database_pool_size": 1, "database_max_overflow": 0})
        app = create_app(settings)
        attach_engine(app, settings)
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            organisation = Organisation(code="UPLOADS", name="Uploads District Council", settings={})
            session.add(organisation)
            await session.commit()

        def token(role: Role) -> dict[str, str]:
            minted = mint_token(
                settings,
                organisation_id=organisation.id,
                subject=f"{role.value}@x.gov.uk",
                name="n",
                grants=[Grant(role)],
            )
            return {"Authorization": f"Bearer {minted}"}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://deployed") as client:
            yield Deployed(client, token(Role.PERFORMANCE), token(Role.VIEWER))
        await app.state.engine.dispose()
    finally:
        if backend.name == "postgresql":
            await _drop_postgres_database(url)


class StalledBody:
    """A request body that sends its first chunk, then waits (as a stalled client does) until released."""

    def __init__(self, first: bytes, rest: bytes = b"") -> None:
        self.first, self.rest = first, rest
        self.waiting = asyncio.Event()  # the server has asked for more than the first chunk
        self.released = asyncio.Event()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        self.waiting.set()
        await self.released.wait()
        if self.rest:
            yield self.rest


# --------------------------------------------------------------------------------------------
# 1. A stalled body holds no lock and no connection; a body has a deadline
# --------------------------------------------------------------------------------------------


async def test_a_stalled_upload_holds_up_no_other_write(deployed: Deployed) -> None:
    client = deployed.client
    body = StalledBody(b"kpi_code,period,value\n", b"WS01,2025/26 P1,1\n")
    stalled = asyncio.create_task(client.post(BULK, content=body, headers={**deployed.viewer, **CSV}))
    try:
        await asyncio.wait_for(body.waiting.wait(), PATIENCE)
        # Another member of the council writes while the upload is stalled: on SQLite it needs the
        # database's write lock, on PostgreSQL the pool's one connection.
        other = await asyncio.wait_for(
            client.post(
                "/api/v1/directorates",
                json={"code": f"D{uuid.uuid4().hex[:6]}", "name": "Place"},
                headers=deployed.performance,
            ),
            PATIENCE,
        )
        assert other.status_code == 201, other.text
        assert not stalled.done()
    finally:
        body.released.set()
    answer = await asyncio.wait_for(stalled, PATIENCE)
    assert answer.status_code == 403  # a viewer may not push values: but only once the body is in


async def test_a_body_that_does_not_arrive_in_time_gets_408(impatient: httpx.AsyncClient, auth: TokenFactory) -> None:
    for path, first, headers in (
        (BULK, b"kpi_code,period,value\n", CSV),
        ("/api/v1/directorates", b'{"code": "D1", ', {"Content-Type": "application/json"}),
    ):
        body = StalledBody(first)
        try:
            answer = await asyncio.wait_for(impatient.post(path, content=body, headers={**auth(), **headers}), PATIENCE)
        finally:
            body.released.set()
        problem = _problem(answer, 408)
        assert "0.5 seconds" in problem["detail"], problem
        assert answer.headers["connection"] == "close"


def test_every_route_that_takes_a_body_documents_408_and_413() -> None:
    # The committed spec, which tests/test_openapi.py keeps equal to the code's.
    spec = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(operations) > 10
    for method, path, operation in operations:
        assert {"408", "413"} <= set(operation["responses"]), (method, path)


# --------------------------------------------------------------------------------------------
# 5. A chunked body over the limit
# --------------------------------------------------------------------------------------------


async def _chunks(payload: bytes, size: int = 1_000) -> AsyncIterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


async def test_a_chunked_body_over_the_limit_gets_413(small_limits: httpx.AsyncClient, auth: TokenFactory) -> None:
    rows = b"kpi_code,period,value\n" + b"X,2025/26 P1,1\n" * 1_200  # 18 KB, over the 16,000 bytes of this app
    answer = await small_limits.post(BULK, content=_chunks(rows), headers={**auth(), **CSV})
    assert "16000 bytes" in _problem(answer, 413)["detail"]
    directorate = json.dumps({"code": "BIG", "name": "x" * 2_000_000}).encode()  # over the 1 MB of other routes
    answer = await small_limits.post(
        "/api/v1/directorates",
        content=_chunks(directorate, 65_536),
        headers={**auth(), "Content-Type": "application/json"},
    )
    _problem(answer, 413)
