"""The database goes away and comes back: every request that fails meanwhile is a 503
problem+json with Retry-After (never a 500 or a dropped connection), logged as one line without
a traceback; nothing acknowledged is lost; and the app serves again as soon as the database
does, without a restart (issue #8, item 7 and "Done means").

On PostgreSQL the app talks to the server through a TCP proxy (``tests/api/faults.py``) that cuts
connections and refuses new ones; on SQLite the database file's folder is moved out of reach.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from pmf_api.framework.organisations.models import Service
from pmf_api.platform.audit import AuditEntry
from tests.api.conftest import Deployed, deploy
from tests.api.faults import LogLines, SqliteOutage, postgres_proxy, sqlite_path
from tests.conftest import Backend

API = "/api/v1"


@dataclass
class Outage:
    """Takes the deployed app's database away (``begin``) and gives it back (``end``)."""

    begin: Callable[[], Awaitable[None]]
    end: Callable[[], Awaitable[None]]


@asynccontextmanager
async def app_with_outage(backend: Backend, url: str) -> AsyncIterator[tuple[Deployed, Outage]]:
    if backend.name == "postgresql":
        async with postgres_proxy(url) as proxy, deploy(proxy.url(url), log_level="INFO") as app:

            async def begin() -> None:
                await proxy.refuse()
                await proxy.cut()

            yield app, Outage(begin, proxy.accept)
        return
    away = SqliteOutage(sqlite_path(url))
    async with deploy(url, log_level="INFO") as app:

        async def sqlite_begin() -> None:
            # An embedded database has no connections to cut: the app loses the file as a freshly
            # started one would find it missing (its pooled connections closed, as after a restart).
            await app.app.state.engine.dispose()
            away.begin()

        async def sqlite_end() -> None:
            away.end()

        yield app, Outage(sqlite_begin, sqlite_end)


def assert_unavailable(response: httpx.Response, logs: LogLines) -> None:
    """A 503 that says to retry, and one log line (no traceback) for the request."""
    assert response.status_code == 503, (response.request.url, response.text)
    assert int(response.headers["Retry-After"]) >= 1
    request_id = response.headers["X-Request-ID"]
    if response.request.url.path != "/readyz":
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 503 and problem["request_id"] == request_id
        assert problem["type"].endswith("/database-unavailable") and "Retry" in problem["detail"]
    lines = logs.of(request_id)
    assert len(lines) == 1, [line.getMessage() for line in lines]
    assert lines[0].exc_info is None and lines[0].levelno == logging.WARNING


async def test_a_database_that_refuses_connections_gives_503_and_recovers(backend: Backend, deployed_url: str) -> None:
    async with app_with_outage(backend, deployed_url) as (app, outage):
        client, h = app.client, app.h
        directorate = await client.post(f"{API}/directorates", json={"code": "D1", "name": "Place"}, headers=h)
        assert directorate.status_code == 201, directorate.text
        one = f"{API}/directorates/{directorate.json()['id']}"
        key = await client.post(f"{API}/api-keys", json={"name": "Feed", "role": "performance"}, headers=h)
        machine = {"X-API-Key": key.json()["key"]}
        assert (await client.get(one, headers=machine)).status_code == 200  # its use is recorded now
        viewer = await client.post(f"{API}/api-keys", json={"name": "Power BI", "role": "viewer"}, headers=h)
        in_url = {"api_key": viewer.json()["key"]}  # Power BI's ApiKeyName (platform.http.query_keys)

        await outage.begin()
        with LogLines().attached() as logs:
            attempts: list[Callable[[], Awaitable[httpx.Response]]] = [
                lambda: client.get(one, headers=h),  # the fast read path
                lambda: client.get(f"{API}/directorates", headers=h),  # a page, on the fast path too
                lambda: client.get(f"{API}/organisation", headers=h),  # the full route
                lambda: client.post(f"{API}/directorates", json={"code": "D2", "name": "Care"}, headers=h),
                lambda: client.get(one, headers=machine),
                lambda: client.get(one, params=in_url),  # the key in the URL is looked up first
                lambda: client.post(f"{API}/submissions/bulk", json={"rows": []}, headers=machine),
                lambda: client.get("/readyz"),
            ]
            for attempt in attempts:
                assert_unavailable(await attempt(), logs)

        await outage.end()
        # The first requests after the database is back succeed: no restart, no waiting.
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get(one, headers=h)).status_code == 200
        created = await client.post(f"{API}/directorates", json={"code": "D2", "name": "Care"}, headers=h)
        assert created.status_code == 201, created.text
        assert (await client.get(one, headers=machine)).status_code == 200
        assert (await client.get(one, params=in_url)).status_code == 200


@dataclass
class Outcome:
    started: float
    status: int
    response: httpx.Response


@pytest.mark.postgres
async def test_connections_cut_mid_request_lose_nothing_acknowledged(backend: Backend, deployed_url: str) -> None:
    """Writers and readers at full speed while every connection is cut twice, then refused for two
    seconds: every failure is a 503 problem+json, every acknowledged write is stored and audited,
    and every request that starts once the database is back succeeds, on the same app."""
    if backend.name != "postgresql":
        pytest.skip("an embedded SQLite database has no connections to cut")
    loop = asyncio.get_running_loop()
    # Ten clients at full speed share one token: past 1,200 requests a minute they would meet the
    # rate limit (429), which is not what this test is about.
    proxied = postgres_proxy(deployed_url)
    async with proxied as proxy, deploy(proxy.url(deployed_url), rate_limit_enabled=False) as app:
        client, h = app.client, app.h
        directorate = await client.post(f"{API}/directorates", json={"code": "D", "name": "Place"}, headers=h)
        assert directorate.status_code == 201, directorate.text
        one = f"{API}/directorates/{directorate.json()['id']}"
        outcomes: list[Outcome] = []
        stop = asyncio.Event()

        async def writer(n: int) -> None:
            while not stop.is_set():
                body = {
                    "code": f"S{n}-{uuid.uuid4().hex[:8]}",
                    "name": "Waste",
                    "directorate_id": directorate.json()["id"],
                }
                started = loop.time()
                response = await client.post(f"{API}/services", json=body, headers=h)
                outcomes.append(Outcome(started, response.status_code, response))

        async def reader(n: int) -> None:
            while not stop.is_set():
                started = loop.time()
                path = one if n % 2 else f"{API}/services?limit=20"
                response = await client.get(path, headers=h)
                outcomes.append(Outcome(started, response.status_code, response))

        async def faults() -> float:
            for _ in range(2):
                await asyncio.sleep(0.3)
                await proxy.cut()  # mid-request: the workers never pause
            await asyncio.sleep(0.3)
            await proxy.refuse()
            await proxy.cut()
            await asyncio.sleep(2)
            await proxy.accept()
            back = loop.time()
            await asyncio.sleep(1)
            stop.set()
            return back

        async with asyncio.timeout(60):
            workers = [asyncio.create_task(writer(n)) for n in range(6)]
            workers += [asyncio.create_task(reader(n)) for n in range(4)]
            try:
                back = await faults()
            finally:
                stop.set()
                await asyncio.gather(*workers)

    failed = [o for o in outcomes if o.status == 503]
    assert failed, "the faults never reached a request"
    assert {o.status for o in outcomes} <= {200, 201, 503}, sorted({o.status for o in outcomes})
    for outcome in failed:
        assert outcome.response.headers["content-type"] == "application/problem+json"
        assert outcome.response.json()["type"].endswith("/database-unavailable")
        assert int(outcome.response.headers["Retry-After"]) >= 1
    after = [o for o in outcomes if o.started >= back]
    assert after and all(o.status in (200, 201) for o in after), [o.response.text for o in after if o.status == 503]

    acknowledged = {uuid.UUID(o.response.json()["id"]) for o in outcomes if o.status == 201}
    engine = create_async_engine(deployed_url)  # straight to the server, not through the proxy
    try:
        async with engine.connect() as connection:
            services = set((await connection.execute(select(Service.id))).scalars())
            audited = await connection.scalar(
                select(func.count(func.distinct(AuditEntry.entity_id))).where(
                    AuditEntry.entity_id.in_(acknowledged), AuditEntry.action == "create"
                )
            )
    finally:
        await engine.dispose()
    assert acknowledged <= services and audited == len(acknowledged)
