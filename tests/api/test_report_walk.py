"""Issue 13's "done means", through HTTP alone with real tokens, on PostgreSQL and SQLite.

Q2 is frozen and its report rendered as HTML, PDF, XLSX and CSV by report jobs; Q2 is closed and a
Q2 value revised with a reason by the performance team (validated and published by two others);
Q2's report rendered again is byte for byte what it was, and Q3's lists the restatement: reported
48.0% Amber, restated 30.0% Red, with its reason. The HTML passes axe-core in Debian's Chromium; the
PDF has a structure tree, a language and a text alternative on every figure.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import httpx
import pikepdf
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.periods import Period
from pmf_api.reporting.jobs import runner
from tests.api.conftest import TokenFactory
from tests.api.test_snapshots import kpi_with_values
from tests.conftest import Backend
from tests.report_checks import explain, html_violations, structure

Q2, Q3 = Period.parse("2025/26 Q2"), Period.parse("2025/26 Q3")
MONTHS = [Period.parse(f"2025/26 P{n}") for n in range(1, 10)]  # April to December 2025
JOBS = "/api/v1/report-jobs"
FORMATS = ("html", "pdf", "xlsx", "csv", "json")


async def rendered(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    drain: Any,
    parameters: dict[str, str],
) -> dict[str, bytes]:
    """Each format of a report, asked for as jobs, run by a worker, and fetched."""
    jobs = {}
    for fmt in FORMATS:
        asked = await client.post(
            JOBS, json={"kind": "report", "parameters": {**parameters, "format": fmt}}, headers=headers
        )
        assert asked.status_code == 202, asked.text
        jobs[fmt] = asked.json()["id"]
    await drain()
    files = {}
    for fmt, job_id in jobs.items():
        job = (await client.get(f"{JOBS}/{job_id}", headers=headers)).json()
        assert job["state"] == "succeeded", job
        file = await client.get(f"{JOBS}/{job_id}/file", headers=headers)
        assert file.status_code == 200, file.text
        files[fmt] = file.content
    return files


async def test_a_quarter_reported_closed_restated_and_reported_again(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    team = auth()

    async def drain() -> None:
        assert await runner.drain(connection_sessionmaker, backend.settings) >= 1

    values = {period: 40 + index for index, period in enumerate(MONTHS)}  # P6 is 45: Amber (target 50, 45)
    _, kpi = await kpi_with_values(client, team, auth, values)

    frozen = await client.post("/api/v1/snapshots", json={"period": str(Q2)}, headers=team)
    assert frozen.status_code == 201, frozen.text
    q2 = frozen.json()["id"]
    first = await rendered(client, team, drain, {"snapshot_id": q2})

    # HTML: real headings, the RAG in words; no serious or critical WCAG 2.2 AA violation in Chromium.
    html = first["html"].decode()
    assert '<html lang="en-GB"' in html and "<h1" in html and "Amber: below target, within tolerance" in html
    found = await asyncio.to_thread(html_violations, first["html"])
    assert not found, explain(found)
    # PDF: tagged, in English, every figure with its text alternative.
    pdf = pikepdf.open(io.BytesIO(first["pdf"]))
    assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "en-GB"
    figures = [e for e in structure(pdf) if str(e.S) == "/Figure"]
    assert figures and all(str(figure.get("/Alt", "")) for figure in figures)
    assert any(kpi["code"] in str(figure.Alt) for figure in figures)
    # XLSX and CSV: the same KPI row, no live formula.
    sheets = load_workbook(io.BytesIO(first["xlsx"]))
    cells = [c.value for sheet in sheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert kpi["code"] in cells and not any(cell.startswith("=") for cell in cells)
    [row] = [r for r in csv.DictReader(io.StringIO(first["csv"].decode("utf-8-sig"))) if kpi["code"] in r.values()]
    assert "45.0%" in row.values()
    document = json.loads(first["json"])
    assert document["period"] == str(Q2) and document["restatements"] == []

    # Q2 closes; its last month is revised with a reason by the performance team, checked by two others.
    closed = await client.post("/api/v1/period-closes", json={"period": str(Q2)}, headers=team)
    assert closed.status_code == 201, closed.text
    published = (await client.get(f"/api/v1/kpis/{kpi['id']}/submissions/{MONTHS[5]}", headers=team)).json()
    revised = await client.post(
        f"/api/v1/submissions/{published['id']}/revisions", json={"reason": "Source system corrected"}, headers=team
    )
    assert revised.status_code == 200, revised.text
    saved = await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{MONTHS[5]}",
        json={"numerator": 30, "denominator": 100, "commentary": "Corrected", "submit": True},
        headers={**team, "If-Match": revised.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.text
    for to, who in (("validated", "perf.checker@example.gov.uk"), ("published", "perf.publisher@example.gov.uk")):
        moved = await client.post(
            f"/api/v1/submissions/{published['id']}/transition", json={"to": to}, headers=auth(subject=who)
        )
        assert moved.status_code == 200, moved.text

    # Q2's report rendered again (new jobs: a colleague asks, by its period) is exactly what it was.
    again = await rendered(client, auth(subject="perf.colleague@example.gov.uk"), drain, {"period": str(Q2)})
    assert again == first

    # Q3's report lists the restatement, as reported and as restated, with its reason.
    frozen = await client.post("/api/v1/snapshots", json={"period": str(Q3)}, headers=team)
    assert frozen.status_code == 201, frozen.text
    q3 = await rendered(client, team, drain, {"snapshot_id": frozen.json()["id"]})
    [restated] = json.loads(q3["json"])["restatements"]
    assert (restated["kpi_code"], restated["period"], restated["reason"]) == (
        kpi["code"],
        str(MONTHS[5]),
        "Source system corrected",
    )
    assert (restated["reported_value"], restated["reported_rag"]) == ("45.0%", "amber")
    assert (restated["restated_value"], restated["restated_rag"]) == ("30.0%", "red")
    assert "reported 45.0% Amber on" in restated["sentence"] and "restated 30.0% Red on" in restated["sentence"]
    assert restated["sentence"] in q3["html"].decode()
    found = await asyncio.to_thread(html_violations, q3["html"])
    assert not found, explain(found)
