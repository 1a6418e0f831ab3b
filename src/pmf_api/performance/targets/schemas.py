"""Request and response shapes for targets and their revisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from pmf_api.domain.kpi import TargetType, ToleranceKind
from pmf_api.domain.workflow import TargetRevisionState, TargetState
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import (
    FinancialYearField,
    FinancialYearText,
    InputModel,
    Number,
    OutputModel,
    PeriodText,
    Text,
    UpdateModel,
    parse_financial_year,
)


class ToleranceIn(InputModel):
    kind: ToleranceKind = Field(
        description="`intervention_level`: the value itself; `absolute`: a distance from the target; "
        "`percentage`: a distance as a percentage of the target"
    )
    value: Number


class Tolerance(BaseModel):
    kind: ToleranceKind
    value: Number


TARGET_EXAMPLE: JsonDict = {
    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
    "financial_year": "2026/27",
    "target_type": "growth",
    "annual_target": 52,
    "tolerance": {"kind": "intervention_level", "value": 48},
    "reason": "Agreed by Cabinet in March 2026",
}


class TargetValues(InputModel):
    annual_target: Number | None = Field(default=None, description="Required unless the KPI is kept within a band")
    band_lower: Number | None = Field(default=None, description="Lower bound of the band (within-band KPIs)")
    band_upper: Number | None = Field(default=None, description="Upper bound of the band (within-band KPIs)")
    tolerance: ToleranceIn | None = Field(default=None, description="Where Amber ends and Red begins")
    profile: list[Number] | None = Field(
        default=None,
        description=(
            "Per-period targets (12 months or 4 quarters); for a cumulative KPI they add up to the annual target"
        ),
    )


class TargetCreate(TargetValues, FinancialYearField):
    model_config = ConfigDict(json_schema_extra={"examples": [TARGET_EXAMPLE]})

    kpi_id: uuid.UUID
    financial_year: FinancialYearText = Field(description="UK financial year, e.g. 2026/27", examples=["2026/27"])
    target_type: TargetType = Field(description="growth, maintain or reduction (seed 001, C.1.2)")
    reason: Text | None = None


class TargetRevise(TargetValues):
    """A mid-year change (a stretch, a correction): fields left out keep their current values."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "effective_from": "2026/27 P7",
                    "annual_target": 55,
                    "reason": "Stretched at the six-month review",
                }
            ]
        }
    )

    effective_from: PeriodText = Field(
        description="First period the revision applies to, e.g. `2026/27 P7` or `2026/27 Q3`"
    )
    reason: Text = Field(min_length=3, description="Why the target changed; kept with the revision")


class TargetUpdate(UpdateModel):
    target_type: TargetType | None = None


class TargetRevisionTransition(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to": "approved"}, {"to": "refused", "comment": "Keep the stretch for Q3"}]}
    )

    to: TargetRevisionState = Field(description="`approved` or `refused` (a refusal needs a comment)")
    comment: Text | None = None


class TargetTransition(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "approved", "comment": "Approved by CLT"}]})

    to: TargetState
    comment: Text | None = None


def _profile_out(value: list[str] | list[Decimal] | None) -> list[Decimal] | None:
    return None if value is None else [Decimal(str(v)) for v in value]


class TargetRevision(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "number": 2,
                    "effective_from": "2026/27 P7",
                    "annual_target": 55,
                    "band_lower": None,
                    "band_upper": None,
                    "tolerance": {"kind": "intervention_level", "value": 48},
                    "intervention_level": 48,
                    "profile": None,
                    "reason": "Stretched at the six-month review",
                    "created_by": "perf.officer@northdale.example.gov.uk",
                    "recorded_at": "2026-10-14T11:00:00Z",
                    "state": "approved",
                    "decided_by": "director.place@northdale.example.gov.uk",
                    "decided_at": "2026-10-16T09:30:00Z",
                    "decision_note": None,
                }
            ]
        },
    )

    number: int
    effective_from: str
    annual_target: Number | None
    band_lower: Number | None
    band_upper: Number | None
    tolerance: Tolerance | None
    intervention_level: Number | None
    profile: list[Number] | None
    reason: str | None
    created_by: str = Field(description="Who made it: for a proposed revision, its proposer (not its approver)")
    recorded_at: datetime
    state: TargetRevisionState = Field(
        description="`approved`: it applies; `proposed`: a revision of an approved target waiting for approval "
        "(it applies only once approved); `refused`: sent back, never applied"
    )
    decided_by: str | None = Field(default=None, description="Who approved or refused a proposed revision")
    decided_at: datetime | None = None
    decision_note: str | None = None

    @field_validator("profile", mode="before")
    @classmethod
    def _profile(cls, value: list[str] | None) -> list[Decimal] | None:
        return _profile_out(value)


class Target(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **TARGET_EXAMPLE,
                    "id": "7c1d0000-0000-4000-8000-000000000001",
                    "state": "approved",
                    "intervention_level": 48,
                    "band_lower": None,
                    "band_upper": None,
                    "profile": None,
                    "revision_count": 1,
                    "proposed_by": "head.of.waste@example.gov.uk",
                    "pending_revision": None,
                    "version": 1,
                    "created_at": "2026-03-20T10:00:00Z",
                    "updated_at": "2026-03-20T10:00:00Z",
                }
            ]
        },
    )

    kpi_id: uuid.UUID
    financial_year: str
    target_type: TargetType
    state: TargetState
    annual_target: Number | None
    band_lower: Number | None
    band_upper: Number | None
    tolerance: Tolerance | None
    intervention_level: Number | None = Field(description="Worse than this is Red (absent for bands)")
    profile: list[Number] | None
    revision_count: int
    proposed_by: str | None = Field(
        default=None, description="Who proposed it for approval (null while a draft); four-eyes: not its approver"
    )
    pending_revision: int | None = Field(
        default=None,
        description="The number of a revision of this approved target waiting for approval; its values apply "
        "only once it is approved (`POST /targets/{id}/revisions/{number}/transition`)",
    )

    @field_validator("profile", mode="before")
    @classmethod
    def _profile(cls, value: list[str] | None) -> list[Decimal] | None:
        return _profile_out(value)


class TargetList(ListParams):
    sort: Literal["financial_year", "-financial_year", "updated_at", "-updated_at"] = "-financial_year"
    kpi_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    state: TargetState | None = None
    service_id: uuid.UUID | None = None
    revision_pending: bool | None = Field(
        default=None, description="true: only targets with a revision waiting for approval (false: none waiting)"
    )

    @field_validator("financial_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        return None if value is None else parse_financial_year(value)
