"""The risk register through HTTP (seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt; issue 12,
item 2): risks scored on the council's matrix, reviewed on their cycle (the next date moves), escalated to
the strategic register, listed when a review is overdue, and bad input refused at its field, unwritten."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.risk import add_months
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

RISKS = "/api/v1/risks"
TODAY = datetime.now(UTC).date()


def _etag(record: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{record["id"][:8]}-{record["version"]}"'}


def _risk(s: Structure, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "OR-" + overrides.pop("suffix", "01"),
        "title": "Waste contract fails to deliver",
        "cause": "The contractor's finances are weak",
        "event": "The contractor cannot run collections",
        "effect": "Missed bins and a cost to put right",
        "owner_id": s.owner_id,
        "service_id": s.service_id,
        "inherent_likelihood": 5,
        "inherent_impact": 4,
        "residual_likelihood": 4,
        "residual_impact": 4,
    }
    body.update(overrides)
    return body


def _pointers(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["pointer"] for error in response.json()["errors"]]


async def _codes(client: httpx.AsyncClient, h: dict[str, str], path: str = RISKS, **params: Any) -> list[str]:
    r = await client.get(path, params=params, headers=h)
    assert r.status_code == 200, r.text
    return [item["code"] for item in r.json()["items"]]


async def test_a_risk_is_scored_reviewed_on_its_cycle_and_listed_when_overdue(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), team)
    project = await post(
        client,
        "/api/v1/actions",
        {
            "code": "PRJ-1",
            "title": "Re-let the contract",
            "kind": "project",
            "delivery_role": "do",
            "service_id": s.service_id,
        },
        team,
    )
    identified = TODAY - timedelta(days=120)
    red = await post(
        client,
        RISKS,
        _risk(
            s,
            suffix="RED",
            identified_on=identified.isoformat(),
            target_score=6,
            controls=["Monthly contract meetings"],
            mitigations=[{"description": "Step-in plan", "action_id": project["id"]}],
            kpi_ids=[kpi["id"]],
        ),
        team,
    )
    # Scored and coloured on the default 5 x 5 matrix; placed in the service's directorate; a Red risk is
    # next reviewed three months after it was assessed (seed 004), so this one is overdue.
    assert (red["inherent_score"], red["inherent_rag"]) == (20, "red")
    assert (red["residual_score"], red["residual_rag"]) == (16, "red")
    assert red["register"] == "operational" and red["directorate_id"] == s.directorate_id
    assert red["next_review_due"] == add_months(identified, 3).isoformat()
    assert red["trend"] is None and red["last_reviewed_on"] is None
    assert red["mitigations"] == [{"description": "Step-in plan", "action_id": project["id"]}]
    green = await post(
        client, RISKS, _risk(s, suffix="GREEN", residual_likelihood=1, residual_impact=2, inherent_impact=2), team
    )
    assert green["residual_rag"] == "green"
    assert green["next_review_due"] == add_months(TODAY, 12).isoformat()

    assert await _codes(client, team, f"{RISKS}/reviews-overdue") == ["OR-RED"]
    assert await _codes(client, team, review_overdue="true") == ["OR-RED"]
    assert await _codes(client, team, review_overdue="false") == ["OR-GREEN"]
    assert await _codes(client, team, kpi_id=kpi["id"]) == ["OR-RED"]
    assert await _codes(client, team, action_id=project["id"]) == ["OR-RED"]
    assert await _codes(client, team, rag="green") == ["OR-GREEN"]
    assert await _codes(client, team, directorate_id=s.directorate_id) == ["OR-GREEN", "OR-RED"]

    # A review: the residual score falls to Amber, the trend is down, the next review six months on.
    reviewed_on = TODAY - timedelta(days=10)
    r = await client.post(
        f"{RISKS}/{red['id']}/reviews",
        json={
            "reviewed_on": reviewed_on.isoformat(),
            "residual_likelihood": 2,
            "residual_impact": 4,
            "commentary": "Step-in plan agreed",
            "reviewer_id": s.owner_id,
        },
        headers=team,
    )
    assert r.status_code == 201, r.text
    review = r.json()
    assert (review["score"], review["rag"], review["previous_score"], review["trend"]) == (8, "amber", 16, "down")
    assert review["next_review_due"] == add_months(reviewed_on, 6).isoformat()
    risk = (await client.get(f"{RISKS}/{red['id']}", headers=team)).json()
    assert (risk["residual_score"], risk["residual_rag"], risk["trend"]) == (8, "amber", "down")
    assert risk["last_reviewed_on"] == reviewed_on.isoformat()
    assert risk["next_review_due"] == add_months(reviewed_on, 6).isoformat()
    assert risk["inherent_score"] == 20  # the inherent score stays as assessed
    assert await _codes(client, team, f"{RISKS}/reviews-overdue") == []

    # A second review, worse again: trend up, back to a quarterly cycle.
    r = await client.post(
        f"{RISKS}/{red['id']}/reviews",
        json={
            "reviewed_on": TODAY.isoformat(),
            "residual_likelihood": 3,
            "residual_impact": 5,
            "commentary": "Notice served",
        },
        headers=team,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["trend"], r.json()["rag"]) == ("up", "red")
    assert r.json()["next_review_due"] == add_months(TODAY, 3).isoformat()
    history = (await client.get(f"{RISKS}/{red['id']}/reviews", headers=team)).json()["items"]
    assert [item["score"] for item in history] == [15, 8]  # the latest first

    # Every write is audited.
    trail = await client.get("/api/v1/audit", params={"entity_id": red["id"]}, headers=team)
    assert trail.status_code == 200, trail.text
    assert [e["action"] for e in trail.json()["items"]].count("review") == 2
    assert "create" in {e["action"] for e in trail.json()["items"]}
    trail = await client.get("/api/v1/audit", params={"entity_id": review["id"]}, headers=team)
    assert [e["action"] for e in trail.json()["items"]] == ["create"]


async def test_an_operational_risk_is_escalated_to_the_strategic_register(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    s = await structure(client, team)
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id)
    identified = TODAY - timedelta(days=30)
    risk = await post(
        client, RISKS, _risk(s, identified_on=identified.isoformat(), residual_likelihood=1, residual_impact=3), manager
    )
    assert risk["residual_rag"] == "green" and risk["next_review_due"] == add_months(identified, 12).isoformat()
    r = await client.post(
        f"{RISKS}/{risk['id']}/reviews",
        json={"reviewed_on": TODAY.isoformat(), "residual_likelihood": 2, "residual_impact": 3, "commentary": "Watch"},
        headers=manager,
    )
    assert r.status_code == 201, r.text

    # A stale If-Match is refused; the manager escalates it with a reason.
    r = await client.post(
        f"{RISKS}/{risk['id']}/escalate", json={"reason": "Council-wide now"}, headers={**manager, **_etag(risk)}
    )
    assert r.status_code == 412, r.text
    r = await client.post(f"{RISKS}/{risk['id']}/escalate", json={"reason": "Council-wide now"}, headers=manager)
    assert r.status_code == 200, r.text
    escalated = r.json()
    assert escalated["register"] == "strategic"
    assert escalated["escalation_reason"] == "Council-wide now"
    assert (
        escalated["escalated_by"] == "service_manager@example.gov.uk" and escalated["escalated_on"] == TODAY.isoformat()
    )
    # Onto the eight-weekly cycle from its last review, whatever its colour; its history is kept.
    assert escalated["next_review_due"] == (TODAY + timedelta(days=56)).isoformat()
    assert escalated["residual_score"] == 6 and escalated["trend"] == "up"
    history = (await client.get(f"{RISKS}/{risk['id']}/reviews", headers=team)).json()["items"]
    assert len(history) == 1
    assert await _codes(client, team, register="strategic") == [risk["code"]]

    # Only once; and the strategic register is the council's: the service manager no longer changes it.
    r = await client.post(f"{RISKS}/{risk['id']}/escalate", json={"reason": "Again"}, headers=team)
    assert r.status_code == 409, r.text
    r = await client.patch(f"{RISKS}/{risk['id']}", json={"title": "Renamed"}, headers=manager)
    assert r.status_code == 403, r.text
    # A review on the strategic register: eight weeks on, whatever the colour.
    r = await client.post(
        f"{RISKS}/{risk['id']}/reviews",
        json={"reviewed_on": TODAY.isoformat(), "residual_likelihood": 1, "residual_impact": 1, "commentary": "Better"},
        headers=team,
    )
    assert r.status_code == 201, r.text
    assert r.json()["register"] == "strategic"
    assert r.json()["next_review_due"] == (TODAY + timedelta(days=56)).isoformat()

    trail = await client.get("/api/v1/audit", params={"entity_id": risk["id"]}, headers=team)
    escalations = [e for e in trail.json()["items"] if e["action"] == "escalate"]
    assert len(escalations) == 1 and escalations[0]["note"] == "Council-wide now"
    assert escalations[0]["after"]["register"] == "strategic" and escalations[0]["before"]["register"] == "operational"


async def test_bad_input_is_refused_at_its_field_and_nothing_is_written(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    team = auth()
    s = await structure(client, team)
    theirs = auth(organisation=other_org)
    t = await structure(client, theirs)
    their_kpi = await post(client, "/api/v1/kpis", kpi_body(t), theirs)
    their_action = await post(
        client,
        "/api/v1/actions",
        {"code": "X-1", "title": "Theirs", "delivery_role": "do", "service_id": t.service_id},
        theirs,
    )

    # A score outside the matrix, a target it cannot give, a link to another council's record
    assert _pointers(await client.post(RISKS, json=_risk(s, inherent_impact=6), headers=team)) == ["#/inherent_impact"]
    assert _pointers(await client.post(RISKS, json=_risk(s, residual_likelihood=0), headers=team)) == [
        "#/residual_likelihood"
    ]
    assert _pointers(await client.post(RISKS, json=_risk(s, target_score=26), headers=team)) == ["#/target_score"]
    # A category longer than its column: refused at the field on both databases alike
    assert _pointers(await client.post(RISKS, json=_risk(s, category="C" * 101), headers=team)) == ["#/category"]
    assert _pointers(await client.post(RISKS, json=_risk(s, kpi_ids=[their_kpi["id"]]), headers=team)) == [
        "#/kpi_ids/0"
    ]
    body = _risk(s, mitigations=[{"description": "Theirs", "action_id": their_action["id"]}])
    assert _pointers(await client.post(RISKS, json=body, headers=team)) == ["#/mitigations/0/action_id"]
    assert _pointers(await client.post(RISKS, json=_risk(s, owner_id=t.owner_id), headers=team)) == ["#/owner_id"]
    assert _pointers(await client.post(RISKS, json=_risk(s, service_id=None), headers=team)) == ["#/service_id"]
    future = (TODAY + timedelta(days=1)).isoformat()
    assert _pointers(await client.post(RISKS, json=_risk(s, identified_on=future), headers=team)) == ["#/identified_on"]
    assert await _codes(client, team) == []  # nothing half-written

    risk = await post(client, RISKS, _risk(s, identified_on=(TODAY - timedelta(days=20)).isoformat()), team)
    reviews = f"{RISKS}/{risk['id']}/reviews"
    review = {"reviewed_on": TODAY.isoformat(), "residual_likelihood": 3, "residual_impact": 3, "commentary": "ok"}
    assert _pointers(await client.post(reviews, json={**review, "reviewed_on": future}, headers=team)) == [
        "#/reviewed_on"
    ]
    assert _pointers(await client.post(reviews, json={**review, "residual_impact": 9}, headers=team)) == [
        "#/residual_impact"
    ]
    # Before the risk was assessed, then before the last review: "a review dated in the past"
    too_early = (TODAY - timedelta(days=21)).isoformat()
    assert _pointers(await client.post(reviews, json={**review, "reviewed_on": too_early}, headers=team)) == [
        "#/reviewed_on"
    ]
    assert (await client.post(reviews, json=review, headers=team)).status_code == 201
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert _pointers(await client.post(reviews, json={**review, "reviewed_on": yesterday}, headers=team)) == [
        "#/reviewed_on"
    ]
    assert len((await client.get(reviews, headers=team)).json()["items"]) == 1
    r = await client.patch(f"{RISKS}/{risk['id']}", json={"action_ids": [their_action["id"]]}, headers=team)
    assert _pointers(r) == ["#/action_ids/0"]
    assert (await client.post(f"{RISKS}/{risk['id']}/escalate", json={"reason": " "}, headers=team)).status_code == 422

    # Another council's risk is not found; a manager of another service may not record one here.
    assert (await client.get(f"{RISKS}/{risk['id']}", headers=theirs)).status_code == 404
    other_manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.other_service_id)
    assert (await client.post(RISKS, json=_risk(s, suffix="02"), headers=other_manager)).status_code == 403
    assert (await client.post(RISKS, json=_risk(s, suffix="01"), headers=team)).status_code == 409


async def test_the_council_sets_its_own_matrix_and_cycles(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s = await structure(client, team)
    r = await client.patch(
        "/api/v1/organisation", json={"settings": {"risk": {"amber_from": 10, "red_from": 5}}}, headers=team
    )
    assert r.status_code == 422, r.text
    settings = {"max_likelihood": 4, "max_impact": 4, "amber_from": 4, "red_from": 12, "red_months": 1}
    r = await client.patch("/api/v1/organisation", json={"settings": {"risk": settings}}, headers=team)
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["risk"]["max_impact"] == 4

    assert _pointers(await client.post(RISKS, json=_risk(s), headers=team)) == ["#/inherent_likelihood"]
    risk = await post(client, RISKS, _risk(s, inherent_likelihood=4, residual_likelihood=3), team)
    assert (risk["residual_score"], risk["residual_rag"]) == (12, "red")
    assert risk["next_review_due"] == add_months(TODAY, 1).isoformat()
    assert date.fromisoformat(risk["identified_on"]) == TODAY


async def _outcome_and_plan(client: httpx.AsyncClient, h: dict[str, str], s: Structure) -> tuple[str, str]:
    plan = await post(
        client, "/api/v1/corporate-plans", {"title": "Corporate Plan", "start_year": 2023, "end_year": 2028}, h
    )
    priority = await post(
        client, "/api/v1/priorities", {"corporate_plan_id": plan["id"], "code": "P1", "title": "P"}, h
    )
    outcome = await post(client, "/api/v1/outcomes", {"priority_id": priority["id"], "code": "O1", "title": "O"}, h)
    service_plan = await post(
        client, "/api/v1/service-plans", {"service_id": s.service_id, "financial_year": "2026/27"}, h
    )
    return outcome["id"], service_plan["id"]


async def test_links_to_outcomes_and_service_plans_are_the_councils_own(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    team, theirs = auth(), auth(organisation=other_org)
    s, t = await structure(client, team), await structure(client, theirs)
    outcome_id, plan_id = await _outcome_and_plan(client, team, s)
    their_outcome_id, their_plan_id = await _outcome_and_plan(client, theirs, t)

    body = _risk(s, outcome_ids=[outcome_id, their_outcome_id], service_plan_ids=[their_plan_id])
    assert _pointers(await client.post(RISKS, json=body, headers=team)) == ["#/outcome_ids/1", "#/service_plan_ids/0"]
    risk = await post(client, RISKS, _risk(s, outcome_ids=[outcome_id], service_plan_ids=[plan_id]), team)
    assert (risk["outcome_ids"], risk["service_plan_ids"]) == ([outcome_id], [plan_id])
    assert await _codes(client, team, outcome_id=outcome_id) == [risk["code"]]
    assert await _codes(client, team, service_plan_id=plan_id) == [risk["code"]]
    assert await _codes(client, team, outcome_id=their_outcome_id) == []
