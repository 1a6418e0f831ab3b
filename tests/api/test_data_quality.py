"""Data Quality Templates and reviews through HTTP (seed 001_ec6bae7b38cacc6f.txt, Appendix B; seed
003_2a403038ecab8362.txt, section 5): drafted from last year's, signed off by the KPI's service manager
only, read-only once signed, changed by a new version; the organisation's gate on publishing values;
the list of KPIs without a signed template; reviews rated on the six characteristics."""

from __future__ import annotations

from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.data_quality import SIGN_OFF_DECLARATION, TEMPLATE_QUESTIONS
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import TokenFactory

YEAR = "2025/26"
TEMPLATES = "/api/v1/data-quality-templates"
REVIEWS = "/api/v1/data-quality-reviews"
ANSWERS = {name: f"Answer to: {question}" for name, question in TEMPLATE_QUESTIONS.items()}
RATINGS = {
    "accuracy": "good",
    "validity": "good",
    "reliability": "adequate",
    "timeliness": "good",
    "relevance": "good",
    "completeness": "poor",
}


def _etag(record: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{record["id"][:8]}-{record["version"]}"'}


def _manager(auth: TokenFactory, s: Structure) -> dict[str, str]:
    return auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="manager@example.gov.uk")


async def _sign(client: httpx.AsyncClient, template: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return await client.post(f"{TEMPLATES}/{template['id']}/sign-off", json={"confirm": True}, headers=headers)


async def _unsigned(client: httpx.AsyncClient, h: dict[str, str], year: str = YEAR) -> dict[str, Any]:
    r = await client.get(f"{TEMPLATES}/unsigned", params={"financial_year": year}, headers=h)
    assert r.status_code == 200, r.text
    return {item["kpi_code"]: item for item in r.json()["items"]}


async def _move(client: httpx.AsyncClient, h: dict[str, str], submission_id: str, to: str) -> httpx.Response:
    return await client.post(f"/api/v1/submissions/{submission_id}/transition", json={"to": to}, headers=h)


async def test_a_template_is_drafted_signed_versioned_and_gates_publication(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, code="WS01"), team)
    manager = _manager(auth, s)

    # Last year's template, signed; this year's starts from it.
    last_year = await post(client, TEMPLATES, {"kpi_id": kpi["id"], "financial_year": "2024/25", **ANSWERS}, team)
    assert (await _sign(client, last_year, manager)).status_code == 200
    draft = await post(client, TEMPLATES, {"kpi_id": kpi["id"], "financial_year": YEAR}, team)
    assert draft["state"] == "draft" and draft["version_number"] == 1
    assert draft["copied_from_id"] == last_year["id"]
    assert {name: draft[name] for name in ANSWERS} == ANSWERS
    assert draft["declaration"] is None and draft["signed_on"] is None
    assert (
        await client.post(TEMPLATES, json={"kpi_id": kpi["id"], "financial_year": YEAR}, headers=team)
    ).status_code == 409

    # Edited while a draft, with If-Match.
    r = await client.patch(
        f"{TEMPLATES}/{draft['id']}",
        json={"seasonality": "Garden waste peaks May-September"},
        headers={**team, **_etag(draft)},
    )
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["seasonality"] == "Garden waste peaks May-September"
    stale = await client.patch(
        f"{TEMPLATES}/{draft['id']}", json={"seasonality": "x"}, headers={**team, "If-Match": f'"{draft["id"][:8]}-1"'}
    )
    assert stale.status_code == 412

    # The gate on: publishing a value of the year is refused while its template is unsigned.
    r = await client.patch(
        "/api/v1/organisation",
        json={"settings": {"data_quality": {"require_signed_template_to_publish": True}}},
        headers=team,
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["data_quality"] == {"require_signed_template_to_publish": True}
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    saved = await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{YEAR} P1",
        json={"numerator": 52, "denominator": 100, "commentary": "Usual April", "submit": True},
        headers=owner,
    )
    assert saved.status_code == 201, saved.text
    submission_id = saved.json()["id"]
    assert (await _move(client, team, submission_id, "validated")).status_code == 200
    refused = await _move(client, team, submission_id, "published")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/data-quality-template-unsigned")
    assert "WS01" in problem["detail"] and YEAR in problem["detail"]
    # Nothing written: the value is still validated, and nothing was published.
    after = (await client.get(f"/api/v1/submissions/{submission_id}", headers=team)).json()
    assert after["state"] == "validated" and after["published_at"] is None
    # A portal is not offered a move the gate refuses.
    assert "published" not in after["allowed_transitions"] and "queried" in after["allowed_transitions"]

    unsigned = await _unsigned(client, team)
    assert unsigned["WS01"]["draft_template_id"] == draft["id"]
    # Left out, the year is the one in progress: WS01 has no template for it at all.
    r = await client.get(f"{TEMPLATES}/unsigned", headers=team)
    assert r.status_code == 200 and r.json()["items"][0]["financial_year"] not in (YEAR, "2024/25")
    assert {item["kpi_code"]: item["draft_template_id"] for item in r.json()["items"]} == {"WS01": None}

    # Only the service manager of the KPI's service signs: not the performance team, not the director,
    # not the manager of another service.
    other_manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.other_service_id)
    for outsider in (team, auth(Role.DIRECTOR), other_manager):
        r = await _sign(client, draft, outsider)
        assert r.status_code == 403, r.text
        assert "service manager" in r.json()["detail"]
    # The declaration must be made.
    r = await client.post(f"{TEMPLATES}/{draft['id']}/sign-off", json={"confirm": False}, headers=manager)
    assert r.status_code == 422

    r = await client.post(
        f"{TEMPLATES}/{draft['id']}/sign-off",
        json={"confirm": True, "name": "Alex Morgan", "signed_on": "2025-03-20"},
        headers={**manager, **_etag(draft)},
    )
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["state"] == "signed" and signed["declaration"] == SIGN_OFF_DECLARATION
    assert (signed["signed_by_name"], signed["signed_on"]) == ("Alex Morgan", "2025-03-20")
    assert signed["signed_by"] == "manager@example.gov.uk"
    assert "WS01" not in await _unsigned(client, team)

    # Signed: read-only; a change is a new version that must be signed again.
    r = await client.patch(f"{TEMPLATES}/{signed['id']}", json={"seasonality": "None"}, headers=team)
    assert r.status_code == 409 and "new version" in r.json()["detail"]
    assert (await _sign(client, signed, manager)).status_code == 409
    r = await client.post(f"{TEMPLATES}/{signed['id']}/versions", headers=team)
    assert r.status_code == 201, r.text
    second = r.json()
    assert (second["version_number"], second["state"], second["copied_from_id"]) == (2, "draft", signed["id"])
    assert second["seasonality"] == signed["seasonality"] and second["signed_on"] is None
    assert (await client.post(f"{TEMPLATES}/{signed['id']}/versions", headers=team)).status_code == 409
    # The signed version stays in force while the new one is written: publication goes ahead.
    offered = (await client.get(f"/api/v1/submissions/{submission_id}", headers=team)).json()
    assert "published" in offered["allowed_transitions"]
    published = await _move(client, team, submission_id, "published")
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"

    r = await client.patch(f"{TEMPLATES}/{second['id']}", json={"seasonality": "Also Christmas"}, headers=team)
    assert r.status_code == 200
    assert (await _sign(client, second, manager)).status_code == 200
    versions = await client.get(
        TEMPLATES, params={"kpi_id": kpi["id"], "financial_year": YEAR, "sort": "version_number"}, headers=team
    )
    assert [(t["version_number"], t["state"]) for t in versions.json()["items"]] == [(1, "superseded"), (2, "signed")]

    # Every write is audited.
    audit = await client.get("/api/v1/audit", params={"entity_id": signed["id"]}, headers=team)
    assert {e["action"] for e in audit.json()["items"]} >= {"create", "update", "sign", "supersede"}


async def test_the_gate_is_off_unless_the_organisation_turns_it_on(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, code="CS05"), team)
    organisation = (await client.get("/api/v1/organisation", headers=team)).json()
    assert organisation["settings"]["data_quality"] == {"require_signed_template_to_publish": False}
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    saved = await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{YEAR} P2",
        json={"numerator": 90, "denominator": 100, "commentary": "Fine", "submit": True},
        headers=owner,
    )
    assert (await _move(client, team, saved.json()["id"], "validated")).status_code == 200
    assert (await _move(client, team, saved.json()["id"], "published")).status_code == 200
    assert "CS05" in await _unsigned(client, team)


async def test_bad_templates_are_refused(client: httpx.AsyncClient, auth: TokenFactory, other_org: Any) -> None:
    team = auth()
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, code="PL01"), team)
    manager = _manager(auth, s)

    # An unanswered question blocks the sign-off, and says which.
    blank = await post(client, TEMPLATES, {"kpi_id": kpi["id"], "financial_year": YEAR, "seasonality": "No"}, team)
    assert blank["copied_from_id"] is None
    r = await _sign(client, blank, manager)
    assert r.status_code == 422
    assert "statistics_collected_by" in r.json()["detail"]
    assert r.json()["errors"][0]["pointer"] == "#/statistics_collected_by"
    assert (await client.get(f"{TEMPLATES}/{blank['id']}", headers=team)).json()["state"] == "draft"

    # A draft is changed, not versioned; a version of a draft is refused.
    assert (await client.post(f"{TEMPLATES}/{blank['id']}/versions", headers=team)).status_code == 409

    for body in (
        {"kpi_id": kpi["id"], "financial_year": "2025/27"},
        {"kpi_id": kpi["id"], "financial_year": YEAR, "mystery": "x"},
        {"kpi_id": "00000000-0000-4000-8000-000000000000", "financial_year": YEAR},
    ):
        r = await client.post(TEMPLATES, json=body, headers=team)
        assert r.status_code == 422, (body, r.text)

    # A viewer, or another council, cannot write; another council cannot see it.
    r = await client.post(TEMPLATES, json={"kpi_id": kpi["id"], "financial_year": "2026/27"}, headers=auth(Role.VIEWER))
    assert r.status_code == 403
    stranger = auth(organisation=other_org)
    assert (await client.get(f"{TEMPLATES}/{blank['id']}", headers=stranger)).status_code == 404
    assert (await _sign(client, blank, auth(Role.SERVICE_MANAGER, organisation=other_org))).status_code == 404
    r = await client.get(f"{TEMPLATES}/unsigned", params={"financial_year": "2025-26"}, headers=team)
    assert r.status_code == 422


async def test_data_quality_reviews(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, code="HS02"), team)
    draft = await post(client, TEMPLATES, {"kpi_id": kpi["id"], "financial_year": YEAR, **ANSWERS}, team)
    body = {
        "template_id": draft["id"],
        "reviewed_on": "2025-10-08",
        "reviewers": ["Perf Officer", "Waste manager"],
        "observations": "Method followed; the backup had no access to the workbook.",
        "ratings": RATINGS,
        "follow_up_actions": [{"action": "Give the backup access", "owner": "Head of Waste", "due_date": "2025-10-31"}],
    }
    # Practice is reviewed against a signed template.
    r = await client.post(REVIEWS, json=body, headers=team)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/template_id"
    assert (await _sign(client, draft, _manager(auth, s))).status_code == 200

    # Every characteristic is rated, on the scale.
    for ratings in ({k: v for k, v in RATINGS.items() if k != "timeliness"}, {**RATINGS, "accuracy": "excellent"}):
        r = await client.post(REVIEWS, json={**body, "ratings": ratings}, headers=team)
        assert r.status_code == 422, r.text
    # The performance team reviews; a service manager does not review their own service.
    assert (await client.post(REVIEWS, json=body, headers=_manager(auth, s))).status_code == 403

    review = await post(client, REVIEWS, body, team)
    assert (review["kpi_id"], review["financial_year"], review["template_version_number"]) == (kpi["id"], YEAR, 1)
    assert review["ratings"] == RATINGS
    assert review["follow_up_actions"] == [
        {"action": "Give the backup access", "owner": "Head of Waste", "due_date": "2025-10-31", "done": False}
    ]

    # The follow-up action is done; a rating changes.
    r = await client.patch(
        f"{REVIEWS}/{review['id']}",
        json={
            "follow_up_actions": [{**body["follow_up_actions"][0], "done": True}],
            "ratings": {"completeness": "adequate"},
        },
        headers={**team, **_etag(review)},
    )
    assert r.status_code == 200, r.text
    assert r.json()["follow_up_actions"][0]["done"] is True
    # A follow-up action changed without saying `done` (or a due date) takes their defaults, not a 500
    r = await client.patch(
        f"{REVIEWS}/{review['id']}",
        json={"follow_up_actions": [{"action": "Train the backup", "owner": "Head of Waste"}]},
        headers=team,
    )
    assert r.status_code == 200, r.text
    assert r.json()["follow_up_actions"] == [
        {"action": "Train the backup", "owner": "Head of Waste", "due_date": None, "done": False}
    ]
    assert r.json()["ratings"] == {**RATINGS, "completeness": "adequate"}
    r = await client.patch(f"{REVIEWS}/{review['id']}", json={"ratings": {"accuracy": None}}, headers=team)
    assert r.status_code == 422

    # Listed per KPI and for the organisation.
    other = await post(client, "/api/v1/kpis", kpi_body(s, code="HS03"), team)
    per_kpi = await client.get(REVIEWS, params={"kpi_id": kpi["id"]}, headers=team)
    assert [item["id"] for item in per_kpi.json()["items"]] == [review["id"]]
    assert (await client.get(REVIEWS, params={"kpi_id": other["id"]}, headers=team)).json()["items"] == []
    everyone = await client.get(REVIEWS, headers=auth(Role.VIEWER))
    assert review["id"] in {item["id"] for item in everyone.json()["items"]}
