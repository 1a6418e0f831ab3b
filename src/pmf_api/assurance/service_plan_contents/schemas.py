"""The shape of a service plan's contents: the plan, its actions and its service's KPIs."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.framework.plans.schemas import ServicePlan


class PlanAction(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    kind: str
    delivery_role: str = Field(description="do, enable or influence (seed 000)")
    status: str
    outcome_id: uuid.UUID | None
    start_date: date | None
    due_date: date | None


class PlanKpi(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    frequency: str
    outcome_id: uuid.UUID | None


class ServicePlanContents(BaseModel):
    """A service plan and what carries it (seed 001, Appendix D; the golden thread)."""

    plan: ServicePlan
    actions: list[PlanAction] = Field(description="Actions that name this plan (`service_plan_id`), by code")
    kpis: list[PlanKpi] = Field(description="The active KPIs of the plan's service, by code")
