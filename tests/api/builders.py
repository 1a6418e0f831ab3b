"""Small builders that create records through the API, for tests that need a little structure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@dataclass
class Structure:
    directorate_id: str
    service_id: str
    other_service_id: str
    portfolio_id: str
    owner_id: str
    backup_id: str


async def structure(client: httpx.AsyncClient, headers: dict[str, str]) -> Structure:
    suffix = uuid.uuid4().hex[:6].upper()
    directorate = await post(client, "/api/v1/directorates", {"code": f"D{suffix}", "name": "Place"}, headers)
    portfolio = await post(client, "/api/v1/portfolios", {"code": f"P{suffix}", "name": "Environment"}, headers)
    service = await post(
        client,
        "/api/v1/services",
        {
            "code": f"S{suffix}",
            "name": "Waste",
            "directorate_id": directorate["id"],
            "portfolio_id": portfolio["id"],
        },
        headers,
    )
    other = await post(
        client,
        "/api/v1/services",
        {"code": f"T{suffix}", "name": "Planning", "directorate_id": directorate["id"]},
        headers,
    )
    owner = await post(client, "/api/v1/people", {"name": "Ola Owner", "email": f"o{suffix}@example.gov.uk"}, headers)
    backup = await post(client, "/api/v1/people", {"name": "Bo Backup", "email": f"b{suffix}@example.gov.uk"}, headers)
    return Structure(directorate["id"], service["id"], other["id"], portfolio["id"], owner["id"], backup["id"])


def kpi_body(s: Structure, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "PI-" + uuid.uuid4().hex[:6].upper(),
        "title": "Household waste recycled",
        "unit": "percentage",
        "polarity": "higher_is_better",
        "frequency": "monthly",
        "aggregation": "ratio",
        "decimal_places": 1,
        "service_id": s.service_id,
        "owner_id": s.owner_id,
        "backup_owner_id": s.backup_id,
    }
    body.update(overrides)
    return body


async def approved_target(
    client: httpx.AsyncClient, proposer: dict[str, str], approver: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """A target taken through its approval (only approved targets give a RAG)."""
    target = await post(client, "/api/v1/targets", body, proposer)
    for to, headers in (("proposed", proposer), ("approved", approver)):
        response = await client.post(f"/api/v1/targets/{target['id']}/transition", json={"to": to}, headers=headers)
        assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
