"""Credentials and responses (issue #8, items 9, 10, 12 and 13): who may hold a working token, how
many requests and failed sign-ins one client gets, and what every response says about itself."""

from __future__ import annotations

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
