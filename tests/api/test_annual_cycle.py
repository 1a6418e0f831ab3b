"""The annual cycle through HTTP: roll targets forward to next year, and the six-monthly stretch review
(issue 11, section 3; seed 001_ec6bae7b38cacc6f.txt, C.1 and C.1.2; seed 000 on seasonality)."""

from __future__ import annotations

from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.data_quality import TEMPLATE_QUESTIONS
from pmf_api.domain.workflow import Role
from tests.api.builders import approved_target, kpi_body, post, structure
from tests.api.conftest import TokenFactory

LAST_YEAR, THIS_YEAR = "2025/26", "2026/27"
TEMPLATES = "/api/v1/data-quality-templates"


def count_kpi(s: Any, code: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"unit": "count", "aggregation": "sum", "decimal_places": 0, **overrides}
    return kpi_body(s, code=code, title=f"{code} collected", **fields)


async def counted(
    client: httpx.AsyncClient, feed: dict[str, str], team: dict[str, str], code: str, year: str, values: list[int]
) -> None:
    """The values pushed by one person and validated by another: they count."""
    rows = [
        {"kpi_code": code, "period": f"{year} P{i}", "value": v, "commentary": "Feed"} for i, v in enumerate(values, 1)
    ]
    pushed = await client.post("/api/v1/submissions/bulk", params={"submit": "true"}, json={"rows": rows}, headers=feed)
    assert pushed.status_code == 200, pushed.text
    for row in pushed.json()["rows"]:
        assert row["outcome"] == "created", row
        moved = await client.post(
            f"/api/v1/submissions/{row['submission_id']}/transition", json={"to": "validated"}, headers=team
        )
        assert moved.status_code == 200, moved.text


async def test_targets_roll_forward_through_the_target_workflow(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    feed = auth(subject="waste.feed@example.gov.uk")
    director = auth(Role.DIRECTOR)
    s = await structure(client, team)
    seasonal = await post(client, "/api/v1/kpis", count_kpi(s, "GARDEN"), team)
    fewer = await post(client, "/api/v1/kpis", count_kpi(s, "MISSED", polarity="lower_is_better"), team)
    fresh = await post(client, "/api/v1/kpis", count_kpi(s, "FRESH"), team)
    gone = await post(client, "/api/v1/kpis", count_kpi(s, "GONE"), team)
    assert (await client.post(f"/api/v1/kpis/{gone['id']}/archive", headers=team)).status_code == 200
    for kpi, kind, target in ((seasonal, "growth", 150), (fewer, "reduction", 130)):
        await approved_target(
            client,
            team,
            director,
            {
                "kpi_id": kpi["id"],
                "financial_year": LAST_YEAR,
                "target_type": kind,
                "annual_target": target,
                "tolerance": {"kind": "intervention_level", "value": target - 15 if kind == "growth" else target + 15},
            },
        )
    # Garden waste has last year's Data Quality Template, signed; MISSED has this year's, a draft already.
    answers = {name: f"Answer to: {question}" for name, question in TEMPLATE_QUESTIONS.items()}
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="mgr@x.gov.uk")
    garden_last = await post(
        client, TEMPLATES, {"kpi_id": seasonal["id"], "financial_year": LAST_YEAR, **answers}, team
    )
    signed = await client.post(f"{TEMPLATES}/{garden_last['id']}/sign-off", json={"confirm": True}, headers=manager)
    assert signed.status_code == 200, signed.text
    missed_now = await post(client, TEMPLATES, {"kpi_id": fewer["id"], "financial_year": THIS_YEAR, **answers}, team)
    # Garden waste: twice as much in the second half of the year.
    await counted(client, feed, team, "GARDEN", LAST_YEAR, [10] * 6 + [20] * 6)
    await counted(client, feed, team, "MISSED", LAST_YEAR, [10] * 12)

    preview = await client.get(
        "/api/v1/roll-forward/proposals",
        params={"financial_year": THIS_YEAR, "growth_percentage": 5, "reduction_percentage": 10},
        headers=team,
    )
    assert preview.status_code == 200, preview.text
    proposals = {p["kpi_code"]: p for p in preview.json()["items"]}
    assert set(proposals) == {"GARDEN", "MISSED", "FRESH"}  # the archived KPI does not continue
    garden = proposals["GARDEN"]
    assert (garden["target_type"], garden["last_year_outturn"], garden["proposed_annual_target"]) == (
        "growth",
        180,
        189,
    )
    assert garden["profile"] == [11, 10, 11, 10, 11, 10, 21, 21, 21, 21, 21, 21]
    assert sum(garden["profile"]) == 189
    assert abs(sum(garden["seasonal_shares"]) - 1) < 1e-5
    assert garden["history"][0] == {"financial_year": LAST_YEAR, "values": [10] * 6 + [20] * 6}
    assert garden["tolerance"] == {"kind": "absolute", "value": 15}
    assert garden["note"].startswith("Growth: 2025/26 outturn 180 plus 5%")
    assert (proposals["MISSED"]["target_type"], proposals["MISSED"]["proposed_annual_target"]) == ("reduction", 108)
    assert (proposals["FRESH"]["kpi_id"], proposals["FRESH"]["proposed_annual_target"]) == (fresh["id"], None)
    assert "No counted values" in proposals["FRESH"]["note"]
    # Each proposal shows the KPI's template for the year, for review.
    assert proposals["GARDEN"]["data_quality_template"] is None
    assert proposals["MISSED"]["data_quality_template"] == {
        "id": missed_now["id"],
        "version_number": 1,
        "state": "draft",
    }
    paged = await client.get(
        "/api/v1/roll-forward/proposals", params={"financial_year": THIS_YEAR, "limit": 2}, headers=team
    )
    assert len(paged.json()["items"]) == 2 and paged.json()["next_cursor"]
    bad = await client.get("/api/v1/roll-forward/proposals", params={"financial_year": "2026"}, headers=team)
    assert bad.status_code == 422

    applied = await client.post(
        "/api/v1/roll-forward", json={"financial_year": THIS_YEAR, "growth_percentage": 5}, headers=team
    )
    assert applied.status_code == 200, applied.text
    result = applied.json()
    created = {t["kpi_id"]: t for t in result["created"]}
    assert set(created) == {seasonal["id"], fewer["id"]}
    assert {k["kpi_code"] for k in result["skipped"]} == {"FRESH"}
    # The KPIs without a template for the year get one drafted, GARDEN's from last year's signed one.
    drafted = result["templates_drafted"]
    assert len(drafted) == 2 and {t["state"] for t in drafted} == {"draft"}
    garden_now = await client.get(
        TEMPLATES, params={"kpi_id": seasonal["id"], "financial_year": THIS_YEAR}, headers=team
    )
    (garden_template,) = garden_now.json()["items"]
    assert garden_template["id"] in {t["id"] for t in drafted}
    assert (
        garden_template["copied_from_id"] == garden_last["id"]
        and garden_template["seasonality"] == answers["seasonality"]
    )
    target = created[seasonal["id"]]
    assert (target["state"], target["annual_target"], target["target_type"]) == ("draft", 189, "growth")
    # The usual approval: proposed by one person, approved by another.
    for to, headers in (("proposed", team), ("approved", director)):
        moved = await client.post(f"/api/v1/targets/{target['id']}/transition", json={"to": to}, headers=headers)
        assert moved.status_code == 200, moved.text

    again = await client.post("/api/v1/roll-forward", json={"financial_year": THIS_YEAR}, headers=team)
    assert again.status_code == 200 and again.json()["created"] == [] and again.json()["templates_drafted"] == []
    assert {k["kpi_code"] for k in again.json()["skipped"]} == {"GARDEN", "MISSED", "FRESH"}
    owner = auth(Role.KPI_OWNER)
    assert (
        await client.post("/api/v1/roll-forward", json={"financial_year": "2027/28"}, headers=owner)
    ).status_code == 403
    unknown = await client.post(
        "/api/v1/roll-forward", json={"financial_year": "2027/28", "kpi_ids": [gone["id"]]}, headers=team
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "#/kpi_ids"


async def test_the_stretch_review_lists_kpis_beating_their_target(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    feed = auth(subject="waste.feed@example.gov.uk")
    s = await structure(client, team)
    for code in ("AHEAD", "BEHIND", "SHORT"):
        kpi = await post(client, "/api/v1/kpis", count_kpi(s, code), team)
        await approved_target(
            client,
            team,
            auth(Role.DIRECTOR),
            {"kpi_id": kpi["id"], "financial_year": THIS_YEAR, "target_type": "growth", "annual_target": 120},
        )
    await counted(client, feed, team, "AHEAD", THIS_YEAR, [12] * 6)
    await counted(client, feed, team, "BEHIND", THIS_YEAR, [12] * 5 + [9])
    await counted(client, feed, team, "SHORT", THIS_YEAR, [12] * 5)

    review = await client.get("/api/v1/stretch-review", params={"period": f"{THIS_YEAR} P6"}, headers=team)
    assert review.status_code == 200, review.text
    items = review.json()["items"]
    assert [i["kpi_code"] for i in items] == ["AHEAD"]
    ahead = items[0]
    assert (ahead["annual_target"], ahead["suggested_annual_target"], ahead["average_margin"]) == (120, 144, 2)
    assert ahead["periods"][0] == {"period": f"{THIS_YEAR} P1", "value": 12, "target": 10}
    assert len(ahead["periods"]) == 6
    earlier = await client.get("/api/v1/stretch-review", params={"period": f"{THIS_YEAR} P7"}, headers=team)
    assert earlier.json()["items"] == []
    quarter = await client.get("/api/v1/stretch-review", params={"period": f"{THIS_YEAR} Q2"}, headers=team)
    assert quarter.status_code == 422 and quarter.json()["errors"][0]["pointer"] == "query:period"
