"""KPI Intervention Forms through HTTP alone (seed 001_ec6bae7b38cacc6f.txt, Appendix F; issue 11, section 1).

The walk: a KPI Red for three months, status recommends an intervention, the form is opened, an
approval out of turn is refused, three people approve it in order within their scope, three months of
progress show the published values, closing is refused until the KPI recovers, then accepted, and
status shows no open form. The other tests take the bad input of the issue one at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.periods import Period, period_of
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import TokenFactory

# Periods relative to today: the latest month that has ended is what status and closing look at.
LATEST = period_of(datetime.now(UTC).date()).previous()
OPENED = LATEST.shift(-4)
RED = [OPENED.shift(-2), OPENED.shift(-1), OPENED]
PROGRESS = [OPENED.shift(1), OPENED.shift(2), OPENED.shift(3)]


def etag(form: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{form["id"][:8]}-{form["version"]}"'}


async def kpi_with_targets(
    client: httpx.AsyncClient, team: dict[str, str], auth: TokenFactory
) -> tuple[Structure, dict[str, Any]]:
    """A monthly percentage KPI (higher is better) with a target of 50 and an intervention level of 45
    in every year the walk touches."""
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), team)
    director = auth(Role.DIRECTOR, subject="target.approver@example.gov.uk")
    for year in sorted({str(p.financial_year) for p in [*RED, *PROGRESS, LATEST]}):
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
    return s, kpi


async def publish(
    client: httpx.AsyncClient, team: dict[str, str], kpi: dict[str, Any], values: dict[Period, int]
) -> None:
    """Values pushed by an integration's API key, validated and published by the performance team."""
    key = (await post(client, "/api/v1/api-keys", {"name": "Waste system feed", "role": "performance"}, team))["key"]
    lines = ["kpi_code,period,numerator,denominator,commentary"]
    lines += [
        f"{kpi['code']},{period},{value},100,Monthly feed from the waste system" for period, value in values.items()
    ]
    pushed = await client.post(
        "/api/v1/submissions/bulk",
        params={"submit": "true"},
        content="\n".join(lines).encode(),
        headers={"X-API-Key": key, "Content-Type": "text/csv"},
    )
    assert pushed.status_code == 200, pushed.text
    for row in pushed.json()["rows"]:
        assert row["outcome"] == "created", row
        for to in ("validated", "published"):
            moved = await client.post(
                f"/api/v1/submissions/{row['submission_id']}/transition", json={"to": to}, headers=team
            )
            assert moved.status_code == 200, moved.text


async def move(
    client: httpx.AsyncClient, headers: dict[str, str], form: dict[str, Any], to: str, status: int = 200, **body: Any
) -> dict[str, Any]:
    r = await client.post(f"/api/v1/interventions/{form['id']}/transition", json={"to": to, **body}, headers=headers)
    assert r.status_code == status, r.text
    result: dict[str, Any] = r.json()
    return result


def approvers(auth: TokenFactory, s: Structure) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The Head of Service, Director and Portfolio Holder over the KPI's service, directorate, portfolio."""
    return (
        auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="hos@example.gov.uk"),
        auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=s.directorate_id, subject="dir@example.gov.uk"),
        auth(Role.PORTFOLIO_HOLDER, scope=ScopeType.PORTFOLIO, scope_id=s.portfolio_id, subject="cllr@example.gov.uk"),
    )


async def test_a_red_kpi_through_its_intervention_to_recovery(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s, kpi = await kpi_with_targets(client, team, auth)
    await publish(client, team, kpi, dict.fromkeys(RED, 40))

    status = await client.get(f"/api/v1/kpis/{kpi['id']}/status", params={"period": str(OPENED)}, headers=team)
    assert status.status_code == 200, status.text
    assert status.json()["rag"] == "red" and status.json()["needs_intervention"] is True
    assert status.json()["open_intervention"] is None

    # Opened from the escalation rule: the form keeps the month, holders, target, tolerance and actual.
    opened = await client.post("/api/v1/interventions", json={"kpi_id": kpi["id"], "period": str(OPENED)}, headers=team)
    assert opened.status_code == 201, opened.text
    form = opened.json()
    assert opened.headers["ETag"] == f'"{form["id"][:8]}-{form["version"]}"'
    assert (form["state"], form["basis"], form["period"], form["kpi_code"]) == (
        "draft",
        "escalation",
        str(OPENED),
        kpi["code"],
    )
    assert (form["target"], form["intervention_level"], form["actual"], form["rag"]) == (50, 45, 40, "red")
    assert form["kpi_holder_name"] == "Ola Owner" and form["opening_reasons"]
    assert [row["period"] for row in form["progress"]] == [str(p) for p in PROGRESS]
    assert form["awaiting"] is None and form["days_open"] == 0

    # Status, the scorecard and the review know it is open.
    status = (await client.get(f"/api/v1/kpis/{kpi['id']}/status", params={"period": str(OPENED)}, headers=team)).json()
    assert status["open_intervention"]["id"] == form["id"] and status["open_intervention"]["state"] == "draft"
    assert status["review_category"] == "exception"
    assert any("Intervention Form is open" in reason for reason in status["escalation"]["review_reasons"])
    assert status["escalation"]["may_close"] is False
    card = await client.get(
        "/api/v1/scorecard", params={"period": str(OPENED), "service_id": s.service_id}, headers=team
    )
    assert card.json()["items"][0]["open_intervention"]["id"] == form["id"]

    # A form is submitted with its cause and steps.
    await move(client, team, form, "submitted", status=409)
    filled = await client.patch(
        f"/api/v1/interventions/{form['id']}",
        json={"cause": "Contamination rejected loads at the MRF", "steps": "Crew training and a leaflet drop"},
        headers={**team, **etag(form)},
    )
    assert filled.status_code == 200, filled.text
    form = await move(client, team, filled.json(), "submitted")
    assert form["awaiting"] == "head_of_service"

    hos, director, cllr = approvers(auth, s)
    # Out of turn: the Director and the Portfolio Holder before the Head of Service.
    refused = await client.post(
        f"/api/v1/interventions/{form['id']}/transition", json={"to": "director_approved"}, headers=director
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/transition-not-allowed")
    await move(client, cllr, form, "approved", status=409)

    form = await move(client, hos, form, "head_of_service_approved")
    form = await move(client, director, form, "director_approved")
    form = await move(client, cllr, form, "approved")
    assert form["state"] == "approved" and form["awaiting"] is None
    approvals = {a["approval"]: a for a in form["approvals"]}
    assert [approvals[a]["subject"] for a in ("head_of_service", "director", "portfolio_holder")] == [
        "hos@example.gov.uk",
        "dir@example.gov.uk",
        "cllr@example.gov.uk",
    ]
    assert all(a["name"] and a["approved_at"] for a in form["approvals"])

    # Three months of progress: target and actual come from the published values.
    await publish(client, team, kpi, dict(zip(PROGRESS, (44, 47, 52), strict=True)))
    for period, further in zip(PROGRESS, (True, True, False), strict=True):
        saved = await client.put(
            f"/api/v1/interventions/{form['id']}/progress/{period}",
            json={"note": f"Progress in {period}", "further_intervention_required": further},
            headers={**team, **etag(form)},
        )
        assert saved.status_code == 200, saved.text
        form = saved.json()
    rows = [
        (r["period"], r["target"], r["actual"], r["published"], r["further_intervention_required"])
        for r in form["progress"]
    ]
    assert rows == [
        (str(PROGRESS[0]), 50, 44, True, True),
        (str(PROGRESS[1]), 50, 47, True, True),
        (str(PROGRESS[2]), 50, 52, True, False),
    ]

    # Not yet recovered in the latest month (no value yet): closing on recovery is refused, saying why.
    close = f"/api/v1/interventions/{form['id']}/close"
    refused = await client.post(close, json={"outcome": "recovered"}, headers=team)
    assert refused.status_code == 409, refused.text
    assert "not back within tolerance" in refused.json()["detail"]

    await publish(client, team, kpi, {LATEST: 53})
    closed = await client.post(close, json={"outcome": "recovered"}, headers=team)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["state"], closed.json()["outcome"], closed.json()["is_open"]) == (
        "closed",
        "recovered",
        False,
    )

    status = (await client.get(f"/api/v1/kpis/{kpi['id']}/status", headers=team)).json()
    assert status["open_intervention"] is None and status["escalation"]["may_close"] is None
    listed = await client.get("/api/v1/interventions", params={"kpi_id": kpi["id"]}, headers=team)
    assert listed.json()["items"] == []
    listed = await client.get("/api/v1/interventions", params={"kpi_id": kpi["id"], "open": "false"}, headers=team)
    assert [item["id"] for item in listed.json()["items"]] == [form["id"]]
    trail = await client.get("/api/v1/audit", params={"entity_id": form["id"]}, headers=team)
    assert trail.status_code == 200, trail.text
    assert {"create", "transition", "progress", "close"} <= {entry["action"] for entry in trail.json()["items"]}


async def test_opening_needs_the_rule_or_a_reason_and_one_form_at_a_time(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    s, kpi = await kpi_with_targets(client, team, auth)
    await publish(client, team, kpi, {OPENED: 44})  # Red once: a temporary lapse by the rule
    body = {"kpi_id": kpi["id"], "period": str(OPENED)}
    refused = await client.post("/api/v1/interventions", json=body, headers=team)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["pointer"] == "#/reason"

    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    forbidden = await client.post("/api/v1/interventions", json={**body, "reason": "Judged serious"}, headers=owner)
    assert forbidden.status_code == 403, forbidden.text

    judged = await client.post("/api/v1/interventions", json={**body, "reason": "Complaints doubled"}, headers=team)
    assert judged.status_code == 201, judged.text
    assert judged.json()["basis"] == "judgement" and judged.json()["opening_reason"] == "Complaints doubled"
    again = await client.post("/api/v1/interventions", json={**body, "reason": "Again"}, headers=team)
    assert again.status_code == 409, again.text

    unknown = await client.post("/api/v1/interventions", json={**body, "kpi_id": s.owner_id}, headers=team)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "#/kpi_id"
    # Withdrawn with a reason: then none is open, and the KPI can have a new one.
    form = judged.json()
    withdraw = f"/api/v1/interventions/{form['id']}/close"
    no_reason = await client.post(withdraw, json={"outcome": "withdrawn"}, headers=team)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["pointer"] == "#/reason"
    withdrawn = await client.post(withdraw, json={"outcome": "withdrawn", "reason": "A temporary lapse"}, headers=team)
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    future = await client.post(
        "/api/v1/interventions", json={**body, "period": str(LATEST.shift(3)), "reason": "Not yet"}, headers=team
    )
    assert future.status_code == 422 and future.json()["errors"][0]["pointer"] == "#/period", future.text
    status = (await client.get(f"/api/v1/kpis/{kpi['id']}/status", params={"period": str(OPENED)}, headers=team)).json()
    assert status["open_intervention"] is None
    reopened = await client.post("/api/v1/interventions", json={**body, "reason": "Worse again"}, headers=team)
    assert reopened.status_code == 201, reopened.text


async def test_approvals_refuse_out_of_scope_own_work_and_send_back_restarts(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    s, kpi = await kpi_with_targets(client, team, auth)
    # A Head of Service with the performance role opens the form: four-eyes keeps them from approving it.
    both = auth(
        Role.SERVICE_MANAGER,
        scope=ScopeType.SERVICE,
        scope_id=s.service_id,
        subject="both@example.gov.uk",
        also=(Role.PERFORMANCE,),
    )
    opened = await client.post(
        "/api/v1/interventions",
        json={
            "kpi_id": kpi["id"],
            "period": str(OPENED),
            "reason": "Judged serious",
            "cause": "c" * 5,
            "steps": "s" * 5,
        },
        headers=both,
    )
    assert opened.status_code == 201, opened.text
    form = await move(client, team, opened.json(), "submitted")

    own = await client.post(
        f"/api/v1/interventions/{form['id']}/transition", json={"to": "head_of_service_approved"}, headers=both
    )
    assert own.status_code == 403 and own.json()["type"].endswith("/four-eyes"), own.text
    elsewhere = auth(
        Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.other_service_id, subject="other@example.gov.uk"
    )
    await move(client, elsewhere, form, "head_of_service_approved", status=403)

    hos, director, _ = approvers(auth, s)
    stale = await client.post(
        f"/api/v1/interventions/{form['id']}/transition",
        json={"to": "head_of_service_approved"},
        headers={**hos, "If-Match": f'"{form["id"][:8]}-{form["version"] - 1}"'},
    )
    assert stale.status_code == 412, stale.text
    form = await move(client, hos, form, "head_of_service_approved")
    # The Head of Service does not approve again as Director, even holding the role.
    hos_director = auth(Role.DIRECTOR, subject="hos@example.gov.uk")
    await move(client, hos_director, form, "director_approved", status=403)

    no_comment = await client.post(
        f"/api/v1/interventions/{form['id']}/transition", json={"to": "draft"}, headers=director
    )
    assert no_comment.status_code == 422 and no_comment.json()["errors"][0]["pointer"] == "#/comment"
    form = await move(client, director, form, "draft", comment="Name the contractor and the dates")
    assert form["state"] == "draft" and form["sent_back_comment"] == "Name the contractor and the dates"
    assert all(a["subject"] is None for a in form["approvals"])  # the approvals start again

    # Cause and steps change while a draft; not once submitted.
    form = await move(client, team, form, "submitted")
    locked = await client.patch(f"/api/v1/interventions/{form['id']}", json={"cause": "Other"}, headers=team)
    assert locked.status_code == 409, locked.text

    # The portal's list: by directorate, portfolio, stage and age.
    h = team
    listed = await client.get(
        "/api/v1/interventions",
        params={
            "directorate_id": s.directorate_id,
            "portfolio_id": s.portfolio_id,
            "stage": "submitted",
            "max_days_open": 0,
        },
        headers=h,
    )
    assert listed.status_code == 200, listed.text
    assert [(i["id"], i["awaiting"]) for i in listed.json()["items"]] == [(form["id"], "head_of_service")]
    older = await client.get(
        "/api/v1/interventions", params={"directorate_id": s.directorate_id, "min_days_open": 1}, headers=h
    )
    assert older.json()["items"] == []
    other_stage = await client.get(
        "/api/v1/interventions", params={"directorate_id": s.directorate_id, "stage": "approved"}, headers=h
    )
    assert other_stage.json()["items"] == []

    # Progress: only for a period after opening.
    before = await client.put(f"/api/v1/interventions/{form['id']}/progress/{OPENED}", json={"note": "x"}, headers=team)
    assert before.status_code == 422 and before.json()["errors"][0]["pointer"] == "path:period", before.text


async def test_another_council_sees_no_form(client: httpx.AsyncClient, auth: TokenFactory, other_org: Any) -> None:
    team = auth()
    _, kpi = await kpi_with_targets(client, team, auth)
    opened = await client.post(
        "/api/v1/interventions", json={"kpi_id": kpi["id"], "period": str(OPENED), "reason": "Judged"}, headers=team
    )
    stranger = auth(organisation=other_org)
    assert (await client.get(f"/api/v1/interventions/{opened.json()['id']}", headers=stranger)).status_code == 404
    assert (await client.get("/api/v1/interventions", headers=stranger)).json()["items"] == []


async def test_the_list_refuses_bad_ages_and_dates_as_input_errors(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    earliest = await client.get(
        "/api/v1/interventions", params={"as_of": "0001-01-01", "min_days_open": 5, "max_days_open": 9}, headers=team
    )
    assert earliest.status_code == 200 and earliest.json()["items"] == [], earliest.text
    for params in ({"as_of": "0"}, {"min_days_open": -1}, {"stage": "nowhere"}, {"sort": "kpi_code"}):
        refused = await client.get("/api/v1/interventions", params=params, headers=team)
        assert refused.status_code == 422, (params, refused.text)
