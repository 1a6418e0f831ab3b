"""The shape of a service plan's contents: the plan, its actions, its service's KPIs and its risks."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

# Importing the risk register's schemas quiets pydantic's warning that a field named `register` shadows
# an inherited method (see there); the field below is declared with `Field(...)`, so it is required.
from pmf_api.assurance.risks import schemas as _risk_schemas  # noqa: F401
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


class PlanRisk(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    register: str = Field(..., description="strategic or operational")
    status: str
    residual_score: int
    residual_rag: str = Field(description="red, amber or green on the council's risk matrix")
    next_review_due: date


class ServicePlanContents(BaseModel):
    """A service plan and what carries it (seed 001, Appendix D; the golden thread)."""

    plan: ServicePlan
    actions: list[PlanAction] = Field(description="Actions that name this plan (`service_plan_id`), by code")
    kpis: list[PlanKpi] = Field(description="The active KPIs of the plan's service, by code")
    risks: list[PlanRisk] = Field(description="Risks the register links to this plan (or an earlier version), by code")
