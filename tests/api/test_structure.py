"""Directorates, services, portfolios and people through HTTP."""

from __future__ import annotations

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.conftest import Org, TokenFactory


async def test_performance_team_builds_structure(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    r = await client.post("/api/v1/directorates", json={"code": "COMM", "name": "Communities"}, headers=h)
    assert r.status_code == 201, r.text
    directorate = r.json()
    assert r.headers["ETag"]
    assert r.headers["Location"].endswith(directorate["id"])
    r = await client.post(
        "/api/v1/services",
        json={"code": "WASTE", "name": "Waste", "directorate_id": directorate["id"]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/services", params={"directorate_id": directorate["id"]}, headers=h)
    assert [s["code"] for s in r.json()["items"]] == ["WASTE"]


async def test_unknown_field_and_bad_reference_are_422_with_pointers(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    r = await client.post("/api/v1/directorates", json={"code": "X", "name": "X", "colour": "red"}, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["pointer"] == "#/colour"
    other = await client.post(
        "/api/v1/directorates", json={"code": "O", "name": "O"}, headers=auth(organisation=other_org)
    )
    r = await client.post(
        "/api/v1/services", json={"code": "S", "name": "S", "directorate_id": other.json()["id"]}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/directorate_id"


async def test_other_organisation_is_404_and_viewer_cannot_write(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    r = await client.post("/api/v1/directorates", json={"code": "D", "name": "D"}, headers=auth())
    directorate_id = r.json()["id"]
    r = await client.get(f"/api/v1/directorates/{directorate_id}", headers=auth(organisation=other_org))
    assert r.status_code == 404
    r = await client.patch(f"/api/v1/directorates/{directorate_id}", json={"name": "Z"}, headers=auth(Role.VIEWER))
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/directorates",
        json={"code": "E", "name": "E"},
        headers=auth(Role.SERVICE_MANAGER, scope=ScopeType.ORGANISATION),
    )
    assert r.status_code == 403


async def test_stale_if_match_is_412_and_changes_nothing(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    r = await client.post("/api/v1/directorates", json={"code": "D", "name": "Before"}, headers=h)
    url = f"/api/v1/directorates/{r.json()['id']}"
    first_etag = r.headers["ETag"]
    r = await client.patch(url, json={"name": "Second"}, headers={**h, "If-Match": first_etag})
    assert r.status_code == 200
    r = await client.patch(url, json={"name": "Third"}, headers={**h, "If-Match": first_etag})
    assert r.status_code == 412
    assert (await client.get(url, headers=h)).json()["name"] == "Second"


async def test_organisation_settings_drive_the_collection_calendar(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    before = await client.get("/api/v1/organisation", headers=h)
    assert before.json()["settings"]["collection"]["due_working_days"] == 10
    assert before.json()["settings"]["escalation"]["consecutive_red_periods"] == 2
    params = {"financial_year": "2025/26", "frequency": "monthly"}
    due_before = (await client.get("/api/v1/collection/periods", params=params, headers=h)).json()
    r = await client.patch(
        "/api/v1/organisation",
        json={"settings": {"collection": {"due_working_days": 5}}},
        headers={**h, "If-Match": before.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["collection"]["due_working_days"] == 5
    assert r.json()["settings"]["escalation"]["consecutive_red_periods"] == 2
    due_after = (await client.get("/api/v1/collection/periods", params=params, headers=h)).json()
    september = "2025/26 P6"
    first = next(p for p in due_before["items"] if p["period"] == september)
    second = next(p for p in due_after["items"] if p["period"] == september)
    assert (first["due_on"], second["due_on"]) == ("2025-10-14", "2025-10-07")
    r = await client.patch(
        "/api/v1/organisation", json={"settings": {"collection": {"due_working_days": 0}}}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/settings/collection/due_working_days"
    r = await client.patch("/api/v1/organisation", json={"settings": {"colour": "red"}}, headers=h)
    assert r.status_code == 422
    assert (
        await client.patch("/api/v1/organisation", json={"name": "X"}, headers=auth(Role.DIRECTOR))
    ).status_code == 403
