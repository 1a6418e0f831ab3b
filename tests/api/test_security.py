"""Credentials and responses (issue #8, items 9, 10, 12 and 13): who may hold a working token, how
many requests and failed sign-ins one client gets, and what every response says about itself."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant
from pmf_api.access.tokens import mint_token
from pmf_api.domain.workflow import Role
from pmf_api.main import create_app
from tests.api.builders import post, structure
from tests.api.conftest import Org, TokenFactory
from tests.conftest import Backend

API = "/api/v1"
AppFactory = Callable[..., Any]


@pytest.fixture
def make_client(backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[..., Any]:
    """``async with make_client(rate_limit_per_credential="5/minute") as (client, app):`` an app on the
    test's database with some settings changed (``client_address`` sets where requests come from)."""

    @asynccontextmanager
    async def opened(
        client_address: tuple[str, int] = ("127.0.0.1", 123), **changes: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
        app = create_app(backend.settings.model_copy(update=changes))
        app.state.engine = backend.engine
        app.state.sessionmaker = connection_sessionmaker
        transport = httpx.ASGITransport(app=app, client=client_address)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app

    return opened


def _bearer(backend: Backend, org: Org, **claims: Any) -> dict[str, str]:
    token = mint_token(
        backend.settings,
        organisation_id=org.id,
        subject=claims.pop("subject", "someone@example.gov.uk"),
        name="Someone",
        grants=[Grant(Role.PERFORMANCE)],
        **claims,
    )
    return {"Authorization": f"Bearer {token}"}


# -- item 10: tokens of archived people, tokens from the future, tokens that live too long ---------------------


async def test_an_archived_persons_token_is_refused_within_a_minute(
    make_client: AppFactory, backend: Backend, org: Org, auth: TokenFactory
) -> None:
    async with make_client() as (client, app):
        s = await structure(client, auth())
        kpi = await post(client, f"{API}/kpis", {"code": "K1", "title": "Missed bins", "unit": "count",
                                                 "polarity": "lower_is_better", "frequency": "monthly",
                                                 "aggregation": "sum", "service_id": s.service_id}, auth())  # fmt: skip
        theirs = auth(Role.KPI_OWNER, person_id=s.owner_id)
        reads = [f"{API}/kpis", f"{API}/kpis/{kpi['id']}", f"{API}/kpis?frequency=monthly&frequency=annual"]
        for path in reads:  # the fast read path (the first two) and the full route
            assert (await client.get(path, headers=theirs)).status_code == 200, path
        archived = await client.post(f"{API}/people/{s.owner_id}/archive", headers=auth())
        assert archived.status_code == 200, archived.text
        clock = app.state.people.clock
        app.state.people.clock = lambda: clock() + 61  # a minute on
        for path in reads:
            refused = await client.get(path, headers=theirs)
            assert refused.status_code == 401, (path, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert "archived" in refused.json()["detail"]
        # Restored, they are let in again (within the minute)
        assert (await client.post(f"{API}/people/{s.owner_id}/restore", headers=auth())).status_code == 200
        app.state.people.clock = lambda: clock() + 122
        assert (await client.get(reads[0], headers=theirs)).status_code == 200


async def test_a_token_for_a_person_unknown_to_the_council_is_refused(
    make_client: AppFactory, org: Org, other_org: Org, auth: TokenFactory
) -> None:
    async with make_client() as (client, _):
        elsewhere = await post(client, f"{API}/people", {"name": "Sam", "email": "sam@example.gov.uk"},
                               auth(organisation=other_org))  # fmt: skip
        for person_id in (uuid.uuid4(), elsewhere["id"]):
            for path in (f"{API}/kpis", f"{API}/kpis?frequency=monthly&frequency=annual"):
                r = await client.get(path, headers=auth(person_id=person_id))
                assert r.status_code == 401, (path, r.text)


async def test_tokens_issued_in_the_future_or_living_too_long_are_refused(
    make_client: AppFactory, backend: Backend, org: Org
) -> None:
    now = datetime.now(UTC)
    cases = {
        "issued in five minutes": (_bearer(backend, org, now=now + timedelta(minutes=5)), 401),
        "lives a day": (_bearer(backend, org, ttl=timedelta(hours=24)), 401),
        "lives a minute beyond the maximum": (_bearer(backend, org, ttl=timedelta(minutes=121)), 401),
        "lives the maximum": (_bearer(backend, org, ttl=timedelta(minutes=120)), 200),
        "issued 30 s ahead (clock skew)": (
            _bearer(backend, org, now=now + timedelta(seconds=30), ttl=timedelta(minutes=60)),
            200,
        ),
    }
    async with make_client(jwt_max_ttl_minutes=120, jwt_ttl_minutes=60) as (client, _):
        for name, (headers, status) in cases.items():
            for path in (f"{API}/kpis", f"{API}/kpis?frequency=monthly&frequency=annual"):
                r = await client.get(path, headers=headers)
                assert r.status_code == status, (name, path, r.text)


# -- item 12: rate limits ------------------------------------------------------------------------------------


async def test_one_credential_gets_its_limit_then_429_with_retry_after(
    make_client: AppFactory, backend: Backend, org: Org
) -> None:
    mine, yours = _bearer(backend, org, subject="a@example.gov.uk"), _bearer(backend, org, subject="b@example.gov.uk")
    async with make_client(rate_limit_per_credential="5/minute") as (client, _):
        paths = [f"{API}/kpis", f"{API}/kpis?frequency=monthly&frequency=annual"]  # fast path and full route
        for i in range(5):
            assert (await client.get(paths[i % 2], headers=mine)).status_code == 200
        for path in paths:
            refused = await client.get(path, headers=mine)
            assert refused.status_code == 429, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"].endswith("/too-many-requests")
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert refused.json()["request_id"] == refused.headers["X-Request-ID"]
        assert (await client.get(paths[0], headers=yours)).status_code == 200  # another credential's own count


async def test_one_client_address_gets_its_limit_whatever_it_sends(
    make_client: AppFactory, backend: Backend, org: Org
) -> None:
    async with make_client(rate_limit_per_address="6/minute", client_address=("203.0.113.7", 4000)) as (client, _):
        for i in range(6):
            headers = _bearer(backend, org, subject=f"user{i}@example.gov.uk")
            assert (await client.get(f"{API}/kpis", headers=headers)).status_code == 200
        assert (await client.get(f"{API}/kpis", headers=_bearer(backend, org))).status_code == 429
        assert (await client.get("/healthz")).status_code == 429
    async with make_client(rate_limit_per_address="6/minute", client_address=("203.0.113.8", 4000)) as (client, _):
        assert (await client.get(f"{API}/kpis", headers=_bearer(backend, org))).status_code == 200


async def test_failed_sign_ins_are_limited_more_strictly(make_client: AppFactory, backend: Backend, org: Org) -> None:
    good = _bearer(backend, org)
    bad_credentials = [
        {"Authorization": "Bearer not-a-token"},
        {"X-API-Key": "pmf_" + "x" * 40},
        {"Authorization": "Bearer " + mint_token(backend.settings.model_copy(update={"jwt_secret": "y" * 48}),
                                                 organisation_id=org.id, subject="s", name="n", grants=[])},
    ]  # fmt: skip
    async with make_client(rate_limit_failed_authentication="3/minute") as (client, _):
        for headers in bad_credentials:
            assert (await client.get(f"{API}/kpis", headers=headers)).status_code == 401
        for headers in [*bad_credentials, {"X-API-Key": "pmf_" + "z" * 40}, good]:
            refused = await client.get(f"{API}/kpis", headers=headers)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["Retry-After"]) >= 1
    async with make_client(rate_limit_failed_authentication="3/minute", client_address=("198.51.100.1", 1)) as (
        client,
        _,
    ):
        assert (await client.get(f"{API}/kpis", headers=good)).status_code == 200  # another address is not held


def _redis_url() -> str:
    url = os.environ.get("PMF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError as exc:
        pytest.skip(f"Redis at {url} is not reachable ({exc}); the shared rate limit is not tested")
    return url


async def test_limits_are_shared_across_instances_through_redis(
    make_client: AppFactory, backend: Backend, org: Org
) -> None:
    shared = {
        "rate_limit_storage_url": _redis_url(),
        "rate_limit_key_prefix": "pmf-test-" + uuid.uuid4().hex,
        "rate_limit_per_credential": "6/minute",
    }
    headers = _bearer(backend, org)
    async with make_client(**shared) as (first, _), make_client(**shared) as (second, _):
        for i in range(6):
            assert (await (first, second)[i % 2].get(f"{API}/kpis", headers=headers)).status_code == 200
        assert (await first.get(f"{API}/kpis", headers=headers)).status_code == 429
        assert (await second.get(f"{API}/kpis", headers=headers)).status_code == 429
