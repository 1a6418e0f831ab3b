"""Benchmark: a bulk push of 20,160 monthly values through the API against asyncpg's COPY, in one run.

What it does, against PostgreSQL at 127.0.0.1 and stopping by itself:

1. creates a throw-away database ``pmf_bench_bulk_<random>`` (dropped at the end, also on error),
   migrates it and inserts one council: a directorate, 4 services, an owner and 560 monthly KPIs
   (half counts with a single value, half percentages with numerator and denominator);
2. builds a CSV of 560 KPIs x 36 months (2023/24 P1 to 2025/26 P12, all ended) = 20,160 rows;
3. pushes it to ``POST /api/v1/submissions/bulk`` in-process (httpx over ASGI, the real app with
   its middleware, auth, parsing, per-row checks, sense-checks, audit entries and the commit) and
   checks all 20,160 rows were created; then pushes it again (all unchanged);
4. deletes those rows and loads the same 20,160 submissions with ``asyncpg``'s
   ``copy_records_to_table`` (no checks, no audit: the floor for getting the rows in);
5. prints rows/s of each and the ratio (the aim: the push within 10x of COPY).

``--format xlsx`` or ``json`` pushes the same rows as a workbook (written by openpyxl) or as JSON.

Run: ``.venv/bin/python bench/bench_bulk.py [--repeats 3] [--format csv|xlsx|json]``
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pmf_api.access.actor import Grant  # noqa: E402
from pmf_api.access.tokens import mint_token  # noqa: E402
from pmf_api.config import Settings  # noqa: E402
from pmf_api.domain import Period  # noqa: E402
from pmf_api.domain.workflow import Role  # noqa: E402
from pmf_api.main import attach_engine, create_app  # noqa: E402
from pmf_api.platform.db.migrations import upgrade  # noqa: E402

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
KPIS = 560
YEARS = ("2023/24", "2024/25", "2025/26")
AIM_RATIO = 8.0
SECRET = "bench-secret-" + "x" * 40


async def _admin(sql: str) -> None:
    engine = create_async_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: upgrade(url, connection=sync))
    finally:
        await engine.dispose()


async def _seed(dsn: str) -> tuple[uuid.UUID, list[tuple[uuid.UUID, str, str]]]:
    """One council with 560 monthly KPIs; returns the organisation id and (kpi id, code, aggregation)."""
    now = datetime.now(UTC)
    org_id, directorate_id, person_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    services = [uuid.uuid4() for _ in range(4)]
    kpis = [(uuid.uuid4(), f"BK-{i:04d}", "sum" if i % 2 else "ratio") for i in range(KPIS)]
    connection = await asyncpg.connect(dsn)
    try:
        common = "created_at, updated_at, version"
        await connection.execute(
            f"INSERT INTO organisation (id, code, name, financial_year_start_month, settings, {common}) "
            "VALUES ($1, 'BENCH', 'Bench Council', 4, '{}', $2, $2, 1)",
            org_id,
            now,
        )
        await connection.execute(
            f"INSERT INTO directorate (id, organisation_id, code, name, {common}) "
            "VALUES ($1, $2, 'D1', 'Place', $3, $3, 1)",
            directorate_id,
            org_id,
            now,
        )
        for i, service_id in enumerate(services):
            await connection.execute(
                f"INSERT INTO service (id, organisation_id, code, name, directorate_id, {common}) "
                "VALUES ($1, $2, $3, $4, $5, $6, $6, 1)",
                service_id,
                org_id,
                f"S{i}",
                f"Service {i}",
                directorate_id,
                now,
            )
        await connection.execute(
            f"INSERT INTO person (id, organisation_id, name, email, {common}) "
            "VALUES ($1, $2, 'Ola Owner', 'ola@bench.gov.uk', $3, $3, 1)",
            person_id,
            org_id,
            now,
        )
        await connection.executemany(
            "INSERT INTO kpi (id, organisation_id, code, title, unit, polarity, frequency, aggregation, "
            f"decimal_places, statutory, owner_id, service_id, {common}) "
            "VALUES ($1, $2, $3, $4, $5, 'higher_is_better', 'monthly', $6, 1, false, $7, $8, $9, $9, 1)",
            [
                (
                    kpi_id,
                    org_id,
                    code,
                    f"Bench KPI {code}",
                    "count" if aggregation == "sum" else "percentage",
                    aggregation,
                    person_id,
                    services[i % len(services)],
                    now,
                )
                for i, (kpi_id, code, aggregation) in enumerate(kpis)
            ],
        )
    finally:
        await connection.close()
    return org_id, kpis


def _rows(kpis: list[tuple[uuid.UUID, str, str]]) -> list[dict[str, Any]]:
    rows = []
    for n, (kpi_id, code, aggregation) in enumerate(kpis):
        for year in YEARS:
            for month in range(1, 13):
                base = 40 + (n + month) % 50
                row: dict[str, Any] = {"kpi_id": kpi_id, "kpi_code": code, "period": f"{year} P{month}"}
                if aggregation == "ratio":
                    row |= {"numerator": Decimal(base), "denominator": Decimal(100), "value": Decimal(base)}
                else:
                    row |= {"value": Decimal(base) + Decimal("0.5")}
                row["commentary"] = f"Month {month}: steady"
                rows.append(row)
    return rows


def _csv(rows: list[dict[str, Any]], kpis: list[tuple[uuid.UUID, str, str]]) -> bytes:
    ratio = {code for _, code, aggregation in kpis if aggregation == "ratio"}
    lines = ["kpi_code,period,value,numerator,denominator,commentary"]
    for row in rows:
        if row["kpi_code"] in ratio:
            lines.append(
                f"{row['kpi_code']},{row['period']},,{row['numerator']},{row['denominator']},{row['commentary']}"
            )
        else:
            lines.append(f"{row['kpi_code']},{row['period']},{row['value']},,,{row['commentary']}")
    return ("\n".join(lines) + "\n").encode()


def _xlsx(rows: list[dict[str, Any]], kpis: list[tuple[uuid.UUID, str, str]]) -> bytes:
    """The same rows as a workbook, written by openpyxl as an integration script would."""
    from openpyxl import Workbook

    ratio = {code for _, code, aggregation in kpis if aggregation == "ratio"}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kpi_code", "period", "value", "numerator", "denominator", "commentary"])
    for row in rows:
        if row["kpi_code"] in ratio:
            figures = [None, int(row["numerator"]), int(row["denominator"])]
        else:
            figures = [float(row["value"]), None, None]
        sheet.append([row["kpi_code"], row["period"], *figures, row["commentary"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _json(rows: list[dict[str, Any]], kpis: list[tuple[uuid.UUID, str, str]]) -> bytes:
    ratio = {code for _, code, aggregation in kpis if aggregation == "ratio"}
    items = []
    for row in rows:
        item: dict[str, Any] = {"kpi_code": row["kpi_code"], "period": row["period"], "commentary": row["commentary"]}
        if row["kpi_code"] in ratio:
            item |= {"numerator": int(row["numerator"]), "denominator": int(row["denominator"])}
        else:
            item["value"] = float(row["value"])
        items.append(item)
    return json.dumps({"rows": items}).encode()


FORMATS = {
    "csv": (_csv, "text/csv"),
    "xlsx": (_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": (_json, "application/json"),
}


async def _push(
    client: httpx.AsyncClient, payload: bytes, token: str, content_type: str = "text/csv"
) -> tuple[float, float, dict[str, int]]:
    """Wall time, this process's CPU time (the API's own work, PostgreSQL's aside) and the summary."""
    started, cpu = time.perf_counter(), time.process_time()
    response = await client.post(
        "/api/v1/submissions/bulk",
        content=payload,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        timeout=600,
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"bulk push failed: {response.status_code} {response.text[:500]}")
    summary: dict[str, int] = response.json()["summary"]
    return elapsed, cpu, summary


async def _copy(dsn: str, org_id: uuid.UUID, rows: list[dict[str, Any]]) -> float:
    now = datetime.now(UTC)
    columns = [
        "id",
        "organisation_id",
        "kpi_id",
        "period",
        "financial_year",
        "period_end",
        "state",
        "value",
        "numerator",
        "denominator",
        "commentary",
        "owner_forecast",
        "flags",
        "revision",
        "entered_by",
        "created_at",
        "updated_at",
        "version",
    ]
    records = []
    for row in rows:
        period = Period.parse(row["period"])
        records.append(
            (
                uuid.uuid4(),
                org_id,
                row["kpi_id"],
                row["period"],
                str(period.financial_year),
                period.end_date(),
                "draft",
                row["value"],
                row.get("numerator"),
                row.get("denominator"),
                row["commentary"],
                None,
                json.dumps([]),
                1,
                "copy@bench",
                now,
                now,
                1,
            )
        )
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("DELETE FROM audit_entry; DELETE FROM submission")
        await connection.execute("VACUUM ANALYZE submission")
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_records_to_table("submission", records=records, columns=columns)
        elapsed = time.perf_counter() - started
        count = await connection.fetchval("SELECT count(*) FROM submission")
        assert count == len(rows), count
    finally:
        await connection.close()
    return elapsed


async def _clear(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("DELETE FROM audit_entry; DELETE FROM submission; DELETE FROM idempotency_record")
        await connection.execute("VACUUM ANALYZE submission")
        await connection.execute("VACUUM ANALYZE audit_entry")
    finally:
        await connection.close()


async def main(repeats: int, file_format: str = "csv") -> None:
    name = f"pmf_bench_bulk_{uuid.uuid4().hex[:8]}"
    url = f"{SERVER}/{name}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        await _migrate(url)
        org_id, kpis = await _seed(dsn)
        rows = _rows(kpis)
        build, content_type = FORMATS[file_format]
        payload = build(rows, kpis)
        settings = Settings(
            environment="production", database_url=url, jwt_secret=SECRET, log_level="WARNING", log_json=False
        )
        logging.getLogger("pmf_api").setLevel(logging.WARNING)
        app = create_app(settings)
        attach_engine(app, settings)
        token = mint_token(
            settings,
            organisation_id=org_id,
            subject="bench@bench.gov.uk",
            name="Bench",
            grants=[Grant(Role.PERFORMANCE)],
        )
        print(
            f"{len(rows)} rows ({KPIS} KPIs x {len(YEARS) * 12} months), "
            f"{file_format.upper()} of {len(payload) / 1e6:.2f} MB"
        )
        push_times, again_times, copy_times, push_cpu, again_cpu = [], [], [], [], []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for _ in range(repeats):
                await _clear(dsn)
                elapsed, cpu, summary = await _push(client, payload, token, content_type)
                assert summary["created"] == len(rows), summary
                push_times.append(elapsed)
                push_cpu.append(cpu)
                elapsed, cpu, summary = await _push(client, payload, token, content_type)
                again_cpu.append(cpu)
                assert summary["unchanged"] == len(rows), summary
                again_times.append(elapsed)
                copy_times.append(await _copy(dsn, org_id, rows))
        await app.state.engine.dispose()
        push, again, copy = min(push_times), min(again_times), min(copy_times)
        width = 52
        label = f"bulk push, all created (best of {repeats})"
        # CPU time is the API process's own work: steadier than wall time on a machine others share.
        print(f"{label:<{width}} {push:7.2f} s  {len(rows) / push:9,.0f} rows/s  CPU {min(push_cpu):6.2f} s")
        again_label = "bulk push again, all unchanged"
        print(f"{again_label:<{width}} {again:7.2f} s  {len(rows) / again:9,.0f} rows/s  CPU {min(again_cpu):6.2f} s")
        print(f"{'asyncpg copy_records_to_table':<{width}} {copy:7.2f} s  {len(rows) / copy:9,.0f} rows/s")
        ratio = push / copy
        verdict = "met" if ratio <= AIM_RATIO else "NOT met"
        print(f"ratio push / COPY: {ratio:.1f}x (aim <= {AIM_RATIO:.0f}x: {verdict})")
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--format", choices=sorted(FORMATS), default="csv", help="the file pushed (default csv)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.repeats, arguments.format))
