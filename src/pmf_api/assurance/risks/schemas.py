"""Request and response shapes for the risk register (seeds 003_2a403038ecab8362.txt and
004_d92670c30a2dff9f.txt; issue 12, item 2)."""

from __future__ import annotations

import uuid
import warnings
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from pmf_api.domain.risk import RiskRegister, RiskTrend
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import Code, InputModel, IsoDate, Name, OutputModel, UpdateModel

MAX_ROWS = 50

# `register` is the field's own name (strategic or operational); pydantic warns that it shadows the
# `register` classmethod models inherit from ABCMeta, which these models never use. Each such field is
# declared with a default or `Field(...)`, so the inherited method is never taken for its default.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)

# A risk's category is stored in 100 characters (``models.Risk.category``)
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

# Cause, event, effect, a control, a review's commentary: said, never empty
Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
# Likelihood and impact are checked against the council's matrix (a 422 at the field names its size);
# this bound only keeps absurd numbers out of the database.
Score = Annotated[int, Field(ge=-1000, le=1000, description="From 1 to the council's matrix size (5 by default)")]
LinkedIds = Annotated[list[uuid.UUID], Field(max_length=MAX_ROWS, description="At most 50, each this council's")]
Controls = Annotated[list[Statement], Field(max_length=MAX_ROWS, description="Controls in place, as text")]


class RiskRag(StrEnum):
    """A score's colour on the council's matrix (a risk always has one)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class RiskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Mitigation(InputModel):
    description: Statement
    action_id: uuid.UUID | None = Field(default=None, description="The action carrying it out (this council's)")


class MitigationOut(BaseModel):
    description: str
    action_id: uuid.UUID | None = None


Mitigations = Annotated[list[Mitigation], Field(max_length=MAX_ROWS, description="At most 50, edited as a whole")]

_EXAMPLE: JsonDict = {
    "code": "SR-03",
    "title": "Waste contract fails to deliver",
    "cause": "The contractor's finances are weak",
    "event": "The contractor cannot run collections",
    "effect": "Missed bins, a health risk and a cost to put right",
    "owner_id": "6f1c2d0e-0000-4000-8000-000000000010",
    "register": "operational",
    "service_id": "6f1c2d0e-0000-4000-8000-000000000002",
    "category": "Contractual",
    "inherent_likelihood": 4,
    "inherent_impact": 5,
    "residual_likelihood": 3,
    "residual_impact": 4,
    "target_score": 6,
    "controls": ["Monthly contract meetings"],
    "mitigations": [{"description": "Step-in plan", "action_id": "6f1c2d0e-0000-4000-8000-0000000000a1"}],
    "kpi_ids": ["6f1c2d0e-0000-4000-8000-0000000000b1"],
}


class RiskCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    code: Code = Field(description="Unique in the organisation")
    title: Name
    cause: Statement
    event: Statement
    effect: Statement
    owner_id: uuid.UUID = Field(description="The person who owns the risk")
    register: RiskRegister = RiskRegister.OPERATIONAL
    service_id: uuid.UUID | None = Field(
        default=None, description="An operational risk's service (or give its `directorate_id`)"
    )
    directorate_id: uuid.UUID | None = Field(default=None, description="Taken from the service when not given")
    category: Category | None = None
    inherent_likelihood: Score
    inherent_impact: Score
    residual_likelihood: Score = Field(description="The current likelihood, with controls in place")
    residual_impact: Score
    target_score: int | None = Field(default=None, ge=-1000, le=1000, description="The score aimed for")
    identified_on: IsoDate | None = Field(
        default=None, description="When first assessed (today if not given); its first review is due from it"
    )
    controls: Controls = []
    mitigations: Mitigations = []
    outcome_ids: LinkedIds = []
    kpi_ids: LinkedIds = []
    service_plan_ids: LinkedIds = []
    action_ids: LinkedIds = Field(default=[], description="Projects and other actions it bears on")


class RiskUpdate(UpdateModel):
    """The residual score changes only by a review, the register only by escalation."""

    nullable = frozenset({"service_id", "directorate_id", "category", "target_score"})
    code: Code | None = None
    title: Name | None = None
    cause: Statement | None = None
    event: Statement | None = None
    effect: Statement | None = None
    owner_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    category: Category | None = None
    inherent_likelihood: Score | None = None
    inherent_impact: Score | None = None
    target_score: int | None = Field(default=None, ge=-1000, le=1000)
    status: RiskStatus | None = None
    controls: Controls | None = None
    mitigations: Mitigations | None = None
    outcome_ids: LinkedIds | None = None
    kpi_ids: LinkedIds | None = None
    service_plan_ids: LinkedIds | None = None
    action_ids: LinkedIds | None = None


class Risk(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000c1",
                    **_EXAMPLE,
                    "directorate_id": "6f1c2d0e-0000-4000-8000-000000000001",
                    "inherent_score": 20,
                    "inherent_rag": "red",
                    "residual_score": 12,
                    "residual_rag": "amber",
                    "status": "open",
                    "outcome_ids": [],
                    "service_plan_ids": [],
                    "action_ids": [],
                    "identified_on": "2026-04-01",
                    "last_reviewed_on": "2026-10-01",
                    "next_review_due": "2027-04-01",
                    "trend": "down",
                    "escalated_on": None,
                    "escalated_by": None,
                    "escalated_by_name": None,
                    "escalation_reason": None,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-10-01T09:00:00Z",
                    "version": 2,
                }
            ]
        },
    )

    code: str
    title: str
    cause: str
    event: str
    effect: str
    owner_id: uuid.UUID
    register: RiskRegister = Field(description="strategic or operational")
    service_id: uuid.UUID | None
    directorate_id: uuid.UUID | None
    category: str | None
    inherent_likelihood: int
    inherent_impact: int
    inherent_score: int
    inherent_rag: RiskRag = Field(description="The colour of the inherent score on the council's matrix when assessed")
    residual_likelihood: int
    residual_impact: int
    residual_score: int
    residual_rag: RiskRag
    target_score: int | None
    status: RiskStatus
    controls: list[str]
    mitigations: list[MitigationOut]
    outcome_ids: list[uuid.UUID]
    kpi_ids: list[uuid.UUID]
    service_plan_ids: list[uuid.UUID]
    action_ids: list[uuid.UUID]
    identified_on: date
    last_reviewed_on: date | None
    next_review_due: date = Field(
        description="Red 3 months, Amber 6, Green 12 after the last review; every 8 weeks on the strategic register"
    )
    trend: RiskTrend | None = Field(description="The score's move at the last review; null before the first")
    escalated_on: date | None
    escalated_by: str | None
    escalated_by_name: str | None
    escalation_reason: str | None


class RiskList(ListParams):
    sort: Literal[
        "code",
        "-code",
        "title",
        "-title",
        "residual_score",
        "-residual_score",
        "next_review_due",
        "-next_review_due",
        "updated_at",
        "-updated_at",
    ] = "code"
    register: RiskRegister | None = None
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    rag: RiskRag | None = Field(default=None, description="The residual score's colour")
    owner_id: uuid.UUID | None = None
    status: RiskStatus | None = None
    category: str | None = Field(default=None, max_length=100)
    review_overdue: bool | None = Field(
        default=None, description="true: open risks past their next review date today; false: the others"
    )
    kpi_id: uuid.UUID | None = Field(default=None, description="Risks linked to this KPI")
    action_id: uuid.UUID | None = Field(default=None, description="Risks linked to this action, or mitigated by it")
    outcome_id: uuid.UUID | None = Field(default=None, description="Risks linked to this outcome")
    service_plan_id: uuid.UUID | None = Field(default=None, description="Risks linked to this service plan")


class OverdueRiskList(ListParams):
    sort: Literal["next_review_due", "-next_review_due", "code", "-code"] = "next_review_due"
    register: RiskRegister | None = None
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None


class RiskReviewCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reviewed_on": "2026-11-20",
                    "residual_likelihood": 2,
                    "residual_impact": 4,
                    "commentary": "The step-in plan is agreed; likelihood down.",
                }
            ]
        }
    )

    reviewed_on: IsoDate = Field(description="Not after today, nor before the last review")
    residual_likelihood: Score
    residual_impact: Score
    commentary: Statement
    reviewer_id: uuid.UUID | None = Field(default=None, description="Who reviewed it; you, if not given")


class RiskReview(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000d1",
                    "risk_id": "6f1c2d0e-0000-4000-8000-0000000000c1",
                    "reviewed_on": "2026-10-01",
                    "likelihood": 3,
                    "impact": 4,
                    "score": 12,
                    "rag": "amber",
                    "previous_score": 16,
                    "trend": "down",
                    "commentary": "The step-in plan is agreed; likelihood down.",
                    "reviewer_id": "6f1c2d0e-0000-4000-8000-000000000010",
                    "reviewed_by": "risk.owner@example.gov.uk",
                    "register": "operational",
                    "next_review_due": "2027-04-01",
                    "created_at": "2026-10-01T09:00:00Z",
                    "updated_at": "2026-10-01T09:00:00Z",
                    "version": 1,
                }
            ]
        },
    )

    risk_id: uuid.UUID
    reviewed_on: date
    likelihood: int
    impact: int
    score: int
    rag: RiskRag
    previous_score: int
    trend: RiskTrend
    commentary: str
    reviewer_id: uuid.UUID | None
    reviewed_by: str
    register: RiskRegister = Field(description="The register the risk was on when reviewed")
    next_review_due: date


class RiskReviewList(ListParams):
    sort: Literal["created_at", "-created_at"] = "-created_at"


class RiskEscalation(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "The contractor has served notice: a council-wide risk now."}]}
    )

    reason: Statement = Field(description="Why it goes onto the strategic register")
