"""The collection calendar through HTTP and its service: windows, tasks per KPI, completeness and timeliness."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor, Grant
from pmf_api.domain import Frequency, Period, Role, SubmissionState, TaskStatus, collection_window, period_of
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.collection import service as collection_service
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.models import Submission
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

TASKS = "/api/v1/collection/tasks"
SUMMARY = "/api/v1/collection/summary"
PERIODS = "/api/v1/collection/periods"


@dataclass
class Kpis:
    structure: Structure
    waste: dict[str, Any]  # monthly, Waste service, owner and backup
    planning: dict[str, Any]  # monthly, Planning service, owned by the backup, no backup
    archived: dict[str, Any]  # monthly, archived: owes nothing
    quarterly: dict[str, Any]  # quarterly, Waste service


async def make_kpis(client: httpx.AsyncClient, headers: dict[str, str]) -> Kpis:
    s = await structure(client, headers)
    counted = {"unit": "count", "aggregation": "sum", "decimal_places": 0}
    waste = await post(client, "/api/v1/kpis", kpi_body(s, code="A-WASTE", **counted), headers)
    planning = await post(
        client,
        "/api/v1/kpis",
        kpi_body(
            s, code="B-PLAN", service_id=s.other_service_id, owner_id=s.backup_id, backup_owner_id=None, **counted
        ),
        headers,
    )
    archived = await post(client, "/api/v1/kpis", kpi_body(s, code="C-OLD", **counted), headers)
    assert (await client.post(f"/api/v1/kpis/{archived['id']}/archive", headers=headers)).status_code == 200
    quarterly = await post(client, "/api/v1/kpis", kpi_body(s, code="D-QTR", frequency="quarterly", **counted), headers)
    return Kpis(s, waste, planning, archived, quarterly)


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {row["kpi_code"]: row["status"] for row in body["items"]}


# --- Through HTTP, relative to today -------------------------------------------------------------


async def test_tasks_of_last_month(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(Role.PERFORMANCE)
    kpis = await make_kpis(client, h)
    today = datetime.now(UTC).date()
    period = period_of(today).previous()
    window = collection_window(period)
    waiting = "due" if today <= window.due else "overdue"

    saved = await client.put(
        f"/api/v1/kpis/{kpis.waste['id']}/submissions/{period}",
        json={"value": 120, "commentary": "Steady month", "submit": True},
        headers=h,
    )
    assert saved.status_code == 201, saved.text

    r = await client.get(TASKS, params={"period": str(period)}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == str(period) and body["due_on"] == window.due.isoformat()
    assert body["opens"] == window.opens.isoformat()
    assert statuses(body) == {"A-WASTE": "complete", "B-PLAN": waiting}  # archived and quarterly KPIs owe nothing
    waste, planning = body["items"]
    assert waste["timeliness"] == ("on_time" if today <= window.due else "late")  # submitted today
    assert waste["submission_state"] == "submitted" and waste["submission_id"] == saved.json()["id"]
    assert (waste["owner_id"], waste["owner_name"]) == (kpis.structure.owner_id, "Ola Owner")
    assert (waste["backup_owner_id"], waste["backup_owner_name"]) == (kpis.structure.backup_id, "Bo Backup")
    assert (waste["service_id"], waste["service_name"]) == (kpis.structure.service_id, "Waste")
    assert waste["directorate_id"] == kpis.structure.directorate_id and waste["directorate_name"]
    assert waste["due_on"] == window.due.isoformat()
    assert not {"owner", "backup_owner", "service", "directorate", "due"} & set(waste)
    assert planning["submission_id"] is None and planning["timeliness"] is None
    assert planning["owner_name"] == "Bo Backup" and planning["backup_owner_id"] is None

    # Filters: a person as owner or backup, a service, a directorate, a status
    s = kpis.structure
    for params, expected in [
        ({"person_id": s.backup_id}, {"A-WASTE", "B-PLAN"}),
        ({"person_id": s.owner_id}, {"A-WASTE"}),
        ({"service_id": s.other_service_id}, {"B-PLAN"}),
        ({"directorate_id": s.directorate_id}, {"A-WASTE", "B-PLAN"}),
        ({"directorate_id": str(uuid.uuid4())}, set()),
        ({"status": "complete"}, {"A-WASTE"}),
        ({"status": waiting}, {"B-PLAN"}),
        ({"status": "not_open"}, set()),
    ]:
        r = await client.get(TASKS, params={"period": str(period), **params}, headers=h)
        assert r.status_code == 200, r.text
        assert set(statuses(r.json())) == expected, params

    # A query sends it back: not complete until resubmitted
    queried = await client.post(
        f"/api/v1/submissions/{waste['submission_id']}/transition",
        json={"to": "queried", "message": "Please confirm the tonnage"},
        headers=h,
    )
    assert queried.status_code == 200, queried.text
    r = await client.get(SUMMARY, params={"period": str(period)}, headers=h)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["group_by"] == "service"
    assert [(g["name"], g["owed"], g["queried"], g["submitted"]) for g in summary["groups"]] == [
        ("Planning", 1, 0, 0),
        ("Waste", 1, 1, 0),
    ]
    assert summary["total"]["owed"] == 2 and summary["total"]["outstanding"] == 2
    assert summary["total"]["completeness_rate"] == 0


async def test_this_month_is_not_open_and_quarters_list_quarterly_kpis(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth(Role.VIEWER)
    await make_kpis(client, auth(Role.PERFORMANCE))
    today = datetime.now(UTC).date()
    r = await client.get(TASKS, params={"period": str(period_of(today))}, headers=h)
    assert statuses(r.json()) == {"A-WASTE": "not_open", "B-PLAN": "not_open"}
    quarter = period_of(today, Frequency.QUARTERLY).previous()
    r = await client.get(TASKS, params={"period": str(quarter)}, headers=h)
    assert set(statuses(r.json())) == {"D-QTR"}
    year = Period.year(period_of(today).financial_year.previous())
    r = await client.get(TASKS, params={"period": str(year)}, headers=h)
    assert r.json()["items"] == []


async def test_periods_default_to_the_current_year(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    r = await client.get(PERIODS, headers=auth(Role.VIEWER))
    assert r.status_code == 200, r.text
    body = r.json()
    today = datetime.now(UTC).date()
    assert body["financial_year"] == str(period_of(today).financial_year)
    assert body["as_of"] == today.isoformat()
    assert len(body["items"]) == 12 + 4 + 1
    current = next(p for p in body["items"] if p["period"] == str(period_of(today)))
    assert current["state"] == "not_open"


# --- With a fixed date: deterministic due and overdue ---------------------------------------------

P6 = Period.parse("2026/27 P6")  # September 2026: opens Thursday 1 October, due Wednesday 14 October


def performance_actor(org: Org) -> Actor:
    return Actor(organisation_id=org.id, subject="perf@example.gov.uk", name="Perf", grants=(Grant(Role.PERFORMANCE),))


async def submit(
    session: AsyncSession, actor: Actor, kpi_id: str, submitted_at: datetime, *, period: Period = P6
) -> Submission:
    kpi = await session.get_one(Kpi, uuid.UUID(kpi_id))
    result = await submission_service.save_values(
        session,
        actor,
        kpi,
        str(period),
        submission_service.SubmissionValues(value=Decimal(10), commentary="A normal month"),
        as_of=date(2026, 10, 20),
        submit=True,
    )
    # The service stamps the clock's time; the test sets the day it was submitted.
    await session.execute(
        update(Submission)
        .where(Submission.id == result.submission.id)
        .values(submitted_at=submitted_at, first_submitted_at=submitted_at)
    )
    return result.submission


async def fixed_cycle(
    client: httpx.AsyncClient, auth: TokenFactory, maker: async_sessionmaker[AsyncSession], org: Org
) -> tuple[Kpis, dict[str, Any]]:
    """Waste on time (9 Oct), Planning late (15 Oct), a second Waste KPI queried, a third with nothing."""
    h = auth(Role.PERFORMANCE)
    kpis = await make_kpis(client, h)
    counted = {"unit": "count", "aggregation": "sum", "decimal_places": 0}
    queried = await post(client, "/api/v1/kpis", kpi_body(kpis.structure, code="E-QUERY", **counted), h)
    missing = await post(
        client,
        "/api/v1/kpis",
        kpi_body(kpis.structure, code="F-NONE", owner_id=None, backup_owner_id=None, **counted),
        h,
    )
    actor = performance_actor(org)
    async with maker() as session:
        await submit(session, actor, kpis.waste["id"], datetime(2026, 10, 9, 16, 0, tzinfo=UTC))
        await submit(session, actor, kpis.planning["id"], datetime(2026, 10, 15, 9, 0, tzinfo=UTC))
        sent_back = await submit(session, actor, queried["id"], datetime(2026, 10, 5, 9, 0, tzinfo=UTC))
        await submission_service.transition(
            session, actor, sent_back.id, SubmissionState.QUERIED, message="Check the source"
        )
        await session.commit()
    return kpis, {"queried": queried, "missing": missing}


async def test_service_statuses_on_fixed_dates(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    org: Org,
) -> None:
    await fixed_cycle(client, auth, connection_sessionmaker, org)
    actor = performance_actor(org)
    async with connection_sessionmaker() as session:
        on_due_date = await collection_service.list_tasks(session, actor, P6, as_of=date(2026, 10, 14))
        assert on_due_date.window.due == date(2026, 10, 14)
        assert {r.kpi_code: (r.status.value, r.timeliness) for r in on_due_date.items} == {
            "A-WASTE": ("complete", "on_time"),
            "B-PLAN": ("due", None),  # submitted on the 15th: not yet, on the 14th
            "E-QUERY": ("queried", None),
            "F-NONE": ("due", None),
        }
        after = await collection_service.list_tasks(session, actor, P6, as_of=date(2026, 10, 20))
        assert {r.kpi_code: (r.status.value, r.timeliness) for r in after.items} == {
            "A-WASTE": ("complete", "on_time"),
            "B-PLAN": ("complete", "late"),
            "E-QUERY": ("queried", None),
            "F-NONE": ("overdue", None),
        }
        before = await collection_service.list_tasks(session, actor, P6, as_of=date(2026, 9, 30))
        assert {r.status for r in before.items} == {TaskStatus.NOT_OPEN}

        by_person = await collection_service.summarise(session, actor, P6, as_of=date(2026, 10, 20), group_by="person")
        assert [(g.name, g.tally.owed, g.tally.submitted, g.tally.on_time) for g in by_person.groups] == [
            ("Bo Backup", 1, 1, 0),
            ("Ola Owner", 2, 1, 1),
            ("No owner", 1, 0, 0),
        ]
        assert by_person.groups[-1].id is None
        total = by_person.total
        assert (total.owed, total.submitted, total.on_time, total.late, total.queried, total.overdue) == (
            4,
            2,
            1,
            1,
            1,
            1,
        )
        assert total.outstanding == 2
        assert str(total.completeness_rate) == "50.0" and str(total.timeliness_rate) == "25.0"


async def test_summary_and_tasks_over_http_with_as_of(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    org: Org,
) -> None:
    kpis, _ = await fixed_cycle(client, auth, connection_sessionmaker, org)
    h = auth(Role.VIEWER)
    r = await client.get(SUMMARY, params={"period": "2026/27 P6", "as_of": "2026-10-20"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["period"], body["opens"], body["due_on"], body["as_of"]) == (
        "2026/27 P6",
        "2026-10-01",
        "2026-10-14",
        "2026-10-20",
    )
    waste = next(g for g in body["groups"] if g["name"] == "Waste")
    assert waste == {
        "id": kpis.structure.service_id,
        "name": "Waste",
        "owed": 3,
        "submitted": 1,
        "on_time": 1,
        "late": 0,
        "queried": 1,
        "due": 0,
        "overdue": 1,
        "not_open": 0,
        "outstanding": 2,
        "completeness_rate": 33.3,
        "timeliness_rate": 33.3,
    }
    planning = next(g for g in body["groups"] if g["name"] == "Planning")
    assert (planning["completeness_rate"], planning["timeliness_rate"]) == (100, 0)
    assert body["total"]["completeness_rate"] == 50 and body["total"]["timeliness_rate"] == 25

    r = await client.get(
        SUMMARY, params={"period": "2026/27 P6", "as_of": "2026-10-20", "group_by": "directorate"}, headers=h
    )
    [directorate] = r.json()["groups"]
    assert directorate["id"] == kpis.structure.directorate_id and directorate["name"] == "Place"
    assert directorate["owed"] == 4

    r = await client.get(TASKS, params={"period": "2026/27 P6", "as_of": "2026-10-20", "status": "overdue"}, headers=h)
    assert statuses(r.json()) == {"F-NONE": "overdue"}
    assert r.json()["items"][0]["owner_id"] is None and r.json()["items"][0]["owner_name"] is None


async def test_the_organisation_sets_the_due_date(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    org: Org,
) -> None:
    await fixed_cycle(client, auth, connection_sessionmaker, org)
    async with connection_sessionmaker() as session:
        organisation = await session.get_one(Organisation, org.id)
        organisation.settings = {"collection": {"due_working_days": 5}}
        await session.commit()
    h = auth(Role.VIEWER)
    r = await client.get(TASKS, params={"period": "2026/27 P6", "as_of": "2026-10-08"}, headers=h)
    body = r.json()
    assert body["due_on"] == "2026-10-07"  # 1, 2, 5, 6, 7 October
    assert statuses(body)["F-NONE"] == "overdue"
    r = await client.get(TASKS, params={"period": "2026/27 P6", "as_of": "2026-10-20"}, headers=h)
    assert {row["kpi_code"]: row["timeliness"] for row in r.json()["items"]}["A-WASTE"] == "late"

    r = await client.get(
        PERIODS, params={"financial_year": "2026/27", "frequency": "monthly", "as_of": "2026-10-05"}, headers=h
    )
    body = r.json()
    assert body["due_working_days"] == 5 and body["financial_year"] == "2026/27"
    assert [p["period"] for p in body["items"]] == [f"2026/27 P{i}" for i in range(1, 13)]
    states = {p["period"]: (p["state"], p["due_on"]) for p in body["items"]}
    assert states["2026/27 P5"] == ("closed", "2026-09-07")
    assert states["2026/27 P6"] == ("open", "2026-10-07")
    assert states["2026/27 P7"] == ("not_open", "2026-11-06")


async def test_periods_of_every_frequency_in_order(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    r = await client.get(
        PERIODS, params={"financial_year": "2025/26", "as_of": "2026-04-10"}, headers=auth(Role.VIEWER)
    )
    body = r.json()
    names = [p["period"] for p in body["items"]]
    assert names[:5] == ["2025/26 P1", "2025/26 P2", "2025/26 P3", "2025/26 Q1", "2025/26 P4"]
    assert names[-3:] == ["2025/26 P12", "2025/26 Q4", "2025/26"]
    year_end = body["items"][-1]
    # March 2026: Good Friday and Easter Monday are skipped
    assert (year_end["opens"], year_end["due_on"], year_end["state"]) == ("2026-04-01", "2026-04-16", "open")
    assert year_end["frequency"] == "annual" and year_end["period_end"] == "2026-03-31"


async def test_a_fixed_number_of_queries(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    org: Org,
) -> None:
    kpis, _ = await fixed_cycle(client, auth, connection_sessionmaker, org)
    actor = performance_actor(org)

    async def count_queries(group_by: collection_service.GroupBy) -> int:
        statements: list[str] = []
        async with connection_sessionmaker() as session:
            connection = (await session.connection()).sync_connection
            assert connection is not None
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(connection, "before_cursor_execute", listener)
            try:
                await collection_service.summarise(session, actor, P6, as_of=date(2026, 10, 20), group_by=group_by)
            finally:
                event.remove(connection, "before_cursor_execute", listener)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    before = await count_queries("directorate")
    counted = {"unit": "count", "aggregation": "sum", "decimal_places": 0}
    for code in ("G-MORE", "H-MORE", "I-MORE"):
        await post(client, "/api/v1/kpis", kpi_body(kpis.structure, code=code, **counted), auth(Role.PERFORMANCE))
    assert await count_queries("directorate") == before <= 5


# --- Errors and isolation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "pointer"),
    [
        (TASKS, {"period": "2026/27 P13"}, "query:period"),
        (TASKS, {}, "query:period"),
        (TASKS, {"period": "2026/27 P6", "status": "late"}, "query:status"),
        (TASKS, {"period": "2026/27 P6", "colour": "red"}, "query:colour"),
        (SUMMARY, {"period": "2026/27 P6", "group_by": "portfolio"}, "query:group_by"),
        (SUMMARY, {"period": "2026/27 P6", "as_of": "yesterday"}, "query:as_of"),
        (PERIODS, {"financial_year": "2026/28"}, "query:financial_year"),
        (PERIODS, {"frequency": "weekly"}, "query:frequency"),
    ],
)
async def test_bad_parameters_are_refused(
    client: httpx.AsyncClient, auth: TokenFactory, path: str, params: dict[str, str], pointer: str
) -> None:
    r = await client.get(path, params=params, headers=auth(Role.VIEWER))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["pointer"] for e in r.json()["errors"]] == [pointer]


async def test_needs_a_token(client: httpx.AsyncClient) -> None:
    r = await client.get(TASKS, params={"period": "2026/27 P6"})
    assert r.status_code == 401


async def test_another_councils_kpis_are_not_listed(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    await make_kpis(client, auth(Role.PERFORMANCE))
    r = await client.get(TASKS, params={"period": "2026/27 P6"}, headers=auth(Role.VIEWER, organisation=other_org))
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(SUMMARY, params={"period": "2026/27 P6"}, headers=auth(Role.VIEWER, organisation=other_org))
    assert r.json()["groups"] == [] and r.json()["total"]["completeness_rate"] is None
