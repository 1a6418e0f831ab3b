"""Individual objectives through HTTP (seeds 002_100bfcfd0ab8e4e8.txt, 003_2a403038ecab8362.txt,
004_d92670c30a2dff9f.txt: the golden thread runs to each employee's appraisal objectives): linked to
an action or an outcome; read only by the person, their line manager and the performance team
(everyone else gets 404, in lists too); set and reviewed by the manager; commented on by the person."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.builders import post
from tests.api.conftest import TokenFactory
from tests.api.test_actions import action, setting
from tests.api.test_plans import audit_actions

OBJECTIVES = "/api/v1/objectives"


async def people(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, Any]:
    s = await setting(client, h)
    made = {}
    for name in ("worker", "manager", "colleague"):
        body = {"name": name.title(), "email": f"{name}@example.gov.uk", "service_id": s["waste"]["id"]}
        made[name] = await post(client, "/api/v1/people", body, h)
    s.update(made)
    s["action"] = await post(client, "/api/v1/actions", action(s["waste"], "CPA-1"), h)
    return s


def objective(s: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "person_id": s["worker"]["id"],
        "manager_id": s["manager"]["id"],
        "financial_year": "2025/26",
        "action_id": s["action"]["id"],
        "title": "Deliver caddies on my rounds",
        "success_measure": "Every household on rounds 4-9 has a caddy",
        **extra,
    }


def as_person(auth: TokenFactory, person: dict[str, Any], role: Role = Role.VIEWER) -> dict[str, str]:
    return auth(role, person_id=person["id"], subject=person["email"])


async def test_an_objective_linked_to_an_action_is_seen_only_by_its_person_manager_and_performance(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await people(client, h)
    manager = as_person(auth, s["manager"], Role.SERVICE_MANAGER)
    r = await client.post(OBJECTIVES, json=objective(s), headers=manager)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["action_id"] == s["action"]["id"] and made["outcome_id"] is None
    assert made["mid_year_state"] == "not_due" and made["year_end_state"] == "not_due"
    one = f"{OBJECTIVES}/{made['id']}"

    for reader in (manager, as_person(auth, s["worker"]), h):
        got = await client.get(one, headers=reader)
        assert got.status_code == 200, got.text
        listed = await client.get(OBJECTIVES, headers=reader)
        assert [o["id"] for o in listed.json()["items"]] == [made["id"]]

    # Another member of staff, a director over everything, the auditor: for them it does not exist.
    for stranger in (
        as_person(auth, s["colleague"]),
        as_person(auth, s["colleague"], Role.DIRECTOR),
        auth(Role.AUDITOR),
    ):
        assert (await client.get(one, headers=stranger)).status_code == 404
        assert (await client.get(OBJECTIVES, headers=stranger)).json()["items"] == []
        changed = await client.patch(one, json={"title": "Mine now"}, headers=stranger)
        assert changed.status_code == 404

    # The person adds their own comment, and may change nothing else.
    worker = as_person(auth, s["worker"])
    r = await client.patch(one, json={"own_comment": "Round 9 needs two more weeks"}, headers=worker)
    assert r.status_code == 200, r.text
    assert (await client.patch(one, json={"title": "Easier"}, headers=worker)).status_code == 403
    assert (await client.patch(one, json={"own_comment": "Not mine"}, headers=manager)).status_code == 403

    # The manager reviews it at mid-year; the reviewer is recorded.
    r = await client.post(
        f"{one}/reviews", json={"stage": "mid_year", "state": "on_track", "comment": "Good start"}, headers=manager
    )
    assert r.status_code == 200, r.text
    reviewed = r.json()
    assert reviewed["mid_year_state"] == "on_track" and reviewed["mid_year_reviewer_id"] == s["manager"]["id"]
    assert reviewed["mid_year_reviewed_on"] is not None and reviewed["own_comment"] == "Round 9 needs two more weeks"
    denied = await client.post(f"{one}/reviews", json={"stage": "year_end", "state": "achieved"}, headers=worker)
    assert denied.status_code == 403

    actions = [entry.action for entry in await audit_actions(connection_sessionmaker, made["id"])]
    assert actions == ["create", "update", "review"]
    # The trail shows them to the performance team, not to internal audit (who may not read them).
    trail = {"entity_id": made["id"]}
    assert len((await client.get("/api/v1/audit", params=trail, headers=h)).json()["items"]) == 3
    assert (await client.get("/api/v1/audit", params=trail, headers=auth(Role.AUDITOR))).json()["items"] == []
    action_trail = {"entity_id": s["action"]["id"]}
    assert (
        len((await client.get("/api/v1/audit", params=action_trail, headers=auth(Role.AUDITOR))).json()["items"]) == 1
    )

    # Lists filter by person and year, within the rule.
    mine = await client.get(OBJECTIVES, params={"person_id": s["worker"]["id"], "financial_year": "2025/26"}, headers=h)
    assert [o["id"] for o in mine.json()["items"]] == [made["id"]]
    other_year = await client.get(OBJECTIVES, params={"financial_year": "2026/27"}, headers=h)
    assert other_year.json()["items"] == []


async def test_an_objective_links_to_exactly_one_thing_of_this_council(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Any
) -> None:
    h = auth()
    s = await people(client, h)
    cases = (
        (objective(s, outcome_id=s["outcome"]["id"]), "#/action_id"),  # both
        (objective(s, action_id=None), "#/action_id"),  # neither
        (objective(s, manager_id=s["worker"]["id"]), "#/manager_id"),
        (objective(s, financial_year="2025/27"), "#/financial_year"),
    )
    for body, pointer in cases:
        r = await client.post(OBJECTIVES, json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["pointer"] == pointer, r.text
    r = await client.post(OBJECTIVES, json=objective(s, action_id=None, outcome_id=s["outcome"]["id"]), headers=h)
    assert r.status_code == 201, r.text

    # Another council's person: their ids name nothing here.
    elsewhere = auth(organisation=other_org)
    theirs = await post(client, "/api/v1/people", {"name": "Other", "email": "o@example.gov.uk"}, elsewhere)
    r = await client.post(OBJECTIVES, json=objective(s, person_id=theirs["id"]), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/person_id"
    assert (
        await client.get(f"{OBJECTIVES}/{r.json().get('id', s['action']['id'])}", headers=elsewhere)
    ).status_code == 404

    # Only the line manager (or the performance team) sets objectives; a review is not dated ahead.
    colleague = as_person(auth, s["colleague"], Role.SERVICE_MANAGER)
    assert (await client.post(OBJECTIVES, json=objective(s), headers=colleague)).status_code == 403
    # Naming oneself the line manager is not enough: a manager's role must reach the person's service.
    for pretender in (
        as_person(auth, s["colleague"]),  # a viewer (a scrutiny member, say)
        as_person(auth, s["colleague"], Role.AUDITOR),
        auth(
            Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s["housing"]["id"], person_id=s["colleague"]["id"]
        ),
    ):
        r = await client.post(OBJECTIVES, json=objective(s, manager_id=s["colleague"]["id"]), headers=pretender)
        assert r.status_code == 403, r.text
    # Nobody sets or reviews their own objective, the performance team included.
    own = as_person(auth, s["worker"], Role.PERFORMANCE)
    assert (await client.post(OBJECTIVES, json=objective(s), headers=own)).status_code == 403
    made = await post(client, OBJECTIVES, objective(s), h)
    r = await client.post(
        f"{OBJECTIVES}/{made['id']}/reviews",
        json={"stage": "year_end", "state": "achieved", "reviewed_on": "2090-03-31"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/reviewed_on"
    # Nor before the objective's year (2025/26) starts
    r = await client.post(
        f"{OBJECTIVES}/{made['id']}/reviews",
        json={"stage": "mid_year", "state": "on_track", "reviewed_on": "2025-03-31"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/reviewed_on", r.text
    assert "before the objective's year starts" in r.json()["errors"][0]["detail"]
    r = await client.post(
        f"{OBJECTIVES}/{made['id']}/reviews", json={"stage": "year_end", "state": "achieved"}, headers=own
    )
    assert r.status_code == 403, r.text
    r = await client.patch(f"{OBJECTIVES}/{made['id']}", json={"title": "Easier"}, headers=own)
    assert r.status_code == 403, r.text
    got = await client.get(f"{OBJECTIVES}/{made['id']}", headers=h)
    assert got.json()["year_end_state"] == "not_due" and got.json()["version"] == 1  # nothing half-written
