"""Service plans through HTTP (seed 001_ec6bae7b38cacc6f.txt, Appendix D): D.1's sections, the reviews as
real steps with comments, an approved plan frozen until a new version is approved, next year's copy (D.2),
and a Corporate Plan retired only by archive."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.events import OutboxEvent
from tests.api.builders import kpi_body, structure
from tests.api.conftest import Org, TokenFactory
from tests.api.test_plans import audit_actions, make_service, post

SECTIONS: dict[str, Any] = {
    "summary": "Roll out food waste collections to every household.",
    "core_information": {
        "purpose": "Keep the district clean",
        "services": ["Household waste collection", "Street cleansing"],
        "customers": ["Households"],
    },
    "resources": "12 FTE crews; £1.2m revenue budget",
    "swot": {"strengths": ["Experienced crews"], "threats": ["Driver recruitment"]},
    "risks": "Fleet delivery delays",
}


class World:
    def __init__(self, client: httpx.AsyncClient, auth: TokenFactory) -> None:
        self.client = client
        self.auth = auth

    async def setup(self) -> World:
        self.performance = self.auth()
        directorate = await post(
            self.client, "/api/v1/directorates", {"code": "PLACE", "name": "Place"}, self.performance
        )
        self.service = await make_service(self.client, self.performance, "WASTE", directorate["id"])
        service_id = uuid.UUID(self.service["id"])
        self.manager = self.auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=service_id)
        self.director = self.auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=uuid.UUID(directorate["id"]))
        plan = await post(
            self.client,
            "/api/v1/corporate-plans",
            {"title": "CP", "start_year": 2023, "end_year": 2028},
            self.performance,
        )
        priority = await post(
            self.client,
            "/api/v1/priorities",
            {"corporate_plan_id": plan["id"], "code": "P1", "title": "P"},
            self.performance,
        )
        self.outcome = await post(
            self.client,
            "/api/v1/outcomes",
            {"priority_id": priority["id"], "code": "P1.1", "title": "O"},
            self.performance,
        )
        return self

    async def move(
        self, plan: dict[str, Any], to: str, headers: dict[str, str], comment: str | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {"to": to}
        if comment is not None:
            body["comment"] = comment
        return await self.client.post(f"/api/v1/service-plans/{plan['id']}/transition", json=body, headers=headers)

    async def walk(self, plan: dict[str, Any], *, publish: bool = True) -> None:
        steps = [
            ("quality_review", self.manager, "Ready for QA"),
            ("strategic_review", self.performance, "Quality checked"),
            ("approved", self.director, "Approved by CLT"),
        ]
        if publish:
            steps.append(("published", self.performance, None))
        for to, headers, comment in steps:
            r = await self.move(plan, to, headers, comment)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == to

    async def get(self, plan: dict[str, Any]) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/service-plans/{plan['id']}", headers=self.performance)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def reviews(self, plan: dict[str, Any]) -> list[dict[str, Any]]:
        r = await self.client.get(f"/api/v1/service-plans/{plan['id']}/reviews", headers=self.auth(Role.VIEWER))
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


async def test_a_plan_goes_through_its_reviews_and_is_then_frozen(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    w = await World(client, auth).setup()
    project = {
        "title": "Weekly food waste collections",
        "outcome_id": w.outcome["id"],
        "start_date": "2025-04-01",
        "due_date": "2026-03-31",
    }
    plan = await post(
        client,
        "/api/v1/service-plans",
        {"service_id": w.service["id"], "financial_year": "2025/26", **SECTIONS, "projects": [project]},
        w.manager,
    )
    assert plan["version_number"] == 1 and plan["copied_from_id"] is None
    assert plan["core_information"]["services"] == ["Household waste collection", "Street cleansing"]
    assert plan["core_information"]["statutory_duties"] == []
    assert plan["projects"] == [{**project, "description": None}]
    assert plan["risks"] == "Fleet delivery delays"
    # The sections read back the same on the fast read path
    assert (await w.get(plan))["projects"] == plan["projects"]

    r = await w.move(plan, "quality_review", w.manager, "Ready for QA")
    assert r.status_code == 200, r.text
    # The quality review sends it back: a comment is required, and nothing is written without one
    r = await w.move(plan, "draft", w.performance)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["pointer"] == "#/comment"
    assert (await w.get(plan))["status"] == "quality_review"
    assert len(await w.reviews(plan)) == 1
    r = await w.move(plan, "draft", w.performance, "Add the fleet replacement")
    assert r.status_code == 200, r.text
    # Still a draft: the manager edits it
    r = await client.patch(
        f"/api/v1/service-plans/{plan['id']}", json={"summary": "Food waste and fleet"}, headers=w.manager
    )
    assert r.status_code == 200, r.text

    # The manager may not pass their own plan through the quality review; the director approves, not the manager
    await w.move(plan, "quality_review", w.manager, "Fleet added")
    r = await w.move(plan, "strategic_review", w.manager)
    assert r.status_code == 403, r.text
    r = await w.move(plan, "strategic_review", w.performance, "Good")
    assert r.status_code == 200, r.text
    r = await w.move(plan, "approved", w.manager)
    assert r.status_code == 403, r.text
    r = await w.move(plan, "approved", w.director, "Approved by CLT")
    assert r.status_code == 200, r.text
    r = await w.move(plan, "published", w.performance)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"

    # Published: the content is frozen, and the answer says how to change it
    for headers in (w.manager, w.performance):
        r = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"summary": "Changed"}, headers=headers)
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "new version" in r.json()["detail"]
    assert (await w.get(plan))["summary"] == "Food waste and fleet"

    reviews = await w.reviews(plan)
    assert [(x["step"], x["decision"], x["from_state"], x["to_state"]) for x in reviews] == [
        ("submission", "submitted", "draft", "quality_review"),
        ("quality_review", "sent_back", "quality_review", "draft"),
        ("submission", "submitted", "draft", "quality_review"),
        ("quality_review", "passed", "quality_review", "strategic_review"),
        ("strategic_review", "approved", "strategic_review", "approved"),
        ("publication", "published", "approved", "published"),
    ]
    assert reviews[1]["comment"] == "Add the fleet replacement"
    assert reviews[1]["reviewer"] == "tester@example.gov.uk"
    assert reviews[4]["reviewer"] == "director@example.gov.uk"
    assert reviews[5]["comment"] is None

    # Every write audited: the plan's moves and each review row
    entries = await audit_actions(connection_sessionmaker, plan["id"])
    assert [e.action for e in entries] == ["create", "transition", "transition", "update"] + ["transition"] * 4
    async with connection_sessionmaker() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "service_plan_review"))
        audited = {e.entity_id for e in rows if e.action == "create"}
    assert audited == {uuid.UUID(x["id"]) for x in reviews}
    # Subscribers hear of the approval and the publication, in the writes' transactions
    async with connection_sessionmaker() as session:
        events = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.occurred_at))).all()
    assert [e.event_type for e in events] == ["service_plan.approved", "service_plan.published"]
    assert events[0].subject["service_plan_id"] == plan["id"]
    assert events[0].data["comment"] == "Approved by CLT"


async def test_a_new_version_goes_through_again_and_supersedes_the_old(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    w = await World(client, auth).setup()
    plan = await post(
        client,
        "/api/v1/service-plans",
        {"service_id": w.service["id"], "financial_year": "2025/26", **SECTIONS},
        w.manager,
    )
    # Not from a draft: there is nothing agreed to version yet
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/versions", headers=w.manager)
    assert r.status_code == 409, r.text
    await w.walk(plan)

    r = await client.post(f"/api/v1/service-plans/{plan['id']}/versions", headers={**w.manager, "If-Match": '"x-1"'})
    assert r.status_code in (400, 412), r.text
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/versions", headers=w.manager)
    assert r.status_code == 201, r.text
    second = r.json()
    assert r.headers["Location"].endswith(second["id"])
    assert (second["version_number"], second["status"], second["copied_from_id"]) == (2, "draft", plan["id"])
    assert second["financial_year"] == "2025/26"
    assert {k: second[k] for k in ("summary", "resources", "risks")} == {
        k: SECTIONS[k] for k in ("summary", "resources", "risks")
    }
    assert second["core_information"] == plan["core_information"]
    # The approved one stays in force while the new one is written; one new version at a time
    assert (await w.get(plan))["status"] == "published"
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/versions", headers=w.manager)
    assert r.status_code == 409, r.text
    assert "still draft" in r.json()["detail"]
    r = await client.patch(f"/api/v1/service-plans/{second['id']}", json={"risks": "Fleet and fuel"}, headers=w.manager)
    assert r.status_code == 200, r.text
    # A later version stays with its service and year
    r = await client.patch(
        f"/api/v1/service-plans/{second['id']}", json={"financial_year": "2026/27"}, headers=w.manager
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "#/financial_year"
    assert await w.reviews(second) == []

    await w.walk(second, publish=False)
    assert (await w.get(plan))["status"] == "superseded"
    assert (await w.get(second))["status"] == "approved"
    r = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"summary": "x"}, headers=w.performance)
    assert r.status_code == 409
    assert "version in force" in r.json()["detail"]
    # A superseded version makes no new version; the one in force does
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/versions", headers=w.manager)
    assert r.status_code == 409
    r = await client.get(
        "/api/v1/service-plans",
        params={"service_id": w.service["id"], "sort": "version_number"},
        headers=w.performance,
    )
    assert [(p["version_number"], p["status"]) for p in r.json()["items"]] == [(1, "superseded"), (2, "approved")]
    entries = await audit_actions(connection_sessionmaker, plan["id"])
    assert entries[-1].action == "supersede"
    assert entries[-1].note == "Superseded by version 2"
    second_actions = [e.action for e in await audit_actions(connection_sessionmaker, second["id"])]
    assert second_actions == ["create", "update", "transition", "transition", "transition"]


async def test_next_years_plan_starts_as_a_copy(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    other_org: Org,
) -> None:
    w = await World(client, auth).setup()
    plan = await post(
        client,
        "/api/v1/service-plans",
        {"service_id": w.service["id"], "financial_year": "2025/26", **SECTIONS},
        w.manager,
    )
    await w.walk(plan)
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/next-year", headers=w.auth(Role.VIEWER))
    assert r.status_code == 403
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/next-year", headers=w.auth(organisation=other_org))
    assert r.status_code == 404
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/next-year", headers=w.manager)
    assert r.status_code == 201, r.text
    following = r.json()
    assert (following["financial_year"], following["version_number"], following["status"]) == ("2026/27", 1, "draft")
    assert following["copied_from_id"] == plan["id"]
    assert following["swot"] == {**SECTIONS["swot"], "weaknesses": [], "opportunities": []}
    assert following["summary"] == SECTIONS["summary"]
    assert await w.reviews(following) == []  # the reviews are not copied
    # One plan per service per year
    r = await client.post(f"/api/v1/service-plans/{plan['id']}/next-year", headers=w.manager)
    assert r.status_code == 409, r.text
    assert "2026/27" in r.json()["detail"]
    entries = await audit_actions(connection_sessionmaker, following["id"])
    assert [e.action for e in entries] == ["create"]
    # Its content is its own: changing it leaves this year's alone
    r = await client.patch(f"/api/v1/service-plans/{following['id']}", json={"summary": "Next year"}, headers=w.manager)
    assert r.status_code == 200, r.text
    assert (await w.get(plan))["summary"] == SECTIONS["summary"]


async def test_service_plan_sections_bad_input(client: httpx.AsyncClient, auth: TokenFactory, other_org: Org) -> None:
    w = await World(client, auth).setup()
    base = {"service_id": w.service["id"], "financial_year": "2025/26"}
    for extra, pointer in (
        ({"projects": [{"title": "X", "outcome_id": str(uuid.uuid4())}]}, "#/projects/0/outcome_id"),
        ({"projects": [{"title": "X", "start_date": "2025-06-01", "due_date": "2025-05-01"}]}, "#/projects/0"),
        ({"projects": [{"description": "no title"}]}, "#/projects/0/title"),
        ({"core_information": {"purpose": "x", "budget": 12}}, "#/core_information/budget"),
        ({"core_information": {"customers": "everyone"}}, "#/core_information/customers"),
        ({"risks": 5}, "#/risks"),
    ):
        r = await client.post("/api/v1/service-plans", json={**base, **extra}, headers=w.manager)
        assert r.status_code == 422, (extra, r.text)
        assert r.json()["errors"][0]["pointer"] == pointer, r.text
    r = await client.get("/api/v1/service-plans", params={"service_id": w.service["id"]}, headers=w.manager)
    assert r.json()["items"] == []  # nothing half-written
    plan = await post(client, "/api/v1/service-plans", base, w.manager)
    r = await client.patch(
        f"/api/v1/service-plans/{plan['id']}",
        json={"projects": [{"title": "X", "outcome_id": str(uuid.uuid4())}]},
        headers=w.manager,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/projects/0/outcome_id"
    r = await client.post("/api/v1/service-plans", json=base, headers=w.manager)
    assert r.status_code == 409
    assert "version 1, draft" in r.json()["detail"]
    r = await client.get(f"/api/v1/service-plans/{plan['id']}/reviews", headers=auth(organisation=other_org))
    assert r.status_code == 404


async def test_a_corporate_plan_retires_by_archive_not_by_status(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    body = {"title": "Corporate Plan 2023-2028", "start_year": 2023, "end_year": 2028}
    r = await client.post("/api/v1/corporate-plans", json={**body, "status": "archived"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/status"
    plan = await post(client, "/api/v1/corporate-plans", {**body, "status": "adopted"}, h)
    r = await client.patch(f"/api/v1/corporate-plans/{plan['id']}", json={"status": "archived"}, headers=h)
    assert r.status_code == 422
    r = await client.get("/api/v1/corporate-plans", params={"status": "archived"}, headers=h)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/corporate-plans/{plan['id']}/archive", headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["archived_at"] is not None) == ("adopted", True)
    r = await client.get("/api/v1/corporate-plans", params={"status": "adopted"}, headers=h)
    assert r.json()["items"] == []
    r = await client.get("/api/v1/corporate-plans", params={"status": "adopted", "include_archived": "true"}, headers=h)
    assert [p["id"] for p in r.json()["items"]] == [plan["id"]]
    entries = await audit_actions(connection_sessionmaker, plan["id"])
    assert [e.action for e in entries] == ["create", "archive"]


async def test_a_plans_contents_are_its_actions_its_services_kpis_and_its_risks(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    s = await structure(client, h)
    plan = await post(client, "/api/v1/service-plans", {"service_id": s.service_id, "financial_year": "2025/26"}, h)
    other_plan = await post(
        client, "/api/v1/service-plans", {"service_id": s.other_service_id, "financial_year": "2025/26"}, h
    )

    def action(code: str, service_id: str, plan_id: str | None) -> dict[str, Any]:
        return {
            "code": code,
            "title": code,
            "delivery_role": "do",
            "service_id": service_id,
            "service_plan_id": plan_id,
        }

    await post(client, "/api/v1/actions", action("A2", s.service_id, plan["id"]), h)
    await post(client, "/api/v1/actions", action("A1", s.service_id, plan["id"]), h)
    await post(client, "/api/v1/actions", action("A3", s.service_id, None), h)  # the service's, not the plan's
    await post(client, "/api/v1/actions", action("B1", s.other_service_id, other_plan["id"]), h)
    archived = await post(client, "/api/v1/actions", action("A4", s.service_id, plan["id"]), h)
    r = await client.post(f"/api/v1/actions/{archived['id']}/archive", headers=h)
    assert r.status_code == 200, r.text
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, code="PI-1"), h)
    await post(client, "/api/v1/kpis", kpi_body(s, code="PI-2", service_id=s.other_service_id), h)

    def risk(code: str, plan_ids: list[str]) -> dict[str, Any]:
        return {
            "code": code,
            "title": f"Risk {code}",
            "cause": "A cause",
            "event": "An event",
            "effect": "An effect",
            "owner_id": s.owner_id,
            "service_id": s.service_id,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 3,
            "residual_impact": 3,
            "service_plan_ids": plan_ids,
        }

    await post(client, "/api/v1/risks", risk("R2", [plan["id"]]), h)
    await post(client, "/api/v1/risks", risk("R1", [plan["id"], other_plan["id"]]), h)
    await post(client, "/api/v1/risks", risk("R3", [other_plan["id"]]), h)  # another plan's
    await post(client, "/api/v1/risks", risk("R4", []), h)  # the service's, linked to no plan

    r = await client.get(f"/api/v1/service-plans/{plan['id']}/contents", headers=auth(Role.VIEWER))
    assert r.status_code == 200, r.text
    contents = r.json()
    assert contents["plan"]["id"] == plan["id"]
    assert [a["code"] for a in contents["actions"]] == ["A1", "A2"]
    assert contents["actions"][0]["delivery_role"] == "do"
    assert [k["id"] for k in contents["kpis"]] == [kpi["id"]]
    assert [(x["code"], x["residual_score"], x["residual_rag"]) for x in contents["risks"]] == [
        ("R1", 9, "amber"),
        ("R2", 9, "amber"),
    ]
    # A new version of the plan is carried by the same actions
    director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=uuid.UUID(s.directorate_id))
    for to, headers in (("quality_review", h), ("strategic_review", h), ("approved", director)):
        r = await client.post(f"/api/v1/service-plans/{plan['id']}/transition", json={"to": to}, headers=headers)
        assert r.status_code == 200, r.text
    second = await post(client, f"/api/v1/service-plans/{plan['id']}/versions", {}, h)
    await post(client, "/api/v1/actions", action("A0", s.service_id, second["id"]), h)
    r = await client.get(f"/api/v1/service-plans/{second['id']}/contents", headers=h)
    assert [a["code"] for a in r.json()["actions"]] == ["A0", "A1", "A2"]
    assert [x["code"] for x in r.json()["risks"]] == ["R1", "R2"]
    r = await client.get(f"/api/v1/service-plans/{plan['id']}/contents", headers=auth(organisation=other_org))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
