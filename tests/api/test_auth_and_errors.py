"""Tokens, scopes and the shape of every error."""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from jose import jwt
from sqlalchemy.exc import DBAPIError, OperationalError

from pmf_api.access import records
from pmf_api.access.actor import Grant
from pmf_api.access.tokens import mint_token
from pmf_api.domain.workflow import Role
from pmf_api.platform.observability import JsonLogFormatter
from tests.api.conftest import Org, TokenFactory
from tests.conftest import Backend


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(backend: Backend, organisation: Org, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": backend.settings.jwt_issuer,
        "aud": backend.settings.jwt_audience,
        "sub": "someone",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "org": str(organisation.id),
        "grants": [{"role": "performance", "scope": "organisation"}],
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def bad_tokens(backend: Backend, org: Org) -> dict[str, str]:
    secret = backend.settings.jwt_secret
    return {
        "malformed": "not-a-jwt",
        "alg none": _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(backend, org)) + ".",
        "wrong signature": jwt.encode(_claims(backend, org), "another-secret-" + "y" * 40, algorithm="HS256"),
        "expired": jwt.encode(
            _claims(backend, org, exp=int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())),
            secret,
            algorithm="HS256",
        ),
        "no expiry": jwt.encode(_claims(backend, org, exp=None), secret, algorithm="HS256"),
        "wrong audience": jwt.encode(_claims(backend, org, aud="someone-else"), secret, algorithm="HS256"),
        "wrong issuer": jwt.encode(_claims(backend, org, iss="evil"), secret, algorithm="HS256"),
        "other algorithm": jwt.encode(_claims(backend, org), secret, algorithm="HS512"),
        "unknown role": jwt.encode(_claims(backend, org, grants=[{"role": "mayor"}]), secret, algorithm="HS256"),
        "bad organisation": jwt.encode(_claims(backend, org, org="north"), secret, algorithm="HS256"),
        "scoped grant without id": jwt.encode(
            _claims(backend, org, grants=[{"role": "director", "scope": "directorate"}]),
            secret,
            algorithm="HS256",
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "malformed",
        "alg none",
        "wrong signature",
        "expired",
        "no expiry",
        "wrong audience",
        "wrong issuer",
        "other algorithm",
        "unknown role",
        "bad organisation",
        "scoped grant without id",
    ],
)
async def test_untrusted_tokens_get_401_problem(
    client: httpx.AsyncClient, backend: Backend, org: Org, kind: str
) -> None:
    token = bad_tokens(backend, org)[kind]
    r = await client.post(
        "/api/v1/directorates", json={"code": "D", "name": "D"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401, (kind, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    good = {
        "Authorization": "Bearer "
        + mint_token(backend.settings, organisation_id=org.id, subject="s", name="n", grants=[Grant(Role.PERFORMANCE)])
    }
    assert (await client.get("/api/v1/directorates", headers=good)).json()["items"] == []


async def test_missing_token_and_token_without_roles(client: httpx.AsyncClient, backend: Backend, org: Org) -> None:
    r = await client.get("/api/v1/kpis")
    assert r.status_code == 401
    token = mint_token(backend.settings, organisation_id=org.id, subject="s", name="n", grants=[])
    r = await client.get("/api/v1/kpis", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403


async def test_health_needs_no_token_and_reports_migrations(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {
        "status": "ok",
        "detail": None,
        "database_revision": None,
        "expected_revision": None,
    }
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["database_revision"] == ready.json()["expected_revision"]


async def test_request_id_is_ours_and_the_clients_is_echoed_beside_it(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    r = await client.get("/api/v1/kpis", headers={**auth(), "X-Request-ID": "trace-123"})
    assert r.headers["X-Correlation-ID"] == "trace-123"
    assert r.headers["X-Request-ID"] != "trace-123" and len(r.headers["X-Request-ID"]) == 32
    r = await client.get("/api/v1/kpis/" + str(uuid.uuid4()), headers=auth())
    assert r.status_code == 404
    assert r.json()["request_id"] == r.headers["X-Request-ID"]
    assert len(r.headers["X-Request-ID"]) == 32


async def test_oversized_body_is_413_and_writes_nothing(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    huge = {"code": "BIG", "name": "x" * 2_000_000}
    r = await client.post("/api/v1/directorates", json=huge, headers=h)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/directorates", headers=h)).json()["items"] == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/directorates", "{not json", 400),  # malformed: 400, as documented
        ("post", "/api/v1/directorates", "[]", 422),
        ("get", "/api/v1/kpis/not-a-uuid", None, 422),
        ("get", "/api/v1/kpis?limit=0", None, 422),
        ("get", "/api/v1/kpis?limit=abc", None, 422),
        ("get", "/api/v1/kpis?sort=colour", None, 422),
        ("get", "/api/v1/kpis?cursor=%%%", None, 422),
        ("get", "/api/v1/kpis?colour=red", None, 422),
        ("get", "/api/v1/kpis?updated_since=yesterday", None, 422),
        ("get", "/api/v1/kpis?updated_since=2026-11-01T00:00:00", None, 422),  # no offset: which 00:00?
        ("get", "/api/v1/actions?updated_since=2026-11-01", None, 422),
        ("get", "/api/v1/audit?since=2026-11-01T09:00:00", None, 422),
        ("get", "/api/v1/audit?until=2026-11-01", None, 422),
        ("get", "/api/v1/nothing-here", None, 404),
        ("delete", "/api/v1/kpis", None, 405),
        ("patch", "/api/v1/kpis/" + str(uuid.UUID(int=0)), "{}", 404),
    ],
)
async def test_bad_requests_get_problem_json_never_500(
    client: httpx.AsyncClient, auth: TokenFactory, method: str, path: str, body: str | None, status: int
) -> None:
    headers = {**auth(), "Content-Type": "application/json"}
    r = await client.request(method, path, content=body, headers=headers)
    assert r.status_code == status, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == status and problem["title"] and problem["detail"]


async def test_if_match_malformed_is_412(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    created = (await client.post("/api/v1/directorates", json={"code": "D", "name": "D"}, headers=h)).json()
    r = await client.patch(
        f"/api/v1/directorates/{created['id']}", json={"name": "E"}, headers={**h, "If-Match": "banana"}
    )
    assert r.status_code == 412
    r = await client.patch(f"/api/v1/directorates/{created['id']}", json={"name": "E"}, headers={**h, "If-Match": "*"})
    assert r.status_code == 200


async def test_audit_trail_records_every_write_and_is_restricted(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    created = (await client.post("/api/v1/directorates", json={"code": "D", "name": "Before"}, headers=h)).json()
    await client.patch(f"/api/v1/directorates/{created['id']}", json={"name": "After"}, headers=h)
    await client.post(f"/api/v1/directorates/{created['id']}/archive", headers=h)
    r = await client.get("/api/v1/audit", params={"entity_type": "directorate"}, headers=auth(Role.AUDITOR))
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["archive", "update", "create"]
    update = entries[1]
    assert update["before"]["name"] == "Before" and update["after"]["name"] == "After"
    assert update["actor_subject"] == "tester@example.gov.uk"
    assert update["request_id"]
    assert (await client.get("/api/v1/audit", headers=auth(Role.VIEWER))).status_code == 403
    assert (await client.get("/api/v1/audit", params={"action": "create"}, headers=h)).json()["items"][0][
        "entity_id"
    ] == created["id"]


class _Locked(Exception):
    """What a driver raises when a lock could not be had (SQLite's message, PostgreSQL's state)."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("UPDATE directorate ...", {}, _Locked("database is locked")),
        DBAPIError("UPDATE directorate ...", {}, _Locked("deadlock detected", sqlstate="40P01")),
        DBAPIError("UPDATE directorate ...", {}, _Locked("could not serialize access", sqlstate="40001")),
    ],
)
async def test_a_write_that_lost_a_lock_gets_503_and_retry_after(
    client: httpx.AsyncClient, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch, error: DBAPIError
) -> None:
    async def contended(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(records, "create", contended)
    r = await client.post("/api/v1/directorates", json={"code": "D1", "name": "Place"}, headers=auth())
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "1" and r.json()["type"].endswith("/database-busy")
    assert (await client.get("/api/v1/directorates", headers=auth())).json()["items"] == []


async def test_other_database_errors_stay_500(
    client: httpx.AsyncClient, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise OperationalError("SELECT ...", {}, _Locked("disk I/O error"))

    monkeypatch.setattr(records, "create", broken)
    r = await client.post("/api/v1/directorates", json={"code": "D1", "name": "Place"}, headers=auth())
    assert r.status_code == 500 and r.json()["type"].endswith("/internal-error")


async def test_an_unexpected_error_is_logged_once_with_its_request_id(
    client: httpx.AsyncClient, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500 leaves one traceback in the log, carrying the request id the client was given, so an
    operator can find it from the id a user quotes; not a second, anonymous one from the server."""

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr(records, "create", broken)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonLogFormatter())
    logging.getLogger().addHandler(handler)
    logging.getLogger("pmf_api").addHandler(handler)
    try:
        r = await client.post("/api/v1/directorates", json={"code": "D1", "name": "Place"}, headers=auth())
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("pmf_api").removeHandler(handler)
    assert r.status_code == 500 and r.json()["type"].endswith("/internal-error")
    request_id = r.headers["x-request-id"]
    assert r.json()["request_id"] == request_id
    entries = [json.loads(line) for line in lines.getvalue().splitlines()]
    tracebacks = [e for e in entries if "exception" in e]
    assert len(tracebacks) == 1, entries
    assert tracebacks[0]["request_id"] == request_id and "a defect" in tracebacks[0]["exception"]


async def test_a_nul_character_is_refused_with_a_pointer(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    """PostgreSQL cannot store U+0000 in text (500) and SQLite stored it: both refuse it now, in
    bodies, nested bodies and query filters alike, before anything reaches the database (issue #8,
    item 8)."""
    h = auth()
    created = await client.post("/api/v1/directorates", json={"code": "D1", "name": "Pla\x00ce"}, headers=h)
    assert created.status_code == 422, created.text
    assert created.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in created.json()["errors"]] == ["#/name"]
    assert "NUL" in created.json()["errors"][0]["detail"]

    directorate = await client.post("/api/v1/directorates", json={"code": "D1", "name": "Place"}, headers=h)
    path = f"/api/v1/directorates/{directorate.json()['id']}"
    changed = await client.patch(path, json={"name": "Place\x00"}, headers=h)
    assert changed.status_code == 422 and changed.json()["errors"][0]["pointer"] == "#/name"
    assert (await client.get(path, headers=h)).json()["name"] == "Place"

    for filters in ({"code": "D\x001"}, {"code": "D1", "limit": "5"}):
        listed = await client.get("/api/v1/directorates", params=filters, headers=h)
        if "\x00" in filters["code"]:
            assert listed.status_code == 422, listed.text
            assert [e["pointer"] for e in listed.json()["errors"]] == ["query:code"]
        else:
            assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    status = await client.get("/api/v1/scorecard", params={"period": "2025/26 P1\x00"}, headers=h)
    assert status.status_code == 422 and status.json()["errors"][0]["pointer"] == "query:period"
    template = await client.get(
        f"/api/v1/services/{uuid.uuid4()}/submission-template", params={"period": "\x002025/26 P1"}, headers=h
    )
    assert template.status_code == 422 and template.json()["errors"][0]["pointer"] == "query:period"
