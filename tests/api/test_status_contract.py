"""The contract of status and the scorecard (issue 9): values awaiting validation, display
precision, the scorecard as a page, and the names views use."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pmf_api.domain.workflow import Role
from tests.api.builders import structure
from tests.api.conftest import TokenFactory
from tests.api.test_status import YEAR, _kpi, _one_person_team, _recycling, _save, _status, _target, _validated

__all__ = ["_one_person_team"]  # the autouse fixture: one token plays the whole team here too


async def _card(client: httpx.AsyncClient, h: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P5", **params}, headers=h)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_submitted_value_awaits_validation_on_the_scorecard_and_in_its_filters(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    waiting = await _recycling(client, h, s)
    missing = await _recycling(client, h, s)
    await _save(client, h, waiting["id"], f"{YEAR} P5", {"numerator": 55, "denominator": 100})

    card = await _card(client, h)
    items = {item["kpi_id"]: item for item in card["items"]}
    assert (items[waiting["id"]]["rag"], items[waiting["id"]]["value_state"]) == (None, "awaiting_validation")
    assert (items[missing["id"]]["rag"], items[missing["id"]]["value_state"]) == ("missing", "missing")
    assert items[waiting["id"]]["missing"] is False and items[missing["id"]]["missing"] is True

    # rag=missing never returns a value awaiting validation; value_state finds those.
    assert [i["kpi_id"] for i in (await _card(client, h, rag="missing"))["items"]] == [missing["id"]]
    by_state = await _card(client, h, value_state="awaiting_validation")
    assert [i["kpi_id"] for i in by_state["items"]] == [waiting["id"]]

    # Once validated it counts and is rated: 55% against 50% is Green.
    submission_id = (await _status(client, h, waiting["id"], f"{YEAR} P5"))["completeness"]["submission_id"]
    validated = await client.post(
        f"/api/v1/submissions/{submission_id}/transition", json={"to": "validated"}, headers=h
    )
    assert validated.status_code == 200, validated.text
    now = await _status(client, h, waiting["id"], f"{YEAR} P5")
    assert (now["rag"], now["value_state"], now["display"]["value"]) == ("green", "counted", "55.0")


async def test_a_queried_value_still_awaits_validation(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)
    saved = await _save(client, h, kpi["id"], f"{YEAR} P5", {"numerator": 55, "denominator": 100})
    queried = await client.post(
        f"/api/v1/submissions/{saved['id']}/transition", json={"to": "queried", "message": "Check this"}, headers=h
    )
    assert queried.status_code == 200, queried.text
    status = await _status(client, h, kpi["id"], f"{YEAR} P5")
    assert (status["rag"], status["value_state"], status["submission_state"]) == (
        None,
        "awaiting_validation",
        "queried",
    )


async def test_figures_are_displayed_as_the_rag_compared_them(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _kpi(client, h, s, aggregation="average", title="Satisfaction", decimal_places=1)
    await _target(client, h, kpi["id"], 87.3, 80)
    # 87.25 is 87.3 at one place, half up (not 87.2, as rounding half to even would give): Green
    # against 87.3, although the unrounded value is below it.
    await _validated(client, h, kpi["id"], f"{YEAR} P1", {"value": 87.25, "commentary": "Steady"})
    await _validated(client, h, kpi["id"], f"{YEAR} P2", {"value": 87.36704, "commentary": "Steady"})

    first = await _status(client, h, kpi["id"], f"{YEAR} P1")
    assert first["value"] == 87.25 and first["rag"] == "green"
    assert (first["display"]["value"], first["display"]["target"]) == ("87.3", "87.3")
    second = await _status(client, h, kpi["id"], f"{YEAR} P2")
    assert second["value"] == pytest.approx(87.36704)
    assert second["display"] == {
        "value": "87.4",
        "target": "87.3",
        "intervention_level": "80.0",
        "ytd_value": "87.3",  # the mean of 87.25 and 87.36704 is 87.30852
        "ytd_target": "87.3",
        "annual_target": "87.3",
    }
    card = await _card(client, h, period=f"{YEAR} P2")
    assert card["items"][0]["display"] == second["display"]

    none_yet = await _status(client, h, kpi["id"], f"{YEAR} P3")
    assert none_yet["display"]["value"] is None and none_yet["display"]["target"] == "87.3"


async def test_the_scorecard_is_a_page(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    codes = sorted([(await _kpi(client, h, s, code=f"PG-{n}"))["code"] for n in range(5)])

    first = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P5", "limit": 2}, headers=h)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [i["kpi_code"] for i in body["items"]] == codes[:2]
    assert body["total"] == 5 and body["period"] == f"{YEAR} P5" and body["not_evaluated"] == []
    assert body["next_cursor"] and 'rel="next"' in first.headers["link"]

    seen = [i["kpi_code"] for i in body["items"]]
    cursor = body["next_cursor"]
    while cursor:
        page = await client.get(
            "/api/v1/scorecard", params={"period": f"{YEAR} P5", "limit": 2, "cursor": cursor}, headers=h
        )
        assert page.status_code == 200, page.text
        seen += [i["kpi_code"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        assert ("link" in page.headers) is bool(cursor)
    assert seen == codes

    whole = await _card(client, h)
    assert len(whole["items"]) == 5 and whole["next_cursor"] is None  # the default page is 50

    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 501}):
        bad = await client.get("/api/v1/scorecard", params={"period": f"{YEAR} P5", **params}, headers=h)
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert [e["pointer"] for e in bad.json()["errors"]] == [f"query:{next(iter(params))}"]


async def test_views_about_a_kpi_name_it_kpi_code_and_kpi_title(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)
    status = await _status(client, h, kpi["id"], f"{YEAR} P3")
    assert (status["kpi_id"], status["kpi_code"], status["kpi_title"]) == (kpi["id"], kpi["code"], kpi["title"])
    assert not {"code", "title", "due", "due_date"} & (set(status) | set(status["completeness"]))
    item = (await _card(client, h, period=f"{YEAR} P3"))["items"][0]
    assert (item["kpi_code"], item["kpi_title"]) == (kpi["code"], kpi["title"])
