"""KPIs through HTTP: definitions, filters, paging, scope, archive, exact decimals."""

from __future__ import annotations

import httpx
import pytest

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory


async def test_create_read_and_inherit_portfolio(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, expected_min=30.5, expected_max="70.25"), h)
    assert kpi["portfolio_id"] == s.portfolio_id
    r = await client.get(f"/api/v1/kpis/{kpi['id']}", headers=h)
    assert r.status_code == 200
    assert r.json()["expected_min"] == 30.5
    assert r.json()["expected_max"] == 70.25
    assert r.headers["ETag"]
    r2 = await client.get(f"/api/v1/kpis/{kpi['id']}", headers={**h, "If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 304


async def test_filters_sort_and_cursor_pages(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    codes = [f"K{n:02d}" for n in range(5)]
    for code in codes:
        await post(client, "/api/v1/kpis", kpi_body(s, code=code), h)
    await post(client, "/api/v1/kpis", kpi_body(s, code="ELSEWHERE", service_id=s.other_service_id), h)
    seen: list[str] = []
    url: str | None = "/api/v1/kpis"
    params: dict[str, str] | None = {"service_id": s.service_id, "limit": "2"}
    while url:
        r = await client.get(url, params=params, headers=h)
        assert r.status_code == 200, r.text
        seen += [k["code"] for k in r.json()["items"]]
        url = r.headers.get("Link", "").split(";")[0].strip("<>") or None
        params = None
    assert seen == codes
    r = await client.get("/api/v1/kpis", params={"directorate_id": s.directorate_id, "sort": "-code"}, headers=h)
    assert [k["code"] for k in r.json()["items"]][:2] == ["K04", "K03"]
    r = await client.get("/api/v1/kpis", params={"owner_id": s.backup_id, "search": "elsewhere"}, headers=h)
    assert [k["code"] for k in r.json()["items"]] == ["ELSEWHERE"]


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"unit": "furlongs"}, "#/unit"),
        ({"polarity": "sideways"}, "#/polarity"),
        ({"decimal_places": 9}, "#/decimal_places"),
        ({"expected_min": 80, "expected_max": 20}, "#/expected_min"),
        ({"expected_max": 140}, "#/expected_max"),
        ({"code": "has space"}, "#/code"),
        ({"favourite": True}, "#/favourite"),
        ({"expected_min": "NaN"}, "#/expected_min"),
        ({"decimal_places": "two"}, "#/decimal_places"),
    ],
)
async def test_bad_kpi_input_is_422_pointing_at_the_field(
    client: httpx.AsyncClient, auth: TokenFactory, overrides: dict[str, object], pointer: str
) -> None:
    h = auth()
    s = await structure(client, h)
    r = await client.post("/api/v1/kpis", json=kpi_body(s, **overrides), headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert pointer in [e["pointer"] for e in r.json()["errors"]]
    assert (await client.get("/api/v1/kpis", headers=h)).json()["items"] == []


async def test_owner_from_another_organisation_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    s = await structure(client, h)
    foreign = await post(
        client,
        "/api/v1/people",
        {"name": "Elsewhere", "email": "x@south.example.gov.uk"},
        auth(organisation=other_org),
    )
    r = await client.post("/api/v1/kpis", json=kpi_body(s, owner_id=foreign["id"]), headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/owner_id"


async def test_service_manager_writes_only_in_scope(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s = await structure(client, auth())
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), manager)
    r = await client.post("/api/v1/kpis", json=kpi_body(s, service_id=s.other_service_id), headers=manager)
    assert r.status_code == 403
    # Moving its own KPI to a service outside its scope is refused too.
    r = await client.patch(f"/api/v1/kpis/{kpi['id']}", json={"service_id": s.other_service_id}, headers=manager)
    assert r.status_code == 403
    director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=s.directorate_id)
    r = await client.patch(f"/api/v1/kpis/{kpi['id']}", json={"service_id": s.other_service_id}, headers=director)
    assert r.status_code == 200
    r = await client.get(f"/api/v1/kpis/{kpi['id']}", headers=auth(Role.VIEWER))
    assert r.status_code == 200


async def test_archive_hides_from_lists_and_keeps_the_record(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), h)
    r = await client.post(f"/api/v1/kpis/{kpi['id']}/archive", headers=h)
    assert r.status_code == 200 and r.json()["archived_at"]
    assert (await client.get("/api/v1/kpis", headers=h)).json()["items"] == []
    listed = (await client.get("/api/v1/kpis", params={"include_archived": "true"}, headers=h)).json()["items"]
    assert [k["id"] for k in listed] == [kpi["id"]]
    r = await client.post(f"/api/v1/kpis/{kpi['id']}/restore", headers=h)
    assert r.json()["archived_at"] is None


async def test_patch_null_on_required_field_is_refused(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), h)
    r = await client.patch(f"/api/v1/kpis/{kpi['id']}", json={"title": None}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/title"
    r = await client.patch(f"/api/v1/kpis/{kpi['id']}", json={"backup_owner_id": None}, headers=h)
    assert r.status_code == 200 and r.json()["backup_owner_id"] is None


async def test_duplicate_code_is_409(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    await post(client, "/api/v1/kpis", kpi_body(s, code="DUP"), h)
    r = await client.post("/api/v1/kpis", json=kpi_body(s, code="DUP"), headers=h)
    assert r.status_code == 409
    assert len((await client.get("/api/v1/kpis", params={"code": "DUP"}, headers=h)).json()["items"]) == 1


async def test_a_kpi_with_history_keeps_how_it_is_judged(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    fresh = await post(client, "/api/v1/kpis", kpi_body(s), h)
    r = await client.patch(f"/api/v1/kpis/{fresh['id']}", json={"polarity": "lower_is_better"}, headers=h)
    assert r.status_code == 200 and r.json()["polarity"] == "lower_is_better"  # no history yet: free to change

    targeted = await post(client, "/api/v1/kpis", kpi_body(s), h)
    target = {"kpi_id": targeted["id"], "financial_year": "2026/27", "target_type": "growth", "annual_target": 52,
              "tolerance": {"kind": "intervention_level", "value": 48}}  # fmt: skip
    await post(client, "/api/v1/targets", target, h)
    before = await client.get(f"/api/v1/kpis/{targeted['id']}", headers=h)
    r = await client.patch(
        f"/api/v1/kpis/{targeted['id']}",
        json={"polarity": "lower_is_better", "frequency": "monthly", "title": "Renamed"},
        headers={**h, "If-Match": before.headers["ETag"]},
    )
    assert r.status_code == 409, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == ["#/polarity"]  # frequency is unchanged
    assert "has targets recorded as polarity higher_is_better" in r.json()["detail"]
    after = await client.get(f"/api/v1/kpis/{targeted['id']}", headers=h)
    assert after.json() == before.json() and after.headers["ETag"] == before.headers["ETag"]  # nothing written
    r = await client.patch(f"/api/v1/kpis/{targeted['id']}", json={"title": "Renamed", "decimal_places": 2}, headers=h)
    assert r.status_code == 200 and r.json()["title"] == "Renamed"

    reported = await post(client, "/api/v1/kpis", kpi_body(s), h)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    r = await client.put(
        f"/api/v1/kpis/{reported['id']}/submissions/2026/27 P1", json={"numerator": 4, "denominator": 5}, headers=owner
    )
    assert r.status_code == 201, r.text
    r = await client.patch(
        f"/api/v1/kpis/{reported['id']}", json={"frequency": "quarterly", "unit": "ratio"}, headers=h
    )
    assert r.status_code == 409
    assert [e["pointer"] for e in r.json()["errors"]] == ["#/unit", "#/frequency"]
    assert "has values recorded" in r.json()["detail"]
