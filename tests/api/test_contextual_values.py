"""Contextual outcome measures' values through HTTP (seed 000_a1d4643dc9bd64fe.txt, seed
001_ec6bae7b38cacc6f.txt: no target and no RAG, "presented against our preferred direction of
travel"): a new annual value shows its direction, with its outcome; imported in bulk (CSV, JSON,
XLSX) with a dry run and a refused row; bad input refused at the field; every write audited."""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.workflow import Role
from pmf_api.platform.events import OutboxEvent
from tests.api.builders import post
from tests.api.conftest import TokenFactory
from tests.api.test_plans import audit_actions

IMPORT = "/api/v1/contextual-values/import"
SOURCE = "ONS mid-year population estimates"


async def outcome_and_measure(client: httpx.AsyncClient, h: dict[str, str], **measure: Any) -> dict[str, Any]:
    plan = await post(client, "/api/v1/corporate-plans", {"title": "CP", "start_year": 2023, "end_year": 2028}, h)
    priority = await post(
        client, "/api/v1/priorities", {"corporate_plan_id": plan["id"], "code": "P1", "title": "Place"}, h
    )
    outcome = await post(
        client, "/api/v1/outcomes", {"priority_id": priority["id"], "code": "O1", "title": "Thriving"}, h
    )
    body = {
        "code": "CM-01",
        "title": "Healthy life expectancy",
        "unit": "number",
        "preferred_direction": "higher_is_better",
        "decimal_places": 1,
        "outcome_id": outcome["id"],
        **measure,
    }
    created = await post(client, "/api/v1/contextual-measures", body, h)
    return {"outcome": outcome, "measure": created}


async def announced(maker: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    """The `contextual_value.published` events in the outbox: subject and data."""
    async with maker() as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == "contextual_value.published")
            .order_by(OutboxEvent.occurred_at)
        )
        return [{**row.subject, **row.data} for row in rows]


def value(period: str, number: Any, **extra: Any) -> dict[str, Any]:
    return {"period": period, "value": number, "source": SOURCE, "published_on": "2026-06-26", **extra}


async def test_a_new_annual_value_shows_its_direction_with_its_outcome(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await outcome_and_measure(client, h)
    values = f"/api/v1/contextual-measures/{s['measure']['id']}/values"
    first = await client.post(values, json=value("2024/25", 61.2), headers=h)
    assert first.status_code == 201, first.text
    assert first.json()["direction"] == {"against_previous": "not_comparable", "against_last_year": "not_comparable"}
    second = await client.post(values, json=value("2025/26", "62.5", note="Mid-2025"), headers=h)
    assert second.status_code == 201, second.text
    body = second.json()
    assert body["direction"] == {"against_previous": "improving", "against_last_year": "improving"}
    assert (body["value"], body["source"], body["published_on"], body["note"]) == (
        62.5,
        SOURCE,
        "2026-06-26",
        "Mid-2025",
    )
    assert "rag" not in body and "target" not in body

    summary = await client.get(f"/api/v1/outcomes/{s['outcome']['id']}/contextual-measures", headers=h)
    assert summary.status_code == 200, summary.text
    [item] = summary.json()["items"]
    assert item["code"] == "CM-01" and item["latest"]["period"] == "2025/26"
    assert item["latest"]["direction"]["against_previous"] == "improving"

    listed = await client.get(values, headers=auth(Role.VIEWER))
    assert [v["period"] for v in listed.json()["items"]] == ["2024/25", "2025/26"]
    assert [entry.action for entry in await audit_actions(connection_sessionmaker, body["id"])] == ["create"]
    events = await announced(connection_sessionmaker)
    assert [(e["period"], e["value"], e["direction"]["against_previous"]) for e in events] == [
        ("2024/25", "61.2", "not_comparable"),
        ("2025/26", "62.5", "improving"),
    ]


async def test_lower_is_better_judges_a_rise_as_worsening(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await outcome_and_measure(client, h, preferred_direction="lower_is_better", decimal_places=0)
    values = f"/api/v1/contextual-measures/{s['measure']['id']}/values"
    await post(client, values, value("2024/25", 120), h)
    r = await client.post(values, json=value("2025/26", 130), headers=h)
    assert r.json()["direction"]["against_previous"] == "worsening"


async def test_bad_values_are_refused_at_their_field(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await outcome_and_measure(client, h)
    values = f"/api/v1/contextual-measures/{s['measure']['id']}/values"
    for body, pointer in (
        (value("2090/91", 1), "#/period"),  # a period that has not ended
        (value("2025/26 Q1", 1), "#/period"),  # not the measure's frequency
        (value("2025/26", 1, published_on="2090-01-01"), "#/published_on"),
        (value("2025/26", "sixty"), "#/value"),
    ):
        r = await client.post(values, json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["pointer"] == pointer, r.text
    await post(client, values, value("2025/26", 60), h)
    again = await client.post(values, json=value("2025/26", 61), headers=h)
    assert again.status_code == 409, again.text
    listed = await client.get(values, headers=h)
    assert [v["value"] for v in listed.json()["items"]] == [60]  # nothing half-written
    viewer = await client.post(values, json=value("2024/25", 1), headers=auth(Role.VIEWER))
    assert viewer.status_code == 403


async def test_a_measure_of_another_council_is_not_found(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Any
) -> None:
    s = await outcome_and_measure(client, auth())
    r = await client.post(
        f"/api/v1/contextual-measures/{s['measure']['id']}/values",
        json=value("2025/26", 1),
        headers=auth(organisation=other_org),
    )
    assert r.status_code == 404, r.text


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


async def test_import_csv_with_a_refused_row_and_a_dry_run(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await outcome_and_measure(client, h)
    csv = _csv(
        "measure_code,period,value,source,published_on,note",
        f"cm-01,2024/25,61.2,{SOURCE},2025-06-26,",
        f"CM-01,2025/26,62.5,{SOURCE},26/06/2026,Mid-2025",
        f"CM-99,2025/26,1,{SOURCE},2026-06-26,",
        f"CM-01,2090/91,1,{SOURCE},2026-06-26,",
        f"CM-01,2023/24,1,{SOURCE},2090-06-26,",
        f'CM-01,2022/23,"1,5",{SOURCE},2026-06-26,',
        f"CM-01,2024/25,61.3,{SOURCE},2026-06-26,",
    )
    csv_headers = {**h, "Content-Type": "text/csv"}
    dry = await client.post(IMPORT, params={"dry_run": "true"}, content=csv, headers=csv_headers)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert [r["outcome"] for r in dry.json()["rows"]] == ["created", "created"] + ["rejected"] * 5
    listed = await client.get(f"/api/v1/contextual-measures/{s['measure']['id']}/values", headers=h)
    assert listed.json()["items"] == []  # a dry run writes nothing
    assert await announced(connection_sessionmaker) == []

    r = await client.post(IMPORT, content=csv, headers=csv_headers)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert r.json()["summary"]["created"] == 2 and r.json()["summary"]["rejected"] == 5
    assert [row["row"] for row in rows] == [2, 3, 4, 5, 6, 7, 8]
    errors = [[e["pointer"] for e in row["errors"]] for row in rows[2:]]
    assert errors == [
        ["#/rows/2/measure_code"],
        ["#/rows/3/period"],
        ["#/rows/4/published_on"],
        ["#/rows/5/value"],
        ["#/rows/6/period"],  # the same measure and period as row 2
    ]
    assert "also in row 2" in rows[6]["errors"][0]["detail"]
    listed = await client.get(f"/api/v1/contextual-measures/{s['measure']['id']}/values", headers=h)
    items = listed.json()["items"]
    assert [(v["period"], v["value"]) for v in items] == [("2024/25", 61.2), ("2025/26", 62.5)]
    assert items[1]["direction"]["against_previous"] == "improving"
    assert [e.action for e in await audit_actions(connection_sessionmaker, items[0]["id"])] == ["create"]
    assert [e["period"] for e in await announced(connection_sessionmaker)] == ["2024/25", "2025/26"]

    # A revised figure replaces the period's value, audited; the same figure again changes nothing.
    revised = _csv("measure_code,period,value,source,published_on", f"CM-01,2024/25,63,{SOURCE},2026-07-01")
    r = await client.post(IMPORT, content=revised, headers=csv_headers)
    assert [row["outcome"] for row in r.json()["rows"]] == ["updated"]
    r = await client.post(IMPORT, content=revised, headers=csv_headers)
    assert [row["outcome"] for row in r.json()["rows"]] == ["unchanged"]
    assert [e.action for e in await audit_actions(connection_sessionmaker, items[0]["id"])] == ["create", "update"]
    listed = await client.get(f"/api/v1/contextual-measures/{s['measure']['id']}/values", headers=h)
    assert listed.json()["items"][1]["direction"]["against_previous"] == "worsening"  # 62.5 after 63


async def test_import_json_and_xlsx_and_atomic(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await outcome_and_measure(client, h)
    rows = [
        {"measure_code": "CM-01", "period": "2024/25", "value": 61, "source": SOURCE, "published_on": "2025-06-26"},
        {"measure_code": "CM-01", "period": "2025/26", "value": "x", "source": SOURCE, "published_on": "2026-06-26"},
    ]
    atomic = await client.post(IMPORT, params={"atomic": "true"}, json={"rows": rows}, headers=h)
    assert atomic.status_code == 422, atomic.text
    assert atomic.json()["errors"][0]["pointer"] == "#/rows/1/value"
    assert [r["outcome"] for r in atomic.json()["rows"]] == ["not_written", "rejected"]
    values = f"/api/v1/contextual-measures/{s['measure']['id']}/values"
    assert (await client.get(values, headers=h)).json()["items"] == []

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["measure_code", "period", "value", "source", "published_on"])
    sheet.append(["CM-01", "2025/26", 62.5, SOURCE, "2026-06-26"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = await client.post(
        IMPORT,
        content=buffer.getvalue(),
        headers={**h, "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert xlsx.status_code == 200, xlsx.text
    assert [r["outcome"] for r in xlsx.json()["rows"]] == ["created"]

    missing = await client.post(
        IMPORT, content=_csv("measure_code,value,source,published_on"), headers={**h, "Content-Type": "text/csv"}
    )
    assert missing.status_code == 422 and missing.json()["errors"] == [
        {"pointer": "#", "detail": "Missing column: period"}
    ]
    viewer = await client.post(IMPORT, json={"rows": rows}, headers=auth(Role.VIEWER))
    assert viewer.status_code == 403
