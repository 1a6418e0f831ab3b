"""Request and response shapes for the Corporate Plan (plans, priorities, outcomes) and service plans."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator
from pydantic.config import JsonDict

from pmf_api.domain.workflow import ServicePlanState
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import (
    ArchivableOutput,
    Code,
    FinancialYearField,
    FinancialYearText,
    InputModel,
    Name,
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
    DRAFT = "draft"
    ADOPTED = "adopted"
    ARCHIVED = "archived"


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
    status: CorporatePlanStatus = CorporatePlanStatus.DRAFT
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

SwotItems = Annotated[list[ShortText], Field(max_length=50)]


class Swot(InputModel):
    """An optional SWOT analysis (seed 001_ec6bae7b38cacc6f.txt, Appendix D, step 3)."""

    strengths: SwotItems = []
    weaknesses: SwotItems = []
    opportunities: SwotItems = []
    threats: SwotItems = []


_SERVICE_PLAN_EXAMPLE: JsonDict = {
    "service_id": SERVICE_ID,
    "financial_year": "2025/26",
    "summary": "Roll out food waste collections to every household.",
    "resources": "12 FTE crews; £1.2m revenue budget; new fleet from Q2.",
    "swot": {
        "strengths": ["Experienced crews"],
        "weaknesses": ["Ageing fleet"],
        "opportunities": ["New burdens funding for food waste"],
        "threats": ["Driver recruitment"],
    },
}


class ServicePlanCreate(FinancialYearField, InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SERVICE_PLAN_EXAMPLE]})

    service_id: uuid.UUID
    financial_year: FinancialYearText = Field(
        description="The financial year, as 2025/26; one plan per service per year"
    )
    summary: Text | None = None
    resources: Text | None = Field(default=None, description="People, budget and assets the plan relies on")
    swot: Swot | None = None


class ServicePlanUpdate(FinancialYearField, UpdateModel):
    """The status is moved with `POST /service-plans/{id}/transition`, never here."""

    nullable = frozenset({"summary", "resources", "swot"})
    service_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    summary: Text | None = None
    resources: Text | None = None
    swot: Swot | None = None


class ServicePlan(ArchivableOutput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000f1",
                    **_SERVICE_PLAN_EXAMPLE,
                    "status": "draft",
                    **_STAMPS,
                }
            ]
        }
    )

    service_id: uuid.UUID
    financial_year: str
    status: ServicePlanState
    summary: str | None
    resources: str | None
    swot: Swot | None


class ServicePlanList(FinancialYearField, ListParams):
    sort: Literal["financial_year", "-financial_year", "updated_at", "-updated_at"] = "-financial_year"
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = Field(default=None, description="Plans of services in this directorate")
    financial_year: FinancialYearText | None = Field(default=None, description="A financial year such as 2025/26")
    status: ServicePlanState | None = None


class ServicePlanTransition(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to": "quality_review", "comment": "Ready for the Transformation Team"}]}
    )

    to: ServicePlanState = Field(description="The state to move the plan to")
    comment: Text | None = Field(default=None, description="Why; kept in the audit trail")
