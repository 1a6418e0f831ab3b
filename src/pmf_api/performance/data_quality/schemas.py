"""Request and response shapes for data quality templates and reviews."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from pmf_api.domain.data_quality import SIGN_OFF_DECLARATION, TEMPLATE_QUESTIONS, Rating, TemplateState
from pmf_api.platform.http.paging import ListParams, PageParams
from pmf_api.platform.schemas import (
    FinancialYearField,
    FinancialYearText,
    InputModel,
    IsoDate,
    Name,
    OutputModel,
    Text,
    UpdateModel,
    parse_financial_year,
)


def _asked(name: str) -> str:
    return f"Seed 001, B.2: '{TEMPLATE_QUESTIONS[name]}'"


ANSWERS_EXAMPLE: JsonDict = {
    "statistics_collected_by": "Waste data officer (Sam Patel)",
    "forecast_produced_by": "Head of Waste",
    "commentary_provided_by": "Waste operations manager",
    "backup_officers": "Waste analyst (Lee Jones), who has access to the same systems",
    "systems_and_spreadsheets": "Whitespace waste system; recycling tonnage workbook on the Waste SharePoint",
    "collection_and_calculation_method": "Monthly tonnage report from Whitespace: dry recycling plus garden "
    "waste tonnes divided by total household waste tonnes, times 100",
    "why_it_matters": "Statutory recycling target; residents and members follow it closely",
    "seasonality": "Yes: garden waste peaks from May to September",
    "amber_factors": "Contamination of dry recycling loads; vehicle breakdowns",
    "red_factors": "Loss of the materials recovery facility contract",
    "interventions_available": "Contamination campaign; extra crews in the garden waste season",
    "benchmarking_available": "LG Inform: CIPFA nearest neighbours, quarterly",
}


class TemplateAnswers(InputModel):
    """The answers to the questions of B.2; each may be left empty while a draft."""

    statistics_collected_by: Text | None = Field(default=None, description=_asked("statistics_collected_by"))
    forecast_produced_by: Text | None = Field(default=None, description=_asked("forecast_produced_by"))
    commentary_provided_by: Text | None = Field(default=None, description=_asked("commentary_provided_by"))
    backup_officers: Text | None = Field(default=None, description=_asked("backup_officers"))
    systems_and_spreadsheets: Text | None = Field(default=None, description=_asked("systems_and_spreadsheets"))
    collection_and_calculation_method: Text | None = Field(
        default=None, description=_asked("collection_and_calculation_method")
    )
    why_it_matters: Text | None = Field(default=None, description=_asked("why_it_matters"))
    seasonality: Text | None = Field(default=None, description=_asked("seasonality"))
    amber_factors: Text | None = Field(default=None, description=_asked("amber_factors"))
    red_factors: Text | None = Field(default=None, description=_asked("red_factors"))
    interventions_available: Text | None = Field(default=None, description=_asked("interventions_available"))
    benchmarking_available: Text | None = Field(default=None, description=_asked("benchmarking_available"))


class DataQualityTemplateCreate(TemplateAnswers, FinancialYearField):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kpi_id": "0b7e5b1c-0000-4000-8000-000000000009", "financial_year": "2026/27"}]
        }
    )

    kpi_id: uuid.UUID
    financial_year: FinancialYearText = Field(description="UK financial year, e.g. 2026/27", examples=["2026/27"])
    from_previous_year: bool = Field(
        default=True,
        description="Start from last year's template of the KPI (the version in force, else the newest); "
        "answers sent here replace the copied ones",
    )


class DataQualityTemplateUpdate(UpdateModel):
    """Change a draft's answers (send only what changes; null empties an answer)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"seasonality": "Yes: garden waste peaks in summer"}]})
    nullable = frozenset(TEMPLATE_QUESTIONS)

    statistics_collected_by: Text | None = None
    forecast_produced_by: Text | None = None
    commentary_provided_by: Text | None = None
    backup_officers: Text | None = None
    systems_and_spreadsheets: Text | None = None
    collection_and_calculation_method: Text | None = None
    why_it_matters: Text | None = None
    seasonality: Text | None = None
    amber_factors: Text | None = None
    red_factors: Text | None = None
    interventions_available: Text | None = None
    benchmarking_available: Text | None = None


class DataQualitySignOff(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"confirm": True, "name": "Alex Morgan", "signed_on": "2026-03-20"}]}
    )

    confirm: Literal[True] = Field(
        description=f"The service manager's declaration (seed 001, B.2): '{SIGN_OFF_DECLARATION}'"
    )
    name: Name | None = Field(default=None, description="The name signed; the signer's own name when left out")
    signed_on: IsoDate | None = Field(
        default=None, description="The date signed (today or earlier); today when left out"
    )


class DataQualityTemplate(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "5d1e0000-0000-4000-8000-000000000001",
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "financial_year": "2026/27",
                    "version_number": 1,
                    "state": "signed",
                    "copied_from_id": None,
                    **ANSWERS_EXAMPLE,
                    "declaration": SIGN_OFF_DECLARATION,
                    "signed_by_name": "Alex Morgan",
                    "signed_by": "alex.morgan@northdale.example.gov.uk",
                    "signed_on": "2026-03-20",
                    "signed_at": "2026-03-20T15:02:00Z",
                    "version": 3,
                    "created_at": "2026-03-02T10:00:00Z",
                    "updated_at": "2026-03-20T15:02:00Z",
                }
            ]
        },
    )

    kpi_id: uuid.UUID
    financial_year: str
    version_number: int = Field(description="1 for the year's first template; a change to a signed one is the next")
    state: TemplateState = Field(
        description="`draft` (editable), `signed` (in force, read-only) or `superseded` (a later version was signed)"
    )
    copied_from_id: uuid.UUID | None = Field(
        description="The template it started from (last year's, or the version before)"
    )
    statistics_collected_by: str | None
    forecast_produced_by: str | None
    commentary_provided_by: str | None
    backup_officers: str | None
    systems_and_spreadsheets: str | None
    collection_and_calculation_method: str | None
    why_it_matters: str | None
    seasonality: str | None
    amber_factors: str | None
    red_factors: str | None
    interventions_available: str | None
    benchmarking_available: str | None
    declaration: str | None = Field(description="The declaration signed (seed 001, B.2); null until signed")
    signed_by_name: str | None
    signed_by: str | None = Field(description="Who signed (their login)")
    signed_on: date | None
    signed_at: datetime | None


class DataQualityTemplateList(ListParams):
    sort: Literal[
        "financial_year", "-financial_year", "version_number", "-version_number", "updated_at", "-updated_at"
    ] = "-financial_year"
    kpi_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None
    state: TemplateState | None = None

    @field_validator("financial_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        return None if value is None else parse_financial_year(value)


class UnsignedKpiList(PageParams):
    financial_year: FinancialYearText | None = Field(
        default=None,
        description="The year whose templates are looked at, e.g. 2027/28 (before it starts); the year in "
        "progress when left out",
    )
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None

    @field_validator("financial_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        return None if value is None else parse_financial_year(value)


class UnsignedKpi(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "kpi_code": "WS01",
                    "kpi_title": "Household waste recycled (%)",
                    "service_id": "6f1c2d0e-0000-4000-8000-000000000003",
                    "financial_year": "2026/27",
                    "draft_template_id": "5d1e0000-0000-4000-8000-000000000001",
                }
            ]
        },
    )

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    service_id: uuid.UUID
    financial_year: str
    draft_template_id: uuid.UUID | None = Field(description="The draft being written for the year, if any")


# --- Reviews ----------------------------------------------------------------------------------


class Ratings(InputModel):
    """A rating on each of the six characteristics of good data quality (seed 003, section 5)."""

    accuracy: Rating
    validity: Rating
    reliability: Rating
    timeliness: Rating
    relevance: Rating
    completeness: Rating


class RatingsChange(UpdateModel):
    accuracy: Rating | None = None
    validity: Rating | None = None
    reliability: Rating | None = None
    timeliness: Rating | None = None
    relevance: Rating | None = None
    completeness: Rating | None = None


class FollowUpAction(InputModel):
    action: Text = Field(min_length=3, description="What the service agreed to do")
    owner: Name = Field(description="Who does it")
    due_date: IsoDate | None = Field(default=None, description="When it is due")
    done: bool = False


class FollowUpActionOut(BaseModel):
    action: str
    owner: str
    due_date: date | None
    done: bool


REVIEW_EXAMPLE: JsonDict = {
    "template_id": "5d1e0000-0000-4000-8000-000000000001",
    "reviewed_on": "2026-10-08",
    "reviewers": ["Performance officer", "Waste operations manager"],
    "observations": "Method followed; the backup officer had no access to the tonnage workbook.",
    "ratings": {
        "accuracy": "good",
        "validity": "good",
        "reliability": "adequate",
        "timeliness": "good",
        "relevance": "good",
        "completeness": "adequate",
    },
    "follow_up_actions": [
        {"action": "Give the backup officer access", "owner": "Head of Waste", "due_date": "2026-10-31", "done": False}
    ],
}


class DataQualityReviewCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REVIEW_EXAMPLE]})

    template_id: uuid.UUID = Field(description="The version of the KPI's template the practice was reviewed against")
    reviewed_on: IsoDate
    reviewers: list[Name] = Field(min_length=1, max_length=20)
    observations: Text | None = None
    ratings: Ratings = Field(description="good, adequate or poor on each characteristic (seed 003)")
    follow_up_actions: list[FollowUpAction] = Field(default_factory=list, max_length=50)


class DataQualityReviewUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "follow_up_actions": [
                        {"action": "Give the backup officer access", "owner": "Head of Waste", "done": True}
                    ]
                }
            ]
        }
    )
    nullable = frozenset({"observations"})

    reviewed_on: IsoDate | None = None
    reviewers: list[Name] | None = Field(default=None, min_length=1, max_length=20)
    observations: Text | None = None
    ratings: RatingsChange | None = Field(default=None, description="The ratings that change")
    follow_up_actions: list[FollowUpAction] | None = Field(
        default=None, max_length=50, description="The whole list (e.g. with one marked done)"
    )


class DataQualityReview(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **REVIEW_EXAMPLE,
                    "id": "5d1e0000-0000-4000-8000-000000000002",
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "financial_year": "2026/27",
                    "template_version_number": 1,
                    "version": 1,
                    "created_at": "2026-10-08T10:00:00Z",
                    "updated_at": "2026-10-08T10:00:00Z",
                }
            ]
        },
    )

    kpi_id: uuid.UUID
    template_id: uuid.UUID
    financial_year: str
    template_version_number: int
    reviewed_on: date
    reviewers: list[str]
    observations: str | None
    ratings: dict[str, Rating] = Field(
        description="accuracy, validity, reliability, timeliness, relevance, completeness"
    )
    follow_up_actions: list[FollowUpActionOut]


class DataQualityReviewList(ListParams):
    sort: Literal["reviewed_on", "-reviewed_on", "updated_at", "-updated_at"] = "-reviewed_on"
    kpi_id: uuid.UUID | None = None
    template_id: uuid.UUID | None = None
    financial_year: FinancialYearText | None = None

    @field_validator("financial_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        return None if value is None else parse_financial_year(value)
