"""Period close's use cases with a session and an actor (issue 13, item 2): closing as of a date, the lock
as the submissions feature meets it, and a calculated KPI restated when the performance team revises an
input of a closed period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain.workflow import Role, SubmissionState
from pmf_api.performance.calculations import service as calculation_service
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.period_closes import service as close_service
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.platform.errors import Conflict, InvalidInput, PeriodClosed, PermissionDenied
from tests.service.builders import actor, council, kpi

AS_OF = date(2026, 10, 20)
COUNT = {"unit": "count", "aggregation": "sum", "decimal_places": 0}
Values = submission_service.SubmissionValues


async def test_a_period_closes_once_it_has_ended_as_of_the_date_given(session: AsyncSession) -> None:
    place = await council(session)
    with pytest.raises(InvalidInput, match="has not ended") as refused:
        await close_service.close_period(session, place.team, {"period": "2026/27 Q3"}, as_of=AS_OF)
    assert refused.value.problems[0].field == "period"
    with pytest.raises(InvalidInput, match="is not a period"):
        await close_service.close_period(session, place.team, {"period": "Q2"}, as_of=AS_OF)
    director = actor(place.organisation_id, Role.DIRECTOR)
    with pytest.raises(PermissionDenied):
        await close_service.close_period(session, director, {"period": "2026/27 Q2"}, as_of=AS_OF)
    # No KPI owes anything: nothing outstanding, no reason needed.
    close = await close_service.close_period(session, place.team, {"period": "2026/27 Q2"}, as_of=AS_OF)
    assert close.unvalidated_at_close == [] and close.locks_period == "2026/27 Q2"
    assert await close_service.closed_periods(session, place.team) != []
    with pytest.raises(Conflict, match="2026/27 P5 is closed already"):
        await close_service.close_period(session, place.team, {"period": "2026/27 P5"}, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Say why"):
        await close_service.reopen(session, place.team, close.id, "  ")
    await close_service.reopen(session, place.team, close.id, "Reopened for a late return")
    assert close.locks_period is None and await close_service.closed_periods(session, place.team) == []
    # The whole year closes once it has ended, and locks its quarters.
    await close_service.close_period(session, place.team, {"period": "2026/27"}, as_of=date(2027, 4, 2))
    with pytest.raises(PeriodClosed, match="lies within 2026/27, which is closed"):
        await close_service.ensure_open(session, director, "2026/27 Q2", kpi_code="PI-01")


async def test_a_calculated_kpi_is_restated_when_an_input_of_a_closed_period_is_revised(
    session: AsyncSession,
) -> None:
    place = await council(session)
    first = await kpi(session, place, code="FIRST", frequency="quarterly", **COUNT)
    second = await kpi(session, place, code="SECOND", frequency="quarterly", **COUNT)
    share = await kpi(session, place, code="SHARE", frequency="quarterly", aggregation="average")
    await calculation_service.set_formula(
        session, place.team, share.id, {"formula": "{FIRST}/{SECOND}*100", "on_zero_divisor": "zero"}, None
    )
    checker = actor(place.organisation_id, subject="checker@example.gov.uk")
    publisher = actor(place.organisation_id, subject="publisher@example.gov.uk")

    async def publish(made: Kpi, value: int) -> None:
        saved = await submission_service.save_values(
            session, place.team, made, "2026/27 Q2", Values(value=Decimal(value)), as_of=AS_OF, submit=True
        )
        await submission_service.transition(session, checker, saved.submission.id, SubmissionState.VALIDATED)
        await submission_service.transition(session, publisher, saved.submission.id, SubmissionState.PUBLISHED)

    await publish(first, 45)
    await publish(second, 100)
    computed = await SubmissionRepository(session).of_period(share.id, "2026/27 Q2")
    assert computed is not None and computed.state == SubmissionState.PUBLISHED.value
    closed_at = datetime.now(UTC)
    await close_service.close_period(session, place.team, {"period": "2026/27 Q2"}, as_of=AS_OF)

    owner = actor(place.organisation_id, Role.KPI_OWNER, person_id=place.owner_id)
    entered = await SubmissionRepository(session).of_period(first.id, "2026/27 Q2")
    assert entered is not None
    with pytest.raises(PeriodClosed):
        await submission_service.revise(session, owner, entered.id, "Wrong tonnage", None)
    await submission_service.revise(session, place.team, entered.id, "Contractor re-issued the tonnage", None)
    # The computed value was reopened with its input, as a revision.
    assert computed.state == SubmissionState.DRAFT.value and computed.revision == 2
    await publish(first, 44)
    assert computed.state == SubmissionState.PUBLISHED.value and computed.value == Decimal(44)

    records = await close_service.restatements_between(
        session, place.organisation_id, closed_at, datetime.now(UTC) + timedelta(seconds=1)
    )
    assert [(r.kpi_code, r.reported_value, r.restated_value, r.reason) for r in records] == [
        ("FIRST", Decimal(45), Decimal(44), "Contractor re-issued the tonnage"),
        ("SHARE", Decimal(45), Decimal(44), "An input's value was revised"),
    ]
    listed = await close_service.list_restatements(session, owner, kpi_id=share.id)
    assert [r.kpi_code for r in listed] == ["SHARE"]
    with pytest.raises(InvalidInput, match="until is before since"):
        await close_service.list_restatements(session, owner, since=datetime.now(UTC), until=closed_at)
