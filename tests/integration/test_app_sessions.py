"""The app as deployed: its own engine and sessions, not the tests' rolled-back transaction.

On PostgreSQL, GET requests run in autocommit read-only sessions; this proves that path serves the
same answers, sees writes committed by earlier requests, and that writes still commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from pmf_api.access.actor import Grant
from pmf_api.access.tokens import mint_token
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.main import attach_engine, create_app
from tests.conftest import Backend, _create_postgres_database, _drop_postgres_database, make_settings, migrate


@pytest.fixture
async def deployed(backend: Backend, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The app on a database of its own (it commits, so it must not share the suite's)."""
    if backend.name == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'deployed.db'}"
    else:
        url = await _create_postgres_database()
    try:
        await migrate(url)
        settings = make_settings(url)
        app = create_app(settings)
        attach_engine(app, settings)
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            # One token plays the whole team: a very small council that relaxes four-eyes.
            organisation = Organisation(
                code="DEPLOYED", name="Deployed District Council", settings={"four_eyes": {"required": False}}
            )
            session.add(organisation)
            await session.commit()
        token = mint_token(
            settings, organisation_id=organisation.id, subject="s", name="n", grants=[Grant(Role.PERFORMANCE)]
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://deployed") as client:
            yield client, {"Authorization": f"Bearer {token}"}
        await app.state.engine.dispose()
    finally:
        if backend.name == "postgresql":
            await _drop_postgres_database(url)


async def test_reads_see_committed_writes(deployed: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    client, h = deployed
    directorate = await client.post("/api/v1/directorates", json={"code": "D", "name": "Place"}, headers=h)
    assert directorate.status_code == 201, directorate.text
    service = await client.post(
        "/api/v1/services", json={"code": "S", "name": "Waste", "directorate_id": directorate.json()["id"]}, headers=h
    )
    kpi = await client.post(
        "/api/v1/kpis",
        json={
            "code": "WS01",
            "title": "Recycling",
            "unit": "percentage",
            "polarity": "higher_is_better",
            "aggregation": "ratio",
            "decimal_places": 1,
            "service_id": service.json()["id"],
        },
        headers=h,
    )
    assert kpi.status_code == 201, kpi.text
    read = await client.get(f"/api/v1/kpis/{kpi.json()['id']}", headers=h)
    assert read.status_code == 200 and read.json()["code"] == "WS01"
    assert read.headers["ETag"] == kpi.headers["ETag"]
    changed = await client.patch(
        f"/api/v1/kpis/{kpi.json()['id']}",
        json={"title": "Household waste recycled"},
        headers={**h, "If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200
    listed = await client.get("/api/v1/kpis", params={"service_id": service.json()["id"]}, headers=h)
    assert [k["title"] for k in listed.json()["items"]] == ["Household waste recycled"]
    saved = await client.put(
        f"/api/v1/kpis/{kpi.json()['id']}/submissions/2025/26 P1",
        json={"numerator": 45, "denominator": 100, "commentary": "Steady", "submit": True},
        headers=h,
    )
    assert saved.status_code == 201, saved.text
    for to in ("validated", "published"):
        moved = await client.post(f"/api/v1/submissions/{saved.json()['id']}/transition", json={"to": to}, headers=h)
        assert moved.status_code == 200, moved.text
    status = await client.get(f"/api/v1/kpis/{kpi.json()['id']}/status", params={"period": "2025/26 P1"}, headers=h)
    assert status.status_code == 200 and status.json()["value"] == 45
    scorecard = await client.get("/api/v1/scorecard", params={"period": "2025/26 P1"}, headers=h)
    assert [item["value"] for item in scorecard.json()["items"]] == [45]
    audit = await client.get("/api/v1/audit", params={"entity_id": kpi.json()["id"]}, headers=h)
    assert [a["action"] for a in audit.json()["items"]] == ["update", "create"]


async def test_concurrent_writes_and_reads_all_succeed(deployed: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    """Many requests at once (a bulk script beside people at their desks): on SQLite a write
    transaction that began as a reader could not take the write lock and failed with "database is
    locked" (a 500); every one must now wait its turn and succeed."""
    client, h = deployed
    directorate = await client.post("/api/v1/directorates", json={"code": "D", "name": "Place"}, headers=h)
    assert directorate.status_code == 201, directorate.text
    path = f"/api/v1/directorates/{directorate.json()['id']}"

    async def rename(n: int) -> int:
        current = await client.get(path, headers=h)
        response = await client.patch(path, json={"name": f"Place {n}"}, headers=h)  # last write wins
        return response.status_code if current.status_code == 200 else current.status_code

    async def create(n: int) -> int:
        body = {"code": f"S{n}", "name": f"Service {n}", "directorate_id": directorate.json()["id"]}
        response = await client.post("/api/v1/services", json=body, headers=h)
        return response.status_code

    statuses = await asyncio.gather(*(rename(n) for n in range(12)), *(create(n) for n in range(12)))
    assert statuses == [200] * 12 + [201] * 12
    listed = await client.get("/api/v1/services", params={"limit": 50}, headers=h)
    assert len(listed.json()["items"]) == 12
