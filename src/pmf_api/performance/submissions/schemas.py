"""Request and response shapes of the collection cycle."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.domain.validation import Severity
from pmf_api.domain.workflow import SubmissionState
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import FinancialYearText, InputModel, Number, OutputModel, PeriodText, Text, UpdateModel


class SubmissionSave(InputModel):
    """A period's report. Ratio KPIs take numerator and denominator (the value is derived)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "value": 4.2,
                    "commentary": "Two long-term absences ended in September; on track to meet target.",
                    "owner_forecast": 8.5,
                    "submit": True,
                },
                {"numerator": 412, "denominator": 790, "commentary": "Garden waste season lifted the rate."},
            ]
        }
    )

    value: Number | None = None
    numerator: Number | None = None
    denominator: Number | None = None
    commentary: Text | None = Field(default=None, description="What explains the value; expected for Amber and Red")
    owner_forecast: Number | None = Field(default=None, description="The owner's forecast of the year-end outturn")
    submit: bool = Field(default=False, description="Submit to the performance team as well as saving")


class Flag(BaseModel):
    """A sense-check's finding on a submission: it never blocks it, it tells the performance team where to look."""

    code: str = Field(description="Stable code, e.g. large_jump, outside_expected_range, amber_without_comment")
    severity: Severity
    message: str
    field: str | None = None


SUBMISSION_EXAMPLE: JsonDict = {
    "id": "5d2c0000-0000-4000-8000-000000000001",
    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
    "period": "2026/27 P6",
    "financial_year": "2026/27",
    "period_end": "2026-09-30",
    "state": "submitted",
    "value": 52.2,
    "numerator": 412,
    "denominator": 789.3,
    "commentary": "Garden waste season lifted the rate.",
    "owner_forecast": 51,
    "flags": [
        {
            "code": "large_jump",
            "severity": "warning",
            "message": "The value moved by 9.1, more than three times the usual month-to-month change.",
            "field": "value",
        }
    ],
    "revision": 1,
    "revision_reason": None,
    "entered_by": "waste.officer@example.gov.uk",
    "submitted_by": "waste.officer@example.gov.uk",
    "submitted_at": "2026-10-08T09:12:00Z",
    "first_submitted_at": "2026-10-08T09:12:00Z",
    "validated_by": None,
    "validated_at": None,
    "published_at": None,
    "allowed_transitions": ["queried", "validated"],
    "version": 2,
    "created_at": "2026-10-07T15:00:00Z",
    "updated_at": "2026-10-08T09:12:00Z",
}


class Submission(OutputModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [SUBMISSION_EXAMPLE]})

    kpi_id: uuid.UUID
    period: str
    financial_year: str
    period_end: date
    state: SubmissionState
    value: Number | None
    numerator: Number | None
    denominator: Number | None
    commentary: str | None
    owner_forecast: Number | None
    flags: list[Flag]
    revision: int
    revision_reason: str | None
    entered_by: str
    submitted_by: str | None
    submitted_at: datetime | None
    first_submitted_at: datetime | None = Field(description="When it was first submitted: timeliness counts this")
    validated_by: str | None
    validated_at: datetime | None
    published_at: datetime | None
    allowed_transitions: list[SubmissionState] | None = Field(
        default=None, description="Where you may move it next (on single reads and writes; null in lists)"
    )


class SubmissionTransition(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"to": "queried", "message": "September is 9 points up on August: please confirm the tonnage."}
            ]
        }
    )

    to: SubmissionState
    message: Text | None = Field(default=None, description="Required to query; an answer when resubmitting")
    commentary_public: bool = Field(
        default=False,
        description="Publishing only: the commentary goes out with the value as open data (otherwise the value "
        "alone does; `PATCH /submissions/{id}/publications/{revision}` changes it later)",
    )


class MessageCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Tonnage confirmed against the weighbridge."}]})

    body: Text = Field(min_length=1)


class Message(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "7a000000-0000-4000-8000-000000000001",
                    "kind": "query",
                    "body": "September is 9 points up on August: please confirm the tonnage.",
                    "author_subject": "perf.officer@example.gov.uk",
                    "author_name": "Priya Shah",
                    "created_at": "2026-10-09T10:00:00Z",
                }
            ]
        },
    )

    id: uuid.UUID
    kind: Literal["query", "answer", "note"]
    body: str
    author_subject: str
    author_name: str
    created_at: datetime


class RevisionCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Contractor re-issued September tonnages after an audit."}]}
    )

    reason: Text = Field(min_length=3, description="Why a published value must change; kept with the revision")


class Publication(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "revision": 1,
                    "value": 52.2,
                    "numerator": 412,
                    "denominator": 789.3,
                    "commentary": "Garden waste season lifted the rate.",
                    "commentary_public": True,
                    "owner_forecast": 51,
                    "reason": None,
                    "published_by": "perf.officer@example.gov.uk",
                    "published_at": "2026-10-15T12:00:00Z",
                }
            ]
        },
    )

    revision: int
    value: Number | None
    numerator: Number | None
    denominator: Number | None
    commentary: str | None
    commentary_public: bool = Field(description="Whether the commentary is published as open data with the value")
    owner_forecast: Number | None
    reason: str | None
    published_by: str
    published_at: datetime


class PublicationUpdate(UpdateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"commentary_public": True}]})

    commentary_public: bool | None = Field(
        default=None, description="Whether the commentary is published as open data with the value"
    )


class SubmissionList(ListParams):
    sort: Literal["period_end", "-period_end", "updated_at", "-updated_at"] = "-period_end"
    kpi_id: uuid.UUID | None = None
    period: PeriodText | None = Field(default=None, description="e.g. 2026/27 P6")
    financial_year: FinancialYearText | None = Field(default=None, description="e.g. 2026/27")
    state: SubmissionState | None = None
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = Field(default=None, description="Submissions of KPIs this person owns or backs up")
