"""Bulk push through HTTP: JSON, CSV and XLSX rows with per-row outcomes, dry runs, atomic pushes,
idempotent retries, row and body limits, and the per-service template round trip."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.workflow import Role
from pmf_api.main import create_app
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import TokenFactory
from tests.conftest import Backend
from tests.workbooks import saved_workbook

BULK = "/api/v1/submissions/bulk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Setup:
    h: dict[str, str]
    s: Structure
    ratio: dict[str, Any]  # monthly percentage, numerator / denominator
    count: dict[str, Any]  # monthly count, a single value
    quarterly: dict[str, Any]


@pytest.fixture
async def setup(client: httpx.AsyncClient, auth: TokenFactory) -> Setup:
    h = auth(Role.PERFORMANCE)
    s = await structure(client, h)
    ratio = await post(client, "/api/v1/kpis", kpi_body(s), h)
    count = await post(
        client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum", polarity="lower_is_better"), h
    )
    quarterly = await post(
        client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum", frequency="quarterly"), h
    )
    return Setup(h, s, ratio, count, quarterly)


async def _values(client: httpx.AsyncClient, h: dict[str, str], kpi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/submissions", params={"kpi_id": kpi["id"], "limit": 500}, headers=h)
    assert response.status_code == 200, response.text
    return {item["period"]: item for item in response.json()["items"]}


def _csv(*lines: str, bom: bool = False) -> bytes:
    text = "\n".join(lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def _outcomes(body: dict[str, Any]) -> list[str]:
    return [row["outcome"] for row in body["rows"]]


async def test_json_rows_created_then_unchanged_then_updated(client: httpx.AsyncClient, setup: Setup) -> None:
    rows = [
        {"kpi_code": setup.ratio["code"], "period": "2025/26 P1", "numerator": 45, "denominator": 90},
        {"kpi_id": setup.count["id"], "period": "2025/26 P1", "value": 12, "commentary": "Quiet month"},
        {"kpi_code": setup.count["code"], "period": "2025/26 P2", "value": 14.25, "owner_forecast": 150},
    ]
    first = await client.post(BULK, json={"rows": rows}, headers=setup.h)
    assert first.status_code == 200, first.text
    body = first.json()
    assert _outcomes(body) == ["created"] * 3
    assert body["summary"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "rejected": 0,
        "not_written": 0,
    }
    assert [r["row"] for r in body["rows"]] == [0, 1, 2]
    assert body["rows"][1]["kpi_code"] == setup.count["code"]
    stored = await _values(client, setup.h, setup.count)
    assert stored["2025/26 P1"]["value"] == 12 and stored["2025/26 P1"]["commentary"] == "Quiet month"
    assert stored["2025/26 P2"]["value"] == 14.25 and stored["2025/26 P2"]["state"] == "draft"
    assert body["rows"][1]["submission_id"] == stored["2025/26 P1"]["id"]
    assert (await _values(client, setup.h, setup.ratio))["2025/26 P1"]["value"] == 50

    again = await client.post(BULK, json={"rows": rows}, headers=setup.h)
    assert _outcomes(again.json()) == ["unchanged"] * 3

    rows[2]["value"] = 15
    changed = await client.post(BULK, json={"rows": rows}, headers=setup.h)
    assert _outcomes(changed.json()) == ["unchanged", "unchanged", "updated"]
    assert (await _values(client, setup.h, setup.count))["2025/26 P2"]["value"] == 15
    audit = await client.get("/api/v1/audit", params={"entity_id": stored["2025/26 P2"]["id"]}, headers=setup.h)
    assert sorted(e["action"] for e in audit.json()["items"]) == ["create", "update"]


async def test_rejected_rows_say_why_and_which_column(client: httpx.AsyncClient, setup: Setup) -> None:
    csv = _csv(
        "kpi_code,period,value,numerator,denominator,commentary",
        f"{setup.count['code']},2025/26 P3,95.5,,,fine",
        "NO-SUCH-KPI,2025/26 P3,1,,,",
        f"{setup.count['code']},2025/26 Q1,1,,,",
        f"{setup.count['code']},2030/31 P1,1,,,",
        f"{setup.ratio['code']},2025/26 P3,95,,,",
        f'{setup.count["code"]},2025/26 P4,"95,5",,,',
        f"{setup.count['code']},2025/26 P3,96,,,",
        f"{setup.ratio['code']},2025/26 P4,,10,,",
        f"{setup.count['code']},2025/26 P5,lots,,,",
        bom=True,
    )
    response = await client.post(BULK, content=csv, headers={**setup.h, "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [r["row"] for r in rows] == list(range(2, 11))
    assert _outcomes(response.json()) == ["created"] + ["rejected"] * 8
    fields = [[e["pointer"].rsplit("/", 1)[1] for e in r["errors"]] for r in rows[1:]]
    assert fields == [
        ["kpi_code"],
        ["period"],
        ["period"],
        ["value"],
        ["value"],
        ["period"],
        ["denominator"],
        ["value"],
    ]
    messages = [r["errors"][0]["detail"] for r in rows[1:]]
    assert "No KPI NO-SUCH-KPI" in messages[0]
    assert "monthly" in messages[1]
    assert "has not ended" in messages[2]
    assert "numerator and a denominator" in messages[3]
    assert "decimal separator" in messages[4]
    assert "already in row 2" in messages[5]
    assert "not a number" in messages[7]
    assert set(await _values(client, setup.h, setup.count)) == {"2025/26 P3"}


async def test_missing_column_refuses_the_file(client: httpx.AsyncClient, setup: Setup) -> None:
    csv = _csv("kpi_code,value", f"{setup.count['code']},1")
    response = await client.post(BULK, content=csv, headers={**setup.h, "Content-Type": "text/csv"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    # A file's header is the file's, not a row's nor a JSON field's: the pointer is the whole body
    assert response.json()["errors"] == [{"pointer": "#", "detail": "Missing column: period"}]


async def test_xlsx_body_and_multipart_and_not_a_spreadsheet(client: httpx.AsyncClient, setup: Setup) -> None:
    book = saved_workbook(
        [
            ["KPI code", "Period", "Value", "Numerator", "Denominator", "Commentary"],
            [setup.count["code"], "2025/26 P6", 0.1 + 0.2, None, None, "Floats keep what was typed"],
            [None, None, None, None, None, None],
            [setup.ratio["code"], "2025/26 P6", None, 30, 40, None],
        ]
    )
    response = await client.post(BULK, content=book, headers={**setup.h, "Content-Type": XLSX})
    assert response.status_code == 200, response.text
    assert [(r["row"], r["outcome"]) for r in response.json()["rows"]] == [(2, "created"), (4, "created")]
    assert (await _values(client, setup.h, setup.count))["2025/26 P6"]["value"] == 0.3

    upload = await client.post(
        BULK, files={"file": ("values.xlsx", book, XLSX)}, params={"dry_run": "true"}, headers=setup.h
    )
    assert upload.status_code == 200, upload.text
    assert _outcomes(upload.json()) == ["unchanged", "unchanged"]

    for content, content_type in ((b"kpi_code,period\n", XLSX), (b"PK\x03\x04broken zip", XLSX)):
        refused = await client.post(BULK, content=content, headers={**setup.h, "Content-Type": content_type})
        assert refused.status_code == 422, refused.text
        assert "not an XLSX" in refused.json()["detail"]
    unknown = await client.post(BULK, content=b"<xml/>", headers={**setup.h, "Content-Type": "application/xml"})
    assert unknown.status_code == 422


async def test_dry_run_writes_nothing(client: httpx.AsyncClient, setup: Setup) -> None:
    rows = [{"kpi_code": setup.count["code"], "period": "2025/26 P1", "value": 3}]
    response = await client.post(BULK, json={"rows": rows}, params={"dry_run": "true"}, headers=setup.h)
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and _outcomes(body) == ["created"] and body["rows"][0]["submission_id"] is None
    assert await _values(client, setup.h, setup.count) == {}


async def test_atomic_push_with_one_bad_row_writes_nothing(client: httpx.AsyncClient, setup: Setup) -> None:
    rows = [
        {"kpi_code": setup.count["code"], "period": "2025/26 P1", "value": 3},
        {"kpi_code": setup.count["code"], "period": "2025/26 P2", "value": "3,5"},
    ]
    response = await client.post(BULK, json={"rows": rows}, params={"atomic": "true"}, headers=setup.h)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["summary"]["rejected"] == 1 and problem["atomic"] is True
    assert problem["rows"][1]["errors"][0]["pointer"] == "#/rows/1/value"
    assert problem["errors"][0]["pointer"] == "#/rows/1/value"
    assert problem["rows"][0]["outcome"] == "not_written"
    assert await _values(client, setup.h, setup.count) == {}

    good = await client.post(BULK, json={"rows": rows[:1]}, params={"atomic": "true"}, headers=setup.h)
    assert good.status_code == 200 and _outcomes(good.json()) == ["created"]


async def test_rows_that_change_state_are_rejected_and_submit_goes_row_by_row(
    client: httpx.AsyncClient, setup: Setup
) -> None:
    rows = [{"kpi_code": setup.count["code"], "period": "2025/26 P1", "value": 3}]
    submitted = await client.post(BULK, json={"rows": rows, "submit": True}, headers=setup.h)
    assert _outcomes(submitted.json()) == ["created"]
    assert (await _values(client, setup.h, setup.count))["2025/26 P1"]["state"] == "submitted"
    rows[0]["value"] = 4
    changed = await client.post(BULK, json={"rows": rows}, headers=setup.h)
    row = changed.json()["rows"][0]
    assert row["outcome"] == "rejected" and "with the performance team" in row["errors"][0]["detail"]


async def test_idempotency_key_replays_and_refuses_another_body(client: httpx.AsyncClient, setup: Setup) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    rows = [{"kpi_code": setup.count["code"], "period": "2025/26 P1", "value": 3}]
    first = await client.post(BULK, json={"rows": rows}, headers={**setup.h, **key})
    assert first.status_code == 200 and "Idempotency-Replayed" not in first.headers
    replay = await client.post(BULK, json={"rows": rows}, headers={**setup.h, **key})
    assert replay.status_code == 200 and replay.headers["Idempotency-Replayed"] == "true"
    assert replay.json() == first.json()  # "created" again: the first answer, not a second write
    assert len(await _values(client, setup.h, setup.count)) == 1
    audit = await client.get("/api/v1/audit", params={"entity_type": "submission"}, headers=setup.h)
    assert len(audit.json()["items"]) == 1

    rows[0]["value"] = 4
    other = await client.post(BULK, json={"rows": rows}, headers={**setup.h, **key})
    assert other.status_code == 409
    assert "different request" in other.json()["detail"]
    assert (await _values(client, setup.h, setup.count))["2025/26 P1"]["value"] == 3


async def test_viewer_cannot_push(client: httpx.AsyncClient, setup: Setup, auth: TokenFactory) -> None:
    rows = [{"kpi_code": setup.count["code"], "period": "2025/26 P1", "value": 3}]
    response = await client.post(BULK, json={"rows": rows}, headers=auth(Role.VIEWER))
    assert response.status_code == 403


async def test_bad_json_shapes(client: httpx.AsyncClient, setup: Setup) -> None:
    not_json = await client.post(BULK, content=b"{", headers={**setup.h, "Content-Type": "application/json"})
    assert not_json.status_code == 400  # malformed, not invalid: as every route documents
    no_rows = await client.post(BULK, json={"values": []}, headers=setup.h)
    assert no_rows.status_code == 422 and no_rows.json()["errors"][0]["pointer"] == "#/rows"
    odd = await client.post(
        BULK, json={"rows": [1, {"kpi_code": "X", "period": "2025/26 P1", "colour": 1}]}, headers=setup.h
    )
    assert odd.status_code == 200
    assert [e["pointer"] for e in odd.json()["rows"][1]["errors"]] == ["#/rows/1/colour", "#/rows/1/kpi_code"]


@pytest.fixture
async def small_limits_client(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = backend.settings.model_copy(update={"bulk_max_rows": 100, "bulk_max_body_bytes": 4_000})
    app = create_app(settings)
    app.state.engine = backend.engine
    app.state.sessionmaker = connection_sessionmaker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_row_and_body_limits_are_refused_cleanly(small_limits_client: httpx.AsyncClient, setup: Setup) -> None:
    lines = ["kpi_code,period,value", *(f"K{i},2025/26 P1,{i}" for i in range(101))]
    too_many = await small_limits_client.post(
        BULK, content=_csv(*lines), headers={**setup.h, "Content-Type": "text/csv"}
    )
    assert too_many.status_code == 413 and "at most 100 rows" in too_many.json()["detail"]
    too_big = await small_limits_client.post(
        BULK, content=b"kpi_code,period,value\n" + b"x" * 5_000, headers={**setup.h, "Content-Type": "text/csv"}
    )
    assert too_big.status_code == 413


async def test_fifty_thousand_rows_dry_run(client: httpx.AsyncClient, setup: Setup) -> None:
    code = setup.count["code"]
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2010, 2025)]
    periods = [f"{year} P{m}" for year in years for m in range(1, 13)]
    lines = ["kpi_code,period,value"]
    lines += [f"{code},{periods[i % len(periods)]},{i}" for i in range(50_000)]
    payload = _csv(*lines)
    assert len(payload) > 1_048_576  # over the default body limit of other routes
    response = await client.post(
        BULK, content=payload, params={"dry_run": "true"}, headers={**setup.h, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text[:500]
    summary = response.json()["summary"]
    assert summary["created"] == len(periods) and summary["rejected"] == 50_000 - len(periods)
    assert await _values(client, setup.h, setup.count) == {}


async def test_template_round_trip(client: httpx.AsyncClient, setup: Setup) -> None:
    url = f"/api/v1/services/{setup.s.service_id}/submission-template"
    response = await client.get(url, params={"period": "2025/26 P6"}, headers=setup.h)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Values", "Guidance"]
    sheet = workbook["Values"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["kpi_code", "kpi_title", "unit", "period", "owner", "enter"]
    lines = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    # P6 closes Q2, so the quarterly KPI is due for Q2 alongside the monthly ones.
    assert {code: row[3].value for code, row in lines.items()} == {
        setup.ratio["code"]: "2025/26 P6",
        setup.count["code"]: "2025/26 P6",
        setup.quarterly["code"]: "2025/26 Q2",
    }
    assert lines[setup.count["code"]][4].value == "Ola Owner"
    column = {name: i for i, name in enumerate(header)}
    lines[setup.ratio["code"]][column["numerator"]].value = 30
    lines[setup.ratio["code"]][column["denominator"]].value = 40
    lines[setup.quarterly["code"]][column["value"]].value = 7
    lines[setup.quarterly["code"]][column["commentary"]].value = "Filled in Excel"
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = await client.post(BULK, files={"file": ("template.xlsx", buffer.getvalue(), XLSX)}, headers=setup.h)
    assert upload.status_code == 200, upload.text
    outcomes = {r["kpi_code"]: r["outcome"] for r in upload.json()["rows"]}
    assert outcomes == {
        setup.ratio["code"]: "created",
        setup.count["code"]: "skipped",
        setup.quarterly["code"]: "created",
    }
    assert (await _values(client, setup.h, setup.quarterly))["2025/26 Q2"]["commentary"] == "Filled in Excel"

    as_csv = await client.get(url, params={"period": "2025/26 P6", "format": "csv"}, headers=setup.h)
    assert as_csv.content.startswith(b"\xef\xbb\xbf") and as_csv.headers["content-type"].startswith("text/csv")
    back = await client.post(BULK, content=as_csv.content, headers={**setup.h, "Content-Type": "text/csv"})
    assert _outcomes(back.json()) == ["skipped"] * 3
    as_json = await client.get(url, params={"period": "2025/26 P6", "format": "json"}, headers=setup.h)
    assert len(as_json.json()["rows"]) == 3
    assert (await client.post(BULK, json=as_json.json(), headers=setup.h)).status_code == 200

    bad = await client.get(url, params={"period": "June"}, headers=setup.h)
    assert bad.status_code == 422
    missing = await client.get(
        f"/api/v1/services/{uuid.uuid4()}/submission-template", params={"period": "2025/26 P6"}, headers=setup.h
    )
    assert missing.status_code == 404


async def test_a_nul_character_rejects_its_row(client: httpx.AsyncClient, setup: Setup) -> None:
    """U+0000 cannot be stored on PostgreSQL and must not be on SQLite: its row is rejected, naming
    the column, in JSON and in CSV alike; the other rows are saved (issue #8, item 8)."""
    code = setup.count["code"]
    rows = [
        {"kpi_code": code, "period": "2025/26 P1", "value": 1, "commentary": "Quiet\x00 month"},
        {"kpi_code": code, "period": "2025/26 P2", "value": 2, "commentary": "Fine"},
    ]
    pushed = await client.post(BULK, json={"rows": rows}, headers=setup.h)
    assert pushed.status_code == 200, pushed.text
    assert _outcomes(pushed.json()) == ["rejected", "created"]
    assert [e["pointer"] for e in pushed.json()["rows"][0]["errors"]] == ["#/rows/0/commentary"]
    as_csv = _csv("kpi_code,period,value,commentary", f"{code},2025/26 P3,3,Odd\x00", f"{code}\x00,2025/26 P4,4,")
    pushed = await client.post(BULK, content=as_csv, headers={**setup.h, "Content-Type": "text/csv"})
    assert pushed.status_code == 200, pushed.text
    assert _outcomes(pushed.json()) == ["rejected", "rejected"]
    assert [[e["pointer"] for e in row["errors"]] for row in pushed.json()["rows"]] == [
        ["#/rows/0/commentary"],
        ["#/rows/1/kpi_code"],
    ]
    assert set(await _values(client, setup.h, setup.count)) == {"2025/26 P2"}
