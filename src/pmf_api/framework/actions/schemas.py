"""Request and response shapes for actions (Corporate Plan actions, key activities, projects)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from pmf_api.domain.action_updates import MilestoneState, stated_milestone_state
from pmf_api.domain.actions import ActionStatus
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import ArchivableOutput, Code, InputModel, IsoDate, Name, Text, UpdateModel

MAX_MILESTONES = 50


class ActionKind(StrEnum):
    CORPORATE_PLAN_ACTION = "corporate_plan_action"
    KEY_ACTIVITY = "key_activity"
    PROJECT = "project"


class DeliveryRole(StrEnum):
    """The council's part in delivering it: Do directly, Enable through partners, Influence others
    (seed 000_a1d4643dc9bd64fe.txt; seed 001_ec6bae7b38cacc6f.txt, "levels of influence")."""

    DO = "do"
    ENABLE = "enable"
    INFLUENCE = "influence"


class Milestone(InputModel):
    title: Name
    due_date: IsoDate
    state: MilestoneState | None = Field(
        default=None,
        description="not_started, in_progress or completed; by default completed when `completed_on` is set, "
        "else not_started. Whether it is late: `GET /actions/{id}/milestones`",
    )
    completed_on: IsoDate | None = Field(
        default=None, description="When it was met; empty while outstanding (set exactly when completed)"
    )


class MilestoneOut(BaseModel):
    title: str
    due_date: date
    state: MilestoneState
    completed_on: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _state_of_older_milestones(cls, data: Any) -> Any:
        """Milestones stored before they had states: completed when they have a date."""
        if isinstance(data, dict) and data.get("state") is None:
            return {**data, "state": stated_milestone_state(None, data.get("completed_on"))}
        return data


Milestones = Annotated[list[Milestone], Field(max_length=MAX_MILESTONES, description="At most 50, edited as a whole")]

_EXAMPLE: JsonDict = {
    "code": "CPA-07",
    "title": "Introduce weekly food waste collections",
    "description": "Every household has a caddy and a weekly collection.",
    "kind": "project",
    "delivery_role": "do",
    "status": "in_progress",
    "owner_id": "6f1c2d0e-0000-4000-8000-000000000010",
    "service_id": "6f1c2d0e-0000-4000-8000-000000000002",
    "outcome_id": "6f1c2d0e-0000-4000-8000-0000000000e1",
    "service_plan_id": "6f1c2d0e-0000-4000-8000-0000000000f1",
    "start_date": "2025-04-01",
    "due_date": "2026-03-31",
    "milestones": [
        {"title": "Caddies delivered", "due_date": "2025-09-30", "state": "completed", "completed_on": "2025-09-12"},
        {"title": "First collections", "due_date": "2025-10-31", "state": "in_progress", "completed_on": None},
    ],
}


class ActionCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    code: Code = Field(description="Unique in the organisation")
    title: Name
    description: Text | None = None
    kind: ActionKind = ActionKind.CORPORATE_PLAN_ACTION
    delivery_role: DeliveryRole = Field(description="Do, enable or influence")
    status: ActionStatus = ActionStatus.NOT_STARTED
    owner_id: uuid.UUID | None = Field(default=None, description="The person accountable for it")
    service_id: uuid.UUID = Field(description="The service delivering it; decides who may edit it")
    outcome_id: uuid.UUID | None = Field(default=None, description="The Corporate Plan outcome it contributes to")
    service_plan_id: uuid.UUID | None = Field(default=None, description="A plan of the same service")
    start_date: IsoDate | None = None
    due_date: IsoDate | None = Field(default=None, description="On or after `start_date`")
    milestones: Milestones = []


class ActionUpdate(UpdateModel):
    nullable = frozenset({"description", "owner_id", "outcome_id", "service_plan_id", "start_date", "due_date"})
    code: Code | None = None
    title: Name | None = None
    description: Text | None = None
    kind: ActionKind | None = None
    delivery_role: DeliveryRole | None = None
    status: ActionStatus | None = None
    owner_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
    service_plan_id: uuid.UUID | None = None
    start_date: IsoDate | None = None
    due_date: IsoDate | None = None
    milestones: Milestones | None = None


class Action(ArchivableOutput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000a1",
                    **_EXAMPLE,
                    "created_at": "2025-04-01T09:00:00Z",
                    "updated_at": "2025-10-01T09:00:00Z",
                    "version": 3,
                    "archived_at": None,
                }
            ]
        }
    )

    code: str
    title: str
    description: str | None
    kind: ActionKind
    delivery_role: DeliveryRole
    status: ActionStatus
    owner_id: uuid.UUID | None
    service_id: uuid.UUID
    outcome_id: uuid.UUID | None
    service_plan_id: uuid.UUID | None
    start_date: date | None
    due_date: date | None
    milestones: list[MilestoneOut]


class ActionList(ListParams):
    # due_date is nullable and keyset pagination does not order NULLs, so it is not offered as a sort.
    sort: Literal["code", "-code", "title", "-title", "updated_at", "-updated_at"] = "code"
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = Field(default=None, description="Actions of services in this directorate")
    portfolio_id: uuid.UUID | None = Field(default=None, description="Actions of services in this portfolio")
    outcome_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    status: ActionStatus | None = None
    delivery_role: DeliveryRole | None = None
    kind: ActionKind | None = None
    due_before: date | None = Field(default=None, description="Due on or before this date")
    due_after: date | None = Field(default=None, description="Due on or after this date")
