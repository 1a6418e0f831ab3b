"""Request and response shapes for closed periods and the restatement log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.platform.http.paging import PageParams
from pmf_api.platform.schemas import InputModel, IsoDateTime, Number, OutputModel, PeriodText, Text


class PeriodCloseCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"period": "2026/27 Q2"},
                {"period": "2026/27 P5", "reason": "Closed for the board pack; the fly-tipping figure follows late"},
            ]
        }
    )

    period: PeriodText = Field(
        description="A period that has ended: a quarter (`2026/27 Q2`, which closes its months too), a month "
        "(`2026/27 P5`) or a year (`2026/27`)"
    )
    reason: Text | None = Field(
        default=None,
        description="Needed when values of the period are not validated yet: they are then listed on the close",
    )


class PeriodCloseReopen(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Waste tonnages re-issued by the contractor"}]}
    )

    reason: Text = Field(min_length=3, description="Why the period is reopened; kept on the close and audited")


class UnvalidatedValue(BaseModel):
    kpi_id: uuid.UUID
    kpi_code: str
    period: str = Field(examples=["2026/27 P5"])
    state: Literal["missing", "draft", "submitted", "queried", "resubmitted"] = Field(
        description="The value's state when the period closed; `missing`: never entered"
    )


class PeriodClose(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e5b1c-0000-4000-8000-000000000030",
                    "period": "2026/27 Q2",
                    "financial_year": "2026/27",
                    "state": "closed",
                    "reason": None,
                    "unvalidated_at_close": [],
                    "closed_by": "perf@example.gov.uk",
                    "closed_by_name": "Pat Performance",
                    "closed_at": "2026-10-20T09:00:00Z",
                    "reopened_by": None,
                    "reopened_by_name": None,
                    "reopened_at": None,
                    "reopen_reason": None,
                    "created_at": "2026-10-20T09:00:00Z",
                    "updated_at": "2026-10-20T09:00:00Z",
                    "version": 1,
                }
            ]
        },
    )

    period: str
    financial_year: str
    state: Literal["closed", "reopened"] = Field(description="`closed` locks the period's values")
    reason: str | None
    unvalidated_at_close: list[UnvalidatedValue] = Field(
        description="The values not validated when it closed (closed with a reason)"
    )
    closed_by: str
    closed_by_name: str
    closed_at: datetime
    reopened_by: str | None
    reopened_by_name: str | None
    reopened_at: datetime | None
    reopen_reason: str | None


class Restatement(OutputModel):
    """A value of a closed period published after the close: what was reported, and what it became."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e5b1c-0000-4000-8000-000000000040",
                    "close_id": "0b7e5b1c-0000-4000-8000-000000000030",
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000010",
                    "kpi_code": "PI-01",
                    "kpi_title": "Household waste recycled",
                    "period": "2026/27 Q2",
                    "submission_id": "0b7e5b1c-0000-4000-8000-000000000020",
                    "revision": 2,
                    "reported_value": 45.2,
                    "reported_at": "2026-07-15T09:00:00Z",
                    "restated_value": 44.1,
                    "restated_at": "2026-09-02T09:00:00Z",
                    "reason": "Source system corrected",
                    "restated_by": "perf@example.gov.uk",
                    "restated_by_name": "Pat Performance",
                    "created_at": "2026-09-02T09:00:00Z",
                    "updated_at": "2026-09-02T09:00:00Z",
                    "version": 1,
                }
            ]
        },
    )

    close_id: uuid.UUID = Field(description="The close in force when it was republished")
    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    period: str
    submission_id: uuid.UUID
    revision: int
    reported_value: Number | None = Field(description="The value published before, if it had been published")
    reported_at: datetime | None = Field(description="When that value was published")
    restated_value: Number | None
    restated_at: datetime
    reason: str = Field(
        description="The revision's reason; for a value first published after the close, the close's reason"
    )
    restated_by: str
    restated_by_name: str


class RestatementParams(PageParams):
    since: IsoDateTime | None = Field(default=None, description="Restated after this time (exclusive)")
    until: IsoDateTime | None = Field(default=None, description="Restated at or before this time")
    kpi_id: uuid.UUID | None = Field(default=None, description="One KPI's restatements")
