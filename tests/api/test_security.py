"""Credentials and responses (issue #8, items 9, 10, 12 and 13): who may hold a working token, how
many requests and failed sign-ins one client gets, and what every response says about itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import JWTError, jwt
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
        # A load balancer's probes are never held back with its traffic: an instance stays in service
        for probe in ("/healthz", "/readyz"):
            assert (await client.get(probe)).status_code == 200, probe
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


# -- item 13: what responses say ---------------------------------------------------------------------------


async def test_authenticated_responses_are_not_sniffed_or_stored(
    make_client: AppFactory, backend: Backend, org: Org, auth: TokenFactory
) -> None:
    async with make_client() as (client, _):
        h = auth()
        created = await client.post(f"{API}/directorates", json={"code": "D1", "name": "Place"}, headers=h)
        answers = [
            created,
            await client.get(f"{API}/directorates", headers=h),  # fast path
            await client.get(f"{API}/directorates/{created.json()['id']}", headers=h),  # fast path, one record
            await client.get(f"{API}/directorates?colour=red", headers=h),  # full route, 422
            await client.get(f"{API}/kpis", headers={"Authorization": "Bearer nope"}),  # 401
        ]
        for r in answers:
            assert r.headers["X-Content-Type-Options"] == "nosniff", r.request.url
            assert r.headers["Cache-Control"] == "no-store", r.request.url
        health = await client.get("/healthz")
        assert health.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_link_header_is_built_from_the_public_base_url_never_the_host(
    make_client: AppFactory, auth: TokenFactory
) -> None:
    forged = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    lists = [f"{API}/directorates?limit=1", f"{API}/audit?limit=1"]  # the fast path, the full route
    async with make_client(public_base_url="https://pmf.northdale.gov.uk/") as (client, _):
        for code in ("D1", "D2"):
            await post(client, f"{API}/directorates", {"code": code, "name": code}, auth())
        for path in lists:
            r = await client.get(path, headers={**auth(), **forged})
            assert r.status_code == 200, r.text
            link = r.headers["Link"]
            assert link.startswith(f"<https://pmf.northdale.gov.uk{path.split('?')[0]}?"), link
            assert "attacker" not in link
    async with make_client() as (client, _):  # no public base URL: a reference relative to the request
        for path in lists:
            link = (await client.get(path, headers={**auth(), **forged})).headers["Link"]
            assert link.startswith(f"<{path.split('?')[0]}?") and "attacker" not in link, link


async def test_docs_and_spec_can_be_switched_off(make_client: AppFactory, backend: Backend) -> None:
    async with make_client() as (client, _):
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/docs")).status_code == 200
    for changes in ({"api_docs": False}, {"environment": "production"}):
        async with make_client(**changes) as (client, _):
            for path in ("/openapi.json", "/docs", "/redoc"):
                assert (await client.get(path)).status_code == 404, (changes, path)


async def test_the_audit_trail_keeps_our_request_id_and_the_clients_beside_it(
    make_client: AppFactory, auth: TokenFactory
) -> None:
    async with make_client() as (client, _):
        sent = await client.post(f"{API}/directorates", json={"code": "D1", "name": "Place"},
                                 headers={**auth(), "X-Request-ID": "portal-7f3a"})  # fmt: skip
        ours = sent.headers["X-Request-ID"]
        assert ours != "portal-7f3a" and len(ours) == 32
        assert sent.headers["X-Correlation-ID"] == "portal-7f3a"
        unbounded = await client.post(f"{API}/directorates", json={"code": "D2", "name": "Place"},
                                      headers={**auth(), "X-Request-ID": "x" * 500})  # fmt: skip
        assert "X-Correlation-ID" not in unbounded.headers
        entries = (await client.get(f"{API}/audit", params={"entity_type": "directorate"}, headers=auth())).json()
        by_entity = {e["entity_id"]: e for e in entries["items"]}
        first, second = by_entity[sent.json()["id"]], by_entity[unbounded.json()["id"]]
        assert (first["request_id"], first["correlation_id"]) == (ours, "portal-7f3a")
        assert (second["request_id"], second["correlation_id"]) == (unbounded.headers["X-Request-ID"], None)


# -- item 9 and 13 end to end: the README's two commands, on a real server -------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_quick_start_serves_tokens_signed_with_the_installations_own_secret(tmp_path: Path) -> None:
    """``pmf-api up`` then ``pmf-api token`` in another terminal, in a fresh folder: the token works,
    the secret is the installation's own (not one in the source), and the server names no software."""
    cli = Path(sys.executable).with_name("pmf-api")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMF_")} | {"PMF_LOG_JSON": "false"}
    port = _free_port()
    server = subprocess.Popen(
        [str(cli), "up", "--port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        token = subprocess.run(
            [str(cli), "token"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
        r = httpx.get(f"http://127.0.0.1:{port}{API}/kpis?limit=1", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert "server" not in r.headers
        secrets_beside = list(tmp_path.glob("pmf.db*secret*"))
        assert len(secrets_beside) == 1 and secrets_beside[0].stat().st_mode & 0o077 == 0
        with pytest.raises(JWTError):  # the secret written in the source before 2026-11 signs nothing here
            jwt.decode(token, "development-only-secret-change-me-0123456789", algorithms=["HS256"], audience="pmf-api")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "development mode" in output, output
