"""Four-eyes through HTTP (issue #8, item 11): whoever entered or submitted a value does not validate or
publish it, and whoever proposed a target does not approve it, even with one token holding both roles;
an organisation may relax the rule, and every action it then allows is audited as such."""

from __future__ import annotations

from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import TokenFactory

PERIOD = "2025/26 P6"
ENTERER = "perf.enterer@example.gov.uk"
CHECKER = "perf.checker@example.gov.uk"
PUBLISHER = "perf.publisher@example.gov.uk"


async def _kpi(client: httpx.AsyncClient, auth: TokenFactory) -> tuple[Structure, dict[str, Any]]:
    h = auth()
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), h)
    return s, kpi


async def _submitted(client: httpx.AsyncClient, kpi: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    r = await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{PERIOD}",
        json={"numerator": 48, "denominator": 100, "commentary": "Steady", "submit": True},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def _move(client: httpx.AsyncClient, submission: dict[str, Any], to: str, h: dict[str, str]) -> httpx.Response:
    return await client.post(f"/api/v1/submissions/{submission['id']}/transition", json={"to": to}, headers=h)


async def _audit(client: httpx.AsyncClient, entity_id: str, auth: TokenFactory) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/audit", params={"entity_id": entity_id}, headers=auth(Role.AUDITOR))
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_whoever_entered_and_submitted_a_value_cannot_validate_or_publish_it(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    _, kpi = await _kpi(client, auth)
    enterer = auth(subject=ENTERER)
    submission = await _submitted(client, kpi, enterer)
    # The performance team may enter a value on the owner's behalf, but then someone else checks it.
    own = await client.get(f"/api/v1/submissions/{submission['id']}", headers=enterer)
    assert "validated" not in own.json()["allowed_transitions"]
    assert "queried" in own.json()["allowed_transitions"]
    r = await _move(client, submission, "validated", enterer)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/four-eyes")
    assert "entered and submitted" in r.json()["detail"]
    assert (await client.get(f"/api/v1/submissions/{submission['id']}", headers=enterer)).json()["state"] == (
        "submitted"
    )

    checker = auth(subject=CHECKER)
    assert (
        "validated"
        in (await client.get(f"/api/v1/submissions/{submission['id']}", headers=checker)).json()["allowed_transitions"]
    )
    r = await _move(client, submission, "validated", checker)
    assert r.status_code == 200, r.text
    # The validator may publish; publishing is a check too, so the enterer cannot.
    assert "published" in r.json()["allowed_transitions"]
    own = await client.get(f"/api/v1/submissions/{submission['id']}", headers=enterer)
    assert "published" not in own.json()["allowed_transitions"]
    assert (await _move(client, submission, "published", enterer)).status_code == 403
    r = await _move(client, submission, "published", auth(subject=PUBLISHER))
    assert r.status_code == 200, r.text


async def test_one_token_holding_owner_and_performance_roles_cannot_check_its_own_value(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    s, kpi = await _kpi(client, auth)
    both = auth(
        Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id, also=(Role.PERFORMANCE,)
    )
    submission = await _submitted(client, kpi, both)
    assert set(submission["allowed_transitions"]) == {"draft", "queried"}
    assert (await _move(client, submission, "validated", both)).status_code == 403


async def test_whoever_submitted_someone_elses_draft_cannot_validate_it(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    s, kpi = await _kpi(client, auth)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    r = await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{PERIOD}", json={"numerator": 1, "denominator": 2}, headers=owner
    )
    assert r.status_code == 201
    submitter = auth(subject=CHECKER)
    assert (await _move(client, r.json(), "submitted", submitter)).status_code == 200
    refused = await _move(client, r.json(), "validated", submitter)
    assert refused.status_code == 403 and "you submitted this submission" in refused.json()["detail"]


async def test_whoever_proposed_a_target_cannot_approve_it(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s, kpi = await _kpi(client, auth)
    # A director who is also acting head of the service: one token, both roles.
    both = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, also=(Role.DIRECTOR,))
    body = {"kpi_id": kpi["id"], "financial_year": "2025/26", "target_type": "maintain", "annual_target": 50}
    target = await post(client, "/api/v1/targets", body, both)
    move = f"/api/v1/targets/{target['id']}/transition"
    r = await client.post(move, json={"to": "proposed"}, headers=both)
    assert r.status_code == 200, r.text
    assert r.json()["proposed_by"] == "service_manager@example.gov.uk"
    r = await client.post(move, json={"to": "approved"}, headers=both)
    assert r.status_code == 403, r.text
    assert r.json()["type"].endswith("/four-eyes") and "proposed" in r.json()["detail"]
    assert (await client.get(f"/api/v1/targets/{target['id']}", headers=both)).json()["state"] == "proposed"
    r = await client.post(move, json={"to": "approved"}, headers=auth(Role.DIRECTOR, subject="director@example.gov.uk"))
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["proposed_by"]) == ("approved", "service_manager@example.gov.uk")


async def test_a_small_team_may_relax_four_eyes_and_the_audit_trail_says_so(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    assert (await client.get("/api/v1/organisation", headers=team)).json()["settings"]["four_eyes"] == {
        "required": True
    }
    r = await client.patch("/api/v1/organisation", json={"settings": {"four_eyes": {"required": False}}}, headers=team)
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["four_eyes"] == {"required": False}
    # The other sections are kept.
    assert r.json()["settings"]["collection"] == {"due_working_days": 10, "commentary_required": True}

    s, kpi = await _kpi(client, auth)
    submission = await _submitted(client, kpi, team)
    assert "validated" in submission["allowed_transitions"]
    for to in ("validated", "published"):
        r = await _move(client, submission, to, team)
        assert r.status_code == 200, r.text
    notes = {
        a["after"]["state"]: a["note"]
        for a in await _audit(client, submission["id"], auth)
        if a["action"] == "transition"
    }
    assert notes["submitted"] is None
    assert "Four-eyes relaxed" in notes["validated"] and "entered and submitted" in notes["validated"]
    assert "Four-eyes relaxed" in notes["published"]

    target = await approved_target(
        client,
        auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, also=(Role.DIRECTOR,)),
        auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, also=(Role.DIRECTOR,)),
        {"kpi_id": kpi["id"], "financial_year": "2025/26", "target_type": "maintain", "annual_target": 50},
    )
    approval = [a for a in await _audit(client, target["id"], auth) if a["after"]["state"] == "approved"]
    assert len(approval) == 1 and "proposed it" in approval[0]["note"]


async def test_four_eyes_setting_is_validated(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    for bad in ({"required": "sometimes"}, {"required": None}, {"reqiured": False}):
        r = await client.patch("/api/v1/organisation", json={"settings": {"four_eyes": bad}}, headers=auth())
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["pointer"].startswith("#/settings/four_eyes"), r.json()
