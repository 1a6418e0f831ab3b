"""Actions (Corporate Plan actions, key activities, projects) through HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.conftest import Org, TokenFactory
from tests.api.test_plans import audit_actions, make_service, post


async def setting(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, Any]:
    """Two services in different directorates, one with a portfolio; a person; an outcome."""
    portfolio = await post(client, "/api/v1/portfolios", {"code": "ENV", "name": "Environment"}, h)
    directorate = await post(client, "/api/v1/directorates", {"code": "PLACE", "name": "Place"}, h)
    waste = await post(
        client,
        "/api/v1/services",
        {
            "code": "WASTE",
            "name": "Waste",
            "directorate_id": directorate["id"],
            "portfolio_id": portfolio["id"],
        },
        h,
    )
    housing = await make_service(client, h, "HOUSING")
    person = await post(client, "/api/v1/people", {"name": "Sam Patel", "email": "sam@example.gov.uk"}, h)
    plan = await post(client, "/api/v1/corporate-plans", {"title": "CP", "start_year": 2023, "end_year": 2028}, h)
    priority = await post(
        client, "/api/v1/priorities", {"corporate_plan_id": plan["id"], "code": "P1", "title": "P"}, h
    )
    outcome = await post(client, "/api/v1/outcomes", {"priority_id": priority["id"], "code": "O1", "title": "O"}, h)
    return {
        "portfolio": portfolio,
        "directorate": directorate,
        "waste": waste,
        "housing": housing,
        "person": person,
        "outcome": outcome,
    }


def action(service: dict[str, Any], code: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Action {code}",
        "delivery_role": "do",
        "service_id": service["id"],
        **extra,
    }


async def test_action_lifecycle_with_milestones_and_audit(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await setting(client, h)
    service_plan = await post(
        client, "/api/v1/service-plans", {"service_id": s["waste"]["id"], "financial_year": "2025/26"}, h
    )
    body = action(
        s["waste"],
        "CPA-1",
        kind="project",
        delivery_role="enable",
        owner_id=s["person"]["id"],
        outcome_id=s["outcome"]["id"],
        service_plan_id=service_plan["id"],
        start_date="2025-04-01",
        due_date="2026-03-31",
        milestones=[{"title": "Caddies delivered", "due_date": "2025-09-30", "completed_on": "2025-09-12"}],
    )
    r = await client.post("/api/v1/actions", json=body, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "not_started"
    assert created["kind"] == "project"
    assert created["milestones"] == [
        {"title": "Caddies delivered", "due_date": "2025-09-30", "state": "completed", "completed_on": "2025-09-12"}
    ]
    url = f"/api/v1/actions/{created['id']}"

    milestones = [*body["milestones"], {"title": "First collections", "due_date": "2025-10-31"}]
    r = await client.patch(
        url,
        json={"status": "in_progress", "milestones": milestones},
        headers={**h, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    assert r.json()["milestones"][1] == {
        "title": "First collections",
        "due_date": "2025-10-31",
        "state": "not_started",
        "completed_on": None,
    }
    r = await client.get(url, headers=auth(Role.VIEWER))
    assert r.json()["milestones"][1]["title"] == "First collections"
    r = await client.patch(url, json={"owner_id": None, "due_date": None}, headers=h)
    assert r.json()["owner_id"] is None
    assert r.json()["due_date"] is None

    assert (await client.post(f"{url}/archive", headers=h)).status_code == 200
    assert (await client.get("/api/v1/actions", headers=h)).json()["items"] == []

    entries = await audit_actions(connection_sessionmaker, created["id"])
    assert [e.action for e in entries] == ["create", "update", "update", "archive"]
    assert entries[1].after is not None and entries[1].after["milestones"][1]["due_date"] == "2025-10-31"


async def test_action_filters_and_pagination(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await setting(client, h)
    await post(
        client,
        "/api/v1/actions",
        action(s["waste"], "A1", due_date="2025-06-30", owner_id=s["person"]["id"]),
        h,
    )
    await post(
        client,
        "/api/v1/actions",
        action(s["waste"], "A2", due_date="2025-12-31", outcome_id=s["outcome"]["id"], status="on_hold"),
        h,
    )
    await post(
        client,
        "/api/v1/actions",
        action(s["housing"], "A3", delivery_role="influence", kind="key_activity"),
        h,
    )

    r = await client.get("/api/v1/actions", params={"limit": 2}, headers=h)
    page = r.json()
    assert [a["code"] for a in page["items"]] == ["A1", "A2"]
    link = r.headers["Link"]
    r = await client.get(link[1 : link.index(">")], headers=h)
    assert [a["code"] for a in r.json()["items"]] == ["A3"]
    assert r.json()["next_cursor"] is None
    r = await client.get("/api/v1/actions", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h)
    assert [a["code"] for a in r.json()["items"]] == ["A3"]
    r = await client.get("/api/v1/actions", params={"limit": 2, "sort": "-title"}, headers=h)
    assert [a["code"] for a in r.json()["items"]] == ["A3", "A2"]
    r = await client.get("/api/v1/actions", params={"cursor": page["next_cursor"], "sort": "-title"}, headers=h)
    assert r.status_code == 422  # a cursor belongs to its sort

    async def codes(**params: str) -> list[str]:
        r = await client.get("/api/v1/actions", params=params, headers=h)
        assert r.status_code == 200, r.text
        return [a["code"] for a in r.json()["items"]]

    assert await codes(service_id=s["waste"]["id"]) == ["A1", "A2"]
    assert await codes(directorate_id=s["housing"]["directorate_id"]) == ["A3"]
    assert await codes(portfolio_id=s["portfolio"]["id"]) == ["A1", "A2"]
    assert await codes(outcome_id=s["outcome"]["id"]) == ["A2"]
    assert await codes(owner_id=s["person"]["id"]) == ["A1"]
    assert await codes(status="on_hold") == ["A2"]
    assert await codes(delivery_role="influence") == ["A3"]
    assert await codes(kind="key_activity") == ["A3"]
    assert await codes(due_before="2025-06-30") == ["A1"]
    assert await codes(due_after="2025-07-01") == ["A2"]
    assert await codes(due_after="2025-01-01", due_before="2025-12-31", service_id=s["waste"]["id"]) == [
        "A1",
        "A2",
    ]
    r = await client.get("/api/v1/actions", params={"sort": "due_date"}, headers=h)
    assert r.status_code == 422
    r = await client.get("/api/v1/actions", params={"colour": "red"}, headers=h)
    assert r.status_code == 422


async def test_action_bad_input_points_at_the_field(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    s = await setting(client, h)
    stranger = await post(
        client,
        "/api/v1/people",
        {"name": "Alex", "email": "alex@example.gov.uk"},
        auth(organisation=other_org),
    )
    other_service = await make_service(client, h, "PARKS")
    parks_plan = await post(
        client, "/api/v1/service-plans", {"service_id": other_service["id"], "financial_year": "2025/26"}, h
    )
    many = [{"title": f"M{i}", "due_date": "2025-05-01"} for i in range(51)]
    for body, pointer in (
        (action(s["waste"], "X", start_date="2025-04-01", due_date="2025-03-31"), "#/due_date"),
        (action(s["waste"], "X", owner_id=stranger["id"]), "#/owner_id"),
        (action(s["waste"], "X", outcome_id=str(uuid.uuid4())), "#/outcome_id"),
        (action(s["waste"], "X", service_plan_id=parks_plan["id"]), "#/service_plan_id"),
        (action(s["waste"], "X", delivery_role="persuade"), "#/delivery_role"),
        (action(s["waste"], "X", status="done"), "#/status"),
        (action(s["waste"], "X", kind="programme"), "#/kind"),
        (action(s["waste"], "X", colour="red"), "#/colour"),
        (action(s["waste"], "X", due_date="31/03/2026"), "#/due_date"),
        (action(s["waste"], "X", milestones=many), "#/milestones"),
        (action(s["waste"], "X", milestones=[{"title": "M"}]), "#/milestones/0/due_date"),
        (
            action(s["waste"], "X", milestones=[{"title": "M", "due_date": "2025-10-31", "state": "completed"}]),
            "#/milestones/0/completed_on",
        ),
        (
            action(
                s["waste"],
                "X",
                milestones=[
                    {"title": "M", "due_date": "2025-10-31", "completed_on": "2025-10-01", "state": "in_progress"}
                ],
            ),
            "#/milestones/0/state",
        ),
        ({k: v for k, v in action(s["waste"], "X").items() if k != "delivery_role"}, "#/delivery_role"),
    ):
        r = await client.post("/api/v1/actions", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["pointer"] == pointer, r.text

    created = await post(client, "/api/v1/actions", action(s["waste"], "A1", start_date="2025-04-01"), h)
    # The date check runs on the merged record: only due_date is sent
    r = await client.patch(f"/api/v1/actions/{created['id']}", json={"due_date": "2025-01-01"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/due_date"
    r = await client.patch(f"/api/v1/actions/{created['id']}", json={"title": None}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/title"
    # Codes are unique in the organisation
    r = await client.post("/api/v1/actions", json=action(s["housing"], "A1"), headers=h)
    assert r.status_code == 409


async def test_action_scope(client: httpx.AsyncClient, auth: TokenFactory, other_org: Org) -> None:
    h = auth()
    s = await setting(client, h)
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=uuid.UUID(s["waste"]["id"]))
    created = await post(client, "/api/v1/actions", action(s["waste"], "A1"), manager)
    r = await client.post("/api/v1/actions", json=action(s["housing"], "A2"), headers=manager)
    assert r.status_code == 403
    r = await client.patch(f"/api/v1/actions/{created['id']}", json={"service_id": s["housing"]["id"]}, headers=manager)
    assert r.status_code == 403
    r = await client.patch(f"/api/v1/actions/{created['id']}", json={"status": "in_progress"}, headers=manager)
    assert r.status_code == 200
    # A director reaches the actions of their directorate's services, a portfolio-scoped role its portfolio's
    director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=uuid.UUID(s["directorate"]["id"]))
    assert (await client.post("/api/v1/actions", json=action(s["waste"], "A3"), headers=director)).status_code == 201
    assert (await client.post("/api/v1/actions", json=action(s["housing"], "A4"), headers=director)).status_code == 403

    viewer = auth(Role.VIEWER)
    assert (await client.post("/api/v1/actions", json=action(s["waste"], "A5"), headers=viewer)).status_code == 403
    assert (await client.post(f"/api/v1/actions/{created['id']}/archive", headers=viewer)).status_code == 403
    assert (await client.get(f"/api/v1/actions/{created['id']}", headers=viewer)).status_code == 200

    stranger = auth(organisation=other_org)
    assert (await client.get(f"/api/v1/actions/{created['id']}", headers=stranger)).status_code == 404
    assert (
        await client.patch(f"/api/v1/actions/{created['id']}", json={"title": "Z"}, headers=stranger)
    ).status_code == 404
    assert (await client.get("/api/v1/actions", headers=stranger)).json()["items"] == []
    # Another council's service is not a service here
    r = await client.post("/api/v1/actions", json=action(s["waste"], "A6"), headers=stranger)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/service_id"
