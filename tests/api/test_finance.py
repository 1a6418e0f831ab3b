"""Budget monitoring, complaints and the joint finance and performance view through HTTP (seed
003_2a403038ecab8362.txt: the Joint Finance and Performance Report joins performance, finance and
complaints quarterly): one row at a time and imported from the finance system (CSV, XLSX, JSON) with
per-row pointers, a dry run and an atomic import that writes nothing; the variance RAG against the
council's thresholds; the view per service, per directorate and for the council; every write audited."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from tests.api.builders import Structure, post, structure
from tests.api.conftest import Org, TokenFactory
from tests.api.test_plans import audit_actions
from tests.api.test_status import _recycling

# Today is in 2026/27: every period of 2025/26 has ended.
YEAR = "2025/26"
BUDGETS = "/api/v1/budget-monitoring"
IMPORT = "/api/v1/budget-monitoring/import"
COMPLAINTS = "/api/v1/complaints"
JOINT = "/api/v1/finance-and-performance"


@pytest.fixture(autouse=True)
async def _one_person_team(org: Org, connection_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The joint view's KPI side needs validated values: one token plays the whole team here."""
    async with connection_sessionmaker() as session:
        relaxed = {"four_eyes": {"required": False}, "collection": {"commentary_required": False}}
        await session.execute(update(Organisation).where(Organisation.id == org.id).values(settings=relaxed))
        await session.commit()


def budget(service_id: str, period: str = f"{YEAR} P3", **figures: Any) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "period": period,
        "budget": 1_000_000,
        "actual_to_date": 250_000,
        "forecast_outturn": 1_000_000,
        **figures,
    }


def pointers(response: httpx.Response) -> list[str]:
    return [error["pointer"] for error in response.json().get("errors", [])]


async def test_budget_monitoring_has_a_variance_and_its_rag(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await structure(client, h)
    amber = await post(client, BUDGETS, budget(s.service_id, forecast_outturn="1030000.50", note="Agency"), h)
    assert (amber["budget"], amber["forecast_outturn"], amber["variance"]) == (1_000_000, 1_030_000.5, 30_000.5)
    assert (amber["variance_percent"], amber["variance_rag"]) == (3.0, "amber")
    assert amber["variance_rag_text"].startswith("Amber")
    red = await post(client, BUDGETS, budget(s.other_service_id, forecast_outturn=1_050_000), h)
    assert (red["variance_percent"], red["variance_rag"]) == (5.0, "red")  # from 5% of the budget
    under = await post(client, BUDGETS, budget(s.service_id, f"{YEAR} P2", forecast_outturn=900_000), h)
    assert (under["variance"], under["variance_percent"], under["variance_rag"]) == (-100_000, -10.0, "green")

    again = await client.post(BUDGETS, json=budget(s.service_id), headers=h)
    assert again.status_code == 409, again.text
    assert [e.action for e in await audit_actions(connection_sessionmaker, amber["id"])] == ["create"]

    viewer = auth(Role.VIEWER)
    listed = await client.get(BUDGETS, params={"service_id": s.service_id}, headers=viewer)
    assert listed.status_code == 200, listed.text
    assert [row["period"] for row in listed.json()["items"]] == [f"{YEAR} P2", f"{YEAR} P3"]
    by_period = await client.get(BUDGETS, params={"period": f"{YEAR} P3"}, headers=viewer)
    assert {row["variance_rag"] for row in by_period.json()["items"]} == {"amber", "red"}
    by_directorate = await client.get(BUDGETS, params={"directorate_id": s.directorate_id, "limit": 2}, headers=h)
    assert len(by_directorate.json()["items"]) == 2 and by_directorate.json()["next_cursor"]
    assert (await client.post(BUDGETS, json=budget(s.service_id, f"{YEAR} P4"), headers=viewer)).status_code == 403

    # The council's own thresholds colour it: 3% is Green from 4%, and Amber above Red is refused.
    bad = await client.patch(
        "/api/v1/organisation",
        json={"settings": {"finance": {"amber_from_percent": 6, "red_from_percent": 4}}},
        headers=h,
    )
    assert bad.status_code == 422, bad.text
    chosen = {"amber_from_percent": 4, "red_from_percent": 10}
    r = await client.patch("/api/v1/organisation", json={"settings": {"finance": chosen}}, headers=h)
    assert r.status_code == 200, r.text
    listed = await client.get(BUDGETS, params={"period": f"{YEAR} P3", "service_id": s.service_id}, headers=h)
    assert [row["variance_rag"] for row in listed.json()["items"]] == ["green"]


async def test_bad_budget_monitoring_and_complaints_are_refused_at_their_field(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    s = await structure(client, h)
    for body, pointer in (
        (budget(s.service_id, budget=-1), "#/budget"),
        (budget(s.service_id, actual_to_date="10.001"), "#/actual_to_date"),
        (budget(s.service_id, f"{YEAR} Q1"), "#/period"),  # a quarter, not a month
        (budget(s.service_id, "2090/91 P1"), "#/period"),  # not ended
        (budget(s.service_id, "2025/26 P13"), "#/period"),
    ):
        r = await client.post(BUDGETS, json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert pointers(r) == [pointer], r.text

    theirs = await structure(client, auth(organisation=other_org))
    r = await client.post(BUDGETS, json=budget(theirs.service_id), headers=h)
    assert r.status_code == 422 and pointers(r) == ["#/service_id"], r.text

    complaints = {"service_id": s.service_id, "period": f"{YEAR} Q1", "received": 3, "upheld": 4}
    r = await client.post(COMPLAINTS, json=complaints, headers=h)
    assert r.status_code == 422 and pointers(r) == ["#/upheld"], r.text
    r = await client.post(COMPLAINTS, json={**complaints, "upheld": 1, "responded_in_time": 9}, headers=h)
    assert r.status_code == 422 and pointers(r) == ["#/responded_in_time"], r.text
    r = await client.post(COMPLAINTS, json={**complaints, "upheld": 1, "period": f"{YEAR} P3"}, headers=h)
    assert r.status_code == 422 and pointers(r) == ["#/period"], r.text
    r = await client.post(COMPLAINTS, json={**complaints, "upheld": 1, "service_id": theirs.service_id}, headers=h)
    assert r.status_code == 422 and pointers(r) == ["#/service_id"], r.text
    counted = await post(client, COMPLAINTS, {**complaints, "upheld": 1, "responded_in_time": 3}, h)
    assert (counted["received"], counted["upheld"], counted["responded_in_time"]) == (3, 1, 3)
    assert (await client.post(COMPLAINTS, json={**complaints, "upheld": 1}, headers=h)).status_code == 409
    listed = await client.get(COMPLAINTS, params={"directorate_id": s.directorate_id}, headers=auth(Role.VIEWER))
    assert [row["id"] for row in listed.json()["items"]] == [counted["id"]]
    theirs_listed = await client.get(COMPLAINTS, headers=auth(organisation=other_org))
    assert theirs_listed.json()["items"] == []
    assert (await client.get(BUDGETS, headers=auth(organisation=other_org))).json()["items"] == []


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


async def _codes(client: httpx.AsyncClient, h: dict[str, str], s: Structure) -> tuple[str, str]:
    first = (await client.get(f"/api/v1/services/{s.service_id}", headers=h)).json()["code"]
    second = (await client.get(f"/api/v1/services/{s.other_service_id}", headers=h)).json()["code"]
    return first, second


async def test_import_csv_reports_each_row_and_an_atomic_or_dry_run_writes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await structure(client, h)
    waste, planning = await _codes(client, h, s)
    csv = _csv(
        "service_code,period,budget,actual_to_date,forecast_outturn,note",
        f"{waste.lower()},{YEAR} P3,1000000,250000,1060000,Agency staff",
        "NOPE,2025/26 P3,1,1,1,",
        f"{planning},{YEAR} P3,-5,1,1,",
        f"{planning},2025/26 Q1,1,1,1,",
        f"{planning},{YEAR} P3,1,one,1,",
        f"{waste},{YEAR} P3,1,1,1,",
    )
    csv_headers = {**h, "Content-Type": "text/csv"}
    atomic = await client.post(IMPORT, params={"atomic": "true"}, content=csv, headers=csv_headers)
    assert atomic.status_code == 422, atomic.text
    report = atomic.json()
    assert report["summary"]["not_written"] == 1 and report["summary"]["rejected"] == 5
    assert (await client.get(BUDGETS, headers=h)).json()["items"] == []

    dry = await client.post(IMPORT, params={"dry_run": "true"}, content=csv, headers=csv_headers)
    assert dry.status_code == 200, dry.text
    assert [r["outcome"] for r in dry.json()["rows"]] == ["created"] + ["rejected"] * 5
    assert (await client.get(BUDGETS, headers=h)).json()["items"] == []

    r = await client.post(IMPORT, content=csv, headers=csv_headers)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [row["row"] for row in rows] == [2, 3, 4, 5, 6, 7]
    assert [[e["pointer"] for e in row["errors"]] for row in rows[1:]] == [
        ["#/rows/1/service_code"],
        ["#/rows/2/budget"],
        ["#/rows/3/period"],
        ["#/rows/4/actual_to_date"],
        ["#/rows/5/period"],  # the same service and month as row 2
    ]
    assert "also in row 2" in rows[5]["errors"][0]["detail"]
    [written] = (await client.get(BUDGETS, headers=h)).json()["items"]
    assert (written["service_id"], written["variance_rag"], written["note"]) == (s.service_id, "red", "Agency staff")
    assert written["id"] == rows[0]["budget_monitoring_id"]

    # The finance system's next run replaces the month's figures, audited; the same figures change nothing.
    revised = _csv("service_id,period,budget,actual_to_date,forecast_outturn", f"{s.service_id},{YEAR} P3,1e6,3e5,1e6")
    r = await client.post(IMPORT, content=revised, headers=csv_headers)
    assert [row["outcome"] for row in r.json()["rows"]] == ["updated"], r.text
    r = await client.post(IMPORT, content=revised, headers=csv_headers)
    assert [row["outcome"] for row in r.json()["rows"]] == ["unchanged"]
    [written] = (await client.get(BUDGETS, headers=h)).json()["items"]
    assert (written["actual_to_date"], written["variance_rag"], written["note"]) == (300_000, "green", None)
    assert [e.action for e in await audit_actions(connection_sessionmaker, written["id"])] == ["create", "update"]

    viewer = await client.post(IMPORT, content=revised, headers={**auth(Role.VIEWER), "Content-Type": "text/csv"})
    assert viewer.status_code == 403
    headless = await client.post(IMPORT, content=_csv("period,budget"), headers=csv_headers)
    assert headless.status_code == 422, headless.text


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_import_xlsx_and_json(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    waste, planning = await _codes(client, h, s)
    header = ["Service code", "Period", "Budget", "Actual to date", "Forecast outturn"]
    bad = _xlsx([header, [waste, f"{YEAR} P3", 500000, 120000.25, 505000], ["GHOST", f"{YEAR} P3", -1, 0, 0]])
    xlsx_headers = {**h, "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    r = await client.post(IMPORT, params={"atomic": "true"}, content=bad, headers=xlsx_headers)
    assert r.status_code == 422, r.text
    [_, rejected] = r.json()["rows"]
    assert [e["pointer"] for e in rejected["errors"]] == ["#/rows/1/service_code", "#/rows/1/budget"]
    assert (await client.get(BUDGETS, headers=h)).json()["items"] == []

    good = _xlsx([header, [waste, f"{YEAR} P3", 500000, 120000.25, 505000]])
    r = await client.post(IMPORT, files={"file": ("budgets.xlsx", good, xlsx_headers["Content-Type"])}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["created"] == 1
    [row] = (await client.get(BUDGETS, headers=h)).json()["items"]
    assert (row["actual_to_date"], row["variance_percent"], row["variance_rag"]) == (120_000.25, 1.0, "amber")

    body = {
        "rows": [
            {
                "service_code": planning,
                "period": f"{YEAR} P3",
                "budget": 10,
                "actual_to_date": 1,
                "forecast_outturn": 9,
            },
            {"service_code": planning, "period": f"{YEAR} P4", "budget": 10, "actual_to_date": 1, "colour": "red"},
        ]
    }
    r = await client.post(IMPORT, json=body, headers=h)
    assert r.status_code == 200, r.text
    assert [row["outcome"] for row in r.json()["rows"]] == ["created", "rejected"]
    assert [e["pointer"] for e in r.json()["rows"][1]["errors"]] == ["#/rows/1/colour", "#/rows/1/forecast_outturn"]


async def test_the_joint_view_per_service_directorate_and_council(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    elsewhere = await structure(client, h)
    await _recycling(client, h, s)  # a monthly KPI of the first service, Red at P3
    quarter_end = f"{YEAR} P3"
    await post(client, BUDGETS, budget(s.service_id, quarter_end, forecast_outturn=1_080_000), h)  # Red
    await post(client, BUDGETS, budget(s.other_service_id, quarter_end, budget=500_000, forecast_outturn=480_000), h)
    await post(client, BUDGETS, budget(s.service_id, f"{YEAR} P2", forecast_outturn=2_000_000), h)  # not the quarter's
    await post(client, BUDGETS, budget(elsewhere.service_id, quarter_end, budget=200_000, forecast_outturn=203_000), h)
    complaints = {"service_id": s.service_id, "period": f"{YEAR} Q1", "received": 10, "upheld": 4}
    await post(client, COMPLAINTS, complaints, h)
    await post(client, COMPLAINTS, {**complaints, "service_id": s.other_service_id, "received": 2, "upheld": 0}, h)

    r = await client.get(JOINT, params={"period": f"{YEAR} Q1"}, headers=auth(Role.VIEWER))
    assert r.status_code == 200, r.text
    view = r.json()
    assert (view["period"], view["monitoring_period"], view["complaints_period"]) == (
        f"{YEAR} Q1",
        quarter_end,
        f"{YEAR} Q1",
    )
    assert view["thresholds"] == {"amber_from_percent": 1, "red_from_percent": 5}
    services = {row["service_id"]: row for row in view["services"]}
    waste = services[s.service_id]
    assert (waste["variance"], waste["variance_percent"], waste["variance_rag"]) == (80_000, 8.0, "red")
    assert waste["variance_rag_text"].startswith("Red")
    assert (waste["complaints"], waste["complaints_upheld"]) == (10, 4)
    assert waste["kpis"]["red"] == 1
    planning = services[s.other_service_id]
    assert (planning["variance"], planning["variance_rag"], planning["kpis"]["red"]) == (-20_000, "green", 0)
    directorates = {row["directorate_id"]: row for row in view["directorates"]}
    place = directorates[s.directorate_id]
    # 1,560,000 forecast against 1,500,000: 4.0% over, Amber (a Red service within it); complaints summed
    assert (place["budget"], place["forecast_outturn"], place["variance"]) == (1_500_000, 1_560_000, 60_000)
    assert (place["variance_percent"], place["variance_rag"], place["complaints"]) == (4.0, "amber", 12)
    other = directorates[elsewhere.directorate_id]
    assert (other["variance_percent"], other["variance_rag"], other["complaints"]) == (1.5, "amber", None)
    council = view["council"]
    assert council["label"] == "Council"
    assert (council["budget"], council["variance"], council["variance_percent"]) == (1_700_000, 63_000, 3.7)
    assert council["variance_rag"] == "amber" and council["kpis"]["red"] == 1

    # One directorate: its services and its total (a clinic pack, seed 004)
    r = await client.get(JOINT, params={"period": f"{YEAR} Q1", "directorate_id": elsewhere.directorate_id}, headers=h)
    assert r.status_code == 200, r.text
    one = r.json()
    assert [row["service_id"] for row in one["services"]] == [elsewhere.other_service_id, elsewhere.service_id]
    assert one["services"][0]["variance_rag"] == "missing" and one["services"][0]["budget"] is None
    assert (one["council"]["variance_rag"], one["council"]["budget"]) == ("amber", 200_000)

    # A month shows its own monitoring, and complaints only when it closes a quarter
    r = await client.get(JOINT, params={"period": f"{YEAR} P2"}, headers=h)
    month = r.json()
    assert month["complaints_period"] is None
    assert {row["service_id"]: row["variance_rag"] for row in month["services"]}[s.service_id] == "red"

    for period in ("2090/91 Q1", "Q1"):
        bad = await client.get(JOINT, params={"period": period}, headers=h)
        assert bad.status_code == 422, bad.text
        assert pointers(bad) == ["query:period"], bad.text
    missing = await client.get(
        JOINT, params={"period": f"{YEAR} Q1", "directorate_id": "00000000-0000-4000-8000-000000000000"}, headers=h
    )
    assert missing.status_code == 404, missing.text


async def test_import_complaints(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await structure(client, h)
    waste, planning = await _codes(client, h, s)
    csv = _csv(
        "service_code,period,received,upheld,responded_in_time",
        f"{waste},{YEAR} Q1,12,3,10",
        f"{planning},{YEAR} Q1,2,5,",
        f"{planning},{YEAR} P3,2,1,",
        f"{planning},{YEAR} Q2,2.5,1,",
    )
    csv_headers = {**h, "Content-Type": "text/csv"}
    r = await client.post(f"{COMPLAINTS}/import", params={"atomic": "true"}, content=csv, headers=csv_headers)
    assert r.status_code == 422, r.text
    assert [[e["pointer"] for e in row["errors"]] for row in r.json()["rows"]] == [
        [],
        ["#/rows/1/upheld"],
        ["#/rows/2/period"],
        ["#/rows/3/received"],
    ]
    assert (await client.get(COMPLAINTS, headers=h)).json()["items"] == []
    r = await client.post(f"{COMPLAINTS}/import", content=csv, headers=csv_headers)
    assert r.status_code == 200 and r.json()["summary"]["created"] == 1, r.text
    revised = _csv("service_code,period,received,upheld", f"{waste},{YEAR} Q1,13,3")
    r = await client.post(f"{COMPLAINTS}/import", content=revised, headers=csv_headers)
    assert [row["outcome"] for row in r.json()["rows"]] == ["updated"]
    [row] = (await client.get(COMPLAINTS, headers=h)).json()["items"]
    assert (row["received"], row["upheld"], row["responded_in_time"]) == (13, 3, None)
    assert [e.action for e in await audit_actions(connection_sessionmaker, row["id"])] == ["create", "update"]
