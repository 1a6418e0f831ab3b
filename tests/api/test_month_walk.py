"""A month of the cycle, through HTTP alone (seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1).

An integration script pushes five months of history as CSV with an API key; the collection window
for September opens; the owners submit; one value is queried, corrected and resubmitted; the
performance team validates and publishes; the scorecard shows the RAG, forecast and escalation.
"""

from __future__ import annotations

from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.builders import approved_target, kpi_body, post, structure
from tests.api.conftest import TokenFactory

YEAR = "2025/26"
SEPTEMBER = "2025/26 P6"


async def _target(
    client: httpx.AsyncClient, h: dict[str, str], approver: dict[str, str], kpi: dict[str, Any], target: int, level: int
) -> None:
    await approved_target(
        client,
        h,
        approver,
        {
            "kpi_id": kpi["id"],
            "financial_year": YEAR,
            "target_type": "maintain",
            "annual_target": target,
            "tolerance": {"kind": "intervention_level", "value": level},
        },
    )


async def _move(
    client: httpx.AsyncClient, h: dict[str, str], submission_id: str, to: str, **body: Any
) -> dict[str, Any]:
    r = await client.post(f"/api/v1/submissions/{submission_id}/transition", json={"to": to, **body}, headers=h)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_a_month_of_the_collection_cycle(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth(subject="perf.officer@example.gov.uk")
    s = await structure(client, team)
    recycling = await post(client, "/api/v1/kpis", kpi_body(s, code="WS01", title="Waste recycled (%)"), team)
    foi = await post(
        client,
        "/api/v1/kpis",
        kpi_body(s, code="CS05", title="FOI answered in time (%)", owner_id=s.backup_id, backup_owner_id=s.owner_id),
        team,
    )
    director = auth(Role.DIRECTOR)
    await _target(client, team, director, recycling, 50, 45)
    await _target(client, team, director, foi, 90, 85)

    # The waste system's integration script pushes April to August with an API key.
    key = (await post(client, "/api/v1/api-keys", {"name": "Line-of-business feed", "role": "performance"}, team))[
        "key"
    ]
    history = {"WS01": [(52, 100), (51, 100), (50, 100), (47, 100), (41, 100)], "CS05": [(93, 100)] * 5}
    lines = ["kpi_code,period,numerator,denominator,commentary"]
    for code, values in history.items():
        lines += [f"{code},{YEAR} P{month},{n},{d},Monthly feed" for month, (n, d) in enumerate(values, start=1)]
    lines.append(f"NOPE,{YEAR} P1,1,2,Unknown KPI")
    pushed = await client.post(
        "/api/v1/submissions/bulk",
        params={"submit": "true"},
        content="\n".join(lines).encode(),
        headers={"X-API-Key": key, "Content-Type": "text/csv"},
    )
    assert pushed.status_code == 200, pushed.text
    report = pushed.json()
    assert report["summary"]["created"] == 10 and report["summary"]["rejected"] == 1
    rejected = [row for row in report["rows"] if row["outcome"] == "rejected"]
    assert rejected[0]["kpi_code"] == "NOPE" and rejected[0]["errors"][0]["pointer"].endswith("/kpi_code")
    for row in report["rows"]:
        if row["outcome"] == "created":
            await _move(client, team, row["submission_id"], "validated")
            await _move(client, team, row["submission_id"], "published")

    # September's window is open in early October: both values are due.
    tasks = await client.get(
        "/api/v1/collection/tasks", params={"period": SEPTEMBER, "as_of": "2025-10-03"}, headers=team
    )
    assert tasks.status_code == 200, tasks.text
    assert {(t["kpi_code"], t["status"]) for t in tasks.json()["items"]} == {("WS01", "due"), ("CS05", "due")}

    # The owners submit.
    waste_owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    foi_owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.backup_id)
    url = "/api/v1/kpis/{id}/submissions/" + SEPTEMBER
    waste = await client.put(
        url.format(id=recycling["id"]),
        json={
            "numerator": 38,
            "denominator": 100,
            "commentary": "Contamination rejected two loads; the MRF contract dispute continues.",
            "owner_forecast": 44,
            "submit": True,
        },
        headers=waste_owner,
    )
    assert waste.status_code == 201, waste.text
    # A Red value needs a commentary before it is submitted (seed 001, E.1; issue 11).
    silent = await client.put(
        url.format(id=foi["id"]),
        json={"numerator": 62, "denominator": 100, "commentary": "", "submit": True},
        headers=foi_owner,
    )
    assert silent.status_code == 422 and silent.json()["errors"][0]["pointer"] == "#/commentary"
    freedom = await client.put(
        url.format(id=foi["id"]),
        json={"numerator": 62, "denominator": 100, "commentary": "A quiet month.", "submit": True},
        headers=foi_owner,
    )
    assert freedom.json()["state"] == "submitted"

    # The team queries the FOI figure; the owner corrects it and answers.
    queried = await _move(
        client, team, freedom.json()["id"], "queried", message="62% is far below the usual 93%: please check."
    )
    corrected = await client.put(
        url.format(id=foi["id"]),
        json={"numerator": 94, "denominator": 100, "commentary": "The report had double-counted late requests."},
        headers={**foi_owner, "If-Match": f'"{queried["id"][:8]}-{queried["version"]}"'},
    )
    assert corrected.status_code == 200, corrected.text
    await _move(client, foi_owner, freedom.json()["id"], "resubmitted", message="Corrected from the case system.")

    # The team validates and publishes both.
    for submission_id in (waste.json()["id"], freedom.json()["id"]):
        await _move(client, team, submission_id, "validated")
        published = await _move(client, team, submission_id, "published")
        assert published["state"] == "published"

    # The scorecard: recycling Red for a second month running needs an intervention; FOI is Green.
    viewer = auth(Role.VIEWER)
    scorecard = await client.get("/api/v1/scorecard", params={"period": SEPTEMBER}, headers=viewer)
    assert scorecard.status_code == 200, scorecard.text
    items = {item["kpi_code"]: item for item in scorecard.json()["items"]}
    waste_status, foi_status = items["WS01"], items["CS05"]
    assert (waste_status["value"], waste_status["rag"], waste_status["needs_intervention"]) == (38, "red", True)
    assert waste_status["direction_against_previous"] == "worsening"
    # Six months in, the run rate of a ratio is the ratio of the sums: 279 / 600 = 46.5%, Amber.
    assert waste_status["forecast"]["method"] == "run_rate"
    assert waste_status["forecast"]["outturn"] == 46.5 and waste_status["forecast_rag"] == "amber"
    assert waste_status["forecast"]["owner_forecast"] == 44
    assert waste_status["escalation"]["reasons"]
    assert (foi_status["value"], foi_status["rag"], foi_status["needs_intervention"]) == (94, "green", False)
    assert foi_status["submission_state"] == "published"
    red_only = await client.get("/api/v1/scorecard", params={"period": SEPTEMBER, "rag": "red"}, headers=viewer)
    assert [item["kpi_code"] for item in red_only.json()["items"]] == ["WS01"]

    # Everything owed for September is in; the thread of the queried value is kept.
    summary = await client.get("/api/v1/collection/summary", params={"period": SEPTEMBER}, headers=team)
    assert summary.json()["total"]["completeness_rate"] == 100
    thread = await client.get(f"/api/v1/submissions/{freedom.json()['id']}/messages", headers=team)
    assert [m["kind"] for m in thread.json()["items"]] == ["query", "answer"]
