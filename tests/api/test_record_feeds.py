"""The record feeds through HTTP, as Power BI reads them: in the public catalogue, read with a
read-only API key in the URL, as CSV, filtered by period_end and paged by Link."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant, ScopeType
from pmf_api.access.tokens import mint_token
from pmf_api.demo import load_demo
from pmf_api.domain.workflow import Role
from tests.conftest import Backend

FEEDS = "/api/v1/feeds"
RECORD_FEEDS = ("actions", "action-updates", "risks", "interventions", "contextual-values")


async def _demo_team(backend: Backend, maker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with maker() as session:
        organisation = await load_demo(session)
        await session.commit()
    token = mint_token(
        backend.settings,
        organisation_id=organisation.id,
        subject="team@example.gov.uk",
        name="Team",
        grants=[Grant(Role.PERFORMANCE, ScopeType.ORGANISATION, None)],
    )
    return {"Authorization": f"Bearer {token}"}


async def test_the_record_feeds_are_in_the_catalogue(client: httpx.AsyncClient) -> None:
    r = await client.get(FEEDS)
    assert r.status_code == 200, r.text
    body = r.json()
    listed = {entry["name"]: entry for entry in body["feeds"]}
    for name in RECORD_FEEDS:
        assert name in listed, name
    names = [column["name"] for column in listed["actions"]["columns"]]
    assert {"owner_name", "service_name", "status", "updated_at"} <= set(names)


async def test_power_bi_reads_action_updates_by_quarter_as_csv_with_a_key_in_the_url(
    client: httpx.AsyncClient, backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    team = await _demo_team(backend, connection_sessionmaker)
    created = await client.post("/api/v1/api-keys", json={"name": "Power BI", "role": "viewer"}, headers=team)
    assert created.status_code == 201, created.text
    key = created.json()["key"]

    everything = await client.get(f"{FEEDS}/action-updates", params={"api_key": key})
    assert everything.status_code == 200, everything.text
    items = everything.json()["items"]
    assert {item["period_end"] for item in items} == {"2026-06-30", "2026-09-30"}

    q2 = await client.get(
        f"{FEEDS}/action-updates",
        params={"api_key": key, "range_start": "2026-07-01", "range_end": "2026-09-30", "format": "csv"},
    )
    assert q2.status_code == 200, q2.text
    assert q2.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(q2.text)))
    assert rows and {row["quarter"] for row in rows} == {"2"}
    assert all(row["action_code"] and row["service_name"] for row in rows)
    assert len(rows) == sum(item["quarter"] == 2 for item in items)

    first = await client.get(f"{FEEDS}/risks", params={"api_key": key, "limit": 1})
    assert first.status_code == 200, first.text
    link = first.headers["link"]
    assert 'rel="next"' in link and key not in link
    next_url = link.split(">")[0].lstrip("<")
    assert "cursor=" in next_url
    second = await client.get(f"{next_url}&api_key={key}")  # as Power BI adds its ApiKeyName
    assert second.status_code == 200, second.text
    assert second.json()["items"][0]["risk_id"] != first.json()["items"][0]["risk_id"]


async def test_a_key_that_may_write_reads_the_feeds_only_from_a_header(
    client: httpx.AsyncClient, backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    team = await _demo_team(backend, connection_sessionmaker)
    created = await client.post("/api/v1/api-keys", json={"name": "Case system", "role": "performance"}, headers=team)
    key = created.json()["key"]
    assert (await client.get(f"{FEEDS}/actions", params={"api_key": key})).status_code == 401
    read = await client.get(f"{FEEDS}/actions", headers={"X-API-Key": key})
    assert read.status_code == 200 and read.json()["items"]
