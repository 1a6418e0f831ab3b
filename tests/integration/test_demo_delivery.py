"""The demo council's delivery and assurance records (issue 12): action updates, risks, scrutiny,
contextual values, service plan sections and reviews, objectives; consistent with the domain's rules."""

from __future__ import annotations

from itertools import pairwise
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.assurance.risks.models import Risk, RiskLink, RiskReview
from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.demo import load_demo
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain import Direction, Period
from pmf_api.domain.contextual import comparison_periods, contextual_direction
from pmf_api.domain.kpi import Polarity
from pmf_api.domain.risk import RiskRegister, assess_risk, next_risk_review, review_overdue
from pmf_api.framework.action_updates.models import ActionUpdate
from pmf_api.framework.actions.models import Action
from pmf_api.framework.objectives.models import Objective
from pmf_api.framework.plans.models import ServicePlan, ServicePlanReview
from pmf_api.performance.contextual_values.models import ContextualValue
from pmf_api.performance.kpis.models import ContextualMeasure
from pmf_api.platform.db.base import Base

T = TypeVar("T", bound=Base)


async def _all(session: AsyncSession, model: type[T]) -> list[T]:
    return list((await session.execute(select(model))).scalars())


async def test_actions_have_accepted_updates_for_the_quarters_ended_and_one_returned(session: AsyncSession) -> None:
    await load_demo(session)
    codes = {a.id: a.code for a in await _all(session, Action)}
    updates = await _all(session, ActionUpdate)
    assert 4 <= len({u.action_id for u in updates}) <= 8
    # Only 2026/27's quarters that ended by the demo's today (Q1 to 30 June, Q2 to 30 September)
    assert {(u.financial_year, u.quarter) for u in updates} == {("2026/27", 1), ("2026/27", 2)}
    returned = [u for u in updates if u.state == "returned"]
    assert [(codes[u.action_id], u.quarter) for u in returned] == [("A04", 2)]
    assert returned[0].flagged and returned[0].rag_consistent is False and returned[0].rag_suggested == "amber"
    assert returned[0].review_comment and returned[0].reviewed_by
    assert {u.state for u in updates} == {"accepted", "returned"}
    for update in updates:
        assert update.flagged is (update.rag_consistent is False), (codes[update.action_id], update.quarter)
        assert update.late_milestones == sum(m["late"] for m in update.milestones)
        assert update.submitted_by.endswith("@example.gov.uk") and update.commentary
    assert not any(u.flagged for u in updates if u.state == "accepted")
    # A milestone late at the quarter's end, and milestones in every state
    late = [(codes[u.action_id], m["title"]) for u in updates for m in u.milestones if m["late"]]
    assert late == [("A07", "Refurbishment contract let")]
    assert {m["state"] for u in updates for m in u.milestones} == {"completed", "in_progress", "not_started"}


async def test_the_risk_registers_are_scored_reviewed_and_linked(session: AsyncSession) -> None:
    await load_demo(session)
    risks = await _all(session, Risk)
    assert 6 <= len(risks) <= 10
    strategic = [r for r in risks if r.register == "strategic"]
    assert 2 <= len(strategic) <= 3 and len({r.service_id for r in risks if r.register == "operational"}) >= 5
    reviews = await _all(session, RiskReview)
    for risk in risks:
        inherent = assess_risk(risk.inherent_likelihood, risk.inherent_impact)
        assert (risk.inherent_score, risk.inherent_rag) == (inherent.score, inherent.rag.value), risk.code
        residual = assess_risk(risk.residual_likelihood, risk.residual_impact)
        assert (risk.residual_score, risk.residual_rag) == (residual.score, residual.rag.value), risk.code
        assert risk.controls and risk.mitigations and risk.kpi_ids and risk.outcome_ids, risk.code
        history = sorted((r for r in reviews if r.risk_id == risk.id), key=lambda r: r.reviewed_on)
        last = risk.last_reviewed_on or risk.identified_on
        assert risk.next_review_due == next_risk_review(residual.rag, last, RiskRegister(risk.register)), risk.code
        if history:
            assert history[-1].score == risk.residual_score and history[-1].trend == risk.trend
            assert all(b.previous_score == a.score for a, b in pairwise(history))
            assert all(r.reviewed_on < DEMO_TODAY for r in history)
    assert {r.trend for r in reviews} == {"up", "down", "unchanged"}
    assert any(not r.last_reviewed_on for r in risks)  # one still to have its first review
    overdue = [r.code for r in risks if review_overdue(r.next_review_due, DEMO_TODAY)]
    assert overdue == ["OR-PL-01"]
    escalated = [r for r in risks if r.escalated_on]
    assert len(escalated) == 1 and escalated[0].register == "strategic" and escalated[0].escalation_reason
    before = {r.register for r in reviews if r.risk_id == escalated[0].id and r.reviewed_on < escalated[0].escalated_on}
    assert before == {"operational"}
    # Mitigations link to demo actions and are indexed for the lists' filters
    actions = {a.id for a in await _all(session, Action)}
    mitigation_links = [link for link in await _all(session, RiskLink) if link.kind == "mitigation"]
    assert len(mitigation_links) >= 6 and all(link.linked_id in actions for link in mitigation_links)


async def test_scrutiny_has_a_closed_question_and_an_open_task_and_finish_review(session: AsyncSession) -> None:
    await load_demo(session)
    challenges = {c.kind: c for c in await _all(session, ScrutinyChallenge)}
    assert set(challenges) == {"question", "task_and_finish"}
    assert {c.panel for c in challenges.values()} == {"Overview and Scrutiny Committee"}
    questions = await _all(session, ScrutinyQuestion)
    closed, review = challenges["question"], challenges["task_and_finish"]
    assert closed.state == "closed" and closed.closed_on is not None
    asked = [q for q in questions if q.challenge_id == closed.id]
    assert [(q.state, bool(q.answer), bool(q.decision_comment)) for q in asked] == [("accepted", True, True)]
    assert review.state == "open" and review.closed_on is None
    states = sorted(q.state for q in questions if q.challenge_id == review.id)
    assert states == ["accepted", "open"]
    assert all(q.due_on >= q.asked_on for q in questions)


async def test_contextual_measures_have_values_from_their_source_that_show_a_direction(session: AsyncSession) -> None:
    await load_demo(session)
    measures = {m.id: m for m in await _all(session, ContextualMeasure)}
    values = await _all(session, ContextualValue)
    directions = set()
    for measure in measures.values():
        series = sorted((v for v in values if v.measure_id == measure.id), key=lambda v: v.period_end)
        assert 3 <= len(series) <= 4, measure.code
        assert all(v.source == measure.source and v.published_on < DEMO_TODAY for v in series)
        assert all(v.period_end < v.published_on for v in series)
        by_period = {v.period: v.value for v in series}
        previous = comparison_periods(Period.parse(series[-1].period)).previous
        assert previous is not None
        travel = contextual_direction(
            series[-1].value,
            by_period.get(str(previous)),
            None,
            preferred=Polarity(measure.preferred_direction),
            decimal_places=measure.decimal_places,
        )
        directions.add(travel.against_previous)
    assert {Direction.IMPROVING, Direction.WORSENING} <= directions


async def test_service_plans_have_their_sections_and_a_review_history_that_fits_their_state(
    session: AsyncSession,
) -> None:
    await load_demo(session)
    reviews = await _all(session, ServicePlanReview)
    for plan in await _all(session, ServicePlan):
        assert plan.core_information and plan.core_information["purpose"] and plan.risks, plan.service_id
        history = sorted((r for r in reviews if r.service_plan_id == plan.id), key=lambda r: r.reviewed_at)
        if plan.status == "draft":
            assert history == []
            continue
        assert history[0].from_state == "draft" and history[-1].to_state == plan.status
        assert all(a.to_state == b.from_state for a, b in pairwise(history))
        if plan.status == "published":
            assert history[-1].decision == "published"
    assert any(r.decision == "sent_back" and r.comment for r in reviews)
    plans = await _all(session, ServicePlan)
    assert sum(bool(p.projects) for p in plans) >= 6 and sum(bool(p.swot) for p in plans) >= 3


async def test_objectives_link_people_to_actions_or_outcomes_with_their_manager(session: AsyncSession) -> None:
    await load_demo(session)
    objectives = await _all(session, Objective)
    assert 3 <= len(objectives) <= 8
    for objective in objectives:
        assert (objective.action_id is None) != (objective.outcome_id is None)
        assert objective.manager_id and objective.manager_id != objective.person_id
        assert objective.financial_year == "2026/27"
    reviewed = [o for o in objectives if o.mid_year_state != "not_due"]
    assert len(reviewed) == 1 and reviewed[0].mid_year_comment
    assert reviewed[0].mid_year_reviewed_on and reviewed[0].mid_year_reviewed_on <= DEMO_TODAY
    assert reviewed[0].mid_year_reviewer_id == reviewed[0].manager_id


async def test_loading_twice_adds_no_second_set(session: AsyncSession) -> None:
    models: list[type[Base]] = [ActionUpdate, Risk, RiskReview, ScrutinyChallenge, ContextualValue, Objective]

    async def counts() -> list[int]:
        return [(await session.execute(select(func.count()).select_from(m))).scalar_one() for m in models]

    await load_demo(session)
    await session.commit()
    before = await counts()
    await load_demo(session)
    await session.commit()
    assert await counts() == before and all(before)
