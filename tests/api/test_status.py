"""KPI status and the scorecard through HTTP: RAG, YTD, direction, forecast, completeness, filters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.targets.models import Target, TargetRevision
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

# Today is in 2026/27: every period here has ended and its values are long due.
YEAR = "2025/26"


@pytest.fixture(autouse=True)
async def _one_person_team(org: Org, connection_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """These tests are about status, not about who checks whom: one token plays the whole team, as a
    very small council that relaxes four-eyes may (tests/api/test_four_eyes.py keeps it). Nor are they
    about commentary: Amber and Red values go in without one (tests/api/test_calculated_kpis.py keeps
    the rule that refuses them)."""
    async with connection_sessionmaker() as session:
        relaxed = {"four_eyes": {"required": False}, "collection": {"commentary_required": False}}
        await session.execute(update(Organisation).where(Organisation.id == org.id).values(settings=relaxed))
        await session.commit()


async def _kpi(client: httpx.AsyncClient, h: dict[str, str], s: Structure, **kw: Any) -> dict[str, Any]:
    return await post(client, "/api/v1/kpis", kpi_body(s, **kw), h)


async def _target(
    client: httpx.AsyncClient, h: dict[str, str], kpi_id: str, annual: float, level: float, **kw: Any
) -> dict[str, Any]:
    body = {
        "kpi_id": kpi_id,
        "financial_year": YEAR,
        "target_type": "growth",
        "annual_target": annual,
        "tolerance": {"kind": "intervention_level", "value": level},
        **kw,
    }
    # The team's token in these tests also holds the director role, to approve what it proposes.
    return await approved_target(client, h, h, body)


async def _save(
    client: httpx.AsyncClient, h: dict[str, str], kpi_id: str, period: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.put(
        f"/api/v1/kpis/{kpi_id}/submissions/{quote(period)}", json={**body, "submit": True}, headers=h
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _validated(
    client: httpx.AsyncClient, h: dict[str, str], kpi_id: str, period: str, body: dict[str, Any]
) -> dict[str, Any]:
    saved = await _save(client, h, kpi_id, period, body)
    response = await client.post(f"/api/v1/submissions/{saved['id']}/transition", json={"to": "validated"}, headers=h)
    assert response.status_code == 200, response.text
    return saved


async def _status(client: httpx.AsyncClient, h: dict[str, str], kpi_id: str, period: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/kpis/{kpi_id}/status", params={"period": period}, headers=h)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _recycling(client: httpx.AsyncClient, h: dict[str, str], s: Structure) -> dict[str, Any]:
    """A ratio KPI (percentage, higher is better, 1 dp), target 50% with intervention level 45%:
    P1 9/10 (90%), P2 50/100 (50%), P3 40/100 (40%, Red, no comment), all validated."""
    kpi = await _kpi(client, h, s)
    await _target(client, h, kpi["id"], 50, 45)
    await _validated(client, h, kpi["id"], f"{YEAR} P1", {"numerator": 9, "denominator": 10, "commentary": "Good"})
    await _validated(client, h, kpi["id"], f"{YEAR} P2", {"numerator": 50, "denominator": 100, "commentary": "Fine"})
    await _validated(client, h, kpi["id"], f"{YEAR} P3", {"numerator": 40, "denominator": 100, "owner_forecast": 60})
    return kpi


async def test_status_of_a_ratio_kpi(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)

    status = await _status(client, h, kpi["id"], f"{YEAR} P3")

    assert status["period"] == f"{YEAR} P3"
    assert status["value"] == 40
    assert (status["numerator"], status["denominator"]) == (40, 100)
    assert status["rag"] == "red"
    assert status["rag_basis"] == "period"
    assert (status["target"], status["intervention_level"], status["annual_target"]) == (50, 45, 50)
    # YTD of a ratio is the ratio of the sums, 99/210, not the mean of 90%, 50% and 40%.
    assert status["ytd_value"] == pytest.approx(47.142857)
    assert status["ytd_target"] == 50
    assert status["ytd_rag"] == "amber"
    assert (status["ytd_periods_reported"], status["ytd_periods_missing"]) == (3, 0)
    assert status["direction_against_previous"] == "worsening"
    assert status["direction_against_last_year"] == "not_comparable"
    forecast = status["forecast"]
    assert forecast is not None
    assert forecast["method"] == "run_rate"
    assert forecast["owner_forecast"] == 60
    assert forecast["lower"] <= forecast["outturn"] <= forecast["upper"]
    assert status["forecast_rag"] == forecast["rag"]
    assert status["spc"]["points"] == 3
    assert status["spc"]["sufficient_data"] is False
    assert status["variation"] is None and status["assurance"] is None
    assert status["review_category"] == "exception"
    assert status["escalation"]["review_reasons"]
    assert status["needs_intervention"] is False  # one Red month is not yet two in a row
    assert "missing_comment" in {f["code"] for f in status["flags"]}
    assert status["submission_state"] == "validated"
    assert status["missing"] is False
    assert status["value_state"] == "counted"
    done = status["completeness"]
    assert (done["state"], done["submitted"], done["counted"]) == ("validated", True, True)
    assert done["value_state"] == "counted"
    # June ends on the 30th: collection is due 10 working days later (Monday 14 July); a value not
    # in counts as Missing once 15 days have passed, from 16 July.
    assert (done["due_on"], done["missing_from"]) == ("2025-07-14", "2025-07-16")
    assert status["display"]["value"] == "40.0" and status["display"]["ytd_value"] == "47.1"


async def test_two_red_months_need_an_intervention(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)
    await _validated(
        client, h, kpi["id"], f"{YEAR} P4", {"numerator": 41, "denominator": 100, "commentary": "Still low"}
    )
    status = await _status(client, h, kpi["id"], f"{YEAR} P4")
    assert status["rag"] == "red"
    assert status["direction_against_previous"] == "improving"
    assert status["needs_intervention"] is True
    assert status["escalation"]["needs_intervention"] is True
    assert any("2 periods in a row" in reason for reason in status["escalation"]["reasons"])


async def test_a_missing_value_is_missing_and_an_unvalidated_one_awaits_validation(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)

    nothing = await _status(client, h, kpi["id"], f"{YEAR} P4")
    assert nothing["value"] is None
    assert nothing["rag"] == "missing"
    assert nothing["submission_state"] is None
    assert nothing["missing"] is True
    assert nothing["value_state"] == "missing"
    assert nothing["completeness"]["value_state"] == "missing"
    assert nothing["review_category"] == "exception"
    assert nothing["escalation"]["review_reasons"][0].startswith("Missing: the value was due and has not been")
    assert nothing["ytd_value"] == pytest.approx(47.142857)  # the months that are in still add up
    assert (nothing["ytd_periods_reported"], nothing["ytd_periods_missing"]) == (3, 1)
    assert nothing["flags"] == []

    # Submitted but not yet validated: not missing, not rated yet (it does not count until validated).
    await _save(client, h, kpi["id"], f"{YEAR} P5", {"numerator": 120, "denominator": 100})
    waiting = await _status(client, h, kpi["id"], f"{YEAR} P5")
    assert waiting["value"] is None
    assert waiting["rag"] is None
    assert waiting["value_state"] == "awaiting_validation"
    assert waiting["completeness"]["value_state"] == "awaiting_validation"
    assert waiting["submission_state"] == "submitted"
    assert waiting["missing"] is False
    assert waiting["review_category"] == "none"
    assert waiting["escalation"]["review_reasons"] == [
        "Awaiting validation: a value has been submitted but is not validated yet, so it is not rated."
    ]
    assert not any("not been submitted" in reason for reason in waiting["escalation"]["review_reasons"])
    assert waiting["completeness"]["submitted"] is True
    assert waiting["completeness"]["counted"] is False
    # Its flags are reported whatever its state: 120 out of 100.
    assert "numerator_exceeds_denominator" in {f["code"] for f in waiting["flags"]}


async def test_target_revision_applies_from_its_period(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _kpi(client, h, s)
    target = await _target(client, h, kpi["id"], 50, 45)
    revised = await client.post(
        f"/api/v1/targets/{target['id']}/revisions",
        json={
            "effective_from": f"{YEAR} P3",
            "annual_target": 40,
            "tolerance": {"kind": "intervention_level", "value": 35},
            "reason": "Rebased after the new contract",
        },
        headers=h,
    )
    assert revised.status_code == 201, revised.text
    # A revision of an approved target applies once approved (four-eyes is relaxed for this council).
    approved = await client.post(
        f"/api/v1/targets/{target['id']}/revisions/2/transition", json={"to": "approved"}, headers=h
    )
    assert approved.status_code == 200, approved.text
    for period in ("P2", "P3"):
        await _validated(
            client, h, kpi["id"], f"{YEAR} {period}", {"numerator": 42, "denominator": 100, "commentary": "As usual"}
        )

    before = await _status(client, h, kpi["id"], f"{YEAR} P2")
    after = await _status(client, h, kpi["id"], f"{YEAR} P3")
    assert (before["target"], before["intervention_level"], before["annual_target"]) == (50, 45, 50)
    assert before["rag"] == "red"
    assert (after["target"], after["intervention_level"], after["annual_target"]) == (40, 35, 40)
    assert after["rag"] == "green"


async def test_default_period_is_the_latest_ended(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _kpi(client, h, s)
    response = await client.get(f"/api/v1/kpis/{kpi['id']}/status", headers=h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"].startswith(body["financial_year"])
    assert body["rag"] is None  # no target: no colour
    assert body["forecast"] is None and body["spc"] is None


async def test_scorecard_filters(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    red = await _recycling(client, h, s)
    green = await _kpi(
        client,
        h,
        s,
        service_id=s.other_service_id,
        unit="count",
        aggregation="sum",
        decimal_places=0,
        title="Homes built",
    )
    await _target(client, h, green["id"], 120, 100)
    for period in ("P1", "P2", "P3"):
        await _validated(client, h, green["id"], f"{YEAR} {period}", {"value": 12, "commentary": "On plan"})
    quarterly = await _kpi(client, h, s, frequency="quarterly", title="Quarterly survey")

    response = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P3"}, headers=h)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["period"] == f"{YEAR} P3"
    assert card["as_of"]
    items = {item["kpi_id"]: item for item in card["items"]}
    assert set(items) == {red["id"], green["id"], quarterly["id"]}
    assert items[red["id"]]["rag"] == "red"
    assert items[red["id"]]["directorate_id"] == s.directorate_id
    # A cumulative count is rated year to date: 36 against 30 (three twelfths of 120).
    assert items[green["id"]]["rag_basis"] == "ytd"
    assert (items[green["id"]]["ytd_value"], items[green["id"]]["ytd_target"]) == (36, 30)
    assert items[green["id"]]["rag"] == "green"
    assert items[green["id"]]["review_category"] in {"highlight", "none"}
    # The quarterly KPI reports the quarter containing P3.
    assert items[quarterly["id"]]["period"] == f"{YEAR} Q1"
    assert items[quarterly["id"]]["missing"] is True

    by_service = await client.get(
        "/api/v1/scorecard", params={"period": f"{YEAR} P3", "service_id": s.other_service_id}, headers=h
    )
    assert [item["kpi_id"] for item in by_service.json()["items"]] == [green["id"]]
    by_rag = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P3", "rag": "red"}, headers=h)
    assert [item["kpi_id"] for item in by_rag.json()["items"]] == [red["id"]]
    by_directorate = await client.get(
        "/api/v1/scorecard",
        params={"period": f"{YEAR} P3", "directorate_id": s.directorate_id, "frequency": "monthly"},
        headers=h,
    )
    assert {item["kpi_id"] for item in by_directorate.json()["items"]} == {red["id"], green["id"]}
    by_portfolio = await client.get(
        "/api/v1/scorecard", params={"period": f"{YEAR} P3", "portfolio_id": s.portfolio_id}, headers=h
    )
    assert green["id"] not in {item["kpi_id"] for item in by_portfolio.json()["items"]}

    # A quarter gives monthly KPIs its last month.
    quarter = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} Q1"}, headers=h)
    assert {item["period"] for item in quarter.json()["items"]} == {f"{YEAR} P3", f"{YEAR} Q1"}


async def test_viewer_reads_and_other_councils_do_not(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)
    viewer = auth(Role.VIEWER)
    assert (await client.get(f"/api/v1/kpis/{kpi['id']}/status", headers=viewer)).status_code == 200
    card = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P3"}, headers=viewer)
    assert card.status_code == 200
    assert [item["kpi_id"] for item in card.json()["items"]] == [kpi["id"]]

    stranger = auth(organisation=other_org)
    response = await client.get(f"/api/v1/kpis/{kpi['id']}/status", headers=stranger)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    other_card = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P3"}, headers=stranger)
    assert other_card.status_code == 200
    assert other_card.json()["items"] == []


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"period": "2025/27 P3"}, "must be followed by 26"),
        ({"period": "2099/00 P3"}, "has not ended yet"),
        ({"rag": "purple"}, ""),
        ({"colour": "red"}, ""),
    ],
)
async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, auth: TokenFactory, params: dict[str, str], fragment: str
) -> None:
    response = await client.get("/api/v1/scorecard", params=params, headers=auth())
    assert response.status_code == 422, response.text
    assert fragment in response.text


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/scorecard")).status_code == 401


async def test_a_scorecard_follows_every_change_to_its_data(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)

    async def rag() -> str | None:
        response = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P4"}, headers=h)
        items = response.json()["items"]
        return str(items[0]["rag"]) if items else None

    assert await rag() == "missing"
    assert await rag() == "missing"  # the same data: the same answer, from the kept scorecard
    await _validated(client, h, kpi["id"], f"{YEAR} P4", {"numerator": 60, "denominator": 100, "commentary": "Up"})
    assert await rag() == "green"
    # A changed target changes the RAG too.
    targets = (await client.get("/api/v1/targets", params={"kpi_id": kpi["id"]}, headers=h)).json()["items"]
    revised = await client.post(
        f"/api/v1/targets/{targets[0]['id']}/revisions",
        json={"effective_from": f"{YEAR} P4", "annual_target": 70, "reason": "Stretched"},
        headers=h,
    )
    assert revised.status_code == 201, revised.text
    assert await rag() == "green"  # proposed, not yet approved: it does not count
    number = revised.json()["pending_revision"]
    approved = await client.post(
        f"/api/v1/targets/{targets[0]['id']}/revisions/{number}/transition", json={"to": "approved"}, headers=h
    )
    assert approved.status_code == 200, approved.text
    assert await rag() == "amber"
    archived = await client.post(f"/api/v1/kpis/{kpi['id']}/archive", headers=h)
    assert archived.status_code == 200
    assert await rag() is None


async def test_only_an_approved_target_gives_a_rag(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    # seed 001: targets are approved by Heads of Service, CLT and Councillors before being implemented
    team = auth()
    s = await structure(client, team)
    kpi = await _kpi(client, team, s)
    body = {
        "kpi_id": kpi["id"],
        "financial_year": YEAR,
        "target_type": "growth",
        "annual_target": 50,
        "tolerance": {"kind": "intervention_level", "value": 45},
    }
    target = await post(client, "/api/v1/targets", body, team)
    await _validated(client, team, kpi["id"], f"{YEAR} P1", {"numerator": 40, "denominator": 100, "commentary": "Low"})
    draft = await _status(client, team, kpi["id"], f"{YEAR} P1")
    assert (draft["value"], draft["rag"], draft["target"]) == (40, None, None)
    move = f"/api/v1/targets/{target['id']}/transition"
    assert (await client.post(move, json={"to": "proposed"}, headers=team)).status_code == 200
    assert (await _status(client, team, kpi["id"], f"{YEAR} P1"))["rag"] is None
    assert (await client.post(move, json={"to": "approved"}, headers=auth(Role.DIRECTOR))).status_code == 200
    approved = await _status(client, team, kpi["id"], f"{YEAR} P1")
    assert (approved["rag"], approved["target"], approved["intervention_level"]) == ("red", 50, 45)


async def test_one_kpi_the_rules_cannot_judge_does_not_sink_the_scorecard(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Stored data the API would refuse (written by a raw-SQL fix or an old import: here a monthly
    profile of 11 entries) makes the domain raise for that KPI alone; the scorecard still shows
    every other KPI and names the one it could not judge, and why."""
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    good = await _recycling(client, h, s)
    broken = await _kpi(client, h, s, unit="count", aggregation="sum", polarity="lower_is_better")
    target = await _target(client, h, broken["id"], 120, 130, profile=[10] * 12)
    await _validated(client, h, broken["id"], f"{YEAR} P1", {"value": 9})
    async with connection_sessionmaker() as session:
        target_id = uuid.UUID(target["id"])
        await session.execute(
            update(TargetRevision).where(TargetRevision.target_id == target_id).values(profile=["10"] * 11)
        )
        await session.execute(
            update(Target)
            .where(Target.id == target_id)
            .values(profile=["10"] * 11, version=Target.version + 1, updated_at=datetime.now(UTC))
        )
        await session.commit()

    r = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P3"}, headers=h)
    assert r.status_code == 200, r.text
    assert [item["kpi_id"] for item in r.json()["items"]] == [good["id"]]
    [skipped] = r.json()["not_evaluated"]
    assert skipped["kpi_id"] == broken["id"] and skipped["kpi_code"] == broken["code"]
    assert skipped["kpi_title"] == broken["title"]
    assert "profile" in skipped["reason"].lower()
    alone = await client.get(f"/api/v1/kpis/{broken['id']}/status", params={"period": f"{YEAR} P3"}, headers=h)
    assert alone.status_code == 409 and "profile" in alone.json()["detail"].lower()
    assert alone.json()["errors"] == []  # nothing in the request is at fault
