"""Calculated KPIs and the commentary rule, through HTTP alone (issue 11, section 3; seed 001, E.1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pmf_api.access.actor import ScopeType
from pmf_api.domain.data_quality import TEMPLATE_QUESTIONS
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

YEAR = "2026/27"
APRIL, MAY = "2026/27 P1", "2026/27 P2"


def count_kpi(s: Structure, code: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"unit": "count", "aggregation": "sum", "decimal_places": 0, **overrides}
    return kpi_body(s, code=code, title=f"{code} tonnes", **fields)


async def _move(client: httpx.AsyncClient, h: dict[str, str], submission_id: str, to: str) -> dict[str, Any]:
    r = await client.post(f"/api/v1/submissions/{submission_id}/transition", json={"to": to}, headers=h)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def _submit(
    client: httpx.AsyncClient, h: dict[str, str], kpi: dict[str, Any], period: str, value: int, **body: Any
) -> httpx.Response:
    return await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{period}",
        json={"value": value, "commentary": "As expected for the month", "submit": True, **body},
        headers=h,
    )


async def _value(client: httpx.AsyncClient, h: dict[str, str], kpi: dict[str, Any], period: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/kpis/{kpi['id']}/submissions/{period}", headers=h)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def _set_formula(
    client: httpx.AsyncClient, h: dict[str, str], kpi: dict[str, Any], formula: str, **rules: Any
) -> httpx.Response:
    return await client.put(f"/api/v1/kpis/{kpi['id']}/formula", json={"formula": formula, **rules}, headers=h)


def _problem(response: httpx.Response, status: int, pointer: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert [e["pointer"] for e in body["errors"]] == [pointer], body
    detail: str = body["errors"][0]["detail"]
    return detail


async def test_a_calculated_kpi_follows_its_inputs(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    publisher = auth(subject="perf.publisher@example.gov.uk")
    s = await structure(client, team)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    food = await post(client, "/api/v1/kpis", count_kpi(s, "FOOD"), team)
    garden = await post(client, "/api/v1/kpis", count_kpi(s, "GARDEN"), team)
    total = await post(client, "/api/v1/kpis", count_kpi(s, "ORGANIC"), team)

    formula = await _set_formula(client, team, total, "sum({FOOD},{GARDEN})")
    assert formula.status_code == 200, formula.text
    assert formula.json()["formula"] == "sum({FOOD}, {GARDEN})"
    assert [i["kpi_code"] for i in formula.json()["inputs"]] == ["FOOD", "GARDEN"]
    read = await client.get(f"/api/v1/kpis/{total['id']}/formula", headers=team)
    # The KPI itself says it is calculated, read alone or in a list (a portal greys out its entry).
    for body in (
        (await client.get(f"/api/v1/kpis/{total['id']}", headers=team)).json(),
        (await client.get("/api/v1/kpis", params={"code": "ORGANIC"}, headers=team)).json()["items"][0],
    ):
        assert body["formula"] == "sum({FOOD}, {GARDEN})"
    assert (await client.get(f"/api/v1/kpis/{food['id']}", headers=team)).json()["formula"] is None
    assert read.status_code == 200 and read.json()["on_missing_input"] == "missing" and read.json()["calculated"]

    # Nobody enters a calculated KPI's value by hand.
    by_hand = await _submit(client, owner, total, APRIL, 30)
    assert by_hand.status_code == 409, by_hand.text
    assert "calculated" in by_hand.json()["detail"]

    # The inputs are submitted, validated and published: the total follows them.
    submitted = [(await _submit(client, owner, kpi, APRIL, v)).json() for kpi, v in ((food, 10), (garden, 20))]
    computed = await _value(client, team, total, APRIL)
    assert (computed["value"], computed["state"]) == (30, "submitted")
    for submission in submitted:
        await _move(client, team, submission["id"], "validated")
    await _move(client, publisher, submitted[0]["id"], "published")
    assert (await _value(client, team, total, APRIL))["state"] == "validated"
    await _move(client, publisher, submitted[1]["id"], "published")
    computed = await _value(client, team, total, APRIL)
    assert (computed["value"], computed["state"], computed["revision"]) == (30, "published", 1)

    # Moving the computed value by hand is refused too.
    moved = await client.post(
        f"/api/v1/submissions/{computed['id']}/revisions", json={"reason": "Try by hand"}, headers=team
    )
    assert moved.status_code == 409, moved.text

    # An input is revised: the total reopens with it, and is recomputed when it is published again.
    revised = await client.post(
        f"/api/v1/submissions/{submitted[0]['id']}/revisions", json={"reason": "Weighbridge re-read"}, headers=team
    )
    assert revised.status_code == 200, revised.text
    assert (await _value(client, team, total, APRIL))["state"] == "draft"
    corrected = await _submit(client, {**owner, "If-Match": revised.headers["ETag"]}, food, APRIL, 15)
    assert corrected.status_code == 200, corrected.text
    await _move(client, team, submitted[0]["id"], "validated")
    await _move(client, publisher, submitted[0]["id"], "published")
    computed = await _value(client, team, total, APRIL)
    assert (computed["value"], computed["state"], computed["revision"]) == (35, "published", 2)
    publications = await client.get(f"/api/v1/submissions/{computed['id']}/publications", headers=team)
    assert [p["value"] for p in publications.json()["items"]] == [30, 35]

    # A bulk push: a row for the calculated KPI is rejected at its code; the inputs' drafts are added up.
    pushed = await client.post(
        "/api/v1/submissions/bulk",
        json={
            "rows": [
                {"kpi_code": "ORGANIC", "period": MAY, "value": 1},
                {"kpi_code": "FOOD", "period": MAY, "value": 4},
                {"kpi_code": "GARDEN", "period": MAY, "value": 5},
            ]
        },
        headers=owner,
    )
    assert pushed.status_code == 200, pushed.text
    rows = pushed.json()["rows"]
    assert [r["outcome"] for r in rows] == ["rejected", "created", "created"]
    assert [e["pointer"] for e in rows[0]["errors"]] == ["#/rows/0/kpi_code"]
    may = await _value(client, team, total, MAY)
    assert (may["value"], may["state"]) == (9, "draft")

    # A formula that leads back to itself is refused, saying where.
    cycle = await _set_formula(client, team, food, "{ORGANIC} - {GARDEN}")
    assert "refers back to itself: FOOD -> ORGANIC -> FOOD" in _problem(cycle, 422, "#/formula")


async def test_a_formula_is_checked_before_it_is_kept(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    team = auth()
    s = await structure(client, team)
    tonnes = await post(client, "/api/v1/kpis", count_kpi(s, "TONNES"), team)
    lifts = await post(client, "/api/v1/kpis", count_kpi(s, "LIFTS"), team)
    share = await post(client, "/api/v1/kpis", kpi_body(s, code="SHARE", aggregation="average"), team)
    rate = await post(client, "/api/v1/kpis", kpi_body(s, code="RATE", aggregation="ratio"), team)
    quarterly = await post(client, "/api/v1/kpis", count_kpi(s, "QTR", frequency="quarterly"), team)
    elsewhere = await structure(client, auth(organisation=other_org))
    foreign = await post(client, "/api/v1/kpis", count_kpi(elsewhere, "FOREIGN"), auth(organisation=other_org))
    assert foreign["code"] == "FOREIGN"

    cases = [
        (share, "{SHARE} + 1", "SHARE cannot be calculated from itself (at position 0)"),
        (lifts, "{TONNES} + {FOREIGN}", "No KPI with code FOREIGN in this organisation (at position 11)"),
        (lifts, "{TONNES} + {SHARE}", "the units differ"),
        (share, "{TONNES} / {LIFTS}", "divides by an input that can be zero"),
        (share, "{TONNES} / {LIFTS}", "(at position 9)"),
        (lifts, "{TONNES} + {QTR}", "reported quarterly"),
        (lifts, "{TONNES} +", "ends where a value was expected (at position 10)"),
        (lifts, "__import__('os')", "'_' has no meaning in a formula (at position 0)"),
    ]
    for kpi, text, expected in cases:
        response = await _set_formula(client, team, kpi, text)
        assert expected in _problem(response, 422, "#/formula"), text
    assert quarterly["frequency"] == "quarterly"

    ok = await _set_formula(client, team, share, "{TONNES} / ({TONNES} + {LIFTS}) * 100", on_zero_divisor="missing")
    assert ok.status_code == 200, ok.text
    assert ok.json()["formula"] == "{TONNES} / ({TONNES} + {LIFTS}) * 100"
    ratio = await _set_formula(client, team, rate, "{TONNES} / {LIFTS}", on_zero_divisor="zero")
    assert "ratio of numerators" in _problem(ratio, 422, "#/formula")
    by_hand = await client.get(f"/api/v1/kpis/{tonnes['id']}/formula", headers=team)
    assert by_hand.status_code == 200
    assert (by_hand.json()["calculated"], by_hand.json()["formula"], by_hand.json()["inputs"]) == (False, None, [])


async def test_amber_or_red_needs_a_commentary(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    kpi = await post(client, "/api/v1/kpis", count_kpi(s, "MISSED", aggregation="average"), team)
    other = await post(client, "/api/v1/kpis", count_kpi(s, "LIFTED", aggregation="average"), team)
    for each in (kpi, other):
        await approved_target(
            client,
            team,
            auth(Role.DIRECTOR),
            {
                "kpi_id": each["id"],
                "financial_year": YEAR,
                "target_type": "maintain",
                "annual_target": 100,
                "tolerance": {"kind": "percentage", "value": 10},
            },
        )
    # A level of 100 is on target; 95 is Amber (within 10%); 50 is Red.
    amber = await _submit(client, owner, kpi, APRIL, 95, commentary="")
    assert "Amber" in _problem(amber, 422, "#/commentary")
    assert (await client.get(f"/api/v1/kpis/{kpi['id']}/submissions/{APRIL}", headers=team)).status_code == 404
    saved = await _submit(client, owner, kpi, APRIL, 95, commentary="", submit=False)
    assert saved.status_code == 201 and saved.json()["state"] == "draft"
    sent = await client.post(
        f"/api/v1/submissions/{saved.json()['id']}/transition", json={"to": "submitted"}, headers=owner
    )
    _problem(sent, 422, "#/commentary")
    green = await _submit(client, owner, kpi, MAY, 101, commentary="")
    assert green.status_code == 201, green.text

    # A bulk push: the Red row without a commentary is refused at its commentary, the other is kept.
    pushed = await client.post(
        "/api/v1/submissions/bulk",
        params={"submit": "true"},
        json={
            "rows": [
                {"kpi_code": "LIFTED", "period": APRIL, "value": 50},
                {"kpi_code": "LIFTED", "period": MAY, "value": 50, "commentary": "Vehicle off the road for a week"},
            ]
        },
        headers=team,
    )
    assert pushed.status_code == 200, pushed.text
    rows = pushed.json()["rows"]
    assert [r["outcome"] for r in rows] == ["rejected", "created"]
    assert [e["pointer"] for e in rows[0]["errors"]] == ["#/rows/0/commentary"]

    # The organisation may turn the rule off.
    turned_off = await client.patch(
        "/api/v1/organisation", json={"settings": {"collection": {"commentary_required": False}}}, headers=team
    )
    assert turned_off.status_code == 200, turned_off.text
    sent = await client.post(
        f"/api/v1/submissions/{saved.json()['id']}/transition", json={"to": "submitted"}, headers=owner
    )
    assert sent.status_code == 200, sent.text


@pytest.mark.parametrize("rule", ["missing", "zero", "skip"])
async def test_a_missing_input_follows_the_declared_rule(
    client: httpx.AsyncClient, auth: TokenFactory, rule: str
) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    first = await post(client, "/api/v1/kpis", count_kpi(s, "FIRST"), team)
    await post(client, "/api/v1/kpis", count_kpi(s, "SECOND"), team)
    total = await post(client, "/api/v1/kpis", count_kpi(s, "BOTH"), team)
    assert (await _set_formula(client, team, total, "sum({FIRST}, {SECOND}) + 1", on_missing_input=rule)).is_success
    await _submit(client, owner, first, APRIL, 10)
    found = await client.get(f"/api/v1/kpis/{total['id']}/submissions/{APRIL}", headers=team)
    if rule == "missing":
        assert found.status_code == 404
    else:
        assert found.json()["value"] == 11


async def test_a_calculated_value_keeps_the_thresholds_of_its_period(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    """Recalculation does not recolour history with today's thresholds."""
    team = auth(subject="perf.officer@example.gov.uk")
    publisher = auth(subject="perf.publisher@example.gov.uk")
    director = auth(Role.DIRECTOR)
    s = await structure(client, team)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    part = await post(client, "/api/v1/kpis", count_kpi(s, "PART", aggregation="average"), team)
    doubled = await post(client, "/api/v1/kpis", count_kpi(s, "DOUBLED", aggregation="average"), team)
    assert (await _set_formula(client, team, doubled, "{PART} * 2")).status_code == 200
    target = await approved_target(
        client,
        team,
        director,
        {
            "kpi_id": doubled["id"],
            "financial_year": YEAR,
            "target_type": "maintain",
            "annual_target": 100,
            "tolerance": {"kind": "percentage", "value": 10},
        },
    )
    for period in (APRIL, MAY):
        sent = (await _submit(client, owner, part, period, 50)).json()
        await _move(client, team, sent["id"], "validated")
        await _move(client, publisher, sent["id"], "published")

    async def rag(period: str) -> str:
        r = await client.get(f"/api/v1/kpis/{doubled['id']}/status", params={"period": period}, headers=team)
        assert r.status_code == 200, r.text
        result: str = r.json()["rag"]
        return result

    assert (await rag(APRIL), await rag(MAY)) == ("green", "green")
    stretched = await client.post(
        f"/api/v1/targets/{target['id']}/revisions",
        json={"effective_from": MAY, "annual_target": 200, "reason": "Stretched"},
        headers=team,
    )
    assert stretched.status_code == 201, stretched.text
    approved = await client.post(
        f"/api/v1/targets/{target['id']}/revisions/2/transition", json={"to": "approved"}, headers=director
    )
    assert approved.status_code == 200, approved.text
    # May is judged against the stretched target now; April keeps the one in force then.
    assert (await rag(APRIL), await rag(MAY)) == ("green", "red")


async def test_the_data_quality_gate_holds_a_computed_value_until_its_template_is_signed(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    """Seed 001, B.1: with the organisation's gate on, a KPI's values for a year are published only once
    its template for the year is signed; a calculated KPI's computed value waits, validated, and the
    performance team publishes it once its template is signed."""
    team = auth(subject="perf.officer@example.gov.uk")
    publisher = auth(subject="perf.publisher@example.gov.uk")
    s = await structure(client, team)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="manager@x.gov.uk")
    food = await post(client, "/api/v1/kpis", count_kpi(s, "FOOD"), team)
    garden = await post(client, "/api/v1/kpis", count_kpi(s, "GARDEN"), team)
    total = await post(client, "/api/v1/kpis", count_kpi(s, "ORGANIC"), team)
    assert (await _set_formula(client, team, total, "{FOOD} + {GARDEN}")).status_code == 200
    answers = {name: f"Answer to: {question}" for name, question in TEMPLATE_QUESTIONS.items()}
    templates = {}
    for kpi in (food, garden, total):
        templates[kpi["code"]] = await post(
            client, "/api/v1/data-quality-templates", {"kpi_id": kpi["id"], "financial_year": YEAR, **answers}, team
        )
    for code in ("FOOD", "GARDEN"):
        signed = await client.post(
            f"/api/v1/data-quality-templates/{templates[code]['id']}/sign-off", json={"confirm": True}, headers=manager
        )
        assert signed.status_code == 200, signed.text
    gate = {"settings": {"data_quality": {"require_signed_template_to_publish": True}}}
    assert (await client.patch("/api/v1/organisation", json=gate, headers=team)).status_code == 200

    submitted = [(await _submit(client, owner, kpi, APRIL, v)).json() for kpi, v in ((food, 10), (garden, 20))]
    for submission in submitted:
        await _move(client, team, submission["id"], "validated")
        await _move(client, publisher, submission["id"], "published")
    computed = await _value(client, team, total, APRIL)
    assert (computed["value"], computed["state"]) == (30, "validated")
    assert computed["allowed_transitions"] == []  # held by the gate: nobody may publish it yet

    # Publishing it is refused by the gate while its template is unsigned...
    held = await client.post(
        f"/api/v1/submissions/{computed['id']}/transition", json={"to": "published"}, headers=publisher
    )
    assert held.status_code == 409 and held.json()["type"].endswith("/data-quality-template-unsigned"), held.text
    # ...and accepted once it is signed; any other move stays refused (the value is computed).
    signed = await client.post(
        f"/api/v1/data-quality-templates/{templates['ORGANIC']['id']}/sign-off", json={"confirm": True}, headers=manager
    )
    assert signed.status_code == 200, signed.text
    queried = await client.post(
        f"/api/v1/submissions/{computed['id']}/transition", json={"to": "queried", "message": "?"}, headers=team
    )
    assert queried.status_code == 409 and "calculated" in queried.json()["detail"]
    assert (await _value(client, publisher, total, APRIL))["allowed_transitions"] == ["published"]
    published = await _move(client, publisher, computed["id"], "published")
    assert (published["value"], published["state"]) == (30, "published")
