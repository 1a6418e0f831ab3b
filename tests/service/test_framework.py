"""Use cases of the council's framework (structure, plans, actions) and of reading the audit trail,
called with a session and an actor (no HTTP)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import ScopeType
from pmf_api.assurance.audit import service as audit_service
from pmf_api.domain.errors import TransitionNotAllowed
from pmf_api.domain.workflow import Role, ServicePlanState
from pmf_api.framework.actions import service as action_service
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.framework.plans import service as plan_service
from pmf_api.platform.errors import InvalidInput, PermissionDenied
from tests.service.builders import actor, council


async def test_only_the_performance_team_changes_the_structure(session: AsyncSession) -> None:
    place = await council(session)
    director = actor(place.organisation_id, Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=place.directorate_id)
    with pytest.raises(PermissionDenied, match="Changing structure records needs one of the roles performance"):
        await records.create(session, director, organisation_service.directorates, {"code": "PEOPLE", "name": "People"})


async def test_a_corporate_plan_spans_a_plausible_number_of_years(session: AsyncSession) -> None:
    place = await council(session)
    data = {"title": "Corporate Plan", "start_year": 2023, "end_year": 2028}
    made = await records.create(session, place.team, plan_service.corporate_plans, data)
    assert (made.start_year, made.end_year) == (2023, 2028)
    with pytest.raises(InvalidInput) as refused:
        await records.update(session, place.team, plan_service.corporate_plans, made.id, {"end_year": 2022}, None)
    assert refused.value.problems[0].field == "end_year"


async def test_a_service_plan_is_approved_by_a_director_over_its_service(session: AsyncSession) -> None:
    place = await council(session)
    plan = await records.create(
        session, place.team, plan_service.service_plans, {"service_id": place.service_id, "financial_year": "2026/27"}
    )
    for to in (ServicePlanState.QUALITY_REVIEW, ServicePlanState.STRATEGIC_REVIEW):
        plan = await plan_service.transition_service_plan(session, place.team, plan.id, to, None, None)
    elsewhere = actor(place.organisation_id, Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=place.service_id)
    with pytest.raises(PermissionDenied):  # a director of another directorate writes nothing here
        await plan_service.transition_service_plan(session, elsewhere, plan.id, ServicePlanState.APPROVED, None, None)
    with pytest.raises(TransitionNotAllowed):  # the team reviews; a director approves
        await plan_service.transition_service_plan(session, place.team, plan.id, ServicePlanState.APPROVED, None, None)
    director = actor(place.organisation_id, Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=place.directorate_id)
    approved = await plan_service.transition_service_plan(
        session, director, plan.id, ServicePlanState.APPROVED, "Ambitious enough", None
    )
    assert approved.status == ServicePlanState.APPROVED


async def test_an_action_is_not_due_before_it_starts_and_every_change_is_audited(session: AsyncSession) -> None:
    place = await council(session)
    data = {
        "code": "CPA-1",
        "title": "Weekly food waste collections",
        "delivery_role": "do",
        "service_id": place.service_id,
        "start_date": date(2026, 4, 1),
        "due_date": date(2027, 3, 31),
        "milestones": [{"title": "Caddies delivered", "due_date": date(2026, 9, 30), "completed_on": None}],
    }
    made = await action_service.create_action(session, place.team, data)
    # stored with its state (not started until it has a completion date: domain.action_updates)
    assert made.milestones == [
        {"title": "Caddies delivered", "due_date": "2026-09-30", "completed_on": None, "state": "not_started"}
    ]
    with pytest.raises(InvalidInput, match=r"due \(2026-01-01\) before it starts"):
        await action_service.update_action(session, place.team, made.id, {"due_date": date(2026, 1, 1)}, None)
    await action_service.update_action(session, place.team, made.id, {"status": "in_progress"}, None)
    trail = await audit_service.list_entries(
        session, place.team, audit_service.AuditFilter(entity_id=made.id), cursor=None, limit=10, sort="at"
    )
    assert [entry.action for entry in trail.items] == ["create", "update"]
    assert trail.items[1].before is not None and trail.items[1].before["status"] == "not_started"
    viewer = actor(place.organisation_id, Role.VIEWER)
    with pytest.raises(PermissionDenied):  # the trail is the performance team's and internal audit's
        await audit_service.list_entries(session, viewer, audit_service.AuditFilter(), cursor=None, limit=10, sort="at")
