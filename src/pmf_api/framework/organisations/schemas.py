"""Request and response shapes for the council's structure."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import ConfigDict, EmailStr, Field, field_validator, model_validator

from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import ArchivableOutput, AreaCode, Code, InputModel, Name, OutputModel, UpdateModel


class CollectionSettings(InputModel):
    due_working_days: int = Field(
        default=10, ge=1, le=60, description="Values are due this many working days after the period ends"
    )
    commentary_required: bool = Field(
        default=True,
        description="A value shown Amber or Red is not submitted without a commentary explaining what "
        "happened and why (seed 001, E.1)",
    )


class EscalationSettings(InputModel):
    """When a KPI needs an intervention (seed 001_ec6bae7b38cacc6f.txt, Appendix F); docs/rules.md explains each."""

    consecutive_red_periods: int = Field(default=2, ge=1, le=12, description="Red this many periods running")
    forecast_red_from_month: int = Field(
        default=6, ge=1, le=12, description="A Red year-end forecast escalates from this month of the year"
    )
    forecast_red_escalates: bool = True
    spc_concern_while_red_escalates: bool = True
    periods_in_tolerance_to_close: int = Field(
        default=3, ge=1, le=12, description="Back within tolerance this many periods before an intervention closes"
    )
    amber_and_worsening_is_exception: bool = True


class FourEyesSettings(InputModel):
    """Four-eyes (separation of duties), as internal audit expects of the council's controls."""

    required: bool = Field(
        default=True,
        description="Whoever entered or submitted a value does not validate or publish it, and whoever "
        "proposed a target does not approve it. A very small team may set false: one person may then do "
        "both, and each such step is marked in the audit trail",
    )


class DataQualitySettings(InputModel):
    """Data Quality Templates (seed 001_ec6bae7b38cacc6f.txt, Appendix B)."""

    require_signed_template_to_publish: bool = Field(
        default=False,
        description="A KPI's values for a financial year are published only once its data quality template "
        "for that year is signed off by the service manager (seed 001, B.1: 'before each year of reporting, "
        "a data quality template is completed'). Off by default: a council turns it on once its templates "
        "are in; `GET /data-quality-templates/unsigned` lists the KPIs still without one",
    )


class RiskSettings(InputModel):
    """The risk matrix and review cycles (seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt).
    A changed matrix colours scores assessed from then on; scores already recorded keep their colour."""

    max_likelihood: int = Field(default=5, ge=2, le=10, description="Likelihood is scored 1 to this")
    max_impact: int = Field(default=5, ge=2, le=10, description="Impact is scored 1 to this")
    amber_from: int = Field(default=5, ge=1, le=100, description="A score (likelihood x impact) from this is Amber")
    red_from: int = Field(default=15, ge=1, le=100, description="A score from this is Red (at least `amber_from`)")
    red_months: int = Field(default=3, ge=1, le=24, description="A Red risk is reviewed this many months on")
    amber_months: int = Field(default=6, ge=1, le=24, description="An Amber risk is reviewed this many months on")
    green_months: int = Field(default=12, ge=1, le=36, description="A Green risk is reviewed this many months on")
    strategic_review_days: int = Field(
        default=56, ge=7, le=366, description="The strategic register is reviewed this often, whatever the score"
    )

    @model_validator(mode="after")
    def _amber_below_red(self) -> RiskSettings:
        if self.amber_from > self.red_from:
            raise ValueError("amber_from must be no higher than red_from")
        return self


class FinanceSettings(InputModel):
    """When a service's forecast overspend is Amber and Red in budget monitoring (seed
    003_2a403038ecab8362.txt, the Joint Finance and Performance Report). An underspend is Green.
    Whole percentages, as councils set tolerances; the variance is judged as shown, to one place."""

    amber_from_percent: int = Field(
        default=1, ge=1, le=100, description="A forecast overspend of this percentage of the budget or more is Amber"
    )
    red_from_percent: int = Field(
        default=5, ge=1, le=100, description="An overspend of this percentage or more is Red (at least Amber's)"
    )

    @model_validator(mode="after")
    def _amber_below_red(self) -> FinanceSettings:
        if self.amber_from_percent > self.red_from_percent:
            raise ValueError("amber_from_percent must be no higher than red_from_percent")
        return self


class OrganisationSettings(InputModel):
    """The organisation's choices; a section sent in a change replaces that section."""

    collection: CollectionSettings = Field(default_factory=CollectionSettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    four_eyes: FourEyesSettings = Field(default_factory=FourEyesSettings)
    data_quality: DataQualitySettings = Field(default_factory=DataQualitySettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    finance: FinanceSettings = Field(default_factory=FinanceSettings)


SETTINGS_SECTIONS: dict[str, type[InputModel]] = {
    "collection": CollectionSettings,
    "escalation": EscalationSettings,
    "four_eyes": FourEyesSettings,
    "data_quality": DataQualitySettings,
    "risk": RiskSettings,
    "finance": FinanceSettings,
}


class OrganisationSettingsChange(InputModel):
    collection: CollectionSettings | None = None
    escalation: EscalationSettings | None = None
    four_eyes: FourEyesSettings | None = None
    data_quality: DataQualitySettings | None = None
    risk: RiskSettings | None = None
    finance: FinanceSettings | None = None


class Organisation(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "NORTHDALE",
                    "name": "Northdale District Council",
                    "financial_year_start_month": 4,
                    "settings": {
                        "collection": {"due_working_days": 10},
                        "escalation": {
                            "consecutive_red_periods": 2,
                            "forecast_red_from_month": 6,
                            "forecast_red_escalates": True,
                            "spc_concern_while_red_escalates": True,
                            "periods_in_tolerance_to_close": 3,
                            "amber_and_worsening_is_exception": True,
                        },
                        "four_eyes": {"required": True},
                        "data_quality": {"require_signed_template_to_publish": False},
                    },
                    "id": "6f1c2d0e-0000-4000-8000-000000000010",
                    "version": 1,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                }
            ]
        },
    )

    code: str
    name: str
    financial_year_start_month: int
    area_code: str | None = Field(default=None, description="Its ONS area code (benchmarking), e.g. E07000011")
    settings: OrganisationSettings

    @field_validator("settings", mode="before")
    @classmethod
    def _known_settings(cls, stored: Any) -> Any:
        # Stored settings may hold keys of older versions: show the ones this version knows.
        if not isinstance(stored, dict):
            return {}
        return {
            section: {k: v for k, v in values.items() if k in model.model_fields}
            for section, model in SETTINGS_SECTIONS.items()
            if isinstance(values := stored.get(section), dict)
        }


class OrganisationUpdate(UpdateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"settings": {"collection": {"due_working_days": 8}}}]})
    nullable = frozenset({"area_code"})

    name: Name | None = None
    area_code: AreaCode | None = Field(
        default=None, description="The council's ONS area code, by which published benchmarks name it"
    )
    financial_year_start_month: int | None = Field(default=None, ge=1, le=12)
    settings: OrganisationSettingsChange | None = None


class DirectorateCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "COMM", "name": "Communities"}]})

    code: Code
    name: Name
    director_id: uuid.UUID | None = None


class DirectorateUpdate(UpdateModel):
    nullable = frozenset({"director_id"})
    code: Code | None = None
    name: Name | None = None
    director_id: uuid.UUID | None = None


class Directorate(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{"id": "6f1c2d0e-0000-4000-8000-000000000001", "code": "COMM", "name": "Communities"}]
        },
    )
    code: str
    name: str
    director_id: uuid.UUID | None


class DirectorateList(ListParams):
    sort: Literal["code", "-code", "name", "-name", "updated_at", "-updated_at"] = "code"
    code: str | None = None


class PortfolioCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "ENV", "name": "Leisure, Waste and Street Scene"}]}
    )

    code: Code
    name: Name
    holder_id: uuid.UUID | None = None


class PortfolioUpdate(UpdateModel):
    nullable = frozenset({"holder_id"})
    code: Code | None = None
    name: Name | None = None
    holder_id: uuid.UUID | None = None


class Portfolio(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "ENV",
                    "name": "Leisure, Waste and Street Scene",
                    "holder_id": None,
                    "id": "6f1c2d0e-0000-4000-8000-000000000011",
                    "version": 1,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "archived_at": None,
                }
            ]
        },
    )

    code: str
    name: str
    holder_id: uuid.UUID | None


class PortfolioList(ListParams):
    sort: Literal["code", "-code", "name", "-name", "updated_at", "-updated_at"] = "code"
    holder_id: uuid.UUID | None = None


class ServiceCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "WASTE",
                    "name": "Waste and Recycling",
                    "directorate_id": "6f1c2d0e-0000-4000-8000-000000000001",
                }
            ]
        }
    )

    code: Code
    name: Name
    directorate_id: uuid.UUID
    portfolio_id: uuid.UUID | None = None
    head_of_service_id: uuid.UUID | None = None


class ServiceUpdate(UpdateModel):
    nullable = frozenset({"portfolio_id", "head_of_service_id"})
    code: Code | None = None
    name: Name | None = None
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    head_of_service_id: uuid.UUID | None = None


class Service(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "WASTE",
                    "name": "Waste and Recycling",
                    "directorate_id": "6f1c2d0e-0000-4000-8000-000000000001",
                    "portfolio_id": None,
                    "head_of_service_id": None,
                    "id": "6f1c2d0e-0000-4000-8000-000000000012",
                    "version": 1,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "archived_at": None,
                }
            ]
        },
    )

    code: str
    name: str
    directorate_id: uuid.UUID
    portfolio_id: uuid.UUID | None
    head_of_service_id: uuid.UUID | None


class ServiceList(ListParams):
    sort: Literal["code", "-code", "name", "-name", "updated_at", "-updated_at"] = "code"
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None


class PersonCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Sam Patel", "email": "sam.patel@example.gov.uk", "job_title": "Waste Manager"}]
        }
    )

    name: Name
    email: EmailStr
    job_title: Name | None = None
    service_id: uuid.UUID | None = None


class PersonUpdate(UpdateModel):
    nullable = frozenset({"job_title", "service_id"})
    name: Name | None = None
    email: EmailStr | None = None
    job_title: Name | None = None
    service_id: uuid.UUID | None = None


class Person(ArchivableOutput):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Sam Patel",
                    "email": "sam.patel@example.gov.uk",
                    "job_title": "Waste Manager",
                    "service_id": None,
                    "id": "6f1c2d0e-0000-4000-8000-000000000013",
                    "version": 1,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "archived_at": None,
                }
            ]
        },
    )

    name: str
    email: str
    job_title: str | None
    service_id: uuid.UUID | None


class PersonList(ListParams):
    sort: Literal["name", "-name", "email", "-email", "updated_at", "-updated_at"] = "name"
    service_id: uuid.UUID | None = None
    email: str | None = None
