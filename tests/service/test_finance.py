"""Use cases of budget monitoring, complaints and the joint finance and performance view, called with
a session and an actor (no HTTP): a month recorded once, who may write, the import's replacement and
refusals, and the joint view the report builder calls (seed 003_2a403038ecab8362.txt)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain.rag import Rag
from pmf_api.domain.workflow import Role
from pmf_api.performance.bulk.parsing import UploadRow
from pmf_api.performance.finance import importing
from pmf_api.performance.finance import service as finance_service
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.service.builders import actor, council

TODAY = date(2026, 11, 30)


def figures(service_id: object, period: str = "2026/27 P6", **more: object) -> dict[str, object]:
    return {
        "service_id": service_id,
        "period": period,
        "budget": Decimal(200_000),
        "actual_to_date": Decimal("90000.10"),
        "forecast_outturn": Decimal(212_000),
        "note": None,
        **more,
    }


async def test_a_month_is_recorded_once_by_the_performance_team_and_read_by_everyone(session: AsyncSession) -> None:
    place = await council(session)
    view = await finance_service.add_budget_monitoring(session, place.team, figures(place.service_id), as_of=TODAY)
    assert (view.variance.variance, view.variance.variance_percent, view.variance.rag) == (
        Decimal(12_000),
        Decimal("6.0"),
        Rag.RED,
    )
    assert view.row.period_end == date(2026, 9, 30)
    with pytest.raises(Conflict):
        await finance_service.add_budget_monitoring(session, place.team, figures(place.service_id), as_of=TODAY)
    with pytest.raises(InvalidInput) as refused:
        await finance_service.add_budget_monitoring(
            session, place.team, figures(place.service_id, "2026/27 P8"), as_of=TODAY
        )
    assert refused.value.problems[0].field == "period"
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER)
    with pytest.raises(PermissionDenied):
        await finance_service.add_budget_monitoring(
            session, manager, figures(place.service_id, "2026/27 P5"), as_of=TODAY
        )
    viewer = actor(place.organisation_id, Role.VIEWER)
    page = await finance_service.list_budget_monitoring(session, viewer, ListQuery(filters={"period": "2026/27 P6"}))
    assert [item.variance.rag for item in page.items] == [Rag.RED]

    other = await council(session, "SOUTHDALE")
    with pytest.raises(InvalidInput) as refused:
        await finance_service.add_complaints(
            session,
            other.team,
            {"service_id": place.service_id, "period": "2026/27 Q2", "received": 1, "upheld": 0},
            as_of=TODAY,
        )
    assert refused.value.problems[0].field == "service_id"


async def test_the_import_replaces_a_month_and_a_dry_run_or_a_refused_atomic_import_keeps_nothing(
    session: AsyncSession,
) -> None:
    place = await council(session)
    good = {
        "service_code": "waste",
        "period": "2026/27 P6",
        "budget": "100",
        "actual_to_date": 50,
        "forecast_outturn": 99,
    }
    bad = {**good, "service_code": "GHOST"}
    body, refused = await importing.import_budget_monitoring(
        session, place.team, [UploadRow(0, good), UploadRow(1, bad)], dry_run=False, atomic=True, as_of=TODAY
    )
    assert refused and [row["outcome"] for row in body["rows"]] == ["not_written", "rejected"]
    body, refused = await importing.import_budget_monitoring(
        session, place.team, [UploadRow(0, good)], dry_run=True, atomic=False, as_of=TODAY
    )
    assert not refused and body["rows"][0]["outcome"] == "created" and body["rows"][0]["budget_monitoring_id"] is None
    page = await finance_service.list_budget_monitoring(session, place.team, ListQuery())
    assert page.items == []

    body, _ = await importing.import_budget_monitoring(
        session, place.team, [UploadRow(0, good)], dry_run=False, atomic=False, as_of=TODAY
    )
    assert body["summary"]["created"] == 1
    body, _ = await importing.import_budget_monitoring(
        session,
        place.team,
        [UploadRow(0, {**good, "forecast_outturn": "130"})],
        dry_run=False,
        atomic=False,
        as_of=TODAY,
    )
    assert body["summary"]["updated"] == 1
    [row] = (await finance_service.list_budget_monitoring(session, place.team, ListQuery())).items
    assert (row.variance.forecast_outturn, row.variance.rag) == (Decimal(130), Rag.RED)
    with pytest.raises(PermissionDenied):
        await importing.import_budget_monitoring(
            session, actor(place.organisation_id, Role.VIEWER), [], dry_run=False, atomic=False, as_of=TODAY
        )


async def test_the_joint_view_the_report_builder_calls(session: AsyncSession) -> None:
    place = await council(session)
    await finance_service.add_budget_monitoring(session, place.team, figures(place.service_id), as_of=TODAY)
    await finance_service.add_complaints(
        session,
        place.team,
        {"service_id": place.service_id, "period": "2026/27 Q2", "received": 7, "upheld": 2},
        as_of=TODAY,
    )
    view = await finance_service.joint_view(session, place.team, "2026/27 Q2", as_of=TODAY)
    assert (str(view.monitoring_period), str(view.complaints_period)) == ("2026/27 P6", "2026/27 Q2")
    [row] = view.services
    # The fields the report document's FinanceRow takes, by name
    assert (row.label, row.variance_rag, row.complaints) == ("Waste", Rag.RED, 7)
    assert row.variance is not None and row.variance.variance_percent == Decimal("6.0")
    assert row.variance_rag_text.startswith("Red")
    [directorate] = view.directorates
    assert directorate.label == "Place" and directorate.variance_rag is Rag.RED
    assert view.council is not None and view.council.label == "Council" and view.council.complaints_upheld == 2

    one = await finance_service.joint_view(session, place.team, "2026/27 Q2", place.directorate_id, as_of=TODAY)
    assert one.council is not None and one.council.label == "Place"
    with pytest.raises(NotFound):
        other = await council(session, "EASTDALE")
        await finance_service.joint_view(session, other.team, "2026/27 Q2", place.directorate_id, as_of=TODAY)
    with pytest.raises(InvalidInput):
        await finance_service.joint_view(session, place.team, "2026/27 Q3", as_of=TODAY)
    nothing = await finance_service.joint_view(session, place.team, "2026/27 P5", as_of=TODAY)
    assert nothing.complaints_period is None
    assert [(r.variance_rag, r.complaints) for r in nothing.services] == [(Rag.MISSING, None)]
    assert nothing.council is not None and nothing.council.variance is None
