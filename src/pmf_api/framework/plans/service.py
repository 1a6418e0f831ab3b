"""Use cases for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain import workflow
from pmf_api.domain.periods import FinancialYear
from pmf_api.domain.plans import plan_span_problems
from pmf_api.domain.service_plans import Version, next_version, require_editable, review_of, superseded_by_approval
from pmf_api.framework.organisations.repository import ServiceRepository, placement_from
from pmf_api.framework.plans.models import ServicePlan, ServicePlanReview
from pmf_api.framework.plans.repository import (
    CorporatePlanRepository,
    OutcomeRepository,
    PriorityRepository,
    ServicePlanRepository,
    ServicePlanReviewRepository,
)
from pmf_api.platform import audit, events
from pmf_api.platform.db.base import json_value, utcnow
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Conflict, FieldProblem, PreconditionFailed, field_problems, invalid, refuse


async def _check_plan_years(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    refuse(field_problems(plan_span_problems(values["start_year"], values["end_year"])))


corporate_plans = records.EntitySpec(
    repository=CorporatePlanRepository,
    resource=Resource.corporate_plan,
    check=_check_plan_years,
)

priorities = records.EntitySpec(
    repository=PriorityRepository,
    resource=Resource.corporate_plan,
    references=(records.Reference("corporate_plan_id", CorporatePlanRepository),),
)

outcomes = records.EntitySpec(
    repository=OutcomeRepository,
    resource=Resource.corporate_plan,
    references=(records.Reference("priority_id", PriorityRepository),),
)

# Service plans ---------------------------------------------------------------------------------

# D.1's sections: what a new version, or next year's plan, copies (seed 001, Appendix D.1 and D.2)
CONTENT = ("summary", "core_information", "projects", "resources", "swot", "risks")


def _json(value: Any) -> Any:
    """A section as JSON data (ids and dates as text), as its column stores it."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return json_value(value)


def _stored(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _json(value) if key in ("core_information", "projects") else value for key, value in data.items()}


async def _check_service_plan(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    """Each planned project's outcome is one of the organisation's."""
    outcomes = OutcomeRepository(session)
    problems: list[FieldProblem] = []
    for index, project in enumerate(values.get("projects") or []):
        outcome_id = project.get("outcome_id")
        if outcome_id is not None and not await outcomes.exists(actor, uuid.UUID(str(outcome_id))):
            problems.append(
                FieldProblem(f"projects.{index}.outcome_id", f"No outcome with id {outcome_id} in this organisation")
            )
    refuse(problems)


async def _check_service_plan_change(
    session: AsyncSession, actor: Actor, plan: ServicePlan, changes: Mapping[str, Any]
) -> None:
    """An approved plan is frozen (``domain.service_plans``); a later version stays with its service and year."""
    require_editable(workflow.ServicePlanState(plan.status), plan.version_number)
    if plan.version_number > 1:
        for name in ("service_id", "financial_year"):
            if name in changes and changes[name] != getattr(plan, name):
                raise invalid(name, f"Version {plan.version_number} of a plan stays with the plan's {name}")


service_plans = records.EntitySpec(
    repository=ServicePlanRepository,
    resource=Resource.service_plan,
    references=(records.Reference("service_id", ServiceRepository),),
    placement=placement_from,
    check=_check_service_plan,
    check_change=_check_service_plan_change,
)
reviews = records.EntitySpec(repository=ServicePlanReviewRepository, resource=Resource.service_plan)


async def create_service_plan(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> ServicePlan:
    """A service's first plan for a year (version 1, a draft); later changes of an approved plan are
    new versions (:func:`new_version`), next year's plan a copy (:func:`next_year`)."""
    await records.check_references(session, actor, service_plans, data)
    require_write(actor, Resource.service_plan, await placement_from(session, data))
    existing = await ServicePlanRepository(session).versions(data["service_id"], data["financial_year"])
    if existing:
        raise Conflict(
            detail=f"The service already has a plan for {data['financial_year']} (version "
            f"{existing[-1].version_number}, {existing[-1].status}): change it, or start a new version of it"
        )
    return await records.create(session, actor, service_plans, _stored(data))


async def update_service_plan(
    session: AsyncSession, actor: Actor, id: uuid.UUID, changes: dict[str, Any], expected_version: int | None
) -> ServicePlan:
    """Change a plan's sections while it is being written or reviewed; refused (409) once approved."""
    return await records.update(session, actor, service_plans, id, _stored(changes), expected_version)


async def _load_for_write(
    session: AsyncSession, actor: Actor, id: uuid.UUID, expected_version: int | None = None
) -> ServicePlan:
    plan = await records.get(session, actor, service_plans, id)
    require_write(actor, Resource.service_plan, await placement_from(session, records.column_values(plan)))
    if expected_version is not None and expected_version != plan.version:
        raise PreconditionFailed.if_match(
            f"You read version {expected_version} but the service plan is now at version {plan.version}"
        )
    return plan


def _versions(plans: list[ServicePlan]) -> list[Version]:
    return [Version(p.version_number, workflow.ServicePlanState(p.status)) for p in plans]


async def transition_service_plan(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    to: workflow.ServicePlanState,
    comment: str | None,
    expected_version: int | None,
) -> ServicePlan:
    """Move a service plan through draft -> quality review -> strategic review -> approved -> published.

    The actor needs write access over the plan's service; which step they may take is the domain
    state machine's decision, made on the roles they hold *over this plan* (a director of another
    directorate does not approve this one). Each move is a review step recorded with its comment
    (``domain.service_plans.review_of``: sending back needs one); approving a new version supersedes
    the version in force before it.
    """
    plan = await records.get(session, actor, service_plans, id)
    where = await placement_from(session, records.column_values(plan))
    require_write(actor, Resource.service_plan, where)
    current = workflow.ServicePlanState(plan.status)
    new_state = workflow.service_plan_transition(current, to, actor.roles_over(where))
    review = review_of(current, new_state, comment)
    await audit.update(
        session, actor, plan, {"status": new_state.value}, expected_version, action="transition", note=comment
    )
    if new_state is workflow.ServicePlanState.APPROVED:
        versions = await ServicePlanRepository(session).versions(plan.service_id, plan.financial_year)
        for number in superseded_by_approval(_versions(versions), plan.version_number):
            earlier = next(p for p in versions if p.version_number == number)
            await audit.update(
                session,
                actor,
                earlier,
                {"status": workflow.ServicePlanState.SUPERSEDED.value},
                None,
                action="supersede",
                note=f"Superseded by version {plan.version_number}",
            )
    row = ServicePlanReview(
        organisation_id=actor.organisation_id,
        service_plan_id=plan.id,
        step=review.step.value,
        decision=review.decision.value,
        from_state=current.value,
        to_state=new_state.value,
        comment=comment,
        reviewer=actor.subject,
        reviewer_name=actor.name,
        reviewed_at=utcnow(),
    )
    await audit.create(session, actor, row)
    if new_state in (workflow.ServicePlanState.APPROVED, workflow.ServicePlanState.PUBLISHED):
        await events.emit(
            session,
            organisation_id=plan.organisation_id,
            event_type=f"service_plan.{new_state.value}",
            subject={"service_plan_id": plan.id, "service_id": plan.service_id},
            data={
                "financial_year": plan.financial_year,
                "version_number": plan.version_number,
                "by": actor.subject,
                "comment": comment,
            },
        )
    return plan


def _copy(plan: ServicePlan, **values: Any) -> ServicePlan:
    return ServicePlan(
        organisation_id=plan.organisation_id,
        service_id=plan.service_id,
        status=workflow.ServicePlanState.DRAFT.value,
        copied_from_id=plan.id,
        **{name: copy.deepcopy(getattr(plan, name)) for name in CONTENT},
        **values,
    )


async def new_version(session: AsyncSession, actor: Actor, id: uuid.UUID, expected_version: int | None) -> ServicePlan:
    """A new version (a draft) of the approved plan in force, with its content, to change and take
    through the reviews again; the approved one stays in force until the new one is approved."""
    plan = await _load_for_write(session, actor, id, expected_version)
    versions = await ServicePlanRepository(session).versions(plan.service_id, plan.financial_year)
    number = next_version(_versions(versions), plan.version_number)
    draft = _copy(plan, financial_year=plan.financial_year, version_number=number)
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, draft),
        f"Version {number} of this plan was started at the same time: change that one",
    )
    return draft


async def next_year(session: AsyncSession, actor: Actor, id: uuid.UUID) -> ServicePlan:
    """Next financial year's plan for the service, a draft starting as a copy of this plan's content
    (seed 001, Appendix D.2: "pre-filled with relevant information from previous years' Service Plan");
    the reviews are not copied. Refused (409) when the service has a plan for that year already."""
    plan = await _load_for_write(session, actor, id)
    year = str(FinancialYear.parse(plan.financial_year).next())
    existing = await ServicePlanRepository(session).versions(plan.service_id, year)
    if existing:
        raise Conflict(detail=f"The service already has a plan for {year}: change that one")
    draft = _copy(plan, financial_year=year, version_number=1)
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, draft),
        f"The service already has a plan for {year}: change that one",
    )
    return draft


async def list_reviews(session: AsyncSession, actor: Actor, id: uuid.UUID, query: ListQuery) -> Page[ServicePlanReview]:
    """A plan's review history (404 when the plan is not one the actor can read)."""
    plan = await records.get(session, actor, service_plans, id)
    filtered = ListQuery(
        filters={**query.filters, "service_plan_id": plan.id},
        updated_since=query.updated_since,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    return await records.list_page(session, actor, reviews, filtered)
