"""The README's Power Query (section "Power BI") as HTTP calls: Web.Contents with a fixed base, the
relative path and the query, following the Link header's cursor from page to page as the M does."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import httpx

from pmf_api.domain.workflow import Role
from tests.api.builders import structure
from tests.api.conftest import TokenFactory
from tests.api.test_status import YEAR, _one_person_team, _recycling, _validated  # noqa: F401

BASE = "https://pmf.example.gov.uk"  # Web.Contents' first argument: a fixed text
RELATIVE_PATH = "api/v1/feeds/kpi-values"


def web_contents(
    app_client: httpx.AsyncClient, relative_path: str, query: dict[str, str], headers: dict[str, str]
) -> Any:
    """Web.Contents(BASE, [RelativePath = ..., Query = ...]): the URL is the base, the path and the query."""
    return app_client.get(f"{BASE}/{relative_path}", params=query, headers=headers)


async def power_query(
    client: httpx.AsyncClient, headers: dict[str, str], range_start: datetime, range_end: datetime
) -> list[dict[str, str]]:
    filters = {
        "range_start": range_start.date().isoformat(),
        "range_end": (range_end.date() - timedelta(days=1)).isoformat(),
        "format": "csv",
        "limit": "5",  # small pages, so the test follows several (the README's M asks for 10000)
    }
    rows: list[dict[str, str]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = filters if cursor is None else {**filters, "cursor": cursor}
        response = await web_contents(client, RELATIVE_PATH, query, headers)
        assert response.status_code == 200, response.text
        rows += list(csv.DictReader(io.StringIO(response.text)))  # Table.PromoteHeaders(Csv.Document(...))
        pages += 1
        link = response.headers.get("link")
        if link is None:
            break
        cursor = link[link.index("cursor=") + len("cursor=") : link.index(">")]  # Text.BetweenDelimiters
    assert pages == -(-len(rows) // 5) or len(rows) == 0
    # InRange = Table.SelectRows(Typed, each [period_end] >= RangeStart and [period_end] < RangeEnd)
    return [row for row in rows if range_start <= datetime.fromisoformat(row["period_end"]) < range_end]


async def test_the_readmes_power_query_reads_each_partition_once(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    kpi = await _recycling(client, h, await structure(client, h))
    await _validated(client, h, kpi["id"], f"{YEAR} P4", {"numerator": 7, "denominator": 10})
    # The M sends the key as ?api_key= (Web.Contents cannot set a header on a scheduled refresh).
    # TODO(at merge): send it as the query parameter once the api_key middleware is in.
    key = await client.post("/api/v1/api-keys", json={"name": "Power BI", "role": "viewer"}, headers=h)
    assert key.status_code == 201, key.text
    headers = {"X-API-Key": key.json()["key"]}

    # Two monthly partitions of 2025/26's first half, as incremental refresh asks for them.
    first = await power_query(client, headers, datetime(2025, 4, 1), datetime(2025, 7, 1))
    second = await power_query(client, headers, datetime(2025, 7, 1), datetime(2025, 10, 1))

    assert [row["period"] for row in first] == [f"{YEAR} P1", f"{YEAR} P2", f"{YEAR} P3"]
    assert [row["period"] for row in second] == [f"{YEAR} P4", f"{YEAR} P5", f"{YEAR} P6"]
    assert [row["value"] for row in first + second] == ["90", "50", "40", "70", "", ""]
    assert [row["rag"] for row in first + second] == ["green", "green", "red", "green", "missing", "missing"]
    # The whole window, one partition after another, pages of 5: every row once.
    everything = await power_query(client, headers, datetime(2023, 1, 1), datetime(2027, 1, 1))
    assert len(everything) == 36 == len({row["period"] for row in everything})
