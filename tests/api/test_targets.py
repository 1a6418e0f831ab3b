"""Targets through HTTP: tolerance rules by polarity, profiles, revisions, approval."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import TokenFactory


async def _kpi(client: httpx.AsyncClient, h: dict[str, str], s: Structure, **kw: Any) -> dict[str, Any]:
    return await post(client, "/api/v1/kpis", kpi_body(s, **kw), h)


def _target(kpi_id: str, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kpi_id": kpi_id,
        "financial_year": "2026/27",
        "target_type": "growth",
        "annual_target": 52,
        "tolerance": {"kind": "intervention_level", "value": 48},
    }
    body.update(kw)
    return body


@pytest.mark.parametrize(
    ("polarity", "tolerance", "expected_level"),
    [
        ("higher_is_better", {"kind": "intervention_level", "value": 48}, 48),
        ("higher_is_better", {"kind": "absolute", "value": 2.5}, 49.5),
        ("higher_is_better", {"kind": "percentage", "value": 10}, 46.8),
        ("lower_is_better", {"kind": "intervention_level", "value": 60}, 60),
        ("lower_is_better", {"kind": "percentage", "value": 10}, 57.2),
    ],
)
async def test_intervention_level_from_each_tolerance_form(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    polarity: str,
    tolerance: dict[str, Any],
    expected_level: float,
) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await _kpi(client, h, s, polarity=polarity)
    target = await post(client, "/api/v1/targets", _target(kpi["id"], tolerance=tolerance), h)
    assert target["intervention_level"] == expected_level
    assert target["state"] == "draft"
    assert target["tolerance"] == tolerance


@pytest.mark.parametrize(
    ("kpi_overrides", "target_overrides", "pointer"),
    [
        ({}, {"tolerance": {"kind": "intervention_level", "value": 55}}, "#/tolerance/value"),
        (
            {"polarity": "lower_is_better"},
            {"tolerance": {"kind": "intervention_level", "value": 40}},
            "#/tolerance/value",
        ),
        ({}, {"annual_target": 140}, "#/annual_target"),
        ({}, {"financial_year": "2025/27"}, "#/financial_year"),
        ({}, {"financial_year": "26/27"}, "#/financial_year"),
        ({}, {"tolerance": {"kind": "absolute", "value": -1}}, "#/tolerance/value"),
        (
            {"unit": "count", "aggregation": "sum", "decimal_places": 0},
            {"annual_target": 1200, "tolerance": None, "profile": [100] * 11 + [99]},
            "#/profile",
        ),
        ({}, {"profile": [50] * 4}, "#/profile"),
        ({}, {"stretch": True}, "#/stretch"),
        (
            {"polarity": "within_band"},
            {"annual_target": None, "tolerance": None, "band_lower": 9, "band_upper": 3},
            "#/band_lower",
        ),
    ],
)
async def test_bad_targets_are_refused_with_pointer(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    kpi_overrides: dict[str, Any],
    target_overrides: dict[str, Any],
    pointer: str,
) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await _kpi(client, h, s, **kpi_overrides)
    r = await client.post("/api/v1/targets", json=_target(kpi["id"], **target_overrides), headers=h)
    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]], r.json()
    assert (await client.get("/api/v1/targets", params={"kpi_id": kpi["id"]}, headers=h)).json()["items"] == []


async def test_cumulative_profile_that_adds_up_is_kept_exactly(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await _kpi(client, h, s, unit="count", aggregation="sum", decimal_places=0, polarity="lower_is_better")
    profile = ["100.1", "99.9"] + ["100"] * 10
    target = await post(
        client,
        "/api/v1/targets",
        _target(kpi["id"], annual_target=1200, profile=profile, tolerance={"kind": "percentage", "value": 5}),
        h,
    )
    assert target["profile"][:2] == [100.1, 99.9]
    assert target["intervention_level"] == 1260


async def test_mid_year_revision_keeps_history(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await _kpi(client, h, s)
    r = await client.post("/api/v1/targets", json=_target(kpi["id"]), headers=h)
    target, etag = r.json(), r.headers["ETag"]
    url = f"/api/v1/targets/{target['id']}"
    revise = {"effective_from": "2026/27 P7", "annual_target": 55, "reason": "Stretched at six months"}
    r = await client.post(url + "/revisions", json=revise, headers={**h, "If-Match": etag})
    assert r.status_code == 201, r.text
    assert r.json()["annual_target"] == 55 and r.json()["intervention_level"] == 48
    assert r.json()["revision_count"] == 2
    # The first ETag is stale now: a second stretch based on it is refused and changes nothing.
    r = await client.post(url + "/revisions", json={**revise, "annual_target": 60}, headers={**h, "If-Match": etag})
    assert r.status_code == 412
    revisions = (await client.get(url + "/revisions", headers=h)).json()["items"]
    assert [(v["number"], v["effective_from"], v["annual_target"]) for v in revisions] == [
        (1, "2026/27 P1", 52),
        (2, "2026/27 P7", 55),
    ]
    assert revisions[1]["reason"] == "Stretched at six months"
    r = await client.post(url + "/revisions", json={**revise, "effective_from": "2026/27 P3"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/effective_from"
    r = await client.post(url + "/revisions", json={**revise, "effective_from": "2027/28 P1"}, headers=h)
    assert r.status_code == 422
    r = await client.post(url + "/revisions", json={**revise, "annual_target": 47}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/tolerance/value"


async def test_one_target_per_kpi_per_year(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await _kpi(client, h, s)
    await post(client, "/api/v1/targets", _target(kpi["id"]), h)
    r = await client.post("/api/v1/targets", json=_target(kpi["id"]), headers=h)
    assert r.status_code == 409
    await post(client, "/api/v1/targets", _target(kpi["id"], financial_year="2027/28"), h)
    listed = (await client.get("/api/v1/targets", params={"kpi_id": kpi["id"]}, headers=h)).json()["items"]
    assert [t["financial_year"] for t in listed] == ["2027/28", "2026/27"]


async def test_approval_follows_roles_and_scope(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s = await structure(client, auth())
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id)
    kpi = await _kpi(client, manager, s)
    target = await post(client, "/api/v1/targets", _target(kpi["id"]), manager)
    url = f"/api/v1/targets/{target['id']}/transition"
    r = await client.post(url, json={"to": "approved"}, headers=manager)
    assert r.status_code == 409  # draft cannot jump to approved
    r = await client.post(url, json={"to": "proposed"}, headers=manager)
    assert r.status_code == 200 and r.json()["state"] == "proposed"
    r = await client.post(url, json={"to": "approved"}, headers=manager)
    assert r.status_code == 403
    other_director = auth(Role.DIRECTOR, scope=ScopeType.SERVICE, scope_id=s.other_service_id)
    r = await client.post(url, json={"to": "approved"}, headers=other_director)
    assert r.status_code == 403
    director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=s.directorate_id)
    r = await client.post(url, json={"to": "approved"}, headers=director)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    audit = (await client.get("/api/v1/audit", params={"entity_id": target["id"]}, headers=auth())).json()["items"]
    assert [(a["action"], a["after"]["state"]) for a in audit] == [
        ("transition", "approved"),
        ("transition", "proposed"),
        ("create", "draft"),
    ]


async def test_a_revision_of_an_approved_target_applies_only_once_someone_else_approves_it(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    """A mid-year stretch changes what counts, so it meets the approval the target met (seed 001, C.1;
    four-eyes): until then the target keeps its values and status judges against them."""
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    director = auth(Role.DIRECTOR, subject="director@example.gov.uk")
    kpi = await _kpi(client, team, s)
    target = await approved_target(client, team, director, _target(kpi["id"], financial_year="2025/26"))
    url = f"/api/v1/targets/{target['id']}"

    async def status_target() -> Any:
        r = await client.get(f"/api/v1/kpis/{kpi['id']}/status", params={"period": "2025/26 P8"}, headers=team)
        assert r.status_code == 200, r.text
        return r.json()["target"]

    assert await status_target() == 52
    stretch = {"effective_from": "2025/26 P7", "annual_target": 55, "reason": "Stretched at six months"}
    r = await client.post(url + "/revisions", json=stretch, headers=director)
    assert r.status_code == 201, r.text
    assert (r.json()["annual_target"], r.json()["state"], r.json()["pending_revision"]) == (52, "approved", 2)
    assert await status_target() == 52  # not yet approved: nothing changes
    revisions = (await client.get(url + "/revisions", headers=team)).json()["items"]
    assert [(v["number"], v["state"], v["annual_target"]) for v in revisions] == [
        (1, "approved", 52),
        (2, "proposed", 55),
    ]
    # One waits at a time.
    again = await client.post(url + "/revisions", json={**stretch, "annual_target": 56}, headers=team)
    assert again.status_code == 409, again.text

    # Its proposer does not approve it; nor does someone without the approver's role; refusing needs a reason.
    own = await client.post(url + "/revisions/2/transition", json={"to": "approved"}, headers=director)
    assert own.status_code == 403 and own.json()["type"].endswith("/four-eyes"), own.text
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="owner@example.gov.uk")
    assert (
        await client.post(url + "/revisions/2/transition", json={"to": "approved"}, headers=owner)
    ).status_code == 403
    bare = await client.post(url + "/revisions/2/transition", json={"to": "refused"}, headers=team)
    assert bare.status_code == 422 and bare.json()["errors"][0]["pointer"] == "#/comment"
    assert (
        await client.post(url + "/revisions/9/transition", json={"to": "approved"}, headers=team)
    ).status_code == 404
    for number in ("0", "99999999999"):  # no revision, and more than a database integer holds: 422, never a 500
        bad = await client.post(url + f"/revisions/{number}/transition", json={"to": "approved"}, headers=team)
        assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "path:number", bad.text

    holder = auth(Role.PORTFOLIO_HOLDER, subject="holder@example.gov.uk")
    approved = await client.post(url + "/revisions/2/transition", json={"to": "approved"}, headers=holder)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["annual_target"], approved.json()["pending_revision"]) == (55, None)
    assert await status_target() == 55  # P8 is after P7: the stretch applies
    decided = (await client.get(url + "/revisions", headers=team)).json()["items"][1]
    assert (decided["state"], decided["decided_by"]) == ("approved", "holder@example.gov.uk")
    twice = await client.post(url + "/revisions/2/transition", json={"to": "approved"}, headers=holder)
    assert twice.status_code == 409, twice.text

    # A refused revision never applies, and the next one may be proposed.
    r = await client.post(
        url + "/revisions", json={**stretch, "effective_from": "2025/26 P9", "annual_target": 60}, headers=team
    )
    assert r.status_code == 201 and r.json()["pending_revision"] == 3, r.text
    refused = await client.post(
        url + "/revisions/3/transition", json={"to": "refused", "comment": "Too steep mid-winter"}, headers=holder
    )
    assert refused.status_code == 200 and refused.json()["annual_target"] == 55, refused.text
    assert refused.json()["pending_revision"] is None
    trail = await client.get("/api/v1/audit", params={"entity_id": target["id"]}, headers=auth(Role.AUDITOR))
    assert {"revise", "revision approved", "revision refused"} <= {e["action"] for e in trail.json()["items"]}


async def test_a_tolerance_that_puts_the_intervention_level_out_of_reach_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    """Schemathesis found a percentage tolerance of 818,295,322,508,601 on a target of -738,550,150: the
    intervention level it gives is larger than any stored number, and PostgreSQL's refusal was a 500."""
    h = auth()
    s = await structure(client, h)
    kpi = await _kpi(client, h, s, unit="count", aggregation="sum", decimal_places=0)
    body = _target(kpi["id"], annual_target=738550150, tolerance={"kind": "percentage", "value": "818295322508601"})
    r = await client.post("/api/v1/targets", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "#/tolerance"
    assert (await client.get("/api/v1/targets", params={"kpi_id": kpi["id"]}, headers=h)).json()["items"] == []
