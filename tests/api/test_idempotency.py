"""Retries of a bulk push under one Idempotency-Key, on the app's own sessions: while the first is
being processed a retry gets 409 "request in progress" with Retry-After (the IETF Idempotency-Key
draft, section 2.6), once it has finished every retry replays its answer, and the values are
written once (issue #8, item 14). Ten concurrent retries on PostgreSQL got one 200 and nine
generic "conflicts with existing data" 409s."""

from __future__ import annotations

import asyncio

from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import Deployed

BULK = "/api/v1/submissions/bulk"
YEARS = [f"{y}/{(y + 1) % 100:02d}" for y in range(2014, 2024)]


async def test_concurrent_retries_wait_for_the_first_then_replay_it(deployed: Deployed) -> None:
    client, h = deployed.client, deployed.h
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)
    # Enough rows that the first push is still being written while its retries arrive.
    rows = [
        {"kpi_code": kpi["code"], "period": f"{year} P{month}", "value": month, "commentary": "From the feed"}
        for year in YEARS
        for month in range(1, 13)
    ]
    headers = {**h, "Idempotency-Key": "feed-2026-11"}

    answers = await asyncio.gather(*(client.post(BULK, json={"rows": rows}, headers=headers) for _ in range(10)))

    first = [a for a in answers if a.status_code == 200 and "Idempotency-Replayed" not in a.headers]
    replayed = [a for a in answers if a.status_code == 200 and a.headers.get("Idempotency-Replayed") == "true"]
    in_progress = [a for a in answers if a.status_code == 409]
    assert len(first) == 1, [(a.status_code, a.text[:200]) for a in answers]
    assert len(first) + len(replayed) + len(in_progress) == 10, [a.status_code for a in answers]
    assert first[0].json()["summary"]["created"] == len(rows)
    for answer in replayed:
        assert answer.json() == first[0].json()
    for answer in in_progress:
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"].endswith("/request-in-progress"), problem
        assert "in progress" in problem["detail"] and int(answer.headers["Retry-After"]) >= 1
        assert problem["errors"][0]["pointer"] == "header:Idempotency-Key"
    if not deployed.settings.is_sqlite:
        # PostgreSQL runs them side by side; SQLite queues writers, so there later ones replay.
        assert in_progress

    for _ in in_progress:  # sent again when Retry-After says: the first has finished
        again = await client.post(BULK, json={"rows": rows}, headers=headers)
        assert again.status_code == 200 and again.headers["Idempotency-Replayed"] == "true"
        assert again.json() == first[0].json()
    listed = await client.get("/api/v1/submissions", params={"kpi_id": kpi["id"], "limit": 500}, headers=h)
    assert len(listed.json()["items"]) == len(rows)
    audit = await client.get("/api/v1/audit", params={"entity_type": "submission", "limit": 500}, headers=h)
    assert len(audit.json()["items"]) == len(rows)
