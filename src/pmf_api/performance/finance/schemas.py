"""Request and response shapes for budget monitoring, complaints and the joint finance and
performance view (seed 003_2a403038ecab8362.txt)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.domain.rag import Rag
from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import InputModel, Number, OutputModel, PeriodText, Text

MonthText = Annotated[
    PeriodText, Field(description="A month of the financial year that has ended", examples=["2026/27 P5"])
]
QuarterText = Annotated[PeriodText, Field(description="A quarter that has ended", examples=["2026/27 Q2"])]

_BUDGET_EXAMPLE: JsonDict = {
    "service_id": "6f1c2d0e-0000-4000-8000-000000000002",
    "period": "2026/27 P6",
    "budget": 1250000,
    "actual_to_date": 640210.55,
    "forecast_outturn": 1301000,
    "note": "Agency staff covering vacancies",
}


class BudgetMonitoringCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_BUDGET_EXAMPLE]})

    service_id: uuid.UUID
    period: MonthText
    budget: Number = Field(ge=0, description="The service's annual budget (net), in pounds")
    actual_to_date: Number = Field(description="Spent (net) from the year's start to the month's end")
    forecast_outturn: Number = Field(description="What the year's spending (net) is forecast to come to")
    note: Text | None = None


_RECORD: JsonDict = {
    "id": "6f1c2d0e-0000-4000-8000-000000000030",
    "created_at": "2026-10-12T09:00:00Z",
    "updated_at": "2026-10-12T09:00:00Z",
    "version": 1,
}


class BudgetMonitoring(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_RECORD,
                    **_BUDGET_EXAMPLE,
                    "variance": 51000,
                    "variance_percent": 4.1,
                    "variance_rag": "amber",
                    "variance_rag_text": "Amber: forecast overspend within tolerance",
                }
            ]
        },
    )

    service_id: uuid.UUID
    period: str
    budget: Number
    actual_to_date: Number
    forecast_outturn: Number
    variance: Number = Field(description="Forecast outturn less budget: an overspend is positive")
    variance_percent: Number | None = Field(description="The variance as a percentage of the budget, to one place")
    variance_rag: Rag = Field(description="Against the council's `settings.finance` thresholds; an underspend is green")
    variance_rag_text: str = Field(description="The RAG in words")
    note: str | None


class BudgetMonitoringList(ListParams):
    sort: Literal["period_end", "-period_end", "updated_at", "-updated_at"] = "period_end"
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    period: PeriodText | None = Field(default=None, description="A month, e.g. 2026/27 P5")


class ComplaintCountCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_id": "6f1c2d0e-0000-4000-8000-000000000002",
                    "period": "2026/27 Q2",
                    "received": 14,
                    "upheld": 3,
                    "responded_in_time": 12,
                }
            ]
        }
    )

    service_id: uuid.UUID
    period: QuarterText
    received: int = Field(ge=0, le=1_000_000)
    upheld: int = Field(ge=0, le=1_000_000, description="At most those received")
    responded_in_time: int | None = Field(default=None, ge=0, le=1_000_000, description="At most those received")


class ComplaintCount(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_RECORD,
                    "service_id": "6f1c2d0e-0000-4000-8000-000000000002",
                    "period": "2026/27 Q2",
                    "received": 14,
                    "upheld": 3,
                    "responded_in_time": 12,
                }
            ]
        },
    )

    service_id: uuid.UUID
    period: str
    received: int
    upheld: int
    responded_in_time: int | None


class ComplaintCountList(ListParams):
    sort: Literal["period_end", "-period_end", "updated_at", "-updated_at"] = "period_end"
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    period: PeriodText | None = Field(default=None, description="A quarter, e.g. 2026/27 Q2")


# --- Import ---------------------------------------------------------------------------------


class BudgetImportRowError(BaseModel):
    pointer: str = Field(
        description="`#/rows/{i}/{column}` (`i` from 0 in the order sent)", examples=["#/rows/1/budget"]
    )
    detail: str


class BudgetImportSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    not_written: int


class BudgetImportRow(BaseModel):
    row: int = Field(description="CSV/XLSX: the spreadsheet row (the header is row 1); JSON: the index in `rows`")
    service: str | None = Field(description="The service's code or id as sent")
    period: str | None
    outcome: Literal["created", "updated", "unchanged", "skipped", "rejected", "not_written"] = Field(
        description="`updated`: the month had monitoring for the service, replaced by this row (audited); "
        "`not_written`: an atomic import refused because another row was rejected"
    )
    budget_monitoring_id: uuid.UUID | None
    errors: list[BudgetImportRowError]


class BudgetImportResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": False,
                    "atomic": False,
                    "summary": {
                        "created": 1,
                        "updated": 0,
                        "unchanged": 0,
                        "skipped": 0,
                        "rejected": 1,
                        "not_written": 0,
                    },
                    "rows": [
                        {
                            "row": 2,
                            "service": "WASTE",
                            "period": "2026/27 P6",
                            "outcome": "created",
                            "budget_monitoring_id": "6f1c2d0e-0000-4000-8000-000000000030",
                            "errors": [],
                        },
                        {
                            "row": 3,
                            "service": "GHOST",
                            "period": "2026/27 P6",
                            "outcome": "rejected",
                            "budget_monitoring_id": None,
                            "errors": [{"pointer": "#/rows/1/service_code", "detail": "No service with code GHOST"}],
                        },
                    ],
                }
            ]
        }
    )

    dry_run: bool
    atomic: bool
    summary: BudgetImportSummary
    rows: list[BudgetImportRow]


class ComplaintImportRow(BaseModel):
    row: int = Field(description="CSV/XLSX: the spreadsheet row (the header is row 1); JSON: the index in `rows`")
    service: str | None = Field(description="The service's code or id as sent")
    period: str | None
    outcome: Literal["created", "updated", "unchanged", "skipped", "rejected", "not_written"]
    complaint_count_id: uuid.UUID | None
    errors: list[BudgetImportRowError]


class ComplaintImportResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": True,
                    "atomic": False,
                    "summary": {
                        "created": 1,
                        "updated": 0,
                        "unchanged": 0,
                        "skipped": 0,
                        "rejected": 0,
                        "not_written": 0,
                    },
                    "rows": [
                        {
                            "row": 2,
                            "service": "WASTE",
                            "period": "2026/27 Q2",
                            "outcome": "created",
                            "complaint_count_id": None,
                            "errors": [],
                        }
                    ],
                }
            ]
        }
    )

    dry_run: bool
    atomic: bool
    summary: BudgetImportSummary
    rows: list[ComplaintImportRow]


class ComplaintImportRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_code: str | None = Field(None, description="The service's code, in any case (or give `service_id`)")
    service_id: uuid.UUID | None = None
    period: PeriodText = Field(examples=["2026/27 Q2"])
    received: int
    upheld: int
    responded_in_time: int | None = None


class ComplaintImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[ComplaintImportRowIn]


class BudgetImportRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_code: str | None = Field(None, description="The service's code, in any case (or give `service_id`)")
    service_id: uuid.UUID | None = None
    period: PeriodText = Field(examples=["2026/27 P6"])
    budget: Number
    actual_to_date: Number
    forecast_outturn: Number
    note: str | None = None


class BudgetImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[BudgetImportRowIn]


# --- The joint view -------------------------------------------------------------------------


class KpiRagCounts(BaseModel):
    """How many of the KPIs are of each RAG in the period (the scorecard's)."""

    green: int = 0
    amber: int = 0
    red: int = 0
    missing: int = 0
    not_rated: int = Field(0, description="Not rated: awaiting validation, not yet due or without a target")


class JointRow(BaseModel):
    """A service's, a directorate's or the council's finance and performance in the period.

    The finance fields are named as the report document's ``FinanceRow``."""

    label: str = Field(description="The service's or directorate's name, or 'Council'")
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    budget: Number | None = None
    actual_to_date: Number | None = None
    forecast_outturn: Number | None = None
    variance: Number | None = Field(None, description="Forecast outturn less budget: an overspend is positive")
    variance_percent: Number | None = None
    variance_rag: Rag = Field(description="`missing` where no budget monitoring was imported for the month")
    variance_rag_text: str
    complaints: int | None = Field(None, description="Complaints received in the quarter")
    complaints_upheld: int | None = None
    kpis: KpiRagCounts


class FinanceThresholds(BaseModel):
    amber_from_percent: Number
    red_from_percent: Number


_ROW: JsonDict = {
    "budget": 1250000,
    "actual_to_date": 640210.55,
    "forecast_outturn": 1301000,
    "variance": 51000,
    "variance_percent": 4.1,
    "variance_rag": "amber",
    "variance_rag_text": "Amber: forecast overspend within tolerance",
    "complaints": 14,
    "complaints_upheld": 3,
    "kpis": {"green": 5, "amber": 1, "red": 1, "missing": 0, "not_rated": 1},
}


class JointView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2026/27 Q2",
                    "monitoring_period": "2026/27 P6",
                    "complaints_period": "2026/27 Q2",
                    "thresholds": {"amber_from_percent": 1, "red_from_percent": 5},
                    "services": [
                        {
                            "label": "Waste",
                            "service_id": "6f1c2d0e-0000-4000-8000-000000000002",
                            "directorate_id": "6f1c2d0e-0000-4000-8000-000000000001",
                            **_ROW,
                        }
                    ],
                    "directorates": [
                        {"label": "Place", "directorate_id": "6f1c2d0e-0000-4000-8000-000000000001", **_ROW}
                    ],
                    "council": {"label": "Council", **_ROW},
                }
            ]
        }
    )

    period: str = Field(description="The period asked for")
    monitoring_period: str = Field(description="The month whose budget monitoring is shown (a quarter's last)")
    complaints_period: str | None = Field(description="The quarter whose complaints are shown, if the period ends one")
    thresholds: FinanceThresholds
    services: list[JointRow]
    directorates: list[JointRow]
    council: JointRow
