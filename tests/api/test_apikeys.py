"""API keys through HTTP: created by the performance team and shown once, listed by prefix,
scoped like a grant, revoked for good, and never written to the audit trail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from pmf_api.access.actor import ScopeType
from pmf_api.access.keys import ApiKey
from pmf_api.domain.workflow import Role
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import Deployed, Org, TokenFactory

KEYS = "/api/v1/api-keys"
BULK = "/api/v1/submissions/bulk"


async def test_key_lifecycle(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(Role.PERFORMANCE)
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)

    created = await post(client, KEYS, {"name": "Waste system", "role": "performance"}, h)
    secret = created["key"]
    assert secret.startswith(created["prefix"]) and len(secret) > 40
    assert created["last_used_at"] is None and created["created_by"] == "tester@example.gov.uk"

    key = {"X-API-Key": secret}
    rows = [{"kpi_code": kpi["code"], "period": "2025/26 P1", "value": 3}]
    pushed = await client.post(BULK, json={"rows": rows}, headers=key)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["rows"][0]["outcome"] == "created"
    read = await client.get(f"/api/v1/kpis/{kpi['id']}", headers=key)
    assert read.status_code == 200

    listed = await client.get(KEYS, headers=h)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert "key" not in item and item["prefix"] == created["prefix"] and item["last_used_at"] is not None

    audit = await client.get("/api/v1/audit", params={"entity_id": created["id"]}, headers=h)
    entries = audit.json()["items"]
    assert [e["action"] for e in entries] == ["create"]
    assert secret not in str(entries) and "key_hash" not in entries[0]["after"]
    submission_audit = await client.get("/api/v1/audit", params={"entity_type": "submission"}, headers=h)
    assert submission_audit.json()["items"][0]["actor_subject"] == f"api-key:{created['prefix']}"

    revoked = await client.post(f"{KEYS}/{created['id']}/revoke", headers=h)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await client.post(BULK, json={"rows": rows}, headers=key)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "revoked" in refused.json()["detail"]
    again = await client.post(f"{KEYS}/{created['id']}/revoke", headers=h)
    assert again.status_code == 409
    assert (await client.get(KEYS, headers=h)).json()["items"] == []
    assert len((await client.get(KEYS, params={"include_revoked": "true"}, headers=h)).json()["items"]) == 1


async def test_unknown_keys_are_refused(client: httpx.AsyncClient) -> None:
    for secret in ("pmf_notarealkeyatallnotarealkeyatall", "nonsense", ""):
        response = await client.get("/api/v1/kpis", headers={"X-API-Key": secret})
        assert response.status_code == 401, secret
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_only_the_performance_team_manages_keys(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth(Role.PERFORMANCE)
    body = {"name": "Script", "role": "viewer"}
    assert (await client.post(KEYS, json=body, headers=auth(Role.SERVICE_MANAGER))).status_code == 403
    assert (await client.get(KEYS, headers=auth(Role.VIEWER))).status_code == 403
    created = await post(client, KEYS, body, h)
    # Another council's performance team sees neither the key nor a way to revoke it.
    theirs = auth(Role.PERFORMANCE, organisation=other_org)
    assert (await client.get(KEYS, headers=theirs)).json()["items"] == []
    assert (await client.post(f"{KEYS}/{created['id']}/revoke", headers=theirs)).status_code == 404
    # A key cannot manage keys unless its role is performance.
    viewer_key = {"X-API-Key": created["key"]}
    assert (await client.post(KEYS, json=body, headers=viewer_key)).status_code == 403


async def test_key_scope_limits_what_it_pushes(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(Role.PERFORMANCE)
    s = await structure(client, h)
    mine = await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)
    other = await post(
        client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum", service_id=s.other_service_id), h
    )
    scoped = await post(
        client, KEYS, {"name": "Waste", "role": "performance", "scope": "service", "scope_id": s.service_id}, h
    )
    assert scoped["scope"] == ScopeType.SERVICE.value
    rows = [
        {"kpi_code": mine["code"], "period": "2025/26 P1", "value": 1},
        {"kpi_code": other["code"], "period": "2025/26 P1", "value": 1},
    ]
    response = await client.post(BULK, json={"rows": rows}, headers={"X-API-Key": scoped["key"]})
    assert [r["outcome"] for r in response.json()["rows"]] == ["created", "rejected"]
    error = response.json()["rows"][1]["errors"][0]
    assert error["pointer"] == "#/rows/1/kpi_code" and "outside the scope of your role" in error["detail"]

    viewer = await post(client, KEYS, {"name": "Reader", "role": "viewer"}, h)
    refused = await client.post(BULK, json={"rows": rows}, headers={"X-API-Key": viewer["key"]})
    assert refused.status_code == 403

    bad_scope = await client.post(KEYS, json={"name": "X", "role": "viewer", "scope": "service"}, headers=h)
    assert bad_scope.status_code == 422 and bad_scope.json()["errors"][0]["pointer"] == "#/scope_id"


async def test_a_monthly_job_pushes_with_its_key(deployed: Deployed) -> None:
    """The README's bulk example, on the app's own sessions: a key whose use is due to be recorded
    (fresh, or last used a month ago) writes at once. Recording its use once waited for the write
    lock the request itself held, and on SQLite every such push got 503 after 5 s (issue #8, item 2)."""
    client, h = deployed.client, deployed.h
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)
    created = await post(client, KEYS, {"name": "Waste system feed", "role": "performance"}, h)
    key = {"X-API-Key": created["key"], "Content-Type": "text/csv"}

    for month in (1, 2):
        csv = f"kpi_code,period,value,commentary\n{kpi['code']},2025/26 P{month},{month},From the waste system\n"
        pushed = await client.post(BULK, content=csv, headers={**key, "Idempotency-Key": f"feed-{month}"})
        assert pushed.status_code == 200, pushed.text
        assert pushed.json()["summary"]["created"] == 1
        last_used = await _last_used(deployed, created["id"])
        assert last_used is not None and datetime.now(UTC) - last_used < timedelta(minutes=1)
        # A month passes before the next run.
        await _set_last_used(deployed, created["id"], datetime.now(UTC) - timedelta(days=31))


async def _last_used(deployed: Deployed, key_id: str) -> datetime | None:
    async with deployed.app.state.sessionmaker() as session:
        found: datetime | None = await session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == uuid.UUID(key_id)))
        return found


async def _set_last_used(deployed: Deployed, key_id: str, when: datetime) -> None:
    async with deployed.app.state.sessionmaker() as session:
        await session.execute(update(ApiKey).where(ApiKey.id == uuid.UUID(key_id)).values(last_used_at=when))
        await session.commit()
