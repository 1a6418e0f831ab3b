"""A report job's parameters are checked when it is asked for, as the requester sees the data: another
council's snapshot is 404, a period, report kind or directorate that does not fit is 422 at
`#/parameters/...`, never a job that fails later; one person's job is never handed to another."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.domain.workflow import Role
from pmf_api.reporting.jobs import runner
from tests.api.conftest import Org, TokenFactory
from tests.api.test_report_walk import JOBS, MONTHS, Q2
from tests.api.test_snapshots import kpi_with_values
from tests.conftest import Backend


def pointer(response: httpx.Response, status: int) -> str | None:
    """The first error's pointer of a problem+json answer of ``status`` (None when it has no errors)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json().get("errors") or [{"pointer": None}]
    found: str | None = errors[0]["pointer"]
    return found


async def test_report_jobs_are_checked_when_asked_for(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    team = auth()
    await kpi_with_values(client, team, auth, {period: 50 for period in MONTHS[:6]})
    quarter = (await client.post("/api/v1/snapshots", json={"period": str(Q2)}, headers=team)).json()
    month = (await client.post("/api/v1/snapshots", json={"period": str(MONTHS[4])}, headers=team)).json()

    async def ask(headers: dict[str, str], **parameters: str) -> httpx.Response:
        return await client.post(JOBS, json={"kind": "report", "parameters": parameters}, headers=headers)

    theirs = auth(organisation=other_org)
    assert pointer(await ask(theirs, snapshot_id=quarter["id"]), 404) is None
    assert pointer(await ask(team, period="2025/26 Q1"), 404) is None  # not frozen
    assert pointer(await ask(team, period="the second quarter"), 422) == "#/parameters/period"
    assert pointer(await ask(team, period=str(Q2), directorate="Nowhere"), 422) == "#/parameters/directorate"
    unknown = "00000000-0000-4000-8000-000000000000"
    assert pointer(await ask(team, period=str(Q2), portfolio_id=unknown), 422) == "#/parameters/portfolio_id"
    monthly = await ask(team, snapshot_id=month["id"], report="quarterly_report")
    assert pointer(monthly, 422) == "#/parameters/report"
    both = await ask(team, period=str(Q2), directorate="Place", directorate_id=unknown)
    assert pointer(both, 422) == "#/parameters"

    # Asked two ways, one report: the parameters are kept in canonical form.
    first = await ask(team, period=str(Q2), directorate="place")
    assert first.status_code == 202, first.text
    assert first.json()["parameters"]["snapshot_id"] == quarter["id"]
    assert first.json()["parameters"]["report"] == "quarterly_report"
    directorate_id = first.json()["parameters"]["directorate_id"]
    same = await ask(team, snapshot_id=quarter["id"], directorate_id=directorate_id)
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]

    # A viewer asking the same gets a job of their own, which they may read.
    viewer = auth(Role.VIEWER, subject="councillor@example.gov.uk")
    theirs_too = await ask(viewer, period=str(Q2), directorate="place")
    assert theirs_too.status_code == 202 and theirs_too.json()["id"] != first.json()["id"]
    assert (await client.get(f"{JOBS}/{theirs_too.json()['id']}", headers=viewer)).status_code == 200


async def test_a_freeze_job_of_a_frozen_period_fails_saying_so(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    team = auth()
    await kpi_with_values(client, team, auth, {period: 50 for period in MONTHS[:6]})
    asked = await client.post(JOBS, json={"kind": "snapshot", "parameters": {"period": str(Q2)}}, headers=team)
    assert asked.status_code == 202, asked.text
    assert (
        await client.post(JOBS, json={"kind": "snapshot", "parameters": {"period": str(Q2)}}, headers=team)
    ).status_code == 202
    assert await runner.drain(connection_sessionmaker, backend.settings) == 2
    jobs = (await client.get(JOBS, headers=team)).json()["items"]
    assert sorted(job["state"] for job in jobs) == ["failed", "succeeded"]
    [failed] = [job for job in jobs if job["state"] == "failed"]
    assert "has been frozen already" in failed["error"]
    snapshots = (await client.get("/api/v1/snapshots", headers=team)).json()["items"]
    assert [s["period"] for s in snapshots] == [str(Q2)]
    # A viewer may not freeze, through a job either.
    viewer = auth(Role.VIEWER, subject="councillor@example.gov.uk")
    refused = await client.post(
        JOBS, json={"kind": "snapshot", "parameters": {"period": str(MONTHS[4])}}, headers=viewer
    )
    assert refused.status_code == 403, refused.text
