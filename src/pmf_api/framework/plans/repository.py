"""Queries of the Corporate Plan (plans, priorities, outcomes) and of service plans."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from pmf_api.framework.organisations.repository import services_in_directorate
from pmf_api.framework.plans.models import CorporatePlan, Outcome, Priority, ServicePlan, ServicePlanReview
from pmf_api.platform.db.repository import OwnedRepository


def _outcomes_of_plan(corporate_plan_id: Any) -> ColumnElement[bool]:
    return Outcome.priority_id.in_(select(Priority.id).where(Priority.corporate_plan_id == corporate_plan_id))


def _plans_of_directorate(directorate_id: Any) -> ColumnElement[bool]:
    return ServicePlan.service_id.in_(services_in_directorate(directorate_id))


def _plans_moved_to(state: Any) -> ColumnElement[bool]:
    """Plans a review has moved to ``state`` (a draft with one was sent back: only that lands in draft)."""
    return ServicePlan.id.in_(select(ServicePlanReview.service_plan_id).where(ServicePlanReview.to_state == state))


class CorporatePlanRepository(OwnedRepository[CorporatePlan]):
    model = CorporatePlan
    what = "corporate plan"
    sortable = {
        "start_year": CorporatePlan.start_year,
        "title": CorporatePlan.title,
        "updated_at": CorporatePlan.updated_at,
    }
    default_sort = "-start_year"


class PriorityRepository(OwnedRepository[Priority]):
    model = Priority
    what = "priority"
    sortable = {
        "position": Priority.position,
        "code": Priority.code,
        "title": Priority.title,
        "updated_at": Priority.updated_at,
    }
    default_sort = "position"


class OutcomeRepository(OwnedRepository[Outcome]):
    model = Outcome
    what = "outcome"
    sortable = {"code": Outcome.code, "title": Outcome.title, "updated_at": Outcome.updated_at}
    default_sort = "code"
    filters = {"corporate_plan_id": _outcomes_of_plan}

    async def priorities_of(self, outcome_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, uuid.UUID]:
        """Each outcome's priority."""
        wanted = {id for id in outcome_ids if id is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(Outcome.id, Outcome.priority_id).where(Outcome.id.in_(wanted)))
        return {outcome_id: priority_id for outcome_id, priority_id in rows.all()}


def outcomes_of_priority(priority_id: Any) -> Select[uuid.UUID]:
    """The ids of a priority's outcomes, as a subquery for other features' filters."""
    return select(Outcome.id).where(Outcome.priority_id == priority_id)


class ServicePlanRepository(OwnedRepository[ServicePlan]):
    model = ServicePlan
    what = "service plan"
    sortable = {
        "financial_year": ServicePlan.financial_year,
        "version_number": ServicePlan.version_number,
        "updated_at": ServicePlan.updated_at,
    }
    default_sort = "-financial_year"
    filters = {"directorate_id": _plans_of_directorate, "reviewed_to": _plans_moved_to}

    async def service_of(self, plan_id: uuid.UUID) -> uuid.UUID | None:
        found: uuid.UUID | None = await self.session.scalar(
            select(ServicePlan.service_id).where(ServicePlan.id == plan_id)
        )
        return found

    async def versions(self, service_id: uuid.UUID, financial_year: str) -> list[ServicePlan]:
        """Every version of a service's plan for a year, oldest first."""
        statement = (
            select(ServicePlan)
            .where(ServicePlan.service_id == service_id, ServicePlan.financial_year == financial_year)
            .order_by(ServicePlan.version_number)
        )
        return list(await self.session.scalars(statement))


class ServicePlanReviewRepository(OwnedRepository[ServicePlanReview]):
    model = ServicePlanReview
    what = "service plan review"
    sortable = {"reviewed_at": ServicePlanReview.reviewed_at, "updated_at": ServicePlanReview.updated_at}
    default_sort = "reviewed_at"
