"""The OData service's reads for a council of 1,200 KPIs (issue 14: "an OData page of 1,000 rows p95
under 150 ms").

Seeds a throw-away PostgreSQL database (3 directorates, 10 services, 40 people, 1,200 KPIs, ANALYZEd,
dropped at the end), then calls the app in-process through httpx's ASGI transport, sequentially,
with a performance-team bearer token: the first page of ``Kpis`` (1,000 rows, the service's page
cap, with ``@odata.count``), the page its ``$skiptoken`` next link gives, a ``$skip`` page with a
``$select``, a filtered and sorted page, and a filtered ``/Kpis/$count``. Prints p50/p95/max ms,
rows per answer and SQL statements per request.

    .venv/bin/python bench/bench_odata.py --requests 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _inprocess import InProcessApp, percentile, run_on_throwaway_database

KPIS = 1_200
SERVICES = 10
PEOPLE = 40
AIM_P95_MS = 150.0
ROOT = "/api/v1/odata/Kpis"


def build() -> dict[str, Any]:
    org_id = uuid.uuid4()
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    stamp = {"created_at": now, "updated_at": now, "version": 1}
    owned = {"organisation_id": org_id, **stamp}
    directorates = [{"id": uuid.uuid4(), "code": f"D{i}", "name": f"Directorate {i}", **owned} for i in range(3)]
    portfolios = [{"id": uuid.uuid4(), "code": f"P{i}", "name": f"Portfolio {i}", **owned} for i in range(4)]
    services = [
        {
            "id": uuid.uuid4(),
            "code": f"S{i:02d}",
            "name": f"Service {i}",
            "directorate_id": directorates[i % 3]["id"],
            "portfolio_id": portfolios[i % 4]["id"],
            **owned,
        }
        for i in range(SERVICES)
    ]
    people = [
        {"id": uuid.uuid4(), "name": f"Officer {i}", "email": f"officer{i}@example.org", **owned} for i in range(PEOPLE)
    ]
    frequencies = ("monthly", "monthly", "quarterly", "annual")
    kpis = [
        {
            "id": uuid.uuid4(),
            "code": f"PI-{i:04d}",
            "title": f"Indicator {i} of {'waste' if i % 3 == 0 else 'housing'} performance",
            "unit": "percentage" if i % 2 else "number",
            "polarity": "higher_is_better" if i % 2 else "lower_is_better",
            "frequency": frequencies[i % 4],
            "aggregation": "average" if i % 2 else "sum",
            "decimal_places": i % 3,
            "statutory": i % 5 == 0,
            "service_id": services[i % SERVICES]["id"],
            "owner_id": people[i % PEOPLE]["id"],
            "expected_max": None,
            "archived_at": None,
            **owned,
        }
        for i in range(KPIS)
    ]
    return {
        "organisation": [{"id": org_id, "code": "BENCH", "name": "Benchmark Borough Council", "settings": {}, **stamp}],
        "directorate": directorates,
        "portfolio": portfolios,
        "service": services,
        "person": people,
        "kpi": kpis,
        "_ids": {"organisation_id": org_id, "person_id": people[0]["id"], "service_id": services[3]["id"]},
    }


async def seed(url: str) -> dict[str, Any]:
    from sqlalchemy import insert, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from pmf_api.models import Base

    rows = build()
    ids: dict[str, Any] = rows.pop("_ids")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for table, values in rows.items():
                for start in range(0, len(values), 1000):
                    await connection.execute(insert(Base.metadata.tables[table]), values[start : start + 1000])
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return ids


def scenarios(ids: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("first page, 1,000 rows", ROOT, {"$count": "true"}),
        ("next link page, 200 rows", ROOT, {"$skiptoken": "1000"}),
        ("$skip 600, $select 5", ROOT, {"$skip": "600", "$select": "kpi_id,code,title,service_name,status"}),
        (
            "$filter + $orderby",
            ROOT,
            {"$filter": "contains(title,'waste') and frequency eq 'monthly'", "$orderby": "title desc"},
        ),
        (
            "filtered $count",
            f"{ROOT}/$count",
            {"$filter": f"service_id eq {ids['service_id']} or (statutory and decimal_places ge 1)"},
        ),
    ]


async def measure(url: str, ids: dict[str, Any], requests: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    async with InProcessApp(url) as api:
        headers = api.headers(ids["organisation_id"], ids["person_id"])
        for name, path, params in scenarios(ids):
            first = await api.client.get(path, params=params, headers=headers)
            if first.status_code != 200:
                raise RuntimeError(f"GET {path} {params} gave {first.status_code}: {first.text[:300]}")
            rows = len(first.json()["value"]) if path == ROOT else int(first.text)
            for _ in range(3):  # warm-up: compiled statements, connections
                await api.client.get(path, params=params, headers=headers)
            api.statements["count"] = 0
            timings: list[float] = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await api.client.get(path, params=params, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} gave {response.status_code}")
            results[name] = {
                "rows": rows,
                "bytes": len(first.content),
                "timings": timings,
                "statements": api.statements["count"] / requests,
            }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="sequential requests per read (default 50)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be between 1 and 10000")

    def work(url: str) -> int:
        started = time.perf_counter()
        ids = asyncio.run(seed(url))
        print(f"seeded {KPIS} KPIs in {time.perf_counter() - started:.1f} s", flush=True)
        results = asyncio.run(measure(url, ids, args.requests))
        print()
        print(f"{args.requests} sequential requests per read, in-process ASGI, PostgreSQL")
        print(f"{'read':<28}{'rows':>6}{'KB':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL/req':>9}")
        for name, result in results.items():
            timings = result["timings"]
            print(
                f"{name:<28}{result['rows']:>6}{result['bytes'] / 1024:>7.0f}{percentile(timings, 50):>9.1f}"
                f"{percentile(timings, 95):>9.1f}{max(timings):>9.1f}{result['statements']:>9.1f}"
            )
        page = percentile(results["first page, 1,000 rows"]["timings"], 95)
        verdict = "met" if page < AIM_P95_MS else "NOT met"
        print(f"aim: a 1,000-row page p95 < {AIM_P95_MS:.0f} ms: {verdict} ({page:.1f} ms)")
        print(f"(machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        return 0

    return run_on_throwaway_database("database {db}: creating, migrating, seeding 1,200 KPIs ...", work)


if __name__ == "__main__":
    sys.exit(main())
