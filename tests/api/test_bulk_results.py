"""What a bulk push answers per row (issue #9, point 14): sense-check flags as warnings, errors as
``{pointer, detail}`` at ``#/rows/{i}/{column}``, unknown columns, atomic refusals that write nothing,
one decimal rule for CSV and XLSX, periods given as dates or months, tab-separated files, KPI codes in
any case, and rows refused for scope."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
import pytest

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.performance.bulk import parsing, template
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import TokenFactory
from tests.workbooks import saved_workbook

BULK = "/api/v1/submissions/bulk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(*lines: str, sep: str = ",") -> bytes:
    return ("\n".join(line.replace(",", sep) for line in lines) + "\n").encode()


async def _push(
    client: httpx.AsyncClient, h: dict[str, str], body: bytes | dict[str, Any], kind: str = "json", **params: Any
) -> httpx.Response:
    if isinstance(body, dict):
        return await client.post(BULK, json=body, headers=h, params=params)
    return await client.post(BULK, content=body, headers={**h, "Content-Type": kind}, params=params)


@pytest.fixture
async def h(auth: TokenFactory) -> dict[str, str]:
    return auth(Role.PERFORMANCE)


@pytest.fixture
async def s(client: httpx.AsyncClient, h: dict[str, str]) -> Structure:
    return await structure(client, h)


@pytest.fixture
async def ratio(client: httpx.AsyncClient, h: dict[str, str], s: Structure) -> dict[str, Any]:
    return await post(client, "/api/v1/kpis", kpi_body(s), h)


@pytest.fixture
async def count(client: httpx.AsyncClient, h: dict[str, str], s: Structure) -> dict[str, Any]:
    return await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)


async def test_sense_check_flags_come_back_as_row_warnings(
    client: httpx.AsyncClient, h: dict[str, str], ratio: dict[str, Any], s: Structure
) -> None:
    percent = await post(client, "/api/v1/kpis", kpi_body(s, aggregation="average"), h)
    rows = [
        {"kpi_code": ratio["code"], "period": "2025/26 P1", "numerator": 0, "denominator": 0},
        {"kpi_code": percent["code"], "period": "2025/26 P1", "value": 104},
        {"kpi_code": percent["code"], "period": "2025/26 P2", "value": 50},
    ]
    for dry_run in (True, False):
        response = await _push(client, h, {"rows": rows}, dry_run=dry_run)
        assert response.status_code == 200, response.text
        results = response.json()["rows"]
        assert [r["outcome"] for r in results] == ["created"] * 3
        assert results[0]["warnings"] == [
            {
                "pointer": "#/rows/0/denominator",
                "detail": "The denominator is 0; it must be above zero.",
                "code": "denominator_not_positive",
            }
        ]
        assert [(w["pointer"], w["code"]) for w in results[1]["warnings"]] == [
            ("#/rows/1/value", "percentage_out_of_range")
        ]
        assert "104" in results[1]["warnings"][0]["detail"]
        assert results[2]["warnings"] == []
    # The same flags as a single save stores.
    stored = await client.get("/api/v1/submissions", params={"kpi_id": percent["id"]}, headers=h)
    flags = {item["period"]: [f["code"] for f in item["flags"]] for item in stored.json()["items"]}
    assert flags["2025/26 P1"] == ["percentage_out_of_range"]
    # Unchanged rows still say what is wrong with what is stored; submitted rows too (the row-by-row path).
    again = await _push(client, h, {"rows": rows[:2], "submit": True})
    assert [r["outcome"] for r in again.json()["rows"]] == ["updated", "updated"]
    assert [w["code"] for w in again.json()["rows"][1]["warnings"]] == ["percentage_out_of_range"]
    unchanged = await _push(client, h, {"rows": rows[:2]})
    assert [r["outcome"] for r in unchanged.json()["rows"]] == ["unchanged", "unchanged"]
    assert [w["code"] for w in unchanged.json()["rows"][0]["warnings"]] == ["denominator_not_positive"]
    # CSV and XLSX rows carry them alike.
    header = ["kpi_code", "period", "value", "numerator", "denominator"]
    table = [[ratio["code"], "2025/26 P3", "", 0, 0], [percent["code"], "2025/26 P3", 104, "", ""]]
    text = _csv(",".join(header), *(",".join(map(str, line)) for line in table))
    for body, kind in (
        (text, "text/csv"),
        (saved_workbook([header, *[[c if c != "" else None for c in line] for line in table]]), XLSX),
    ):
        pushed = await _push(client, h, body, kind, dry_run="true")
        assert [[(w["pointer"], w["code"]) for w in r["warnings"]] for r in pushed.json()["rows"]] == [
            [("#/rows/0/denominator", "denominator_not_positive")],
            [("#/rows/1/value", "percentage_out_of_range")],
        ], pushed.text


async def test_row_errors_point_at_the_row_and_column(
    client: httpx.AsyncClient, h: dict[str, str], count: dict[str, Any]
) -> None:
    csv = _csv(
        "kpi_code,period,value",
        f"{count['code']},2025/26 P1,1",
        "",  # blank rows are not reported, and do not count
        f"{count['code']},2025/26 P2,lots",
        f"{count['code']},,2",
    )
    response = await _push(client, h, csv, "text/csv")
    rows = response.json()["rows"]
    assert [r["row"] for r in rows] == [2, 4, 5]
    assert rows[1]["errors"] == [{"pointer": "#/rows/1/value", "detail": "lots is not a number"}]
    assert [e["pointer"] for e in rows[2]["errors"]] == ["#/rows/2/period"]
    not_a_row = await _push(client, h, {"rows": [{"kpi_code": count["code"], "period": "2025/26 P3", "value": 1}, 7]})
    assert not_a_row.json()["rows"][1]["errors"] == [
        {"pointer": "#/rows/1", "detail": "A row is an object of column names and values"}
    ]

    refused = await _push(client, h, csv, "text/csv", atomic="true")
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["errors"] == [
        {"pointer": "#/rows/1/value", "detail": "lots is not a number"},
        {"pointer": "#/rows/2/period", "detail": problem["rows"][2]["errors"][0]["detail"]},
    ]


async def test_an_atomic_push_refused_reports_no_row_as_written(
    client: httpx.AsyncClient, h: dict[str, str], count: dict[str, Any]
) -> None:
    first = [{"kpi_code": count["code"], "period": "2025/26 P1", "value": 1}]
    assert (await _push(client, h, {"rows": first})).status_code == 200
    rows = [
        {"kpi_code": count["code"], "period": "2025/26 P1", "value": 2},  # would update
        {"kpi_code": count["code"], "period": "2025/26 P2", "value": 3},  # would create
        {"kpi_code": count["code"], "period": "2025/26 P3", "value": "x"},
    ]
    refused = await _push(client, h, {"rows": rows}, atomic="true")
    assert refused.status_code == 422
    body = refused.json()
    assert [r["outcome"] for r in body["rows"]] == ["not_written", "not_written", "rejected"]
    assert body["summary"]["created"] == 0 and body["summary"]["updated"] == 0
    assert body["summary"]["not_written"] == 2 and body["summary"]["rejected"] == 1
    assert [r["submission_id"] for r in body["rows"]][1:] == [None, None]


async def test_unknown_columns_are_reported(
    client: httpx.AsyncClient, h: dict[str, str], count: dict[str, Any]
) -> None:
    csv = _csv("kpi_code,period,value,colour,kpi_title", f"{count['code']},2025/26 P1,1,red,Recycling")
    sheet = saved_workbook([line.split(",") for line in csv.decode().splitlines()])
    for body, kind in ((csv, "text/csv"), (sheet, XLSX)):
        response = await _push(client, h, body, kind, dry_run="true")
        assert response.status_code == 200, response.text
        assert response.json()["rows"][0]["outcome"] == "created"
        warnings = response.json()["warnings"]
        assert [(w["pointer"], w["code"]) for w in warnings] == [("#", "unknown_column")]
        assert "colour" in warnings[0]["detail"]  # kpi_title is one of the template's: not unknown
    # A header with none of the needed columns is refused, naming what it has that is unknown.
    meaningless = await _push(client, h, _csv("kpi,when,amount", "A,B,1"), "text/csv")
    assert meaningless.status_code == 422
    assert any("kpi" in e["detail"] and "Unknown column" in e["detail"] for e in meaningless.json()["errors"])
    # JSON rows: an unknown field rejects its row, at its pointer.
    odd = await _push(client, h, {"rows": [{"kpi_code": count["code"], "period": "2025/26 P1", "value": 1, "x": 1}]})
    assert odd.json()["rows"][0]["errors"] == [{"pointer": "#/rows/0/x", "detail": "Unknown field"}]
    assert odd.json()["warnings"] == []


async def test_csv_and_xlsx_follow_one_decimal_rule(
    client: httpx.AsyncClient, h: dict[str, str], count: dict[str, Any]
) -> None:
    values: list[Any] = [0.1 + 0.2, 1.1234567, 2.5, 1.25000000]
    header = ["kpi_code", "period", "value"]
    rows = [[count["code"], f"2025/26 P{i + 1}", v] for i, v in enumerate(values)]
    sheet = await _push(client, h, saved_workbook([header, *rows]), XLSX, dry_run="true")
    text = _csv(",".join(header), *(f"{c},{p},{v!r}" for c, p, v in rows[1:3]), f"{count['code']},2025/26 P4,1.2500000")
    csv = await _push(client, h, text, "text/csv", dry_run="true")
    assert [r["outcome"] for r in sheet.json()["rows"]] == ["created", "rejected", "created", "created"]
    assert [r["outcome"] for r in csv.json()["rows"]] == ["rejected", "created", "created"]
    assert [e["detail"] for e in sheet.json()["rows"][1]["errors"]] == [
        e["detail"] for e in csv.json()["rows"][0]["errors"]
    ]
    assert "6 decimal places" in csv.json()["rows"][0]["errors"][0]["detail"]
    stored = await _push(client, h, saved_workbook([header, rows[0]]), XLSX)
    assert stored.json()["rows"][0]["outcome"] == "created"
    listed = await client.get("/api/v1/submissions", params={"kpi_id": count["id"]}, headers=h)
    assert [item["value"] for item in listed.json()["items"]] == [0.3]


async def test_periods_given_as_dates_or_months(
    client: httpx.AsyncClient, h: dict[str, str], s: Structure, count: dict[str, Any]
) -> None:
    quarterly = await post(
        client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum", frequency="quarterly"), h
    )
    header = ["kpi_code", "period", "value"]
    sheet = [
        header,
        [count["code"], datetime(2025, 4, 30), 1],
        [count["code"], 45809, 2],  # a date serial: 2025-06-01
        [count["code"], "Jul-25", 3],
        [count["code"], "August 2025", 4],
        [count["code"], "2025-09", 5],
        [quarterly["code"], date(2025, 5, 15), 6],
        [count["code"], "Smarch 2025", 7],
        [count["code"], "2025-13", 8],
        [count["code"], 2025, 9],  # a year typed as a number is no date
    ]
    response = await _push(client, h, saved_workbook(sheet), XLSX, dry_run="true")
    rows = response.json()["rows"]
    assert [r["period"] for r in rows[:6]] == [
        "2025/26 P1",
        "2025/26 P3",
        "2025/26 P4",
        "2025/26 P5",
        "2025/26 P6",
        "2025/26 Q1",
    ]
    assert [r["outcome"] for r in rows] == ["created"] * 6 + ["rejected"] * 3
    assert rows[0]["warnings"] == [
        {
            "pointer": "#/rows/0/period",
            "detail": "Read 45777 (the date 2025-04-30) as 2025/26 P1, the monthly period it falls in",
            "code": "period_read_from_date",
        }
    ]
    assert "Smarch 2025" in rows[6]["errors"][0]["detail"] and rows[6]["errors"][0]["pointer"] == "#/rows/6/period"
    assert "2025-13" in rows[7]["errors"][0]["detail"]
    assert rows[8]["errors"][0]["detail"].startswith("2025 is not a period")
    csv = _csv(",".join(header), f"{count['code']},Apr-25,1", f"{count['code']},2025-05-31,2")
    from_csv = await _push(client, h, csv, "text/csv", dry_run="true")
    assert [r["period"] for r in from_csv.json()["rows"]] == ["2025/26 P1", "2025/26 P2"]
    assert [w["detail"] for r in from_csv.json()["rows"] for w in r["warnings"]] == [
        "Read 'Apr-25' as 2025/26 P1, the monthly period it falls in",
        "Read '2025-05-31' as 2025/26 P2, the monthly period it falls in",
    ]


async def test_tab_separated_files_are_read(
    client: httpx.AsyncClient, h: dict[str, str], count: dict[str, Any]
) -> None:
    tsv = _csv("kpi_code,period,value,commentary", f"{count['code']},2025/26 P1,1,a, b and c", sep="\t")
    for kind in ("text/tab-separated-values", "text/csv", "text/plain"):
        response = await _push(client, h, tsv, kind, dry_run="true")
        assert response.status_code == 200, response.text
        assert response.json()["rows"][0]["outcome"] == "created", response.text
    named = await client.post(
        BULK, files={"file": ("values.tsv", tsv, "application/octet-stream")}, headers=h, params={"dry_run": True}
    )
    assert named.status_code == 200 and named.json()["rows"][0]["outcome"] == "created", named.text


async def test_kpi_codes_match_in_any_case(client: httpx.AsyncClient, h: dict[str, str], count: dict[str, Any]) -> None:
    rows = [{"kpi_code": count["code"].lower(), "period": "2025/26 P1", "value": 1}]
    response = await _push(client, h, {"rows": rows}, dry_run="true")
    assert response.json()["rows"][0]["outcome"] == "created"
    assert response.json()["rows"][0]["kpi_code"] == count["code"]


async def test_a_row_outside_the_pushers_scope_says_so(
    client: httpx.AsyncClient, h: dict[str, str], auth: TokenFactory, s: Structure, count: dict[str, Any]
) -> None:
    other = await post(
        client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum", service_id=s.other_service_id), h
    )
    scoped = auth(Role.PERFORMANCE, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="scoped@example.gov.uk")
    rows = [
        {"kpi_code": count["code"], "period": "2025/26 P1", "value": 1},
        {"kpi_code": other["code"], "period": "2025/26 P1", "value": 1},
    ]
    response = await _push(client, h=scoped, body={"rows": rows}, dry_run="true")
    results = response.json()["rows"]
    assert [r["outcome"] for r in results] == ["created", "rejected"]
    assert results[1]["kpi_code"] == other["code"]
    error = results[1]["errors"][0]
    assert error["pointer"] == "#/rows/1/kpi_code"
    assert "outside the scope of your role" in error["detail"] and "No KPI" not in error["detail"]

    # A head of service who owns a KPI of their service pushes another service's KPI (owned by someone else),
    # and a KPI of their own service they do not own: the first is outside their scope, the second not theirs.
    theirs = await post(
        client,
        "/api/v1/kpis",
        kpi_body(s, unit="count", aggregation="sum", owner_id=s.backup_id, backup_owner_id=None),
        h,
    )
    elsewhere = await post(
        client,
        "/api/v1/kpis",
        kpi_body(
            s,
            unit="count",
            aggregation="sum",
            service_id=s.other_service_id,
            owner_id=s.backup_id,
            backup_owner_id=None,
        ),
        h,
    )
    head = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    rows = [{"kpi_code": kpi["code"], "period": "2025/26 P1", "value": 1} for kpi in (count, elsewhere, theirs)]
    pushed = (await _push(client, h=head, body={"rows": rows}, dry_run="true")).json()["rows"]
    assert [r["outcome"] for r in pushed] == ["created", "rejected", "rejected"]
    assert "outside the scope of your role" in pushed[1]["errors"][0]["detail"]
    assert "scope" not in pushed[2]["errors"][0]["detail"] and "Only the owner" in pushed[2]["errors"][0]["detail"]


def test_the_templates_own_columns_are_known() -> None:
    assert set(template.COLUMNS) - set(parsing.COLUMNS) == parsing.INFORMATION_COLUMNS
