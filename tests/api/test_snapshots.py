"""As-reported snapshots and the report document through HTTP (issue 13, sections 1, 3 and 4).

The walk: a KPI with values through the last ended quarter is frozen; its report shows the
figures as reported; a value of the quarter is then revised with a reason and republished; the
scorecard shows the new figure while the snapshot and its report stay exactly as they were.
The other tests take the issue's bad input one at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from pmf_api.domain.periods import Frequency, Period, period_of
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

TODAY = datetime.now(UTC).date()
QUARTER = period_of(TODAY, Frequency.QUARTERLY).previous()  # the last quarter that has ended
MONTHS = list(QUARTER.months())
HISTORY = [MONTHS[0].shift(-back) for back in range(6, 0, -1)] + MONTHS  # nine months up to the quarter's end


async def kpi_with_values(
    client: httpx.AsyncClient, team: dict[str, str], auth: TokenFactory, values: dict[Period, int]
) -> tuple[Structure, dict[str, Any]]:
    """A monthly percentage KPI (target 50, intervention level 45) with ``values`` published."""
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, code="WAS-" + s.service_id[:4].upper()), team)
    director = auth(Role.DIRECTOR, subject="target.approver@example.gov.uk")
    for year in sorted({str(p.financial_year) for p in values}):
        await approved_target(
            client,
            team,
            director,
            {
                "kpi_id": kpi["id"],
                "financial_year": year,
                "target_type": "maintain",
                "annual_target": 50,
                "tolerance": {"kind": "intervention_level", "value": 45},
            },
        )
    for period, value in values.items():
        url = f"/api/v1/kpis/{kpi['id']}/submissions/{period}"
        body = {"numerator": value, "denominator": 100, "commentary": f"{period}: as the contractor reported"}
        saved = await client.put(url, json={**body, "submit": True}, headers=team)
        assert saved.status_code in (200, 201), saved.text
        for to in ("validated", "published"):
            moved = await client.post(
                f"/api/v1/submissions/{saved.json()['id']}/transition",
                json={"to": to},
                headers=auth(subject="validator@example.gov.uk"),
            )
            assert moved.status_code == 200, moved.text
    return s, kpi


async def freeze(client: httpx.AsyncClient, team: dict[str, str], period: Period | str) -> httpx.Response:
    return await client.post("/api/v1/snapshots", json={"period": str(period)}, headers=team)


async def report(client: httpx.AsyncClient, headers: dict[str, str], snapshot_id: str, **params: str) -> Any:
    r = await client.get(f"/api/v1/snapshots/{snapshot_id}/report", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_frozen_quarter_is_reported_as_it_was_after_a_value_is_revised(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    values = {period: 40 + index for index, period in enumerate(HISTORY)}  # 40 .. 48, improving every month
    s, kpi = await kpi_with_values(client, team, auth, values)

    frozen = await freeze(client, team, QUARTER)
    assert frozen.status_code == 201, frozen.text
    snapshot = frozen.json()
    assert (snapshot["period"], snapshot["frequency"]) == (str(QUARTER), "quarterly")
    assert snapshot["frozen_by"] == "tester@example.gov.uk" and len(snapshot["content_hash"]) == 64
    [item] = [k for k in snapshot["content"]["kpis"] if k["status"]["kpi_id"] == kpi["id"]]
    assert item["status"]["period"] == str(MONTHS[-1]) and item["status"]["value"] == 48
    assert [point["value"] for point in item["history"]] == [float(v) for v in values.values()]

    # Everyone in the council reads it; the list shows it.
    viewer = auth(Role.VIEWER)
    listed = await client.get("/api/v1/snapshots", headers=viewer)
    assert listed.status_code == 200 and [x["id"] for x in listed.json()["items"]] == [snapshot["id"]]
    assert "content" not in listed.json()["items"][0]

    document = await report(client, viewer, snapshot["id"], kind="quarterly_report")
    assert document["title"] == f"Corporate Performance Report: Q{QUARTER.index} {QUARTER.financial_year}"
    assert document["scope"] == "Whole council" and document["council"] == "NORTHDALE District Council"
    [shown] = [k for k in document["priorities"][0]["outcomes"][0]["kpis"] if k["kpi_id"] == kpi["id"]]
    assert (shown["value"], shown["target"], shown["rag"]) == ("48.0%", "50.0%", "amber")
    assert shown["rag_text"] == "Amber: below target, within tolerance"
    assert shown["commentary"] == f"{MONTHS[-1]}: as the contractor reported"
    assert shown["directorate"] == "Place" and shown["owner"] == "Ola Owner" and shown["service"] == "Waste"
    assert shown["chart_alt"].startswith(
        f"Trend of {kpi['code']} over 9 months from {HISTORY[0]} to {MONTHS[-1]}: "
        "latest 48.0% against a target of 50.0%"
    )
    assert f"{kpi['code']} has improved for 8 months in a row." in document["highlights"]
    assert document["counts_by_directorate"][0] == {
        "label": "Place",
        "green": 0,
        "amber": 1,
        "red": 0,
        "missing": 0,
        "not_rated": 0,
    }
    assert [c["label"] for c in document["action_counts"]] == ["Do", "Enable", "Influence"]
    assert document["restatements"] == [] and document["finance"] == []
    # The same snapshot and filter give the same document.
    assert await report(client, viewer, snapshot["id"], kind="quarterly_report") == document
    clinic = await report(client, team, snapshot["id"], kind="quarterly_report", directorate_id=s.directorate_id)
    assert clinic["scope"] == "Directorate: Place" and clinic["priorities"]

    # The quarter's last month is revised with a reason and republished: 30, now Red.
    published = (await client.get(f"/api/v1/kpis/{kpi['id']}/submissions/{MONTHS[-1]}", headers=team)).json()
    revised = await client.post(
        f"/api/v1/submissions/{published['id']}/revisions", json={"reason": "Source system corrected"}, headers=team
    )
    assert revised.status_code == 200, revised.text
    saved = await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{MONTHS[-1]}",
        json={"numerator": 30, "denominator": 100, "commentary": "Corrected", "submit": True},
        headers={**team, "If-Match": revised.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.text
    colleague = auth(subject="perf.manager@example.gov.uk")
    for to in ("validated", "published"):
        moved = await client.post(
            f"/api/v1/submissions/{published['id']}/transition", json={"to": to}, headers=colleague
        )
        assert moved.status_code == 200, moved.text
    now = await client.get(f"/api/v1/kpis/{kpi['id']}/status", params={"period": str(MONTHS[-1])}, headers=team)
    assert (now.json()["value"], now.json()["rag"]) == (30, "red")

    again = await client.get(f"/api/v1/snapshots/{snapshot['id']}", headers=viewer)
    assert again.status_code == 200
    assert again.json() == snapshot
    assert await report(client, viewer, snapshot["id"], kind="quarterly_report") == document


async def test_bad_freezes_and_reads(client: httpx.AsyncClient, auth: TokenFactory, other_org: Org) -> None:
    team = auth()
    await kpi_with_values(client, team, auth, {MONTHS[-1]: 55})

    # A period that has not ended, a year, and nonsense: 422 at the period.
    current = period_of(TODAY, Frequency.QUARTERLY)
    for period in (str(current), str(period_of(TODAY)), str(QUARTER.financial_year), "2026/27 Q9"):
        r = await freeze(client, team, period)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["pointer"] == "#/period", r.text
    assert "has not ended" in (await freeze(client, team, current)).json()["errors"][0]["detail"]

    # Only the performance team freezes.
    assert (await freeze(client, auth(Role.DIRECTOR), QUARTER)).status_code == 403

    month = await freeze(client, team, MONTHS[-1])
    assert month.status_code == 201, month.text
    again = await freeze(client, team, MONTHS[-1])
    assert again.status_code == 409 and "frozen already" in again.json()["detail"]

    # A quarterly report needs a quarter; the board pack is the month's.
    r = await client.get(
        f"/api/v1/snapshots/{month.json()['id']}/report", params={"kind": "quarterly_report"}, headers=team
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "query:kind", r.text
    pack = await report(client, team, month.json()["id"], kind="board_pack")
    assert await report(client, team, month.json()["id"]) == pack  # a month's report is its board pack
    assert (
        pack["kind"] == "board_pack"
        and pack["title"] == f"Board performance pack: P{MONTHS[-1].index} {QUARTER.financial_year}"
    )
    assert [k["rag"] for k in pack["priorities"][0]["outcomes"][0]["kpis"]] == ["green"]
    assert pack["missing_values"] == [] and pack["needing_intervention"] == []
    r = await client.get(
        f"/api/v1/snapshots/{month.json()['id']}/report",
        params={"kind": "board_pack", "directorate_id": "00000000-0000-4000-8000-000000000000"},
        headers=team,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "query:directorate_id", r.text

    # Another council's snapshot is not there for them.
    stranger = auth(organisation=other_org)
    for path in ("", "/report?kind=board_pack"):
        r = await client.get(f"/api/v1/snapshots/{month.json()['id']}{path}", headers=stranger)
        assert r.status_code == 404, r.text
    assert (await client.get("/api/v1/snapshots", headers=stranger)).json()["items"] == []
    listed = await client.get("/api/v1/snapshots", params={"frequency": "quarterly"}, headers=team)
    assert listed.json()["items"] == []
