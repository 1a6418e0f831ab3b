"""Northdale's delivery and assurance records (issue 12): quarterly action updates, the risk registers,
scrutiny challenges, contextual measure values, the service plans' sections and reviews, and
individual objectives.

Like the rest of the demo these are tables turned into rows (added and flushed, never committed),
dated against ``DEMO_TODAY``. What the API would work out when the records are written through it
(a risk's score, colour, next review date and trend; an update's RAG check and late milestones; a
challenge's state) is worked out here by the same domain rules, so the rows read as if entered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.assurance.risks.models import Risk, RiskLink, RiskReview
from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.demo import delivery_data as data
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain import Period
from pmf_api.domain.action_updates import Milestone, MilestoneState, check_date, is_late
from pmf_api.domain.actions import ActionStatus, check_action_rag
from pmf_api.domain.actions import ActionUpdate as RagFacts
from pmf_api.domain.rag import Rag
from pmf_api.domain.risk import RiskRegister, assess_risk, next_risk_review, risk_trend
from pmf_api.domain.scrutiny import ChallengeState, QuestionState, challenge_state
from pmf_api.framework.action_updates.models import ActionUpdate
from pmf_api.framework.actions.models import Action
from pmf_api.framework.objectives.models import Objective
from pmf_api.framework.organisations.models import Directorate, Person, Service
from pmf_api.framework.plans.models import Outcome, ServicePlan, ServicePlanReview
from pmf_api.performance.contextual_values.models import ContextualValue
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.platform.db.base import Base

YEAR = "2026/27"
START_MONTH = 4
PERFORMANCE_OFFICER = "perf_officer"
SCRUTINY_PANEL = "Overview and Scrutiny Committee"


@dataclass(frozen=True)
class Records:
    """The demo's records already flushed, by code (people by their key in ``council.PEOPLE``)."""

    organisation_id: uuid.UUID
    people: dict[str, Person]
    directorates: dict[str, Directorate]
    services: dict[str, Service]
    outcomes: dict[str, Outcome]
    plans: dict[str, ServicePlan]
    kpis: dict[str, Kpi]
    measures: dict[str, ContextualMeasure]
    actions: dict[str, Action]


async def load_delivery(session: AsyncSession, records: Records) -> None:
    """Add the issue-12 records of the demo council, one layer at a time, and flush."""
    session.add_all(_updates(records, data.ACTION_UPDATES))
    session.add_all(_values(records, data.CONTEXTUAL_VALUES))
    session.add_all(_objectives(records, data.OBJECTIVES))
    session.add_all(_plan_reviews(records, data.PLAN_REVIEWS))
    for code, sections in data.PLAN_SECTIONS.items():
        plan = records.plans[code]
        plan.core_information = sections["core_information"]
        plan.swot = sections.get("swot", plan.swot)
        plan.risks = sections["risks"]
        plan.projects = _projects(records, code)
    risks, reviews, links = _risks(records, data.RISKS)
    session.add_all(risks)
    await session.flush()
    session.add_all([*reviews, *links])
    challenges, questions = _challenges(records, data.CHALLENGES)
    session.add_all(challenges)
    await session.flush()
    session.add_all(questions)
    await session.flush()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


# --- Quarterly action updates ------------------------------------------------------------------------


def _milestones(action: Action, judged_on: date) -> list[dict[str, Any]]:
    """The action's milestones as at ``judged_on``: done if completed by then, else in progress while it
    is the next one due, not started after it (late when its due date has passed by then)."""
    out: list[dict[str, Any]] = []
    pending = False
    for item in action.milestones:
        completed = _day(item["completed_on"])
        due = date.fromisoformat(item["due_date"])
        if completed is not None and completed <= judged_on:
            milestone = Milestone(item["title"], due, MilestoneState.COMPLETED, completed)
        else:
            state = MilestoneState.NOT_STARTED if pending else MilestoneState.IN_PROGRESS
            pending = True
            milestone = Milestone(item["title"], due, state)
        out.append(
            {
                "title": milestone.title,
                "due_date": milestone.due_date.isoformat(),
                "state": milestone.state.value,
                "completed_on": None if milestone.completed_on is None else milestone.completed_on.isoformat(),
                "late": is_late(milestone, judged_on),
            }
        )
    return out


def _updates(records: Records, rows: list[Any]) -> list[ActionUpdate]:
    officer = records.people[PERFORMANCE_OFFICER]
    updates: list[ActionUpdate] = []
    for code, quarter, status, progress, rag, state, commentary, impact, review_comment in rows:
        action = records.actions[code]
        owner = next(p for p in records.people.values() if p.id == action.owner_id)
        period = Period.quarter(YEAR, quarter)
        judged_on = check_date(period, DEMO_TODAY, START_MONTH)
        milestones = _milestones(action, judged_on)
        assert action.start_date is not None and action.due_date is not None
        facts = RagFacts(ActionStatus(status), Rag(rag), action.start_date, action.due_date, Decimal(progress))
        check = check_action_rag(facts, judged_on)
        submitted = _at(judged_on + timedelta(days=9))
        reviewed = state in ("accepted", "returned")
        updates.append(
            ActionUpdate(
                id=uuid.uuid4(),
                organisation_id=records.organisation_id,
                action_id=action.id,
                financial_year=YEAR,
                quarter=quarter,
                state=state,
                status=status,
                progress_percent=progress,
                rag=rag,
                commentary=commentary,
                impact=impact,
                milestones=milestones,
                late_milestones=sum(1 for m in milestones if m["late"]),
                rag_consistent=check.consistent,
                rag_suggested=check.suggested.value,
                rag_reason=check.reason,
                flagged=not check.consistent,
                submitted_by=owner.email,
                submitted_by_name=owner.name,
                reviewed_by=officer.email if reviewed else None,
                review_comment=review_comment,
                created_at=submitted,
                updated_at=submitted + timedelta(days=6 if reviewed else 0),
            )
        )
    return updates


# --- Risk registers ------------------------------------------------------------------------------------


def _risks(records: Records, rows: list[dict[str, Any]]) -> tuple[list[Risk], list[RiskReview], list[RiskLink]]:
    risks: list[Risk] = []
    reviews: list[RiskReview] = []
    links: list[RiskLink] = []
    for spec in rows:
        risk_id = uuid.uuid4()
        owner = records.people[spec["owner"]]
        service = records.services[spec["service"]] if spec.get("service") else None
        directorate_id = service.directorate_id if service else records.directorates[spec["directorate"]].id
        inherent = assess_risk(*spec["inherent"])
        current = assess_risk(*spec["initial"])
        identified = date.fromisoformat(spec["identified_on"])
        escalation = spec.get("escalated")
        escalated_on = date.fromisoformat(escalation["on"]) if escalation else None
        register = RiskRegister(spec["register"])
        last: date | None = None
        trend = None
        for reviewed_text, likelihood, impact, commentary, reviewer in spec["reviews"]:
            reviewed_on = date.fromisoformat(reviewed_text)
            assessed = assess_risk(likelihood, impact)
            on = register if escalated_on is None or reviewed_on >= escalated_on else RiskRegister.OPERATIONAL
            trend = risk_trend(current.score, assessed.score)
            reviews.append(
                RiskReview(
                    id=uuid.uuid4(),
                    organisation_id=records.organisation_id,
                    risk_id=risk_id,
                    reviewed_on=reviewed_on,
                    likelihood=likelihood,
                    impact=impact,
                    score=assessed.score,
                    rag=assessed.rag.value,
                    previous_score=current.score,
                    trend=trend.value,
                    commentary=commentary,
                    reviewer_id=records.people[reviewer].id,
                    reviewed_by=records.people[reviewer].email,
                    register=on.value,
                    next_review_due=next_risk_review(assessed.rag, reviewed_on, on),
                    created_at=_at(reviewed_on, 15),
                    updated_at=_at(reviewed_on, 15),
                )
            )
            current, last = assessed, reviewed_on
        mitigations = [
            {"description": text, "action_id": str(records.actions[code].id) if code else None}
            for text, code in spec["mitigations"]
        ]
        ids = {
            "outcome_ids": [str(records.outcomes[c].id) for c in spec.get("outcomes", ())],
            "kpi_ids": [str(records.kpis[c].id) for c in spec.get("kpis", ())],
            "service_plan_ids": [str(records.plans[c].id) for c in spec.get("plans", ())],
            "action_ids": [str(records.actions[c].id) for c in spec.get("actions", ())],
        }
        escalator = records.people[escalation["by"]] if escalation else None
        risks.append(
            Risk(
                id=risk_id,
                organisation_id=records.organisation_id,
                code=spec["code"],
                title=spec["title"],
                cause=spec["cause"],
                event=spec["event"],
                effect=spec["effect"],
                owner_id=owner.id,
                register=register.value,
                service_id=service.id if service else None,
                directorate_id=directorate_id,
                category=spec["category"],
                inherent_likelihood=inherent.likelihood,
                inherent_impact=inherent.impact,
                inherent_score=inherent.score,
                inherent_rag=inherent.rag.value,
                residual_likelihood=current.likelihood,
                residual_impact=current.impact,
                residual_score=current.score,
                residual_rag=current.rag.value,
                target_score=spec.get("target_score"),
                controls=list(spec["controls"]),
                mitigations=mitigations,
                **ids,
                identified_on=identified,
                last_reviewed_on=last,
                next_review_due=next_risk_review(current.rag, last or identified, register),
                trend=None if trend is None else trend.value,
                escalated_on=escalated_on,
                escalated_by=escalator.email if escalator else None,
                escalated_by_name=escalator.name if escalator else None,
                escalation_reason=escalation["reason"] if escalation else None,
                created_at=_at(identified),
                updated_at=_at(last or identified, 15),
            )
        )
        kinds = {"outcome_ids": "outcome", "kpi_ids": "kpi", "service_plan_ids": "service_plan", "action_ids": "action"}
        pairs = {(kinds[name], uuid.UUID(ref)) for name, refs in ids.items() for ref in refs}
        pairs |= {("mitigation", uuid.UUID(m["action_id"])) for m in mitigations if m["action_id"]}
        links += [RiskLink(id=uuid.uuid4(), risk_id=risk_id, kind=kind, linked_id=ref) for kind, ref in sorted(pairs)]
    return risks, reviews, links


# --- Scrutiny ------------------------------------------------------------------------------------------


def _challenges(records: Records, rows: list[dict[str, Any]]) -> tuple[list[ScrutinyChallenge], list[ScrutinyQuestion]]:
    officer = records.people[PERFORMANCE_OFFICER]
    member = records.people["cllr_scrutiny"]
    challenges: list[ScrutinyChallenge] = []
    questions: list[ScrutinyQuestion] = []
    for spec in rows:
        challenge_id = uuid.uuid4()
        raised = date.fromisoformat(spec["raised_on"])
        subject_type, subject_code = spec["subject"]
        subject_id = (records.kpis if subject_type == "kpi" else records.actions)[subject_code].id
        states: list[QuestionState] = []
        decided: list[date] = []
        for number, (text, assignee, due, answer) in enumerate(spec["questions"], start=1):
            person = records.people[assignee]
            answered_on = date.fromisoformat(answer["on"]) if answer else None
            decision = answer.get("accepted") if answer else None
            state = (
                QuestionState.OPEN if answer is None else QuestionState.ACCEPTED if decision else QuestionState.ANSWERED
            )
            decided_on = date.fromisoformat(decision["on"]) if decision else None
            states.append(state)
            decided += [decided_on] if decided_on else []
            questions.append(
                ScrutinyQuestion(
                    id=uuid.uuid4(),
                    organisation_id=records.organisation_id,
                    challenge_id=challenge_id,
                    number=number,
                    text=text,
                    assigned_to_id=person.id,
                    asked_on=raised,
                    due_on=date.fromisoformat(due),
                    state=state.value,
                    answer=answer["text"] if answer else None,
                    answered_by=person.email if answer else None,
                    answered_by_name=person.name if answer else None,
                    answered_on=answered_on,
                    answered_at=_at(answered_on, 14) if answered_on else None,
                    decided_by=officer.email if decision else None,
                    decided_by_name=officer.name if decision else None,
                    decided_on=decided_on,
                    decision_comment=decision["comment"] if decision else None,
                )
            )
        overall = challenge_state(states)
        challenges.append(
            ScrutinyChallenge(
                id=challenge_id,
                organisation_id=records.organisation_id,
                kind=spec["kind"],
                title=spec["title"],
                state=overall.value,
                panel=SCRUTINY_PANEL,
                member_name=member.name,
                member_person_id=member.id,
                meeting=spec["meeting"],
                meeting_date=date.fromisoformat(spec["meeting_date"]),
                raised_on=raised,
                raised_by=officer.email,
                raised_by_name=officer.name,
                subject_type=subject_type,
                subject_id=subject_id,
                closed_on=max(decided) if overall is ChallengeState.CLOSED else None,
            )
        )
    return challenges, questions


# --- Contextual values, objectives, service plans -------------------------------------------------------


def _values(records: Records, rows: dict[str, list[tuple[str, str, str]]]) -> list[ContextualValue]:
    values: list[ContextualValue] = []
    for code, series in rows.items():
        measure = records.measures[code]
        assert measure.source is not None
        for period_text, value, published in series:
            period = Period.parse(period_text)
            values.append(
                ContextualValue(
                    id=uuid.uuid4(),
                    organisation_id=records.organisation_id,
                    measure_id=measure.id,
                    period=str(period),
                    period_end=period.end_date(START_MONTH),
                    value=Decimal(value),
                    source=measure.source,
                    published_on=date.fromisoformat(published),
                )
            )
    return values


def _objectives(records: Records, rows: list[tuple[Any, ...]]) -> list[Objective]:
    objectives: list[Objective] = []
    for person, manager, link, title, measure, mid_year in rows:
        kind, code = link
        state, comment, reviewed = mid_year if mid_year else ("not_due", None, None)
        objectives.append(
            Objective(
                id=uuid.uuid4(),
                organisation_id=records.organisation_id,
                person_id=records.people[person].id,
                manager_id=records.people[manager].id,
                financial_year=YEAR,
                action_id=records.actions[code].id if kind == "action" else None,
                outcome_id=records.outcomes[code].id if kind == "outcome" else None,
                title=title,
                success_measure=measure,
                mid_year_state=state,
                mid_year_comment=comment,
                mid_year_reviewed_on=_day(reviewed),
                mid_year_reviewer_id=records.people[manager].id if reviewed else None,
            )
        )
    return objectives


def _projects(records: Records, service: str) -> list[dict[str, Any]]:
    """The plan's projects and initiatives: its service's actions that run into this year."""
    service_id = records.services[service].id
    return [
        {
            "title": action.title,
            "description": None,
            "outcome_id": str(action.outcome_id),
            "start_date": None if action.start_date is None else action.start_date.isoformat(),
            "due_date": None if action.due_date is None else action.due_date.isoformat(),
        }
        for action in records.actions.values()
        if action.service_id == service_id and action.service_plan_id is not None
    ]


def _plan_reviews(records: Records, rows: dict[str, list[tuple[Any, ...]]]) -> list[Base]:
    reviews: list[Base] = []
    for code, steps in rows.items():
        plan = records.plans[code]
        for step, decision, from_state, to_state, reviewer, on, comment in steps:
            person = records.people[reviewer]
            reviews.append(
                ServicePlanReview(
                    id=uuid.uuid4(),
                    organisation_id=records.organisation_id,
                    service_plan_id=plan.id,
                    step=step,
                    decision=decision,
                    from_state=from_state,
                    to_state=to_state,
                    comment=comment,
                    reviewer=person.email,
                    reviewer_name=person.name,
                    reviewed_at=_at(date.fromisoformat(on), 11),
                )
            )
        assert not steps or steps[-1][3] == plan.status, code
    return reviews
