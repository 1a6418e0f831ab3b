"""Quarterly action updates through HTTP (seed 001_ec6bae7b38cacc6f.txt, "Corporate Plan Actions"; seed
000_a1d4643dc9bd64fe.txt, Do / Enable / Influence): an update whose RAG contradicts its progress is
stored flagged, returned for more, resubmitted and accepted by someone else; the summary keeps Do,
Enable and Influence apart; milestones show when late; bad input is a 4xx pointing at the field.

"Today" is the real date (the ``AsOf`` dependency), so quarters are taken relative to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.periods import Frequency, period_of
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, post, structure
from tests.api.conftest import Org, TokenFactory
from tests.api.test_plans import audit_actions

UPDATES = "/api/v1/action-updates"
TODAY = datetime.now(UTC).date()
LAST = period_of(TODAY, Frequency.QUARTERLY).previous()  # ended: its update is due
NEXT = period_of(TODAY, Frequency.QUARTERLY).next()  # not started


def _etag(record: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{record["id"][:8]}-{record["version"]}"'}


async def _action(
    client: httpx.AsyncClient, h: dict[str, str], s: Structure, code: str, role: str = "do", **extra: Any
) -> dict[str, Any]:
    body = {
        "code": code,
        "title": f"Action {code}",
        "delivery_role": role,
        "status": "in_progress",
        "service_id": s.service_id,
        "owner_id": s.owner_id,
        # A third of the way through at the last quarter's end: 0% done is far behind
        "start_date": (LAST.start_date() - timedelta(days=90)).isoformat(),
        "due_date": (LAST.end_date() + timedelta(days=365)).isoformat(),
        **extra,
    }
    return await post(client, "/api/v1/actions", body, h)


def _update(action: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "action_id": action["id"],
        "financial_year": str(LAST.financial_year),
        "quarter": LAST.index,
        "progress_percent": 40,
        "rag": "green",
        "commentary": "On track.",
        "impact": "Households served.",
        **extra,
    }


async def _move(
    client: httpx.AsyncClient, update: dict[str, Any], h: dict[str, str], to: str, comment: str | None = None
) -> httpx.Response:
    body = {"to": to} if comment is None else {"to": to, "comment": comment}
    return await client.post(f"{UPDATES}/{update['id']}/transition", json=body, headers=h)


async def test_a_contradicting_update_is_flagged_returned_resubmitted_and_accepted(
    client: httpx.AsyncClient, auth: TokenFactory, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    team = auth(subject="perf.lead@example.gov.uk")
    s = await structure(client, team)
    action = await _action(client, team, s, "CPA-01")
    owner = auth(Role.KPI_OWNER, person_id=s.owner_id, subject="ola@example.gov.uk")

    # The owner says green at 0% done, a third of the way through: stored, and flagged (not refused).
    r = await client.post(UPDATES, json=_update(action, progress_percent=0, rag="green"), headers=owner)
    assert r.status_code == 201, r.text
    update = r.json()
    assert r.headers["Location"].endswith(f"{UPDATES}/{update['id']}")
    assert (update["state"], update["flagged"], update["rag_consistent"], update["rag_suggested"]) == (
        "submitted",
        True,
        False,
        "red",
    )
    assert "behind" in update["rag_reason"]
    assert update["submitted_by"] == "ola@example.gov.uk"

    flagged = (await client.get(UPDATES, params={"flagged": "true"}, headers=team)).json()["items"]
    assert [u["id"] for u in flagged] == [update["id"]]
    assert (await client.get(UPDATES, params={"flagged": "false"}, headers=team)).json()["items"] == []

    # The owner cannot accept their own (not their role); returning needs a comment.
    assert (await _move(client, update, owner, "accepted")).status_code == 403
    r = await _move(client, update, team, "returned")
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/comment", r.text
    r = await _move(client, update, team, "returned", "Green at 0% done: explain, or change the RAG.")
    assert r.status_code == 200, r.text
    returned = r.json()
    assert returned["state"] == "returned" and returned["review_comment"].startswith("Green at 0%")
    assert returned["reviewed_by"] == "perf.lead@example.gov.uk"

    # The owner corrects the update (the check runs again) and resubmits it.
    r = await client.patch(
        f"{UPDATES}/{update['id']}",
        json={"progress_percent": 35, "rag": "green", "commentary": "Caught up over the summer."},
        headers={**owner, **_etag(returned)},
    )
    assert r.status_code == 200, r.text
    corrected = r.json()
    assert (corrected["flagged"], corrected["rag_consistent"], corrected["state"]) == (False, True, "returned")
    r = await _move(client, corrected, owner, "resubmitted")
    assert r.status_code == 200 and r.json()["state"] == "resubmitted", r.text

    # Four-eyes: a team member who resubmitted it does not accept it; someone else does.
    r = await client.patch(f"{UPDATES}/{update['id']}", json={"impact": "Fewer missed bins."}, headers=team)
    assert r.status_code == 200 and r.json()["submitted_by"] == "perf.lead@example.gov.uk", r.text
    r = await _move(client, update, team, "accepted")
    assert r.status_code == 403 and r.json()["type"].endswith("/four-eyes"), r.text
    checker = auth(subject="perf.checker@example.gov.uk")
    r = await _move(client, update, checker, "accepted")
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text

    # An accepted update is the quarter's record: no more changes or moves.
    r = await client.patch(f"{UPDATES}/{update['id']}", json={"commentary": "Late edit"}, headers=team)
    assert r.status_code == 409, r.text
    assert (await _move(client, update, checker, "returned", "again")).status_code == 409

    read = (await client.get(f"{UPDATES}/{update['id']}", headers=owner)).json()
    assert (read["state"], read["commentary"], read["version"]) == ("accepted", "Caught up over the summer.", 6)

    actions = [entry.action for entry in await audit_actions(connection_sessionmaker, update["id"])]
    assert actions == ["create", "transition", "update", "transition", "update", "transition"]


async def test_the_summary_reports_do_enable_and_influence_apart(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s = await structure(client, team)
    do = await _action(client, team, s, "DO-1", "do")
    await _action(client, team, s, "DO-2", "do")  # no update: missing
    # Not due an update, so neither counted nor missing: finished, or not started by the quarter's end
    await _action(client, team, s, "DO-3", "do", status="completed")
    await _action(client, team, s, "DO-4", "do", start_date=NEXT.start_date().isoformat())
    enable = await _action(client, team, s, "EN-1", "enable")
    await post(client, UPDATES, _update(do, progress_percent=0, rag="green"), team)  # flagged
    await post(client, UPDATES, _update(enable, rag="amber"), team)

    params = {"financial_year": str(LAST.financial_year), "quarter": LAST.index, "service_id": s.service_id}
    r = await client.get(f"{UPDATES}/summary", params=params, headers=auth(Role.VIEWER))
    assert r.status_code == 200, r.text
    summary = r.json()
    roles = {row["delivery_role"]: row for row in summary["by_delivery_role"]}
    assert list(roles) == ["do", "enable", "influence"]
    assert {k: roles["do"][k] for k in ("actions", "green", "missing", "flagged", "awaiting_acceptance")} == {
        "actions": 2,
        "green": 1,
        "missing": 1,
        "flagged": 1,
        "awaiting_acceptance": 1,
    }
    assert (roles["enable"]["amber"], roles["enable"]["missing"], roles["enable"]["flagged"]) == (1, 0, 1)
    assert roles["influence"]["actions"] == 0
    assert (summary["total"]["actions"], summary["total"]["missing"], summary["total"]["red"]) == (3, 1, 0)

    # Filters by directorate agree; another quarter has every action missing.
    by_directorate = {**params, "directorate_id": s.directorate_id}
    del by_directorate["service_id"]
    assert (await client.get(f"{UPDATES}/summary", params=by_directorate, headers=team)).json()["total"] == summary[
        "total"
    ]
    earlier = {**params, "quarter": LAST.previous().index, "financial_year": str(LAST.previous().financial_year)}
    assert (await client.get(f"{UPDATES}/summary", params=earlier, headers=team)).json()["total"]["missing"] == 3

    listed = await client.get(UPDATES, params={"action_id": enable["id"], "quarter": LAST.index}, headers=team)
    assert [u["rag"] for u in listed.json()["items"]] == ["amber"]
    for filters, expected in (
        ({"service_id": s.service_id}, 2),
        ({"service_id": s.other_service_id}, 0),
        ({"directorate_id": s.directorate_id, "state": "submitted"}, 2),
        ({"state": "accepted"}, 0),
        # Amber at 40% when a third is expected is flagged too: the check suggests green.
        ({"flagged": "true", "financial_year": str(LAST.financial_year)}, 2),
    ):
        r = await client.get(UPDATES, params=filters, headers=team)
        assert r.status_code == 200 and len(r.json()["items"]) == expected, (filters, r.text)
    r = await client.get(f"{UPDATES}/summary", params={**params, "quarter": 5}, headers=team)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "query:quarter", r.text


async def test_milestones_have_states_and_a_late_one_shows(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s = await structure(client, team)
    past, future = TODAY - timedelta(days=10), TODAY + timedelta(days=30)
    action = await _action(
        client,
        team,
        s,
        "MS-1",
        milestones=[
            {"title": "Done", "due_date": past.isoformat(), "completed_on": (past - timedelta(days=2)).isoformat()},
            {"title": "Slipped", "due_date": past.isoformat()},
            {"title": "Coming", "due_date": future.isoformat()},
        ],
    )
    r = await client.get(f"/api/v1/actions/{action['id']}/milestones", headers=auth(Role.VIEWER))
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["late"] == 1 and shown["as_of"] == TODAY.isoformat()
    assert [(m["title"], m["state"], m["late"]) for m in shown["milestones"]] == [
        ("Done", "completed", False),
        ("Slipped", "not_started", True),
        ("Coming", "not_started", False),
    ]

    # An update for this quarter carries its milestones' states (as given) and lateness as of today.
    this = period_of(TODAY, Frequency.QUARTERLY)
    body = _update(
        action,
        financial_year=str(this.financial_year),
        quarter=this.index,
        milestones=[
            {"title": "Slipped", "due_date": past.isoformat(), "state": "in_progress"},
            {"title": "Coming", "due_date": future.isoformat(), "state": "in_progress"},
        ],
    )
    update = await post(client, UPDATES, body, team)
    assert update["late_milestones"] == 1
    assert [(m["state"], m["late"]) for m in update["milestones"]] == [("in_progress", True), ("in_progress", False)]

    # A milestone said completed without a date is pointed at.
    r = await client.patch(
        f"{UPDATES}/{update['id']}",
        json={"milestones": [{"title": "Slipped", "due_date": past.isoformat(), "state": "completed"}]},
        headers=team,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/milestones/0/completed_on", r.text
    assert (await client.get(f"/api/v1/actions/{s.owner_id}/milestones", headers=team)).status_code == 404


async def test_bad_input_is_a_clear_4xx_and_nothing_is_written(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    team = auth()
    s = await structure(client, team)
    action = await _action(client, team, s, "BAD-1")

    async def refused(body: dict[str, Any], headers: dict[str, str] = team) -> tuple[int, str]:
        r = await client.post(UPDATES, json=body, headers=headers)
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        return r.status_code, (problem.get("errors") or [{"pointer": "#"}])[0]["pointer"]

    not_started = _update(action, financial_year=str(NEXT.financial_year), quarter=NEXT.index)
    assert await refused(not_started) == (422, "#/quarter")
    assert await refused(_update(action, progress_percent=101)) == (422, "#/progress_percent")
    assert await refused(_update(action, progress_percent=-1)) == (422, "#/progress_percent")
    assert await refused(_update(action, quarter=0)) == (422, "#/quarter")
    assert await refused(_update(action, rag="missing")) == (422, "#/rag")
    assert await refused(_update(action, financial_year="2026-27")) == (422, "#/financial_year")
    assert await refused(_update(action, commentary="")) == (422, "#/commentary")
    assert await refused(_update({"id": s.owner_id})) == (422, "#/action_id")

    # Another council's action is unknown here, and its people cannot update ours.
    elsewhere = auth(organisation=other_org)
    other = await structure(client, elsewhere)
    theirs = await _action(client, elsewhere, other, "THEIRS")
    assert await refused(_update(theirs)) == (422, "#/action_id")
    assert (await refused(_update(action), elsewhere))[0] == 422

    # Someone neither the owner nor over the service may not update it.
    stranger = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.other_service_id)
    assert (await refused(_update(action), stranger))[0] == 403

    assert (await client.get(UPDATES, params={"action_id": action["id"]}, headers=team)).json()["items"] == []

    # One update per action per quarter.
    await post(client, UPDATES, _update(action), team)
    assert (await client.post(UPDATES, json=_update(action), headers=team)).status_code == 409


def test_quarters_are_relative_to_today() -> None:
    """The module's quarters are what the tests assume: the last has ended, the next not begun."""
    assert LAST.end_date() < TODAY < NEXT.start_date()
    assert isinstance(TODAY, date)


async def test_owners_are_reminded_of_updates_due_and_returned(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s = await structure(client, team)
    due = await _action(client, team, s, "REM-1")
    done = await _action(client, team, s, "REM-2", status="completed")  # closed: nothing to chase
    late_starter = await _action(
        client, team, s, "REM-3", start_date=NEXT.start_date().isoformat(), due_date=NEXT.end_date().isoformat()
    )
    owner = auth(Role.KPI_OWNER, person_id=s.owner_id, subject="ola@example.gov.uk")

    async def mine(kind: str) -> list[tuple[str, str]]:
        r = await client.get("/api/v1/me/reminders", params={"kind": kind}, headers=owner)
        assert r.status_code == 200, r.text
        return [(item["title"].split()[0], item["link"]) for item in r.json()["items"]]

    assert await mine("action_update_due") == [("REM-1", f"/api/v1/actions/{due['id']}")]
    assert done["status"] == "completed" and late_starter["start_date"] > TODAY.isoformat()

    update = await post(client, UPDATES, _update(due, progress_percent=0), owner)
    assert await mine("action_update_due") == []
    assert await mine("action_update_returned") == []
    r = await _move(client, update, team, "returned", "Say what slipped.")
    assert r.status_code == 200, r.text
    assert await mine("action_update_returned") == [("REM-1", f"{UPDATES}/{update['id']}")]
    r = await _move(client, update, owner, "resubmitted")
    assert r.status_code == 200, r.text
    assert await mine("action_update_returned") == []
