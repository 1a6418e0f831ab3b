"""Request and response shapes for the roll-forward and the stretch review."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.domain.kpi import TargetType
from pmf_api.performance.annual_cycle.service import Proposal, StretchCandidate
from pmf_api.performance.targets.schemas import Target, Tolerance
from pmf_api.platform.http.paging import PageParams
from pmf_api.platform.schemas import FinancialYearField, FinancialYearText, InputModel, Number, PeriodText

GROWTH: Any = Field(
    default=Decimal(5), ge=0, le=100, description="Growth KPIs: last year's outturn plus this percentage"
)
REDUCTION: Any = Field(
    default=Decimal(5), ge=0, le=100, description="Reduction KPIs: last year's outturn minus this percentage"
)


class RollForwardParams(PageParams):
    financial_year: FinancialYearText | None = Field(
        default=None,
        description="The year to roll forward to, e.g. 2027/28 (default: the year after the current one)",
        examples=["2027/28"],
    )
    growth_percentage: Number = GROWTH
    reduction_percentage: Number = REDUCTION


class YearValues(BaseModel):
    financial_year: str
    values: list[Number | None] = Field(description="The counted value of each period of the year, in order")


class TemplateForReview(BaseModel):
    """A KPI's Data Quality Template for the year rolled forward to (seed 001, B.1)."""

    id: uuid.UUID
    version_number: int
    state: str = Field(description="`draft` (to review and sign), `signed` (in force)")


class RollForwardProposal(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "kpi_code": "WS-01",
                    "kpi_title": "Household waste collected (tonnes)",
                    "financial_year": "2027/28",
                    "target_type": "growth",
                    "percentage": 5,
                    "last_year_target": 1150,
                    "last_year_outturn": 1200,
                    "periods_reported": 12,
                    "proposed_annual_target": 1260,
                    "tolerance": {"kind": "absolute", "value": 50},
                    "profile": [100, 100, 110, 105, 105, 100, 100, 110, 110, 100, 100, 120],
                    "seasonal_shares": [0.08, 0.08, 0.087, 0.083, 0.083, 0.08, 0.08, 0.087, 0.087, 0.08, 0.08, 0.095],
                    "history": [{"financial_year": "2026/27", "values": [100, 98, 105, 99, 101, 96, 97, 104,
                                                                         105, 95, 96, 104]}],
                    "existing_target_id": None,
                    "note": "Growth: 2026/27 outturn 1200 plus 5%; Profile by each period's share of earlier years",
                    "data_quality_template": {
                        "id": "0b7e5b1c-0000-4000-8000-00000000000d", "version_number": 1, "state": "draft"
                    },
                }
            ]
        }
    )  # fmt: skip

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    financial_year: str
    target_type: TargetType = Field(description="Last year's target type (maintain when there was no target)")
    percentage: Number = Field(description="The percentage applied for the target type")
    last_year_target: Number | None
    last_year_outturn: Number | None = Field(description="Last year's year-end figure from its counted values")
    periods_reported: int = Field(description="How many of last year's periods have a counted value")
    proposed_annual_target: Number | None
    tolerance: Tolerance | None = Field(description="Last year's tolerance carried over, as a distance")
    profile: list[Number] | None = Field(description="Suggested per-period targets (sum KPIs), adding up to the year")
    seasonal_shares: list[Number] | None = Field(
        description="Each period's average share of earlier complete years: the figures behind the profile"
    )
    history: list[YearValues] = Field(description="The earlier years' values the proposal is worked from")
    existing_target_id: uuid.UUID | None = Field(description="The year's target, when it already has one")
    note: str = Field(description="How the proposal was worked out, in words")
    data_quality_template: TemplateForReview | None = Field(
        description="The KPI's Data Quality Template for the year (in force, else the draft being written); "
        "null when it has none yet (applying the roll-forward drafts one from last year's)"
    )


def proposal_out(proposal: Proposal) -> RollForwardProposal:
    kpi = proposal.kpi
    return RollForwardProposal(
        kpi_id=kpi.id,
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        financial_year=proposal.financial_year,
        target_type=proposal.target_type,
        percentage=proposal.percentage,
        last_year_target=proposal.last_year_target,
        last_year_outturn=proposal.last_year_outturn,
        periods_reported=proposal.periods_reported,
        proposed_annual_target=proposal.proposed_annual_target,
        tolerance=None if proposal.tolerance is None else Tolerance.model_validate(proposal.tolerance),
        profile=None if proposal.profile is None else list(proposal.profile),
        seasonal_shares=None if proposal.seasonal_shares is None else [round(s, 6) for s in proposal.seasonal_shares],
        history=[YearValues(financial_year=h.financial_year, values=list(h.values)) for h in proposal.history],
        existing_target_id=proposal.existing_target_id,
        note=proposal.note,
        data_quality_template=None
        if (template := proposal.data_quality_template) is None
        else TemplateForReview(id=template.id, version_number=template.version_number, state=template.state),
    )


class RollForwardApply(InputModel, FinancialYearField):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"financial_year": "2027/28", "growth_percentage": 5, "reduction_percentage": 3}]
        }
    )

    financial_year: FinancialYearText = Field(description="The year to roll forward to, e.g. 2027/28")
    growth_percentage: Number = GROWTH
    reduction_percentage: Number = REDUCTION
    kpi_ids: list[uuid.UUID] | None = Field(default=None, description="Only these KPIs (default: every one)")
    draft_templates: bool = Field(
        default=True,
        description="Draft each KPI's Data Quality Template for the year from last year's, where it has none",
    )


class RollForwardSkipped(BaseModel):
    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    reason: str


class RollForwardResult(BaseModel):
    financial_year: str
    created: list[Target] = Field(description="The draft targets created: each goes on to be proposed and approved")
    skipped: list[RollForwardSkipped]
    templates_drafted: list[TemplateForReview] = Field(
        description="The Data Quality Templates drafted for the year, for services to review and sign"
    )


class StretchParams(PageParams):
    period: PeriodText | None = Field(
        default=None,
        description="The last month of the review, e.g. 2026/27 P6 (default: the last month that has ended)",
        examples=["2026/27 P6"],
    )


class PeriodAgainstTarget(BaseModel):
    period: str
    value: Number | None
    target: Number | None


class StretchCandidateOut(BaseModel):
    model_config = ConfigDict(
        title="StretchCandidate",
        json_schema_extra={
            "examples": [
                {
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "kpi_code": "HS-02",
                    "kpi_title": "Homelessness cases prevented",
                    "financial_year": "2026/27",
                    "target_id": "7c1d0000-0000-4000-8000-000000000001",
                    "annual_target": 120,
                    "suggested_annual_target": 138,
                    "average_margin": 1.5,
                    "periods": [{"period": "2026/27 P1", "value": 12, "target": 10}],
                }
            ]
        },
    )

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    financial_year: str
    target_id: uuid.UUID | None
    annual_target: Number | None
    suggested_annual_target: Number | None = Field(
        description="Cumulative KPIs: the target scaled by how far the periods beat theirs; others: the target "
        "moved by the average margin. Never easier than the current target"
    )
    average_margin: Number | None = Field(description="The average of value minus target over the periods")
    periods: list[PeriodAgainstTarget] = Field(description="The periods reviewed: the figures behind the suggestion")


def stretch_out(candidate: StretchCandidate) -> StretchCandidateOut:
    kpi = candidate.kpi
    return StretchCandidateOut(
        kpi_id=kpi.id,
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        financial_year=candidate.financial_year,
        target_id=candidate.target_id,
        annual_target=candidate.annual_target,
        suggested_annual_target=candidate.suggestion.suggested_annual_target,
        average_margin=candidate.suggestion.average_margin,
        periods=[PeriodAgainstTarget(period=p.period, value=p.value, target=p.target) for p in candidate.periods],
    )
