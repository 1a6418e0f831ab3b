"""Corporate plans, priorities, outcomes and service plans through HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.platform.audit import AuditEntry
from tests.api.conftest import Org, TokenFactory

PLAN = {"title": "Corporate Plan 2023-2028", "start_year": 2023, "end_year": 2028}


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=headers)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def make_service(
    client: httpx.AsyncClient, headers: dict[str, str], code: str = "WASTE", directorate_id: str | None = None
) -> dict[str, Any]:
    if directorate_id is None:
        directorate_id = (await post(client, "/api/v1/directorates", {"code": f"D-{code}", "name": "D"}, headers))["id"]
    return await post(
        client,
        "/api/v1/services",
        {"code": code, "name": code.title(), "directorate_id": directorate_id},
        headers,
    )


async def audit_actions(maker: async_sessionmaker[AsyncSession], entity_id: str) -> list[AuditEntry]:
    async with maker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(entity_id)).order_by(AuditEntry.at)
        )
        return list(rows)


# Corporate plans, priorities, outcomes ---------------------------------------------------------


async def test_corporate_plan_lifecycle_and_audit(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    r = await client.post("/api/v1/corporate-plans", json={**PLAN, "description": "Our plan"}, headers=h)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["status"] == "draft"
    assert r.headers["Location"].endswith(plan["id"])
    url = f"/api/v1/corporate-plans/{plan['id']}"

    r = await client.patch(
        url, json={"status": "adopted", "description": None}, headers={**h, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "adopted"
    assert r.json()["description"] is None
    assert r.json()["version"] == 2

    r = await client.post(f"{url}/archive", headers=h)
    assert r.status_code == 200
    assert r.json()["archived_at"] is not None
    assert (await client.get("/api/v1/corporate-plans", headers=h)).json()["items"] == []
    r = await client.get("/api/v1/corporate-plans", params={"include_archived": "true"}, headers=h)
    assert [p["id"] for p in r.json()["items"]] == [plan["id"]]
    r = await client.post(f"{url}/restore", headers=h)
    assert r.json()["archived_at"] is None

    entries = await audit_actions(connection_sessionmaker, plan["id"])
    assert [e.action for e in entries] == ["create", "update", "archive", "restore"]
    assert entries[1].before is not None and entries[1].before["status"] == "draft"
    assert entries[1].after is not None and entries[1].after["status"] == "adopted"


async def test_corporate_plan_years_are_checked_on_create_and_patch(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    for body, message in (
        ({**PLAN, "end_year": 2022}, "before it starts"),
        ({**PLAN, "end_year": 2034}, "at most 10 years"),
    ):
        r = await client.post("/api/v1/corporate-plans", json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"pointer": "#/end_year", "detail": r.json()["detail"]}]
        assert message in r.json()["detail"]
    plan = await post(client, "/api/v1/corporate-plans", PLAN, h)
    # Only start_year changes: the check runs on the merged record
    r = await client.patch(f"/api/v1/corporate-plans/{plan['id']}", json={"start_year": 2029}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/end_year"
    r = await client.post("/api/v1/corporate-plans", json={**PLAN, "status": "live"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/status"
    # The column holds 200 characters; PostgreSQL would refuse more with an error, not a 422
    r = await client.post("/api/v1/corporate-plans", json={**PLAN, "title": "x" * 201}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/title"


async def test_corporate_plan_is_performance_team_only(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    plan = await post(client, "/api/v1/corporate-plans", PLAN, auth())
    for role in (Role.SERVICE_MANAGER, Role.DIRECTOR, Role.VIEWER):
        r = await client.post("/api/v1/corporate-plans", json=PLAN, headers=auth(role))
        assert r.status_code == 403, role
    # Everyone in the organisation reads it; another council does not see it at all
    assert (await client.get(f"/api/v1/corporate-plans/{plan['id']}", headers=auth(Role.VIEWER))).status_code == 200
    r = await client.get(f"/api/v1/corporate-plans/{plan['id']}", headers=auth(organisation=other_org))
    assert r.status_code == 404


async def test_priorities_and_outcomes_filter_by_plan(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    plans = [await post(client, "/api/v1/corporate-plans", {**PLAN, "title": t}, h) for t in ("A", "B")]
    first = await post(
        client,
        "/api/v1/priorities",
        {"corporate_plan_id": plans[0]["id"], "code": "P1", "title": "People", "position": 2},
        h,
    )
    second = await post(
        client,
        "/api/v1/priorities",
        {"corporate_plan_id": plans[0]["id"], "code": "P2", "title": "Place", "position": 1},
        h,
    )
    elsewhere = await post(
        client, "/api/v1/priorities", {"corporate_plan_id": plans[1]["id"], "code": "P1", "title": "X"}, h
    )
    r = await client.get("/api/v1/priorities", params={"corporate_plan_id": plans[0]["id"]}, headers=h)
    assert [p["code"] for p in r.json()["items"]] == ["P2", "P1"]  # by position

    # Codes are unique within a plan
    r = await client.post(
        "/api/v1/priorities",
        json={"corporate_plan_id": plans[0]["id"], "code": "P1", "title": "Y"},
        headers=h,
    )
    assert r.status_code == 409

    outcome = await post(
        client,
        "/api/v1/outcomes",
        {
            "priority_id": first["id"],
            "code": "O1",
            "title": "Keeping people out of crisis",
            "lgof_outcome": "Reducing homelessness",
            "best_value_themes": ["service_delivery", "partnerships_and_community_engagement"],
        },
        h,
    )
    assert outcome["best_value_themes"] == ["service_delivery", "partnerships_and_community_engagement"]
    await post(client, "/api/v1/outcomes", {"priority_id": second["id"], "code": "O2", "title": "Thriving places"}, h)
    await post(client, "/api/v1/outcomes", {"priority_id": elsewhere["id"], "code": "O1", "title": "Other plan"}, h)

    r = await client.get("/api/v1/outcomes", params={"corporate_plan_id": plans[0]["id"]}, headers=h)
    assert [o["code"] for o in r.json()["items"]] == ["O1", "O2"]
    assert r.json()["items"][0]["title"] == "Keeping people out of crisis"
    r = await client.get("/api/v1/outcomes", params={"priority_id": second["id"]}, headers=h)
    assert [o["title"] for o in r.json()["items"]] == ["Thriving places"]

    r = await client.patch(f"/api/v1/outcomes/{outcome['id']}", json={"best_value_themes": ["culture"]}, headers=h)
    assert r.json()["best_value_themes"] == ["culture"]

    # A priority must hang off a plan of the same council
    foreign = await post(client, "/api/v1/corporate-plans", PLAN, auth(organisation=other_org))
    r = await client.post(
        "/api/v1/priorities", json={"corporate_plan_id": foreign["id"], "code": "P9", "title": "Z"}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/corporate_plan_id"


async def test_outcome_themes_are_the_best_value_duty_themes(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    plan = await post(client, "/api/v1/corporate-plans", PLAN, h)
    priority = await post(
        client, "/api/v1/priorities", {"corporate_plan_id": plan["id"], "code": "P1", "title": "P"}, h
    )
    base = {"priority_id": priority["id"], "code": "O1", "title": "O"}
    r = await client.post("/api/v1/outcomes", json={**base, "best_value_themes": ["leadership", "vibes"]}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/best_value_themes/1"
    r = await client.post("/api/v1/outcomes", json={**base, "best_value_themes": ["culture", "culture"]}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/best_value_themes"


# Service plans ---------------------------------------------------------------------------------


async def test_service_plan_crud_filters_and_pagination(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    waste = await make_service(client, h, "WASTE")
    parks = await make_service(client, h, "PARKS")
    created = []
    for year in ("2023/24", "2024/25", "2025/26"):
        created.append(
            await post(
                client,
                "/api/v1/service-plans",
                {"service_id": waste["id"], "financial_year": year, "summary": f"Plan {year}"},
                h,
            )
        )
    await post(client, "/api/v1/service-plans", {"service_id": parks["id"], "financial_year": "2025/26"}, h)
    assert created[0]["status"] == "draft"
    assert created[0]["swot"] is None

    # Newest year first; follow the cursor and the Link header
    r = await client.get("/api/v1/service-plans", params={"service_id": waste["id"], "limit": 2}, headers=h)
    page = r.json()
    assert [p["financial_year"] for p in page["items"]] == ["2025/26", "2024/25"]
    assert page["next_cursor"]
    link = r.headers["Link"]
    assert link.endswith('rel="next"')
    r = await client.get(link[1 : link.index(">")], headers=h)
    assert [p["financial_year"] for p in r.json()["items"]] == ["2023/24"]
    assert r.json()["next_cursor"] is None
    assert "Link" not in r.headers
    r = await client.get(
        "/api/v1/service-plans",
        params={"service_id": waste["id"], "limit": 2, "cursor": page["next_cursor"]},
        headers=h,
    )
    assert [p["financial_year"] for p in r.json()["items"]] == ["2023/24"]

    r = await client.get("/api/v1/service-plans", params={"financial_year": "2025/26"}, headers=h)
    assert {p["service_id"] for p in r.json()["items"]} == {waste["id"], parks["id"]}
    r = await client.get("/api/v1/service-plans", params={"directorate_id": parks["directorate_id"]}, headers=h)
    assert [p["service_id"] for p in r.json()["items"]] == [parks["id"]]
    r = await client.get("/api/v1/service-plans", params={"status": "approved"}, headers=h)
    assert r.json()["items"] == []
    r = await client.get("/api/v1/service-plans", params={"financial_year": "2025/27"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "query:financial_year"

    swot = {"strengths": ["Experienced crews"], "threats": ["Driver recruitment"]}
    r = await client.patch(
        f"/api/v1/service-plans/{created[2]['id']}", json={"swot": swot, "resources": "12 FTE"}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["swot"] == {**swot, "weaknesses": [], "opportunities": []}
    assert r.json()["resources"] == "12 FTE"


async def test_service_plan_bad_input(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    service = await make_service(client, h)
    base = {"service_id": service["id"], "financial_year": "2025/26"}
    for body, pointer in (
        ({**base, "financial_year": "2025/27"}, "#/financial_year"),
        ({**base, "financial_year": "2025"}, "#/financial_year"),
        ({**base, "status": "approved"}, "#/status"),  # the workflow moves the status, not the client
        ({**base, "swot": {"strengths": ["x"], "risks": []}}, "#/swot/risks"),
        ({**base, "service_id": str(uuid.uuid4())}, "#/service_id"),
    ):
        r = await client.post("/api/v1/service-plans", json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["pointer"] == pointer, r.text
    plan = await post(client, "/api/v1/service-plans", base, h)
    r = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"status": "published"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/status"
    r = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"financial_year": "2024/26"}, headers=h)
    assert r.status_code == 422
    # One plan per service per year
    r = await client.post("/api/v1/service-plans", json=base, headers=h)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_service_plan_scope(client: httpx.AsyncClient, auth: TokenFactory, other_org: Org) -> None:
    h = auth()
    mine = await make_service(client, h, "MINE")
    theirs = await make_service(client, h, "THEIRS")
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=uuid.UUID(mine["id"]))
    plan = await post(client, "/api/v1/service-plans", {"service_id": mine["id"], "financial_year": "2025/26"}, manager)
    r = await client.post(
        "/api/v1/service-plans",
        json={"service_id": theirs["id"], "financial_year": "2025/26"},
        headers=manager,
    )
    assert r.status_code == 403
    # Moving the plan to a service outside the manager's scope is refused too
    r = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"service_id": theirs["id"]}, headers=manager)
    assert r.status_code == 403
    r = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"summary": "x"}, headers=auth(Role.VIEWER))
    assert r.status_code == 403
    r = await client.get(f"/api/v1/service-plans/{plan['id']}", headers=auth(organisation=other_org))
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/service-plans/{plan['id']}/transition",
        json={"to": "quality_review"},
        headers=auth(organisation=other_org),
    )
    assert r.status_code == 404


async def test_service_plan_workflow(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    performance = auth()
    directorate = await post(client, "/api/v1/directorates", {"code": "PLACE", "name": "Place"}, performance)
    other_directorate = await post(client, "/api/v1/directorates", {"code": "PEOPLE", "name": "People"}, performance)
    service = await make_service(client, performance, "WASTE", directorate["id"])
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=uuid.UUID(service["id"]))
    director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=uuid.UUID(directorate["id"]))
    other_director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=uuid.UUID(other_directorate["id"]))
    plan = await post(
        client, "/api/v1/service-plans", {"service_id": service["id"], "financial_year": "2025/26"}, manager
    )
    url = f"/api/v1/service-plans/{plan['id']}/transition"

    async def move(to: str, headers: dict[str, str], **extra: str) -> httpx.Response:
        return await client.post(url, json={"to": to, **extra}, headers=headers)

    # Not a step from draft
    r = await move("approved", performance)
    assert r.status_code == 409
    assert "cannot move from draft to approved" in r.json()["detail"]

    r = await move("quality_review", manager, comment="Ready for QA")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "quality_review"
    etag = r.headers["ETag"]
    # The manager may not pass their own plan through quality review
    r = await move("strategic_review", manager)
    assert r.status_code == 403
    assert "performance" in r.json()["detail"]
    # A stale ETag changes nothing
    r = await client.post(url, json={"to": "strategic_review"}, headers={**performance, "If-Match": '"00000000-1"'})
    assert r.status_code == 412
    r = await client.post(url, json={"to": "strategic_review"}, headers={**performance, "If-Match": etag})
    assert r.status_code == 200, r.text
    # A director of another directorate may not approve it; this plan's director may
    r = await move("approved", other_director)
    assert r.status_code == 403
    r = await move("approved", director)
    assert r.json()["status"] == "approved"
    # Viewers never move plans
    r = await move("published", auth(Role.VIEWER))
    assert r.status_code == 403
    r = await move("published", performance)
    assert r.json()["status"] == "published"
    r = await move("draft", performance)
    assert r.status_code == 409
    assert "final" in r.json()["detail"]
    r = await move("done", performance)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/to"

    entries = await audit_actions(connection_sessionmaker, plan["id"])
    assert [e.action for e in entries] == ["create", "transition", "transition", "transition", "transition"]
    first = entries[1]
    assert first.before is not None and first.before["status"] == "draft"
    assert first.after is not None and first.after["status"] == "quality_review"
    assert first.note == "Ready for QA"
    assert (await client.get(f"/api/v1/service-plans/{plan['id']}", headers=performance)).json()["version"] == 5
