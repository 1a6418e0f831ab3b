"""Request and response shapes for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator
from pydantic.config import JsonDict

from pmf_api.domain.service_plans import Decision, ReviewStep
from pmf_api.domain.workflow import ServicePlanState
from pmf_api.framework.plans.sections import CoreInformation, PlannedProject, Projects, Swot
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import (
    ArchivableOutput,
    Code,
    FinancialYearField,
    FinancialYearText,
    InputModel,
    Name,
    OutputModel,
    Text,
    UpdateModel,
)

Year = Annotated[int, Field(ge=2000, le=2100, description="A calendar year, e.g. 2023")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
LgofOutcome = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="The Local Government Outcomes Framework outcome it contributes to"),
]
Position = Annotated[int, Field(ge=0, le=10_000, description="Order of display within the plan, lowest first")]

PLAN_ID = "6f1c2d0e-0000-4000-8000-0000000000c1"
PRIORITY_ID = "6f1c2d0e-0000-4000-8000-0000000000d1"
SERVICE_ID = "6f1c2d0e-0000-4000-8000-000000000002"
_STAMPS: JsonDict = {
    "created_at": "2025-04-01T09:00:00Z",
    "updated_at": "2025-04-01T09:00:00Z",
    "version": 1,
    "archived_at": None,
}


class CorporatePlanStatus(StrEnum):
    """Where a Corporate Plan stands: being drafted, or adopted by the council. A plan is retired
    only by archiving it (`POST /corporate-plans/{id}/archive`), which sets `archived_at`, and
    brought back by restoring it: the status says whether it was adopted, never whether it is retired."""

    DRAFT = "draft"
    ADOPTED = "adopted"


class BestValueTheme(StrEnum):
    """The seven themes of the Best Value Duty statutory guidance (May 2024).

    Source: seed 001_ec6bae7b38cacc6f.txt, "Best Value Duty - Updated Statutory Guidance".
    """

    CONTINUOUS_IMPROVEMENT = "continuous_improvement"
    LEADERSHIP = "leadership"
    GOVERNANCE = "governance"
    CULTURE = "culture"
    USE_OF_RESOURCES = "use_of_resources"
    SERVICE_DELIVERY = "service_delivery"
    PARTNERSHIPS_AND_COMMUNITY_ENGAGEMENT = "partnerships_and_community_engagement"


BestValueThemes = Annotated[
    list[BestValueTheme],
    Field(
        max_length=len(BestValueTheme),
        description="Best Value Duty themes the outcome evidences (no repeats)",
    ),
]


def _no_repeats(themes: list[BestValueTheme] | None) -> list[BestValueTheme] | None:
    if themes is not None and len(set(themes)) != len(themes):
        raise ValueError("a theme is listed twice")
    return themes


# Corporate plans -------------------------------------------------------------------------------

_PLAN_EXAMPLE: JsonDict = {
    "title": "Corporate Plan 2023-2028",
    "start_year": 2023,
    "end_year": 2028,
    "status": "adopted",
    "description": "Our priorities for the district, refreshed each year.",
}


class CorporatePlanCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PLAN_EXAMPLE]})

    title: Name
    start_year: Year
    end_year: Year = Field(description="The last year the plan covers; at most 10 years after `start_year`")
    status: CorporatePlanStatus = Field(
        default=CorporatePlanStatus.DRAFT,
        description="draft or adopted; a plan is retired by archiving it, not by its status",
    )
    description: Text | None = None


class CorporatePlanUpdate(UpdateModel):
    nullable = frozenset({"description"})
    title: Name | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    status: CorporatePlanStatus | None = None
    description: Text | None = None


class CorporatePlan(ArchivableOutput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": PLAN_ID, **_PLAN_EXAMPLE, **_STAMPS}]})

    title: str
    start_year: int
    end_year: int
    status: CorporatePlanStatus
    description: str | None


class CorporatePlanList(ListParams):
    sort: Literal["start_year", "-start_year", "title", "-title", "updated_at", "-updated_at"] = "-start_year"
    status: CorporatePlanStatus | None = None


# Priorities ------------------------------------------------------------------------------------

_PRIORITY_EXAMPLE: JsonDict = {
    "corporate_plan_id": PLAN_ID,
    "code": "P1",
    "title": "Improving quality of life for local people",
    "description": None,
    "position": 1,
}


class PriorityCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PRIORITY_EXAMPLE]})

    corporate_plan_id: uuid.UUID
    code: Code = Field(description="Unique within the corporate plan")
    title: Name
    description: Text | None = None
    position: Position = 0


class PriorityUpdate(UpdateModel):
    nullable = frozenset({"description"})
    corporate_plan_id: uuid.UUID | None = None
    code: Code | None = None
    title: Name | None = None
    description: Text | None = None
    position: Position | None = None


class Priority(ArchivableOutput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": PRIORITY_ID, **_PRIORITY_EXAMPLE, **_STAMPS}]})

    corporate_plan_id: uuid.UUID
    code: str
    title: str
    description: str | None
    position: int


class PriorityList(ListParams):
    sort: Literal["position", "-position", "code", "-code", "title", "-title", "updated_at", "-updated_at"] = "position"
    corporate_plan_id: uuid.UUID | None = None


# Outcomes --------------------------------------------------------------------------------------

_OUTCOME_EXAMPLE: JsonDict = {
    "priority_id": PRIORITY_ID,
    "code": "P1.2",
    "title": "Keeping people out of crisis",
    "description": None,
    "lgof_outcome": "Reducing homelessness and rough sleeping",
    "best_value_themes": ["service_delivery", "partnerships_and_community_engagement"],
}


class OutcomeCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_OUTCOME_EXAMPLE]})

    priority_id: uuid.UUID
    code: Code = Field(description="Unique within the priority")
    title: Name
    description: Text | None = None
    lgof_outcome: LgofOutcome | None = None
    best_value_themes: BestValueThemes = []

    _themes = field_validator("best_value_themes")(_no_repeats)


class OutcomeUpdate(UpdateModel):
    nullable = frozenset({"description", "lgof_outcome"})
    priority_id: uuid.UUID | None = None
    code: Code | None = None
    title: Name | None = None
    description: Text | None = None
    lgof_outcome: LgofOutcome | None = None
    best_value_themes: BestValueThemes | None = None

    _themes = field_validator("best_value_themes")(_no_repeats)


class Outcome(ArchivableOutput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "6f1c2d0e-0000-4000-8000-0000000000e1", **_OUTCOME_EXAMPLE, **_STAMPS}]}
    )

    priority_id: uuid.UUID
    code: str
    title: str
    description: str | None
    lgof_outcome: str | None
    best_value_themes: list[BestValueTheme]


class OutcomeList(ListParams):
    sort: Literal["code", "-code", "title", "-title", "updated_at", "-updated_at"] = "code"
    priority_id: uuid.UUID | None = None
    corporate_plan_id: uuid.UUID | None = Field(default=None, description="Outcomes under any priority of this plan")


# Service plans ---------------------------------------------------------------------------------

_SERVICE_PLAN_EXAMPLE: JsonDict = {
    "service_id": SERVICE_ID,
    "financial_year": "2025/26",
    "summary": "Roll out food waste collections to every household.",
    "core_information": {
        "purpose": "Keep the district clean and recycle as much as we can.",
        "services": ["Household waste collection", "Street cleansing"],
        "customers": ["Households", "Businesses"],
        "statutory_duties": ["Environmental Protection Act 1990, s.45"],
        "partners": ["County council (disposal)"],
    },
    "projects": [
        {
            "title": "Weekly food waste collections",
            "description": "Every household by March 2026",
            "outcome_id": None,
            "start_date": "2025-04-01",
            "due_date": "2026-03-31",
        }
    ],
    "resources": "12 FTE crews; £1.2m revenue budget; new fleet from Q2.",
    "swot": {
        "strengths": ["Experienced crews"],
        "weaknesses": ["Ageing fleet"],
        "opportunities": ["New burdens funding for food waste"],
        "threats": ["Driver recruitment"],
    },
    "risks": "Fleet delivery delays; driver shortages.",
}


class ServicePlanCreate(FinancialYearField, InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SERVICE_PLAN_EXAMPLE]})

    service_id: uuid.UUID
    financial_year: FinancialYearText = Field(
        description="The financial year, as 2025/26; one plan per service per year (changed by new versions)"
    )
    summary: Text | None = None
    core_information: CoreInformation | None = None
    projects: Projects = []
    resources: Text | None = Field(default=None, description="People, budget and assets the plan relies on")
    swot: Swot | None = None
    risks: Text | None = Field(
        default=None, description="The risks to delivering the plan (the risk register links its risks to plans)"
    )


class ServicePlanUpdate(FinancialYearField, UpdateModel):
    """The status is moved with `POST /service-plans/{id}/transition`, never here. An approved (or
    published, or superseded) plan's content is frozen: a change is refused with 409; start a new version
    with `POST /service-plans/{id}/versions`."""

    nullable = frozenset({"summary", "core_information", "resources", "swot", "risks"})
    service_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    summary: Text | None = None
    core_information: CoreInformation | None = None
    projects: Projects | None = None
    resources: Text | None = None
    swot: Swot | None = None
    risks: Text | None = None


class ServicePlan(ArchivableOutput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000f1",
                    **_SERVICE_PLAN_EXAMPLE,
                    "version_number": 1,
                    "copied_from_id": None,
                    "status": "draft",
                    **_STAMPS,
                }
            ]
        }
    )

    service_id: uuid.UUID
    financial_year: str
    version_number: int = Field(description="1 for the year's first plan; a new version of an approved plan is next")
    copied_from_id: uuid.UUID | None = Field(
        description="The plan its content was copied from: the version before, or last year's plan"
    )
    status: ServicePlanState = Field(
        description="`superseded` when a later version of the same year was approved; approved, published "
        "and superseded plans are frozen"
    )
    summary: str | None
    core_information: CoreInformation | None
    projects: list[PlannedProject]
    resources: str | None
    swot: Swot | None
    risks: str | None


class ServicePlanList(FinancialYearField, ListParams):
    sort: Literal[
        "financial_year",
        "-financial_year",
        "version_number",
        "-version_number",
        "updated_at",
        "-updated_at",
    ] = "-financial_year"
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = Field(default=None, description="Plans of services in this directorate")
    financial_year: FinancialYearText | None = Field(default=None, description="A financial year such as 2025/26")
    status: ServicePlanState | None = None


class ServicePlanTransition(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to": "quality_review", "comment": "Ready for the Transformation Team"}]}
    )

    to: ServicePlanState = Field(description="The state to move the plan to")
    comment: Text | None = Field(
        default=None,
        description="The reviewer's comment, kept in the plan's review history; required when sending the plan back",
    )


class ServicePlanReview(OutputModel):
    """One step of a plan's review: who decided what, when, and why (seed 001, Appendix D.1)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000f2",
                    "service_plan_id": "6f1c2d0e-0000-4000-8000-0000000000f1",
                    "step": "quality_review",
                    "decision": "sent_back",
                    "from_state": "quality_review",
                    "to_state": "draft",
                    "comment": "Add the fleet replacement to the projects",
                    "reviewer": "performance.officer@example.gov.uk",
                    "reviewer_name": "Priya Shah",
                    "reviewed_at": "2025-03-01T10:00:00Z",
                    "created_at": "2025-03-01T10:00:00Z",
                    "updated_at": "2025-03-01T10:00:00Z",
                    "version": 1,
                }
            ]
        }
    )

    service_plan_id: uuid.UUID
    step: ReviewStep
    decision: Decision
    from_state: ServicePlanState
    to_state: ServicePlanState
    comment: str | None
    reviewer: str = Field(description="The reviewer's subject")
    reviewer_name: str | None
    reviewed_at: datetime


class ServicePlanReviewList(ListParams):
    sort: Literal["reviewed_at", "-reviewed_at"] = "reviewed_at"
