"""Request and response shapes for KPIs and contextual outcome measures."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.domain.kpi import Aggregation, Polarity, Unit
from pmf_api.domain.periods import Frequency
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import ArchivableOutput, Code, InputModel, Name, Number, Text, UpdateModel

KPI_EXAMPLE: JsonDict = {
    "code": "PI-07",
    "title": "Household waste sent for reuse, recycling and composting",
    "definition": "Tonnage of household waste reused, recycled or composted divided by total household waste.",
    "unit": "percentage",
    "polarity": "higher_is_better",
    "frequency": "monthly",
    "aggregation": "ratio",
    "decimal_places": 1,
    "statutory": True,
    "public": True,
    "numerator_label": "Tonnes reused, recycled or composted",
    "denominator_label": "Tonnes of household waste collected",
    "expected_min": 30,
    "expected_max": 70,
    "service_id": "0b7e5b1c-0000-4000-8000-000000000002",
    "owner_id": "0b7e5b1c-0000-4000-8000-000000000003",
}


class KpiFields(InputModel):
    definition: Text | None = Field(default=None, description="How the KPI is calculated (Data Quality Template)")
    why_it_matters: Text | None = None
    statutory: bool = Field(default=False, description="Reported in a statutory return")
    public: bool = Field(
        default=False,
        description="Published to residents as open data (`/api/v1/open-data/...`): its published values only",
    )
    source: Name | None = Field(default=None, description="System or return the value comes from")
    numerator_label: Name | None = None
    denominator_label: Name | None = None
    expected_min: Number | None = Field(default=None, description="Values below this are flagged on submission")
    expected_max: Number | None = Field(default=None, description="Values above this are flagged on submission")
    owner_id: uuid.UUID | None = Field(default=None, description="The person who submits each period's value")
    backup_owner_id: uuid.UUID | None = Field(default=None, description="Submits when the owner is away")
    portfolio_id: uuid.UUID | None = Field(default=None, description="Defaults to the service's portfolio")
    outcome_id: uuid.UUID | None = Field(default=None, description="The Corporate Plan outcome it evidences")


class KpiCreate(KpiFields):
    model_config = ConfigDict(json_schema_extra={"examples": [KPI_EXAMPLE]})

    code: Code
    title: Name
    unit: Unit
    polarity: Polarity
    frequency: Frequency = Frequency.MONTHLY
    aggregation: Aggregation = Field(description="How periods add up to the year to date")
    decimal_places: int = Field(
        default=0, ge=0, le=6, description="Places the value is shown and compared at (RAG rounds half up)"
    )
    service_id: uuid.UUID


_FIXED_WITH_HISTORY = (
    "Fixed once the KPI has targets or values (409): archive it and define a new KPI for a new definition"
)


class KpiUpdate(UpdateModel):
    nullable = frozenset(
        {
            "definition",
            "why_it_matters",
            "source",
            "numerator_label",
            "denominator_label",
            "expected_min",
            "expected_max",
            "owner_id",
            "backup_owner_id",
            "portfolio_id",
            "outcome_id",
        }
    )
    code: Code | None = None
    title: Name | None = None
    definition: Text | None = None
    why_it_matters: Text | None = None
    unit: Unit | None = Field(default=None, description=_FIXED_WITH_HISTORY)
    polarity: Polarity | None = Field(default=None, description=_FIXED_WITH_HISTORY)
    frequency: Frequency | None = Field(default=None, description=_FIXED_WITH_HISTORY)
    aggregation: Aggregation | None = Field(default=None, description=_FIXED_WITH_HISTORY)
    decimal_places: int | None = Field(default=None, ge=0, le=6)
    statutory: bool | None = None
    public: bool | None = None
    source: Name | None = None
    numerator_label: Name | None = None
    denominator_label: Name | None = None
    expected_min: Number | None = None
    expected_max: Number | None = None
    owner_id: uuid.UUID | None = None
    backup_owner_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None


class Kpi(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **KPI_EXAMPLE,
                    "id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "version": 1,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "archived_at": None,
                    "formula": None,
                }
            ]
        },
    )

    code: str
    title: str
    definition: str | None
    why_it_matters: str | None
    unit: Unit
    polarity: Polarity
    frequency: Frequency
    aggregation: Aggregation
    decimal_places: int
    statutory: bool
    public: bool
    source: str | None
    numerator_label: str | None
    denominator_label: str | None
    expected_min: Number | None
    expected_max: Number | None
    owner_id: uuid.UUID | None
    backup_owner_id: uuid.UUID | None
    service_id: uuid.UUID
    portfolio_id: uuid.UUID | None
    outcome_id: uuid.UUID | None
    formula: str | None = Field(
        default=None,
        description="Set for a calculated KPI: its values are computed from other KPIs' and never entered "
        "(`GET /kpis/{id}/formula` gives its inputs and rules); null for a KPI whose values are entered",
    )


class KpiList(ListParams):
    sort: Literal["code", "-code", "title", "-title", "updated_at", "-updated_at"] = "code"
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
    priority_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = Field(default=None, description="KPIs this person owns or backs up")
    frequency: Frequency | None = None
    unit: Unit | None = None
    polarity: Polarity | None = None
    statutory: bool | None = None
    code: str | None = None
    search: str | None = Field(default=None, max_length=100, description="Words in the code or title")


class ContextualMeasureCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "CM-02",
                    "title": "Median gross weekly pay of residents",
                    "unit": "currency",
                    "preferred_direction": "higher_is_better",
                    "frequency": "annual",
                    "decimal_places": 2,
                    "source": "ONS Annual Survey of Hours and Earnings",
                }
            ]
        }
    )

    code: Code
    title: Name
    description: Text | None = None
    unit: Unit
    preferred_direction: Literal[Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER]
    frequency: Frequency = Frequency.ANNUAL
    decimal_places: int = Field(default=0, ge=0, le=6)
    source: Name | None = None
    outcome_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None


class ContextualMeasureUpdate(UpdateModel):
    nullable = frozenset({"description", "source", "outcome_id", "service_id"})
    code: Code | None = None
    title: Name | None = None
    description: Text | None = None
    unit: Unit | None = None
    preferred_direction: Literal[Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER] | None = None
    frequency: Frequency | None = None
    decimal_places: int | None = Field(default=None, ge=0, le=6)
    source: Name | None = None
    outcome_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None


class ContextualMeasure(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e5b1c-0000-4000-8000-000000000010",
                    "code": "CM-02",
                    "title": "Median gross weekly pay of residents",
                    "description": None,
                    "unit": "currency",
                    "preferred_direction": "higher_is_better",
                    "frequency": "annual",
                    "decimal_places": 2,
                    "source": "ONS Annual Survey of Hours and Earnings",
                    "outcome_id": None,
                    "service_id": None,
                    "version": 1,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "archived_at": None,
                }
            ]
        },
    )

    code: str
    title: str
    description: str | None
    unit: Unit
    preferred_direction: Polarity
    frequency: Frequency
    decimal_places: int
    source: str | None
    outcome_id: uuid.UUID | None
    service_id: uuid.UUID | None


class ContextualMeasureList(ListParams):
    sort: Literal["code", "-code", "title", "-title", "updated_at", "-updated_at"] = "code"
    outcome_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
