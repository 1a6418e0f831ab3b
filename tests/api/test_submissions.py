"""The monthly cycle through HTTP: enter, submit, query, answer, validate, publish, revise."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

PERIOD = "2025/26 P6"


async def _kpi(client: httpx.AsyncClient, auth: TokenFactory, **kw: Any) -> tuple[Structure, dict[str, Any]]:
    h = auth()
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s, **kw), h)
    await approved_target(
        client,
        h,
        auth(Role.DIRECTOR),
        {
            "kpi_id": kpi["id"],
            "financial_year": "2025/26",
            "target_type": "maintain",
            "annual_target": 50,
            "tolerance": {"kind": "intervention_level", "value": 45},
        },
    )
    return s, kpi


def _url(kpi: dict[str, Any], period: str = PERIOD) -> str:
    return f"/api/v1/kpis/{kpi['id']}/submissions/{period}"


async def test_owner_enters_then_submits_with_etag(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s, kpi = await _kpi(client, auth)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    r = await client.put(_url(kpi), json={"numerator": 40, "denominator": 100}, headers=owner)
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["state"] == "draft" and draft["value"] == 40
    assert "submitted" in draft["allowed_transitions"]
    # Red (40 < 45) with no comment: flagged, not blocked.
    assert ("missing_comment", "commentary") in {(f["code"], f["field"]) for f in draft["flags"]}
    # A change without If-Match could overwrite someone else's: refused, nothing changed.
    r = await client.put(_url(kpi), json={"numerator": 41, "denominator": 100}, headers=owner)
    assert r.status_code == 412
    r = await client.put(
        _url(kpi),
        json={"numerator": 48, "denominator": 100, "commentary": "Recovering after the summer.", "submit": True},
        headers={
            **owner,
            "If-Match": r.headers.get("ETag") or (await client.get(_url(kpi), headers=owner)).headers["ETag"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "submitted" and r.json()["value"] == 48
    assert r.json()["submitted_by"] == "kpi_owner@example.gov.uk"
    # The owner's stale ETag from the draft cannot be replayed.
    r = await client.put(
        _url(kpi), json={"numerator": 1, "denominator": 2}, headers={**owner, "If-Match": f'"{draft["id"][:8]}-1"'}
    )
    assert r.status_code in {409, 412}
    assert (await client.get(_url(kpi), headers=owner)).json()["value"] == 48


async def test_two_people_saving_at_once_one_gets_412(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s, kpi = await _kpi(client, auth)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    backup = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.backup_id)
    r = await client.put(_url(kpi), json={"numerator": 40, "denominator": 100}, headers=owner)
    etag = r.headers["ETag"]
    first = await client.put(_url(kpi), json={"numerator": 46, "denominator": 100}, headers={**owner, "If-Match": etag})
    second = await client.put(
        _url(kpi), json={"numerator": 47, "denominator": 100}, headers={**backup, "If-Match": etag}
    )
    assert (first.status_code, second.status_code) == (200, 412)
    assert (await client.get(_url(kpi), headers=owner)).json()["value"] == 46


async def test_who_may_enter_values(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s, kpi = await _kpi(client, auth)
    body = {"numerator": 40, "denominator": 100}
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id)
    assert (await client.put(_url(kpi), json=body, headers=manager)).status_code == 403
    assert (await client.put(_url(kpi), json=body, headers=auth(Role.VIEWER))).status_code == 403
    assert (await client.put(_url(kpi), json=body, headers=auth())).status_code == 201


async def test_other_organisation_sees_nothing(client: httpx.AsyncClient, auth: TokenFactory, other_org: Org) -> None:
    _, kpi = await _kpi(client, auth)
    created = (await client.put(_url(kpi), json={"numerator": 1, "denominator": 2}, headers=auth())).json()
    stranger = auth(organisation=other_org)
    assert (await client.get(_url(kpi), headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/submissions/{created['id']}", headers=stranger)).status_code == 404
    assert (await client.get("/api/v1/submissions", headers=stranger)).json()["items"] == []


@pytest.mark.parametrize(
    ("period", "body", "pointer"),
    [
        # The period is the path's: refused by the spec's pattern or by the KPI's rules, it is named as such.
        ("2099/00 P1", {"numerator": 1, "denominator": 2}, "path:period"),
        ("2026/27 P12", {"numerator": 1, "denominator": 2}, "path:period"),
        ("2025/26 Q2", {"numerator": 1, "denominator": 2}, "path:period"),
        ("2025/27 P1", {"numerator": 1, "denominator": 2}, "path:period"),
        ("P13", {"numerator": 1, "denominator": 2}, "path:period"),
        (PERIOD, {"value": 40}, "#/value"),
        (PERIOD, {"numerator": 4}, "#/denominator"),
        (PERIOD, {"numerator": 4, "denominator": -1}, "#/denominator"),
        (PERIOD, {"numerator": "4,5", "denominator": 10}, "#/numerator"),
        (PERIOD, {"numerator": 4, "denominator": 10, "mood": "good"}, "#/mood"),
        (PERIOD, {"submit": True}, "#/numerator"),
    ],
)
async def test_bad_submissions_are_422_and_write_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, period: str, body: dict[str, Any], pointer: str
) -> None:
    _, kpi = await _kpi(client, auth)
    r = await client.put(_url(kpi, period), json=body, headers=auth())
    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]], r.json()
    assert (await client.get("/api/v1/submissions", params={"kpi_id": kpi["id"]}, headers=auth())).json()["items"] == []


async def test_query_answer_validate_publish_and_revise(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s, kpi = await _kpi(client, auth)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    team = auth(subject="perf.officer@example.gov.uk")
    r = await client.put(
        _url(kpi), json={"numerator": 30, "denominator": 100, "commentary": "Low", "submit": True}, headers=owner
    )
    submission = r.json()
    move = f"/api/v1/submissions/{submission['id']}/transition"
    # Only the performance team validates; the owner is told who may.
    r = await client.post(move, json={"to": "validated"}, headers=owner)
    assert r.status_code == 403 and "performance" in r.json()["detail"]
    # A query needs a message.
    r = await client.post(move, json={"to": "queried"}, headers=team)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/message"
    r = await client.post(
        move, json={"to": "queried", "message": "30% is far below August: please check."}, headers=team
    )
    assert r.json()["state"] == "queried"
    # The owner corrects the value and answers while resubmitting.
    r = await client.put(
        _url(kpi),
        json={"numerator": 49, "denominator": 100, "commentary": "Typo: 49 not 30."},
        headers={**owner, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200 and r.json()["state"] == "queried"
    r = await client.post(
        move, json={"to": "resubmitted", "message": "Corrected from the system report."}, headers=owner
    )
    assert r.json()["state"] == "resubmitted"
    thread = (await client.get(f"/api/v1/submissions/{submission['id']}/messages", headers=owner)).json()["items"]
    assert [(m["kind"], m["author_subject"]) for m in thread] == [
        ("query", "perf.officer@example.gov.uk"),
        ("answer", "kpi_owner@example.gov.uk"),
    ]
    assert (await client.post(move, json={"to": "published"}, headers=team)).status_code == 409
    assert (await client.post(move, json={"to": "validated"}, headers=team)).json()["validated_by"] == (
        "perf.officer@example.gov.uk"
    )
    published = await client.post(move, json={"to": "published"}, headers=team)
    assert published.json()["state"] == "published" and published.json()["published_at"]
    # A published value is changed only through a revision with a reason.
    r = await client.put(
        _url(kpi), json={"numerator": 50, "denominator": 100}, headers={**team, "If-Match": published.headers["ETag"]}
    )
    assert r.status_code == 409
    revisions = f"/api/v1/submissions/{submission['id']}/revisions"
    assert (await client.post(revisions, json={"reason": ""}, headers=team)).status_code == 422
    r = await client.post(revisions, json={"reason": "Contractor re-issued the tonnages."}, headers=team)
    assert r.json()["state"] == "draft" and r.json()["revision"] == 2
    r = await client.put(
        _url(kpi),
        json={"numerator": 51, "denominator": 100, "commentary": "Re-issued figures.", "submit": True},
        headers={**team, "If-Match": r.headers["ETag"]},
    )
    # The officer entered the revision, so a colleague checks it (four-eyes).
    assert (await client.post(move, json={"to": "validated"}, headers=team)).status_code == 403
    colleague = auth(subject="perf.manager@example.gov.uk")
    for to in ("validated", "published"):
        r = await client.post(move, json={"to": to}, headers=colleague)
        assert r.status_code == 200, r.text
    publications = (await client.get(f"/api/v1/submissions/{submission['id']}/publications", headers=team)).json()[
        "items"
    ]
    assert [(p["revision"], p["value"], p["reason"]) for p in publications] == [
        (1, 49, None),
        (2, 51, "Contractor re-issued the tonnages."),
    ]
    audit = (await client.get("/api/v1/audit", params={"entity_id": submission["id"]}, headers=team)).json()["items"]
    assert {"create", "update", "transition", "revise", "message"} <= {a["action"] for a in audit}


async def test_list_filters(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s, kpi = await _kpi(client, auth)
    h = auth()
    for period in ("2025/26 P4", "2025/26 P5", "2025/26 P6"):
        await client.put(_url(kpi, period), json={"numerator": 1, "denominator": 2, "submit": True}, headers=h)
    r = await client.get("/api/v1/submissions", params={"service_id": s.service_id, "limit": 2}, headers=h)
    assert [x["period"] for x in r.json()["items"]] == ["2025/26 P6", "2025/26 P5"]
    assert r.headers["Link"]
    r = await client.get("/api/v1/submissions", params={"owner_id": s.owner_id, "period": "2025/26 P4"}, headers=h)
    assert [x["period"] for x in r.json()["items"]] == ["2025/26 P4"]
    r = await client.get("/api/v1/submissions", params={"state": "published"}, headers=h)
    assert r.json()["items"] == []


async def test_resaving_the_same_ratio_changes_nothing(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    _, kpi = await _kpi(client, auth)
    h = auth()
    first = await client.put(_url(kpi), json={"numerator": 1, "denominator": 3, "commentary": "A third"}, headers=h)
    assert first.json()["value"] == 33.333333
    again = await client.put(
        _url(kpi),
        json={"numerator": 1, "denominator": 3, "commentary": "A third"},
        headers={**h, "If-Match": first.headers["ETag"]},
    )
    assert again.status_code == 200
    assert again.json()["version"] == first.json()["version"]
    audit = (await client.get("/api/v1/audit", params={"entity_id": first.json()["id"]}, headers=h)).json()
    assert [a["action"] for a in audit["items"]] == ["create"]


async def test_a_month_with_nothing_to_count_is_accepted(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    # No major planning applications this month: 0 of 0 is a value to record, not an error.
    _, kpi = await _kpi(client, auth)
    r = await client.put(
        _url(kpi, "2025/26 P1"),
        json={"numerator": 0, "denominator": 0, "commentary": "No applications", "owner_forecast": 90, "submit": True},
        headers=auth(),
    )
    assert r.status_code == 201, r.text
    assert r.json()["value"] is None and r.json()["state"] == "submitted"
