"""Request and response shapes for quarterly action updates."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.domain.action_updates import ActionUpdateState, MilestoneState
from pmf_api.domain.actions import ActionStatus
from pmf_api.framework.actions.schemas import MAX_MILESTONES, DeliveryRole
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import FinancialYearText, InputModel, IsoDate, Name, OutputModel, Text, UpdateModel


class ActionUpdateRag(StrEnum):
    """An update's own RAG (seed 001: "an update, RAG status, and an impact each quarter")."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


Quarter = Annotated[int, Field(ge=1, le=4, description="1 to 4, in the financial year")]
Progress = Annotated[int, Field(ge=0, le=100, description="Per cent done, 0 to 100")]


class ActionMilestoneAtQuarter(InputModel):
    title: Name
    due_date: IsoDate
    state: MilestoneState | None = Field(
        default=None,
        description="not_started, in_progress or completed; by default completed when `completed_on` is set",
    )
    completed_on: IsoDate | None = Field(default=None, description="Set exactly when it is completed")


Milestones = Annotated[
    list[ActionMilestoneAtQuarter],
    Field(max_length=MAX_MILESTONES, description="As at the quarter; by default the action's milestones"),
]


class ActionMilestoneStatus(BaseModel):
    title: str
    due_date: date
    state: MilestoneState
    completed_on: date | None = None
    late: bool = Field(description="Past its due date and not completed (as at the update's check date, or today)")


_EXAMPLE: JsonDict = {
    "action_id": "6f1c2d0e-0000-4000-8000-0000000000a1",
    "financial_year": "2026/27",
    "quarter": 2,
    "status": "in_progress",
    "progress_percent": 45,
    "rag": "green",
    "commentary": "Caddies delivered to every household; collections start in October.",
    "impact": "Food waste diverted from landfill from Q3.",
    "milestones": [
        {"title": "Caddies delivered", "due_date": "2026-09-30", "state": "completed", "completed_on": "2026-09-12"},
        {"title": "First collections", "due_date": "2026-10-31", "state": "in_progress"},
    ],
}


class QuarterlyActionUpdateCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    action_id: uuid.UUID
    financial_year: FinancialYearText
    quarter: Quarter
    status: ActionStatus | None = Field(
        default=None, description="The action's status at the quarter; by default its own"
    )
    progress_percent: Progress
    rag: ActionUpdateRag
    commentary: Annotated[Text, Field(min_length=1)]
    impact: Text | None = None
    milestones: Milestones | None = None


class QuarterlyActionUpdateChange(UpdateModel):
    nullable = frozenset({"impact"})
    status: ActionStatus | None = None
    progress_percent: Progress | None = None
    rag: ActionUpdateRag | None = None
    commentary: Annotated[Text, Field(min_length=1)] | None = None
    impact: Text | None = None
    milestones: Milestones | None = None


class QuarterlyActionUpdateTransition(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"to": "accepted"}, {"to": "returned", "comment": "The RAG says green at 10% done: explain."}]
        }
    )

    to: Literal["accepted", "returned", "resubmitted"] = Field(
        description="`accepted` or `returned` (the performance team; with a comment), `resubmitted` (the owner)"
    )
    comment: Text | None = Field(default=None, description="What more is asked (required to return an update)")


class QuarterlyActionUpdate(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000c1",
                    **_EXAMPLE,
                    "state": "submitted",
                    "late_milestones": 0,
                    "rag_consistent": False,
                    "rag_suggested": "red",
                    "rag_reason": "10% done against 50% expected by now: 25 or more points behind.",
                    "flagged": True,
                    "submitted_by": "ola@example.gov.uk",
                    "submitted_by_name": "Ola Owner",
                    "reviewed_by": None,
                    "review_comment": None,
                    "created_at": "2026-10-05T09:00:00Z",
                    "updated_at": "2026-10-05T09:00:00Z",
                    "version": 1,
                }
            ]
        }
    )

    action_id: uuid.UUID
    financial_year: str
    quarter: int
    state: ActionUpdateState
    status: ActionStatus
    progress_percent: int
    rag: ActionUpdateRag
    commentary: str
    impact: str | None
    milestones: list[ActionMilestoneStatus]
    late_milestones: int
    rag_consistent: bool | None = Field(description="The RAG check's verdict; null when the action has no dates")
    rag_suggested: str | None
    rag_reason: str | None
    flagged: bool = Field(description="The RAG contradicts the update's dates and progress: for the team to look at")
    submitted_by: str
    submitted_by_name: str
    reviewed_by: str | None
    review_comment: str | None


class QuarterlyActionUpdateList(ListParams):
    sort: Literal["updated_at", "-updated_at", "financial_year", "-financial_year"] = "-updated_at"
    action_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    quarter: Quarter | None = None
    state: ActionUpdateState | None = None
    flagged: bool | None = None
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = Field(
        default=None, description="Updates of actions of this directorate's services"
    )
    outcome_id: uuid.UUID | None = None


class ActionUpdateSummaryParams(BaseModel):
    financial_year: FinancialYearText
    quarter: Quarter
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None


class ActionQuarterCounts(BaseModel):
    actions: int
    red: int
    amber: int
    green: int
    missing: int = Field(
        description="Open actions started by the quarter's end with no update for it (as the reminders chase)"
    )
    flagged: int = Field(description="Updates whose RAG contradicts their dates and progress")
    awaiting_acceptance: int = Field(description="Submitted or resubmitted, with the performance team")
    returned: int
    accepted: int
    late_milestones: int


class ActionDeliveryRoleCounts(ActionQuarterCounts):
    delivery_role: DeliveryRole


class ActionUpdateSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "financial_year": "2026/27",
                    "quarter": 2,
                    "by_delivery_role": [
                        {
                            "delivery_role": role,
                            "actions": 4,
                            "red": 1,
                            "amber": 1,
                            "green": 1,
                            "missing": 1,
                            "flagged": 1,
                            "awaiting_acceptance": 2,
                            "returned": 0,
                            "accepted": 1,
                            "late_milestones": 1,
                        }
                        for role in ("do", "enable", "influence")
                    ],
                    "total": {
                        "actions": 12,
                        "red": 3,
                        "amber": 3,
                        "green": 3,
                        "missing": 3,
                        "flagged": 3,
                        "awaiting_acceptance": 6,
                        "returned": 0,
                        "accepted": 3,
                        "late_milestones": 3,
                    },
                }
            ]
        }
    )

    financial_year: str
    quarter: int
    by_delivery_role: list[ActionDeliveryRoleCounts] = Field(
        description="Do, Enable and Influence reported apart, always all three"
    )
    total: ActionQuarterCounts


class ActionMilestones(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "action_id": "6f1c2d0e-0000-4000-8000-0000000000a1",
                    "as_of": "2026-11-30",
                    "late": 1,
                    "milestones": [
                        {
                            "title": "First collections",
                            "due_date": "2026-10-31",
                            "state": "in_progress",
                            "completed_on": None,
                            "late": True,
                        }
                    ],
                }
            ]
        }
    )

    action_id: uuid.UUID
    as_of: date
    late: int = Field(description="How many are late")
    milestones: list[ActionMilestoneStatus]
