"""A quarter of delivery and assurance walks through HTTP alone (issue 12, "Done means"), on SQLite and
PostgreSQL: action updates are submitted (one whose RAG contradicts its progress is flagged and sent back),
a risk is reviewed on its cycle and another escalated, a scrutiny challenge on a risk is raised, answered
and accepted, a contextual measure's new annual value shows its direction with its outcome, a service plan
goes draft -> quality review -> strategic review -> approved -> published and then refuses an edit, and a
person's objective is linked to an action.

Seeds: 001_ec6bae7b38cacc6f.txt (Corporate Plan Actions, Appendix D, Overview and Scrutiny), 003 and
004 (the risk register and its review cycle), 000 (Do / Enable / Influence, contextual measures).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pmf_api.access.actor import ScopeType
from pmf_api.domain.periods import Frequency, period_of
from pmf_api.domain.risk import add_months
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, post, structure
from tests.api.conftest import TokenFactory

TODAY = datetime.now(UTC).date()
LAST_QUARTER = period_of(TODAY, Frequency.QUARTERLY).previous()  # ended: its updates are due
THIS_YEAR = period_of(TODAY, Frequency.QUARTERLY).financial_year


def etag(record: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{record["id"][:8]}-{record["version"]}"'}


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def outcome(client: httpx.AsyncClient, team: dict[str, str]) -> dict[str, Any]:
    plan = await post(
        client, "/api/v1/corporate-plans", {"title": "Council Plan", "start_year": 2023, "end_year": 2028}, team
    )
    priority = await post(
        client, "/api/v1/priorities", {"corporate_plan_id": plan["id"], "code": "P1", "title": "A greener place"}, team
    )
    return await post(
        client, "/api/v1/outcomes", {"priority_id": priority["id"], "code": "P1.1", "title": "Less waste"}, team
    )


async def action(
    client: httpx.AsyncClient, team: dict[str, str], s: Structure, code: str, role: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "code": code,
        "title": f"Action {code}",
        "delivery_role": role,
        "status": "in_progress",
        "service_id": s.service_id,
        "owner_id": s.owner_id,
        # a third of the way through by the end of the last quarter
        "start_date": (LAST_QUARTER.start_date() - timedelta(days=90)).isoformat(),
        "due_date": (LAST_QUARTER.end_date() + timedelta(days=365)).isoformat(),
        **extra,
    }
    return await post(client, "/api/v1/actions", body, team)


async def test_a_quarter_of_delivery_and_assurance(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth(subject="perf.lead@example.gov.uk")
    checker = auth(subject="perf.checker@example.gov.uk")
    s = await structure(client, team)
    less_waste = await outcome(client, team)
    owner = auth(Role.KPI_OWNER, person_id=s.owner_id, subject="ola@example.gov.uk")
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id, subject="sam@example.gov.uk")
    director = auth(Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=s.directorate_id, subject="dee@example.gov.uk")
    councillor = auth(Role.VIEWER, subject="cllr.green@example.gov.uk")

    # 1. Quarterly action updates: one says Green at 0% done a third of the way through, so it is stored
    #    flagged and the performance team sends it back; the owner corrects and resubmits; someone other
    #    than the submitter accepts. The summary keeps Do and Enable apart.
    food_waste = await action(client, team, s, "CPA-1", "do", outcome_id=less_waste["id"])
    partners = await action(client, team, s, "CPA-2", "enable", outcome_id=less_waste["id"])
    quarter = {"financial_year": str(LAST_QUARTER.financial_year), "quarter": LAST_QUARTER.index}
    flagged = await ok(
        await client.post(
            "/api/v1/action-updates",
            json={
                **quarter,
                "action_id": food_waste["id"],
                "progress_percent": 0,
                "rag": "green",
                "commentary": "All fine.",
                "impact": "None yet.",
            },
            headers=owner,
        ),
        201,
    )
    assert (flagged["flagged"], flagged["rag_suggested"]) == (True, "red")
    steady = await ok(
        await client.post(
            "/api/v1/action-updates",
            json={
                **quarter,
                "action_id": partners["id"],
                "progress_percent": 40,
                "rag": "green",
                "commentary": "Partners signed up.",
                "impact": "Three housing associations recycle.",
            },
            headers=owner,
        ),
        201,
    )
    assert steady["flagged"] is False
    moved = await ok(
        await client.post(
            f"/api/v1/action-updates/{flagged['id']}/transition",
            json={"to": "returned", "comment": "Green at 0% done: explain, or change the RAG."},
            headers=team,
        )
    )
    corrected = await ok(
        await client.patch(
            f"/api/v1/action-updates/{flagged['id']}",
            json={"progress_percent": 5, "rag": "red", "commentary": "The caddies arrive late: recovery plan agreed."},
            headers={**owner, **etag(moved)},
        )
    )
    assert corrected["flagged"] is False
    await ok(
        await client.post(
            f"/api/v1/action-updates/{flagged['id']}/transition", json={"to": "resubmitted"}, headers=owner
        )
    )
    for update in (flagged, steady):
        accepted = await ok(
            await client.post(
                f"/api/v1/action-updates/{update['id']}/transition", json={"to": "accepted"}, headers=checker
            )
        )
        assert accepted["state"] == "accepted"
    summary = await ok(
        await client.get(
            "/api/v1/action-updates/summary", params={**quarter, "service_id": s.service_id}, headers=councillor
        )
    )
    by_role = {row["delivery_role"]: row for row in summary["by_delivery_role"]}
    assert (by_role["do"]["red"], by_role["do"]["green"]) == (1, 0)
    assert (by_role["enable"]["red"], by_role["enable"]["green"]) == (0, 1)

    # 2. The risk register: a Red risk identified four months ago is overdue for its quarterly review
    #    (seed 004); its review moves the next date on; another risk is escalated to the strategic register.
    identified = TODAY - timedelta(days=120)
    contract = await post(
        client,
        "/api/v1/risks",
        {
            "code": "OR-1",
            "title": "Waste contract fails",
            "cause": "Contractor finances",
            "event": "Collections stop",
            "effect": "Missed bins",
            "owner_id": s.owner_id,
            "service_id": s.service_id,
            "identified_on": identified.isoformat(),
            "inherent_likelihood": 5,
            "inherent_impact": 4,
            "residual_likelihood": 4,
            "residual_impact": 4,
            "mitigations": [{"description": "Step-in plan", "action_id": food_waste["id"]}],
            "outcome_ids": [less_waste["id"]],
        },
        manager,
    )
    overdue = await ok(await client.get("/api/v1/risks/reviews-overdue", headers=team))
    assert [r["code"] for r in overdue["items"]] == ["OR-1"]
    review = await ok(
        await client.post(
            f"/api/v1/risks/{contract['id']}/reviews",
            json={
                "reviewed_on": TODAY.isoformat(),
                "residual_likelihood": 3,
                "residual_impact": 4,
                "commentary": "Step-in plan agreed with the contractor",
            },
            headers=manager,
        ),
        201,
    )
    assert (review["trend"], review["rag"]) == ("down", "amber")
    assert review["next_review_due"] == add_months(TODAY, 6).isoformat()
    assert (await ok(await client.get("/api/v1/risks/reviews-overdue", headers=team)))["items"] == []
    fleet = await post(
        client,
        "/api/v1/risks",
        {
            "code": "OR-2",
            "title": "Fleet replacement delayed",
            "cause": "Supply chain",
            "event": "Old vehicles fail",
            "effect": "Rounds missed",
            "owner_id": s.owner_id,
            "service_id": s.service_id,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 3,
            "residual_impact": 3,
        },
        manager,
    )
    escalated = await ok(
        await client.post(
            f"/api/v1/risks/{fleet['id']}/escalate", json={"reason": "Affects every service"}, headers=manager
        )
    )
    assert escalated["register"] == "strategic"
    strategic = await ok(await client.get("/api/v1/risks", params={"register": "strategic"}, headers=councillor))
    assert [r["code"] for r in strategic["items"]] == ["OR-2"]

    # 3. Scrutiny: a councillor challenges the contract risk; the officer answers; the councillor accepts.
    raised = await ok(
        await client.post(
            "/api/v1/scrutiny-challenges",
            json={
                "title": "Is the waste contract safe?",
                "panel": "Overview and Scrutiny Committee",
                "member_name": "Cllr Pat Green",
                "meeting": "Quarterly performance",
                "meeting_date": TODAY.isoformat(),
                "subject_type": "risk",
                "subject_id": contract["id"],
                "questions": [
                    {
                        "text": "What happens if the contractor fails?",
                        "assigned_to_id": s.owner_id,
                        "due_on": (TODAY + timedelta(days=14)).isoformat(),
                    }
                ],
            },
            headers=councillor,
        ),
        201,
    )
    question = raised["questions"][0]
    officer = auth(Role.KPI_OWNER, person_id=s.owner_id, subject="ola@example.gov.uk")
    path = f"/api/v1/scrutiny-challenges/{raised['id']}/questions/{question['id']}"
    answered = await ok(
        await client.post(
            f"{path}/answer", json={"answer": "The step-in plan starts within 48 hours."}, headers=officer
        )
    )
    assert answered["state"] == "answered"
    closed = await ok(await client.post(f"{path}/accept", json={"comment": "Thank you."}, headers=councillor))
    assert closed["state"] == "closed"
    in_quarter = await ok(
        await client.get(
            "/api/v1/scrutiny-challenges",
            params={"subject_type": "risk", "subject_id": contract["id"]},
            headers=councillor,
        )
    )
    assert [c["id"] for c in in_quarter["items"]] == [raised["id"]]

    # 4. A contextual measure (no target, no RAG) gets this year's annual value, judged by its direction
    #    against the preferred direction, and shows with its outcome.
    measure = await post(
        client,
        "/api/v1/contextual-measures",
        {
            "code": "CM-1",
            "title": "Household waste per head (kg)",
            "unit": "number",
            "preferred_direction": "lower_is_better",
            "decimal_places": 0,
            "outcome_id": less_waste["id"],
        },
        team,
    )
    values = f"/api/v1/contextual-measures/{measure['id']}/values"
    last_year = THIS_YEAR.previous()
    year_before = last_year.previous()
    published_on = TODAY.isoformat()
    await ok(
        await client.post(
            values,
            json={"period": str(year_before), "value": 410, "source": "DEFRA", "published_on": published_on},
            headers=team,
        ),
        201,
    )
    newest = await ok(
        await client.post(
            values,
            json={"period": str(last_year), "value": 395, "source": "DEFRA", "published_on": published_on},
            headers=team,
        ),
        201,
    )
    assert newest["direction"]["against_previous"] == "improving"
    shown = await ok(await client.get(f"/api/v1/outcomes/{less_waste['id']}/contextual-measures", headers=councillor))
    [with_outcome] = shown["items"]
    assert with_outcome["latest"]["value"] == 395
    assert with_outcome["latest"]["direction"]["against_previous"] == "improving"

    # 5. The service plan walks its reviews and is then frozen.
    plan = await post(
        client,
        "/api/v1/service-plans",
        {
            "service_id": s.service_id,
            "financial_year": str(THIS_YEAR),
            "summary": "Food waste collections",
            "core_information": {"purpose": "Keep the district clean", "services": ["Household waste collection"]},
        },
        manager,
    )
    for to, headers, comment in (
        ("quality_review", manager, "Ready for the quality review"),
        ("strategic_review", team, "Quality checked"),
        ("approved", director, "Approved by CLT"),
        ("published", team, None),
    ):
        body = {"to": to} if comment is None else {"to": to, "comment": comment}
        moved_plan = await ok(
            await client.post(f"/api/v1/service-plans/{plan['id']}/transition", json=body, headers=headers)
        )
        assert moved_plan["status"] == to
    refused = await client.patch(f"/api/v1/service-plans/{plan['id']}", json={"summary": "Changed"}, headers=manager)
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    reviews = await ok(await client.get(f"/api/v1/service-plans/{plan['id']}/reviews", headers=councillor))
    assert [r["step"] for r in reviews["items"]] == ["submission", "quality_review", "strategic_review", "publication"]

    # 6. A person's objective is the thread's last link: tied to the food waste action, seen by the
    #    person and their manager, not by a colleague.
    worker = await post(
        client,
        "/api/v1/people",
        {"name": "Wren Worker", "email": f"w{uuid.uuid4().hex[:6]}@example.gov.uk", "service_id": s.service_id},
        team,
    )
    line_manager = await post(
        client, "/api/v1/people", {"name": "Max Manager", "email": f"m{uuid.uuid4().hex[:6]}@example.gov.uk"}, team
    )
    boss = auth(
        Role.SERVICE_MANAGER,
        scope=ScopeType.SERVICE,
        scope_id=s.service_id,
        person_id=line_manager["id"],
        subject=line_manager["email"],
    )
    objective = await post(
        client,
        "/api/v1/objectives",
        {
            "person_id": worker["id"],
            "manager_id": line_manager["id"],
            "financial_year": str(THIS_YEAR),
            "action_id": food_waste["id"],
            "title": "Deliver caddies on my rounds",
            "success_measure": "Every household on rounds 4-9 has a caddy",
        },
        boss,
    )
    assert objective["action_id"] == food_waste["id"]
    own = auth(Role.VIEWER, person_id=worker["id"], subject=worker["email"])
    assert (await ok(await client.get(f"/api/v1/objectives/{objective['id']}", headers=own)))["title"] == objective[
        "title"
    ]
    colleague = auth(Role.VIEWER, person_id=s.backup_id, subject="bo@example.gov.uk")
    assert (await client.get(f"/api/v1/objectives/{objective['id']}", headers=colleague)).status_code == 404
