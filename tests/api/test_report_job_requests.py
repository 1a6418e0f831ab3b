"""A report job's parameters are checked when it is asked for, as the requester sees the data: another
council's snapshot is 404, a period, report kind or directorate that does not fit is 422 at
`#/parameters/...`, never a job that fails later; one person's job is never handed to another."""

from __future__ import annotations

import httpx

from pmf_api.domain.workflow import Role
from tests.api.conftest import Org, TokenFactory
from tests.api.test_report_walk import JOBS, MONTHS, Q2
from tests.api.test_snapshots import kpi_with_values


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
