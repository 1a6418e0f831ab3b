"""Benchmarking through HTTP (seed 003_2a403038ecab8362.txt: benchmarking with LG Inform and
nearest neighbours; seed 002_100bfcfd0ab8e4e8.txt): the council's area code, comparator groups and
metric mappings (performance team only, audited), benchmark values imported from CSV, JSON and
XLSX with a dry run and atomic mode, an unknown area code refused whole at its row and column, and
our positions (rank, quartile, median, best quartile, distance) by KPI and across groups."""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.workflow import Role
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import TokenFactory
from tests.api.test_plans import audit_actions

IMPORT = "/api/v1/benchmark-values/imports"
OURS = "E07000011"
# Seven neighbours valued 40..70 by 5; ours 62 (higher is better)
NEIGHBOURS = [f"E070000{n}" for n in range(20, 27)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def benchmarked_kpi(client: httpx.AsyncClient, h: dict[str, str], **kpi: Any) -> dict[str, Any]:
    """Our area code, a nearest-neighbours group and a KPI mapped to metric 2150."""
    r = await client.patch("/api/v1/organisation", json={"area_code": OURS}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["area_code"] == OURS
    group = await post(
        client,
        "/api/v1/comparator-groups",
        {"name": "CIPFA nearest neighbours", "kind": "nearest_neighbours", "area_codes": NEIGHBOURS},
        h,
    )
    s = await structure(client, h)
    created = await post(client, "/api/v1/kpis", kpi_body(s, **kpi), h)
    mapping = await post(client, "/api/v1/metric-mappings", {"metric_id": "2150", "kpi_id": created["id"]}, h)
    return {"group": group, "kpi": created, "mapping": mapping}


def csv_of(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def values_csv(period: str = "2024/25", ours: str = "62") -> bytes:
    rows = [f"2150,{code},{period},{40 + 5 * i}" for i, code in enumerate(NEIGHBOURS)]
    return csv_of("Metric ID,Area code,Period,Value", f"2150,{OURS},{period},{ours}", *rows)


async def test_groups_mappings_and_import_give_our_position(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    csv_headers = {**h, "Content-Type": "text/csv"}

    dry = await client.post(IMPORT, params={"dry_run": "true"}, content=values_csv(), headers=csv_headers)
    assert dry.status_code == 200, dry.text
    assert dry.json()["summary"]["created"] == 8 and dry.json()["dry_run"] is True
    positions = await client.get("/api/v1/benchmark-positions", headers=h)
    assert positions.json()["items"] == []  # a dry run wrote nothing

    r = await client.post(IMPORT, content=values_csv(), headers=csv_headers)
    assert r.status_code == 200, r.text
    assert [row["outcome"] for row in r.json()["rows"]] == ["created"] * 8
    value_id = r.json()["rows"][0]["value_id"]
    assert [e.action for e in await audit_actions(connection_sessionmaker, value_id)] == ["create"]

    # Ours 62 among 40, 45, ..., 70: values 40 45 50 55 60 62 65 70
    # QUARTILE.INC: median 57.5 + ... = (55 + 60) / 2 = 57.5; Q3 at position 5.25: 62 + 0.25 * 3 = 62.75
    r = await client.get(f"/api/v1/kpis/{s['kpi']['id']}/benchmarks", headers=h)
    assert r.status_code == 200, r.text
    [position] = r.json()["items"]
    assert (position["rank"], position["compared"], position["quartile"]) == (3, 8, 2)
    assert (position["median"], position["best_quartile"], position["distance_to_best_quartile"]) == (57.5, 62.75, 0.75)
    assert position["in_words"] == "3rd of 8 nearest neighbours, second quartile"
    assert position["comparators"][0] == {"area_code": OURS, "value": 62, "ours": True}
    assert [c["area_code"] for c in position["comparators"][1:]] == NEIGHBOURS

    # A revised figure for us replaces ours (audited) and moves us to the top quartile
    r = await client.post(
        IMPORT, content=csv_of("metric_id,area_code,period,value", f"2150,{OURS},2024/25,66"), headers=csv_headers
    )
    assert [row["outcome"] for row in r.json()["rows"]] == ["updated"]
    assert [e.action for e in await audit_actions(connection_sessionmaker, value_id)] == ["create", "update"]
    listed = await client.get("/api/v1/benchmark-positions", params={"group_id": s["group"]["id"]}, headers=h)
    [position] = listed.json()["items"]
    assert (position["rank"], position["quartile"], position["distance_to_best_quartile"]) == (2, 1, 0)
    assert position["kpi_id"] == s["kpi"]["id"] and position["metric_id"] == "2150"


async def test_lower_is_better_ranks_the_other_way(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h, polarity="lower_is_better")
    r = await client.post(IMPORT, content=values_csv(ours="41"), headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    [position] = (await client.get(f"/api/v1/kpis/{s['kpi']['id']}/benchmarks", headers=h)).json()["items"]
    # 40 41 45 50 55 60 65 70: lower is better; the best quartile is the lower point 40 + 0.75 * 5 = 44
    assert (position["rank"], position["quartile"], position["best_quartile"]) == (2, 1, 44)


async def test_an_unknown_area_code_refuses_the_import_at_its_row_and_column(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    await benchmarked_kpi(client, h)
    body = csv_of("metric_id,area_code,period,value", f"2150,{OURS},2024/25,62", "2150,E07000999,2024/25,50")
    r = await client.post(IMPORT, content=body, headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert "Row 3, column area_code: E07000999" in problem["detail"]
    assert problem["errors"] == [{"pointer": "#/rows/1/area_code", "detail": problem["errors"][0]["detail"]}]
    assert "E07000999" in problem["errors"][0]["detail"]
    assert [row["outcome"] for row in problem["rows"]] == ["not_written", "rejected"]
    assert (await client.get("/api/v1/benchmark-positions", headers=h)).json()["items"] == []  # nothing written


async def test_json_and_xlsx_imports_atomic_and_row_errors(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    rows = [
        {"metric_id": "2150", "area_code": OURS, "period": "2024/25", "value": 62},
        {"metric_id": "9999", "area_code": NEIGHBOURS[0], "period": "2024/25", "value": 1},
        {"metric_id": "2150", "area_code": NEIGHBOURS[0], "period": "2024/25", "value": "x"},
        {"metric_id": "2150", "area_code": NEIGHBOURS[1], "period": "2024/99", "value": 1},
        {"metric_id": "2150", "area_code": OURS, "period": "2024/25", "value": 63},
    ]
    atomic = await client.post(IMPORT, params={"atomic": "true"}, json={"rows": rows}, headers=h)
    assert atomic.status_code == 422, atomic.text
    assert [r["outcome"] for r in atomic.json()["rows"]] == ["not_written"] + ["rejected"] * 4
    assert [e["pointer"] for e in atomic.json()["errors"]] == [
        "#/rows/1/metric_id",
        "#/rows/2/value",
        "#/rows/3/period",
        "#/rows/4/period",  # the same metric, council and period as row 0
    ]
    assert (await client.get(f"/api/v1/kpis/{s['kpi']['id']}/benchmarks", headers=h)).json()["items"] == []

    per_row = await client.post(IMPORT, json={"rows": rows}, headers=h)
    assert per_row.status_code == 200, per_row.text
    assert per_row.json()["summary"]["created"] == 1 and per_row.json()["summary"]["rejected"] == 4

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Metric ID", "Area code", "Period", "Value"])
    sheet.append(["2150", NEIGHBOURS[0], "2024/25", 70.5])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = await client.post(IMPORT, content=buffer.getvalue(), headers={**h, "Content-Type": XLSX})
    assert xlsx.status_code == 200, xlsx.text
    assert [r["outcome"] for r in xlsx.json()["rows"]] == ["created"]
    [position] = (await client.get(f"/api/v1/kpis/{s['kpi']['id']}/benchmarks", headers=h)).json()["items"]
    assert (position["rank"], position["compared"], position["missing"]) == (2, 2, 6)


async def test_only_the_performance_team_writes_and_bad_groups_are_refused(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    viewer = auth(Role.VIEWER)
    r = await client.post(
        "/api/v1/comparator-groups", json={"name": "X", "kind": "custom", "area_codes": [OURS]}, headers=viewer
    )
    assert r.status_code == 403, r.text
    r = await client.post(IMPORT, content=values_csv(), headers={**viewer, "Content-Type": "text/csv"})
    assert r.status_code == 403, r.text
    assert (await client.get("/api/v1/comparator-groups", headers=viewer)).json()["items"][0]["name"] == (
        "CIPFA nearest neighbours"
    )

    for codes, pointer in ((["E0700001"], "area_codes.0"), ([OURS, OURS], "area_codes.1")):
        r = await client.post(
            "/api/v1/comparator-groups", json={"name": "Bad", "kind": "custom", "area_codes": codes}, headers=h
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(pointer.replace(".", "/") in e["pointer"] for e in r.json()["errors"]), r.json()

    # A mapping names one KPI or one measure; a KPI judged within a band cannot be ranked
    r = await client.post("/api/v1/metric-mappings", json={"metric_id": "1"}, headers=h)
    assert r.status_code == 422, r.text
    r = await client.post("/api/v1/metric-mappings", json={"metric_id": "2150", "kpi_id": s["kpi"]["id"]}, headers=h)
    assert r.status_code == 409, r.text  # the metric is mapped already

    r = await client.patch("/api/v1/organisation", json={"area_code": "Huntingdon"}, headers=h)
    assert r.status_code == 422, r.text


async def test_another_council_sees_none_of_it(client: httpx.AsyncClient, auth: TokenFactory, other_org: Any) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    await client.post(IMPORT, content=values_csv(), headers={**h, "Content-Type": "text/csv"})
    theirs = auth(organisation=other_org)
    assert (await client.get("/api/v1/benchmark-positions", headers=theirs)).json()["items"] == []
    assert (await client.get(f"/api/v1/comparator-groups/{s['group']['id']}", headers=theirs)).status_code == 404
    assert (await client.get(f"/api/v1/kpis/{s['kpi']['id']}/benchmarks", headers=theirs)).status_code == 404


async def test_the_feeds_serve_values_and_positions(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    await client.post(IMPORT, content=values_csv(), headers={**h, "Content-Type": "text/csv"})
    catalogue = {feed["name"] for feed in (await client.get("/api/v1/feeds")).json()["feeds"]}
    assert {"benchmark-values", "benchmark-positions"} <= catalogue

    viewer = auth(Role.VIEWER)
    r = await client.get("/api/v1/feeds/benchmark-positions", headers=viewer)
    assert r.status_code == 200, r.text
    [row] = r.json()["items"]
    assert (row["kpi_id"], row["rank"], row["quartile"], row["in_words"]) == (
        s["kpi"]["id"],
        3,
        2,
        "3rd of 8 nearest neighbours, second quartile",
    )
    r = await client.get(
        "/api/v1/feeds/benchmark-values", params={"format": "csv", "range_start": "2025-03-31"}, headers=viewer
    )
    assert r.status_code == 200, r.text
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("benchmark_value_id,metric_id,area_code,period,period_end,value")
    assert len(lines) == 1 + 8
    r = await client.get("/api/v1/feeds/benchmark-values", params={"range_end": "2025-03-30"}, headers=viewer)
    assert r.json()["items"] == []


async def test_status_and_the_scorecard_carry_the_headline_position(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    status = f"/api/v1/kpis/{s['kpi']['id']}/status"
    r = await client.get(status, params={"period": "2025/26 P6"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["benchmark"] is None  # no values yet

    await client.post(IMPORT, content=values_csv("2023/24", "40"), headers={**h, "Content-Type": "text/csv"})
    await client.post(IMPORT, content=values_csv("2024/25", "62"), headers={**h, "Content-Type": "text/csv"})
    r = await client.get(status, params={"period": "2025/26 P6"}, headers=h)
    benchmark = r.json()["benchmark"]
    assert benchmark["period"] == "2024/25"  # the latest benchmarked period
    assert benchmark["in_words"] == "3rd of 8 nearest neighbours, second quartile"
    assert (benchmark["rank"], benchmark["quartile"], benchmark["distance_to_best_quartile"]) == (3, 2, 0.75)

    # a revised figure moves it on the scorecard too: nothing kept hides the change
    revised = csv_of("metric_id,area_code,period,value", f"2150,{OURS},2024/25,80")
    await client.post(IMPORT, content=revised, headers={**h, "Content-Type": "text/csv"})
    card = await client.get("/api/v1/scorecard", params={"period": "2025/26 P6"}, headers=h)
    [item] = [i for i in card.json()["items"] if i["kpi_id"] == s["kpi"]["id"]]
    assert item["benchmark"]["in_words"] == "1st of 8 nearest neighbours, top quartile"


async def test_an_archived_group_leaves_the_positions_and_its_councils_the_import(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    h = auth()
    s = await benchmarked_kpi(client, h)
    group_id = s["group"]["id"]
    await client.post(IMPORT, content=values_csv(), headers={**h, "Content-Type": "text/csv"})
    assert len((await client.get("/api/v1/benchmark-positions", headers=h)).json()["items"]) == 1
    r = await client.post(f"/api/v1/comparator-groups/{group_id}/archive", headers=h)
    assert r.status_code == 200, r.text
    assert (await client.get("/api/v1/benchmark-positions", headers=h)).json()["items"] == []
    r = await client.post(IMPORT, content=values_csv("2025/26"), headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 422, r.text  # its councils are in no group now
    assert [e.action for e in await audit_actions(connection_sessionmaker, group_id)] == ["create", "archive"]
    assert [e.action for e in await audit_actions(connection_sessionmaker, s["mapping"]["id"])] == ["create"]
