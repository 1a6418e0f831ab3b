"""Request and response shapes for individual objectives."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.domain.objectives import ReviewStage, ReviewState
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import ArchivableOutput, FinancialYearText, InputModel, IsoDate, Name, Text, UpdateModel

_EXAMPLE: JsonDict = {
    "person_id": "6f1c2d0e-0000-4000-8000-000000000010",
    "manager_id": "6f1c2d0e-0000-4000-8000-000000000011",
    "financial_year": "2026/27",
    "action_id": "6f1c2d0e-0000-4000-8000-0000000000a1",
    "outcome_id": None,
    "title": "Roll out food waste caddies to every household on my rounds",
    "description": "Plan the deliveries with the crews and answer residents' questions.",
    "success_measure": "Every household on rounds 4 to 9 has a caddy by 30 September",
}

_LINK = "Exactly one of `action_id` and `outcome_id`: the thread's link up"


class ObjectiveCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    person_id: uuid.UUID = Field(description="Whose objective it is")
    manager_id: uuid.UUID | None = Field(
        default=None, description="Their line manager, who sets and reviews it and may read it"
    )
    financial_year: FinancialYearText
    action_id: uuid.UUID | None = Field(default=None, description=_LINK)
    outcome_id: uuid.UUID | None = Field(default=None, description=_LINK)
    title: Name
    description: Text | None = None
    success_measure: Text | None = Field(default=None, description="How the person and manager will know it is met")


class ObjectiveUpdate(UpdateModel):
    nullable = frozenset({"manager_id", "action_id", "outcome_id", "description", "success_measure", "own_comment"})
    manager_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    action_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
    title: Name | None = None
    description: Text | None = None
    success_measure: Text | None = None
    own_comment: Text | None = Field(default=None, description="The person's own comment: only they write it")


class ObjectiveReview(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"stage": "mid_year", "state": "on_track", "comment": "Rounds 4-6 done", "reviewed_on": None}]
        }
    )

    stage: ReviewStage
    state: ReviewState
    comment: Text | None = None
    reviewed_on: IsoDate | None = Field(default=None, description="Not after today; today when left out")


class Objective(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0e-0000-4000-8000-0000000000b1",
                    **_EXAMPLE,
                    "mid_year_state": "on_track",
                    "mid_year_comment": "Rounds 4 to 6 have their caddies",
                    "mid_year_reviewed_on": "2026-10-14",
                    "mid_year_reviewer_id": "6f1c2d0e-0000-4000-8000-000000000011",
                    "year_end_state": "not_due",
                    "year_end_comment": None,
                    "year_end_reviewed_on": None,
                    "year_end_reviewer_id": None,
                    "own_comment": "Crews asked for two more weeks on round 9",
                    "created_at": "2026-04-20T09:00:00Z",
                    "updated_at": "2026-10-14T09:00:00Z",
                    "version": 3,
                    "archived_at": None,
                }
            ]
        },
    )

    person_id: uuid.UUID
    manager_id: uuid.UUID | None
    financial_year: str
    action_id: uuid.UUID | None
    outcome_id: uuid.UUID | None
    title: str
    description: str | None
    success_measure: str | None
    mid_year_state: ReviewState
    mid_year_comment: str | None
    mid_year_reviewed_on: date | None
    mid_year_reviewer_id: uuid.UUID | None
    year_end_state: ReviewState
    year_end_comment: str | None
    year_end_reviewed_on: date | None
    year_end_reviewer_id: uuid.UUID | None
    own_comment: str | None


class ObjectiveList(ListParams):
    sort: Literal["title", "-title", "updated_at", "-updated_at"] = "updated_at"
    person_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    action_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
