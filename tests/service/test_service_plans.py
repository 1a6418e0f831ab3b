"""Use cases of service plans (seed 001_ec6bae7b38cacc6f.txt, Appendix D), called with a session and an
actor (no HTTP): sections stored as JSON, review rows, versions, next year's copy."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import ScopeType
from pmf_api.assurance.notifications import quarterly_reminders, reminders
from pmf_api.domain.errors import InvalidValue, TransitionNotAllowed
from pmf_api.domain.workflow import Role, ServicePlanState
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.framework.plans import service as plan_service
from pmf_api.framework.plans.models import ServicePlan
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.errors import Conflict, InvalidInput
from tests.service.builders import Council, actor, council

S = ServicePlanState


async def _approve(session: AsyncSession, place: Council, plan: ServicePlan) -> ServicePlan:
    director = actor(place.organisation_id, Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=place.directorate_id)
    for to, who in ((S.QUALITY_REVIEW, place.team), (S.STRATEGIC_REVIEW, place.team), (S.APPROVED, director)):
        plan = await plan_service.transition_service_plan(session, who, plan.id, to, None, None)
    return plan


async def test_sections_are_stored_as_json_and_outcomes_checked(session: AsyncSession) -> None:
    place = await council(session)
    corporate = await records.create(
        session, place.team, plan_service.corporate_plans, {"title": "CP", "start_year": 2023, "end_year": 2028}
    )
    priority = await records.create(
        session, place.team, plan_service.priorities, {"corporate_plan_id": corporate.id, "code": "P1", "title": "P"}
    )
    outcome = await records.create(
        session, place.team, plan_service.outcomes, {"priority_id": priority.id, "code": "O1", "title": "O"}
    )
    project = {"title": "Food waste", "outcome_id": outcome.id, "start_date": date(2025, 4, 1), "due_date": None}
    plan = await plan_service.create_service_plan(
        session,
        place.team,
        {"service_id": place.service_id, "financial_year": "2025/26", "projects": [project]},
    )
    assert plan.projects == [{**project, "outcome_id": str(outcome.id), "start_date": "2025-04-01"}]
    assert plan.version_number == 1
    with pytest.raises(Conflict, match="already has a plan for 2025/26"):
        await plan_service.create_service_plan(
            session, place.team, {"service_id": place.service_id, "financial_year": "2025/26"}
        )
    other = await council(session, "SOUTHMERE")
    with pytest.raises(InvalidInput) as refused:
        await plan_service.update_service_plan(
            session, place.team, plan.id, {"projects": [{**project, "outcome_id": other.service_id}]}, None
        )
    assert refused.value.problems[0].field == "projects.0.outcome_id"


async def test_each_move_is_a_review_and_a_send_back_needs_a_comment(session: AsyncSession) -> None:
    place = await council(session)
    plan = await plan_service.create_service_plan(
        session, place.team, {"service_id": place.service_id, "financial_year": "2025/26"}
    )
    plan = await plan_service.transition_service_plan(session, place.team, plan.id, S.QUALITY_REVIEW, "Ready", None)
    with pytest.raises(InvalidValue, match="needs a comment"):
        await plan_service.transition_service_plan(session, place.team, plan.id, S.DRAFT, " ", None)
    assert plan.status == S.QUALITY_REVIEW.value
    plan = await plan_service.transition_service_plan(session, place.team, plan.id, S.DRAFT, "Add projects", None)
    page = await plan_service.list_reviews(session, place.team, plan.id, ListQuery())
    assert [(r.step, r.decision, r.comment, r.reviewer) for r in page.items] == [
        ("submission", "submitted", "Ready", "performance@example.gov.uk"),
        ("quality_review", "sent_back", "Add projects", "performance@example.gov.uk"),
    ]


async def test_versions_supersede_and_next_year_copies(session: AsyncSession) -> None:
    place = await council(session)
    plan = await plan_service.create_service_plan(
        session,
        place.team,
        {"service_id": place.service_id, "financial_year": "2025/26", "summary": "v1", "risks": "Fleet"},
    )
    with pytest.raises(TransitionNotAllowed, match="still draft"):
        await plan_service.new_version(session, place.team, plan.id, None)
    plan = await _approve(session, place, plan)
    with pytest.raises(TransitionNotAllowed, match="frozen"):
        await plan_service.update_service_plan(session, place.team, plan.id, {"summary": "changed"}, None)

    second = await plan_service.new_version(session, place.team, plan.id, None)
    assert (second.version_number, second.status, second.summary, second.risks) == (2, "draft", "v1", "Fleet")
    second = await plan_service.update_service_plan(session, place.team, second.id, {"summary": "v2"}, None)
    assert plan.status == S.APPROVED.value  # in force until the new version is approved
    second = await _approve(session, place, second)
    assert (plan.status, second.status) == (S.SUPERSEDED.value, S.APPROVED.value)

    following = await plan_service.next_year(session, place.team, second.id)
    assert (following.financial_year, following.version_number, following.summary) == ("2026/27", 1, "v2")
    assert following.copied_from_id == second.id
    with pytest.raises(Conflict, match="2026/27"):
        await plan_service.next_year(session, place.team, plan.id)
    assert (await plan_service.list_reviews(session, place.team, following.id, ListQuery())).items == []


async def test_a_plan_sent_back_reminds_the_head_of_service(session: AsyncSession) -> None:
    place = await council(session)
    await records.update(
        session,
        place.team,
        organisation_service.services,
        place.service_id,
        {"head_of_service_id": place.owner_id},
        None,
    )
    sent_back = await plan_service.create_service_plan(
        session, place.team, {"service_id": place.service_id, "financial_year": "2025/26"}
    )
    never_sent = await plan_service.create_service_plan(
        session, place.team, {"service_id": place.service_id, "financial_year": "2026/27"}
    )
    await plan_service.transition_service_plan(session, place.team, sent_back.id, S.QUALITY_REVIEW, None, None)
    source = quarterly_reminders.ServicePlanRevisions()
    notifier = reminders.notifier(place.organisation_id)
    assert await source.reminders(session, notifier, date(2025, 6, 1)) == []  # at review: nothing to revise
    await plan_service.transition_service_plan(session, place.team, sent_back.id, S.DRAFT, "Add projects", None)
    found = await source.reminders(session, notifier, date(2025, 6, 1))
    assert [(r.person_id, r.kind, r.title, r.link) for r in found] == [
        (place.owner_id, "query_waiting", "Waste service plan 2025/26", f"/api/v1/service-plans/{sent_back.id}")
    ]
    assert never_sent.status == "draft"
    assert any(isinstance(s, quarterly_reminders.ServicePlanRevisions) for s in reminders.sources())
