"""Use cases of KPIs and targets, called as a CLI or a job would: a session and an actor, no HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import ScopeType
from pmf_api.domain.errors import TransitionNotAllowed
from pmf_api.domain.workflow import Role, TargetState
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.targets import service as target_service
from pmf_api.platform.errors import Conflict, InvalidInput, NotFound
from tests.service.builders import actor, approved_target, council, kpi


async def test_a_kpi_takes_its_services_portfolio_and_is_fenced_by_organisation(session: AsyncSession) -> None:
    place = await council(session)
    other = await council(session, "SOUTHMERE")
    made = await kpi(session, place)
    assert made.organisation_id == place.organisation_id
    with pytest.raises(NotFound):
        await kpi_service.load_kpi(session, other.team, made.id)
    with pytest.raises(InvalidInput) as refused:
        await kpi(session, other, service_id=place.service_id)  # another council's service
    assert refused.value.problems[0].field == "service_id"


async def test_a_kpi_with_a_target_keeps_how_it_is_judged(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place)
    # Before any target or value, the KPI may still be redefined
    await records.update(session, place.team, kpi_service.kpis, made.id, {"polarity": "lower_is_better"}, None)
    await records.update(session, place.team, kpi_service.kpis, made.id, {"polarity": "higher_is_better"}, None)
    await approved_target(session, place, made)
    await session.refresh(made)
    assert made.first_target_at is not None and made.first_value_at is None
    with pytest.raises(Conflict) as refused:
        await records.update(session, place.team, kpi_service.kpis, made.id, {"polarity": "lower_is_better"}, None)
    assert "has targets recorded as polarity higher_is_better" in refused.value.detail
    # What does not change how it is judged stays editable
    changed = await records.update(session, place.team, kpi_service.kpis, made.id, {"title": "Recycling rate"}, None)
    assert changed.title == "Recycling rate"


async def test_a_kpi_with_a_value_keeps_how_it_is_judged(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place, frequency="quarterly")
    await submission_service.save_values(
        session,
        place.team,
        made,
        "2026/27 Q1",
        submission_service.SubmissionValues(value=Decimal(40), commentary="First quarter"),
        as_of=date(2026, 8, 1),
    )
    await session.refresh(made)
    assert made.first_value_at is not None
    with pytest.raises(Conflict, match="has values recorded as frequency quarterly"):
        await records.update(session, place.team, kpi_service.kpis, made.id, {"frequency": "monthly"}, None)


async def test_targets_are_approved_in_turn_and_revised_from_a_period(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place)
    target = await target_service.create_target(
        session,
        place.team,
        {
            "kpi_id": made.id,
            "financial_year": "2026/27",
            "target_type": "growth",
            "annual_target": Decimal(50),
            "tolerance": {"kind": "intervention_level", "value": Decimal(45)},
        },
    )
    assert target.state == TargetState.DRAFT and target.intervention_level == 45
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    await target_service.transition_target(session, manager, target.id, TargetState.PROPOSED, None)
    with pytest.raises(TransitionNotAllowed) as refused:  # a service manager proposes; others approve
        await target_service.transition_target(session, manager, target.id, TargetState.APPROVED, None)
    assert refused.value.allowed_roles == ("director", "portfolio_holder")
    revised = await target_service.revise_target(
        session,
        place.team,
        target.id,
        {"effective_from": "2026/27 P7", "annual_target": Decimal(52), "reason": "Stretched at half year"},
        None,
    )
    revisions = await target_service.list_revisions(session, place.team, revised.id)
    assert [(r.number, r.effective_from, r.annual_target) for r in revisions.items] == [
        (1, "2026/27 P1", 50),
        (2, "2026/27 P7", 52),
    ]
    with pytest.raises(InvalidInput, match="cannot start earlier"):
        await target_service.revise_target(
            session, place.team, target.id, {"effective_from": "2026/27 P3", "reason": "Back-dated"}, None
        )
