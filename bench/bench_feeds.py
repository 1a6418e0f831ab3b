"""Benchmark: the kpi-values feed as CSV (300 KPIs x 36 months, 10,800 rows) against PostgreSQL's
``COPY (the same rows) TO STDOUT``, on PostgreSQL (issue 14: within 3x of COPY).

What it does, against 127.0.0.1 and stopping by itself:

1. creates a throw-away PostgreSQL database (dropped at the end, also on error or Ctrl-C), migrates
   it and seeds the council of ``bench_scorecard.py``: 300 monthly KPIs with targets and 36 months
   of validated values;
2. **cold**: the first ``GET /api/v1/feeds/kpi-values?format=csv&limit=100000``, in-process through
   httpx's ASGI transport, which materialises every KPI's 36 rows (the feed's ``prepare``);
3. **warm**: ``--requests`` sequential requests of the same feed, nothing changed (Power BI's
   scheduled refresh), and, in the same run and the same database, ``--requests`` runs of
   ``COPY (SELECT the feed's columns FROM feed_kpi_value ... ORDER BY its key) TO STDOUT (FORMAT csv,
   HEADER)`` over asyncpg;
4. **changed**: one value corrected before each request, so one KPI's rows are computed again;
5. prints p50/p95 in ms, the rows and bytes, and the ratio of the feed's p50 to COPY's.

Run: ``.venv/bin/python bench/bench_feeds.py [--requests 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _inprocess import InProcessApp, percentile, run_on_throwaway_database
from bench_scorecard import KPI_COUNT, seed

PATH = "/api/v1/feeds/kpi-values?format=csv&limit=100000"
AIM_RATIO = 3.0


async def _copy(url: str, organisation_id: Any) -> tuple[float, int]:
    import asyncpg

    from pmf_api.publishing.feeds.kpi_values import COLUMNS

    columns = ", ".join(column.name for column in COLUMNS)
    query = (
        f"SELECT {columns} FROM feed_kpi_value WHERE organisation_id = '{organisation_id}' "
        "ORDER BY kpi_id, period_start"
    )
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        chunks: list[bytes] = []

        async def sink(chunk: bytes) -> None:
            chunks.append(chunk)

        started = time.perf_counter()
        await connection.copy_from_query(query, output=sink, format="csv", header=True)
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, sum(len(chunk) for chunk in chunks)
    finally:
        await connection.close()


async def measure(url: str, ids: dict[str, Any], requests: int) -> bool:
    from sqlalchemy import text

    async with InProcessApp(url) as api:
        client = api.client
        headers = api.headers(ids["organisation_id"], ids["person_id"])

        started = time.perf_counter()
        response = await client.get(PATH, headers=headers)
        cold = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {PATH} gave {response.status_code}: {response.text[:500]}")
        rows = response.text.count("\n") - 1
        print(f"check: {rows} rows, {len(response.content) / 1024:.0f} KiB, header {response.text.split(',', 3)[:3]}")
        if rows != KPI_COUNT * 36:
            raise RuntimeError(f"expected {KPI_COUNT * 36} rows, got {rows}")

        api.statements["count"] = 0
        await client.get(PATH, headers=headers)
        per_request = api.statements["count"]

        warm, copies, copy_bytes = [], [], 0
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.get(PATH, headers=headers)
            warm.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            elapsed, copy_bytes = await _copy(url, ids["organisation_id"])
            copies.append(elapsed)

        one_value = text(
            "UPDATE submission SET value = value + 1, version = version + 1 "
            "WHERE id = (SELECT id FROM submission ORDER BY period_end DESC, kpi_id LIMIT 1)"
        )
        changed = []
        for _ in range(max(3, requests // 4)):
            async with api.app.state.engine.begin() as connection:
                await connection.execute(one_value)
            started = time.perf_counter()
            response = await client.get(PATH, headers=headers)
            changed.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200

    feed_p50, copy_p50 = percentile(warm, 50), percentile(copies, 50)
    ratio = feed_p50 / copy_p50
    print()
    print(f"GET {PATH}: {KPI_COUNT} KPIs x 36 months, in-process ASGI; COPY over asyncpg; same database")
    print(f"SQL statements per warm request: {per_request}; COPY's CSV {copy_bytes / 1024:.0f} KiB")
    print(f"{'what':<26}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    print(f"{'cold (first refresh)':<26}{cold:>9.1f}{cold:>9.1f}{cold:>9.1f}")
    print(f"{'warm feed CSV':<26}{feed_p50:>9.1f}{percentile(warm, 95):>9.1f}{max(warm):>9.1f}")
    print(f"{'COPY ... TO STDOUT':<26}{copy_p50:>9.1f}{percentile(copies, 95):>9.1f}{max(copies):>9.1f}")
    print(
        f"{'one value changed':<26}{percentile(changed, 50):>9.1f}{percentile(changed, 95):>9.1f}{max(changed):>9.1f}"
    )
    print(f"(machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    met = ratio <= AIM_RATIO
    print(f"aim: warm feed p50 within {AIM_RATIO:g}x of COPY's: {ratio:.2f}x -> {'MET' if met else 'NOT MET'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="sequential requests of each (default 20)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be between 1 and 10000")

    def work(url: str) -> int:
        started = time.perf_counter()
        ids = asyncio.run(seed(url))
        print(f"seeded {ids['submissions']} submissions in {time.perf_counter() - started:.1f} s", flush=True)
        return 0 if asyncio.run(measure(url, ids, args.requests)) else 1

    return run_on_throwaway_database(
        f"database {{db}}: creating, migrating, seeding {KPI_COUNT} KPIs x 36 months ...", work
    )


if __name__ == "__main__":
    sys.exit(main())
