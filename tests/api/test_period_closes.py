"""Period close and the restatement log through HTTP (issue 13, item 2): closing a quarter locks its
values; a later change needs the performance team and a revision with a reason, and appears in the
restatement log; closing with values not validated needs a reason and lists them; reopening is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.performance.period_closes.service import restatements_between
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

CLOSES = "/api/v1/period-closes"
Q2 = "2025/26 Q2"
CHECKER = "perf.checker@example.gov.uk"
PUBLISHER = "perf.publisher@example.gov.uk"


def _owner(auth: TokenFactory, s: Structure) -> dict[str, str]:
    return auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)


async def _quarterly(client: httpx.AsyncClient, h: dict[str, str]) -> tuple[Structure, dict[str, Any]]:
    s = await structure(client, h)
    kpi = await post(
        client, "/api/v1/kpis", kpi_body(s, unit="number", aggregation="average", frequency="quarterly"), h
    )
    return s, kpi


async def _move(client: httpx.AsyncClient, submission_id: str, to: str, h: dict[str, str]) -> dict[str, Any]:
    r = await client.post(f"/api/v1/submissions/{submission_id}/transition", json={"to": to}, headers=h)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def _save(
    client: httpx.AsyncClient, kpi: dict[str, Any], period: str, value: float, h: dict[str, str], **headers: str
) -> httpx.Response:
    return await client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{period}",
        json={"value": value, "commentary": "As reported", "submit": True},
        headers={**h, **headers},
    )


async def _published(
    client: httpx.AsyncClient, auth: TokenFactory, kpi: dict[str, Any], period: str, value: float, h: dict[str, str]
) -> dict[str, Any]:
    r = await _save(client, kpi, period, value, h)
    assert r.status_code == 201, r.text
    await _move(client, r.json()["id"], "validated", auth(subject=CHECKER))
    return await _move(client, r.json()["id"], "published", auth(subject=PUBLISHER))


def _problem(r: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["type"].endswith("/" + kind), body
    return body


async def test_a_closed_quarter_is_revised_by_the_performance_team_with_a_reason_and_restated(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    org: Org,
) -> None:
    h = auth()
    s, kpi = await _quarterly(client, h)
    owner = _owner(auth, s)
    submission = await _published(client, auth, kpi, Q2, 45.2, owner)
    before_close = datetime.now(UTC)

    r = await client.post(CLOSES, json={"period": Q2}, headers=h)
    assert r.status_code == 201, r.text
    close = r.json()
    assert close["period"] == Q2 and close["state"] == "closed" and close["unvalidated_at_close"] == []
    assert close["closed_by"] == "tester@example.gov.uk" and close["reopened_at"] is None
    assert (await client.get(f"{CLOSES}/{close['id']}", headers=owner)).json()["id"] == close["id"]
    _problem(await client.post(CLOSES, json={"period": Q2}, headers=h), 409, "conflict")

    # The owner can neither edit nor revise a value of the closed quarter.
    etag = (await client.get(f"/api/v1/submissions/{submission['id']}", headers=owner)).headers["etag"]
    edited = _problem(await _save(client, kpi, Q2, 44.1, owner, **{"If-Match": etag}), 409, "period-closed")
    assert "2025/26 Q2 is closed" in edited["detail"] and "performance team" in edited["detail"]
    revise = f"/api/v1/submissions/{submission['id']}/revisions"
    _problem(await client.post(revise, json={"reason": "Typo"}, headers=owner), 409, "period-closed")
    # Nor may the performance team move a published value but by a revision.
    r = await client.post(revise, json={"reason": "Source system corrected"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "draft" and r.json()["revision"] == 2
    # The revision is the performance team's to carry through: the owner is still refused.
    _problem(await _save(client, kpi, Q2, 44.0, owner, **{"If-Match": r.headers["etag"]}), 409, "period-closed")
    r = await _save(client, kpi, Q2, 44.1, h, **{"If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    await _move(client, submission["id"], "validated", auth(subject=CHECKER))
    await _move(client, submission["id"], "published", auth(subject=PUBLISHER))

    r = await client.get("/api/v1/restatements", headers=owner)
    assert r.status_code == 200, r.text
    [restated] = r.json()["items"]
    assert restated["kpi_id"] == kpi["id"] and restated["kpi_code"] == kpi["code"] and restated["period"] == Q2
    assert Decimal(str(restated["reported_value"])) == Decimal("45.2")
    assert Decimal(str(restated["restated_value"])) == Decimal("44.1")
    assert restated["reason"] == "Source system corrected" and restated["revision"] == 2
    assert restated["close_id"] == close["id"] and restated["restated_by"] == PUBLISHER
    assert (
        datetime.fromisoformat(restated["reported_at"]) < before_close < datetime.fromisoformat(restated["restated_at"])
    )
    # Filters: by KPI, and by when it was restated.
    assert (
        len((await client.get("/api/v1/restatements", params={"kpi_id": s.service_id}, headers=h)).json()["items"]) == 0
    )
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert (await client.get("/api/v1/restatements", params={"since": later}, headers=h)).json()["items"] == []
    assert len((await client.get("/api/v1/restatements", params={"until": later}, headers=h)).json()["items"]) == 1

    # What a report frozen now lists: the service function the snapshot calls.
    async with connection_sessionmaker() as session:
        records = await restatements_between(session, org.id, before_close, datetime.now(UTC))
        assert [(r.kpi_code, r.period, r.reported_value, r.restated_value) for r in records] == [
            (kpi["code"], Q2, Decimal("45.2"), Decimal("44.1"))
        ]
        assert await restatements_between(session, org.id, datetime.now(UTC), datetime.now(UTC)) == []


async def test_closing_with_values_not_validated_needs_a_reason_and_lists_them(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s = await structure(client, h)
    monthly = await post(client, "/api/v1/kpis", kpi_body(s, unit="number", aggregation="average"), h)
    owner = _owner(auth, s)
    # P5 is submitted, P4 is validated, P6 was never entered; the annual KPI's year does not lie within Q2.
    await post(client, "/api/v1/kpis", kpi_body(s, unit="number", aggregation="average", frequency="annual"), h)
    p4 = await _save(client, monthly, "2025/26 P4", 10, owner)
    await _move(client, p4.json()["id"], "validated", auth(subject=CHECKER))
    p5 = await _save(client, monthly, "2025/26 P5", 12, owner)
    assert p5.status_code == 201

    refused = _problem(await client.post(CLOSES, json={"period": Q2}, headers=h), 422, "invalid-input")
    assert [(e["pointer"], e["detail"]) for e in refused["errors"]] == [
        ("#/reason", f"{monthly['code']} 2025/26 P5 is submitted"),
        ("#/reason", f"{monthly['code']} 2025/26 P6 is missing"),
    ]
    assert (await client.get(CLOSES, headers=h)).json()["items"] == []

    reason = "Closed for Cabinet; the P5 figure is still being checked"
    r = await client.post(CLOSES, json={"period": Q2, "reason": reason}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["reason"] == reason
    assert [(u["kpi_id"], u["kpi_code"], u["period"], u["state"]) for u in r.json()["unvalidated_at_close"]] == [
        (monthly["id"], monthly["code"], "2025/26 P5", "submitted"),
        (monthly["id"], monthly["code"], "2025/26 P6", "missing"),
    ]
    # A month of the closed quarter is closed already; another quarter is not.
    _problem(await client.post(CLOSES, json={"period": "2025/26 P5"}, headers=h), 409, "conflict")

    # The owner cannot enter the missing month; the performance team validates and publishes the late P5,
    # which the restatement log lists with the close's reason and nothing reported before.
    _problem(await _save(client, monthly, "2025/26 P6", 11, owner), 409, "period-closed")
    await _move(client, p5.json()["id"], "validated", auth(subject=CHECKER))
    await _move(client, p5.json()["id"], "published", auth(subject=PUBLISHER))
    [late] = (await client.get("/api/v1/restatements", headers=h)).json()["items"]
    assert late["period"] == "2025/26 P5" and late["reported_value"] is None and late["reported_at"] is None
    assert Decimal(str(late["restated_value"])) == 12 and late["reason"] == reason


async def test_a_period_is_closed_by_the_performance_team_once_it_has_ended(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s, _ = await _quarterly(client, h)
    not_ended = _problem(await client.post(CLOSES, json={"period": "2030/31 Q1"}, headers=h), 422, "invalid-input")
    assert not_ended["errors"][0]["pointer"] == "#/period" and "has not ended" in not_ended["errors"][0]["detail"]
    assert (await client.post(CLOSES, json={"period": "Q2"}, headers=h)).status_code == 422
    _problem(await client.post(CLOSES, json={"period": Q2, "reason": "x"}, headers=_owner(auth, s)), 403, "forbidden")
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id)
    _problem(await client.post(CLOSES, json={"period": Q2, "reason": "x"}, headers=manager), 403, "forbidden")


async def test_reopening_is_audited_lifts_the_lock_and_a_new_close_is_a_new_record(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s, kpi = await _quarterly(client, h)
    owner = _owner(auth, s)
    submission = await _published(client, auth, kpi, Q2, 45.2, owner)
    close = (await client.post(CLOSES, json={"period": Q2}, headers=h)).json()
    revise = f"/api/v1/submissions/{submission['id']}/revisions"
    _problem(await client.post(revise, json={"reason": "Typo fixed"}, headers=owner), 409, "period-closed")

    reopen = f"{CLOSES}/{close['id']}/reopen"
    _problem(await client.post(reopen, json={"reason": "Contractor re-issued"}, headers=owner), 403, "forbidden")
    assert (await client.post(reopen, json={}, headers=h)).status_code == 422
    r = await client.post(reopen, json={"reason": "Contractor re-issued the tonnages"}, headers=h)
    assert r.status_code == 200, r.text
    reopened = r.json()
    assert reopened["state"] == "reopened" and reopened["reopen_reason"] == "Contractor re-issued the tonnages"
    assert reopened["reopened_by"] == "tester@example.gov.uk" and reopened["reopened_at"] is not None
    assert reopened["closed_by"] == close["closed_by"] and reopened["closed_at"] == close["closed_at"]
    _problem(await client.post(reopen, json={"reason": "Again"}, headers=h), 409, "conflict")

    audit = await client.get("/api/v1/audit", params={"entity_id": close["id"]}, headers=auth(Role.AUDITOR))
    entries = {e["action"]: e for e in audit.json()["items"]}
    assert set(entries) == {"create", "reopen"}
    assert entries["reopen"]["note"] == "Contractor re-issued the tonnages"

    # The lock is lifted: the owner revises the value, and nothing is restated.
    r = await client.post(revise, json={"reason": "Typo fixed"}, headers=owner)
    assert r.status_code == 200, r.text
    assert (await client.get("/api/v1/restatements", headers=h)).json()["items"] == []

    again = await client.post(CLOSES, json={"period": Q2, "reason": "Closed again with the revision open"}, headers=h)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != close["id"]
    assert again.json()["unvalidated_at_close"][0]["state"] == "draft"
    listed = (await client.get(CLOSES, headers=h)).json()["items"]
    assert [c["id"] for c in listed] == [again.json()["id"], close["id"]]

    events = await client.get("/api/v1/audit", params={"entity_id": again.json()["id"]}, headers=auth(Role.AUDITOR))
    assert [e["action"] for e in events.json()["items"]] == ["create"]


async def test_a_bulk_push_into_a_closed_period_is_refused_at_the_rows_period(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s = await structure(client, h)
    count = await post(client, "/api/v1/kpis", kpi_body(s, unit="count", aggregation="sum"), h)
    assert (await client.post(CLOSES, json={"period": Q2, "reason": "Nothing came in"}, headers=h)).status_code == 201
    rows = [
        {"kpi_code": count["code"], "period": "2025/26 P5", "value": 3},
        {"kpi_code": count["code"], "period": "2025/26 P7", "value": 4},
    ]
    owner = _owner(auth, s)
    for submit in (False, True):  # the batch path and the row-by-row path
        r = await client.post("/api/v1/submissions/bulk", json={"rows": rows, "submit": submit}, headers=owner)
        assert r.status_code == 200, r.text
        first, second = r.json()["rows"]
        assert first["outcome"] == "rejected", first
        assert first["errors"][0]["pointer"] == "#/rows/0/period"
        assert "2025/26 P5 lies within 2025/26 Q2, which is closed" in first["errors"][0]["detail"]
        assert second["outcome"] in {"created", "updated"}
    # The performance team may enter a late value (not yet published) in a closed period.
    r = await client.post("/api/v1/submissions/bulk", json={"rows": rows[:1]}, headers=h)
    assert r.json()["rows"][0]["outcome"] == "created", r.text


async def test_another_council_cannot_see_or_reopen_a_close(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    await _quarterly(client, h)
    close = (await client.post(CLOSES, json={"period": Q2, "reason": "Nothing came in"}, headers=h)).json()
    other = auth(organisation=other_org)
    _problem(await client.get(f"{CLOSES}/{close['id']}", headers=other), 404, "not-found")
    _problem(
        await client.post(f"{CLOSES}/{close['id']}/reopen", json={"reason": "Mine"}, headers=other), 404, "not-found"
    )
    assert (await client.get(CLOSES, headers=other)).json()["items"] == []
    # Its own Q2 is not closed by ours.
    assert (await client.post(CLOSES, json={"period": Q2}, headers=other)).status_code == 201


async def test_a_value_validated_at_the_close_is_not_queried_back_and_edited_without_a_reason(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    """What was validated when the period closed is what was reported: not even the performance team
    queries it back and edits it; it is published as it stands, then revised with a reason."""
    h = auth()
    s, kpi = await _quarterly(client, h)
    owner = _owner(auth, s)
    saved = await _save(client, kpi, Q2, 45.2, owner)
    assert saved.status_code == 201, saved.text
    await _move(client, saved.json()["id"], "validated", auth(subject=CHECKER))
    assert (await client.post(CLOSES, json={"period": Q2}, headers=h)).status_code == 201

    queried = await client.post(
        f"/api/v1/submissions/{saved.json()['id']}/transition", json={"to": "queried", "message": "Check"}, headers=h
    )
    _problem(queried, 409, "period-closed")
    etag = (await client.get(f"/api/v1/submissions/{saved.json()['id']}", headers=h)).headers["etag"]
    _problem(await _save(client, kpi, Q2, 12, h, **{"If-Match": etag}), 409, "period-closed")
    # Publishing it changes nothing of it: the performance team may.
    await _move(client, saved.json()["id"], "published", auth(subject=PUBLISHER))
    [restated] = (await client.get("/api/v1/restatements", headers=h)).json()["items"]
    assert (restated["reported_value"], restated["restated_value"]) == (None, 45.2)
