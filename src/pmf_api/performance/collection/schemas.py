"""Request and response shapes for collection periods, tasks and their completeness summary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmf_api.domain import CollectionTally, CollectionWindow, DomainError, Frequency, Period, TaskStatus, Timeliness
from pmf_api.performance.collection import service as collection_service
from pmf_api.platform.http.paging import NEXT_CURSOR, PageParams
from pmf_api.platform.schemas import FinancialYearText, IsoDate, Number, PeriodText, parse_financial_year

AS_OF_DESCRIPTION = (
    "The day to report on (default: today, UTC). Statuses are worked out from the submissions as they stand "
    "now; a submission made after this day counts as not yet made."
)


class CollectionQuery(BaseModel):
    """Unknown query parameters are refused, so a misspelt filter never silently returns everything."""

    model_config = ConfigDict(extra="forbid")

    as_of: IsoDate | None = Field(default=None, description=AS_OF_DESCRIPTION)


class PeriodQuery(CollectionQuery):
    period: PeriodText = Field(
        description="A month (`2026/27 P6`), quarter (`2026/27 Q2`) or year (`2026/27`); it selects the KPIs "
        "of that frequency",
        examples=["2026/27 P6"],
    )
    person_id: uuid.UUID | None = Field(default=None, description="KPIs this person owns or backs up")
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        try:
            return str(Period.parse(value))
        except DomainError as exc:
            raise ValueError(exc.message) from None

    def filters(self, status: TaskStatus | None = None) -> collection_service.TaskFilters:
        return collection_service.TaskFilters(self.person_id, self.service_id, self.directorate_id, status)


class PeriodsQuery(CollectionQuery, PageParams):
    financial_year: FinancialYearText | None = Field(
        default=None, description="UK financial year, e.g. 2026/27 (default: the current one)", examples=["2026/27"]
    )
    frequency: Frequency | None = Field(default=None, description="Only periods of this frequency (default: all)")

    @field_validator("financial_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        return None if value is None else parse_financial_year(value)


class TasksQuery(PeriodQuery, PageParams):
    status: TaskStatus | None = Field(
        default=None,
        description="`due` (window open, not submitted), `overdue` (past the due date, not submitted), "
        "`queried`, `complete`, or `not_open` (the period has not ended)",
    )


class SummaryQuery(PeriodQuery):
    group_by: Literal["service", "person", "directorate"] = Field(
        default="service", description="`person` groups KPIs by their owner"
    )


# --- Responses ----------------------------------------------------------------------------------


class Window(BaseModel):
    period: str
    frequency: Frequency
    period_end: date = Field(description="The last day of the period")
    opens: date = Field(description="The day after the period ends: values can be entered from then")
    due_on: date = Field(
        description="The collection due date: values are due by the end of this day (the organisation's "
        "`due_working_days` working days after the period ends); overdue from the next day"
    )

    @classmethod
    def of(cls, window: CollectionWindow, **extra: Any) -> Self:
        return cls(
            period=str(window.period),
            frequency=window.period.frequency,
            period_end=window.period_end,
            opens=window.opens,
            due_on=window.due,
            **extra,
        )


PERIOD_EXAMPLE: dict[str, Any] = {
    "period": "2026/27 P6",
    "frequency": "monthly",
    "period_end": "2026-09-30",
    "opens": "2026-10-01",
    "due_on": "2026-10-14",
}


class PeriodWindow(Window):
    state: Literal["not_open", "open", "closed"] = Field(
        description="`not_open` before the period ends; `open` until the due date; `closed` after it "
        "(late values are still taken, and counted late)"
    )


class PeriodList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "financial_year": "2026/27",
                    "as_of": "2026-10-05",
                    "due_working_days": 10,
                    "items": [{**PERIOD_EXAMPLE, "state": "open"}],
                }
            ]
        }
    )

    financial_year: str
    as_of: date
    due_working_days: int = Field(description="Working days after the period ends that values are due")
    items: list[PeriodWindow] = Field(
        description="By when they end, shorter first: P1, P2, P3, Q1, P4 ... Q4, the year"
    )
    next_cursor: str | None = NEXT_CURSOR


TASK_EXAMPLE: dict[str, Any] = {
    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
    "kpi_code": "WM-01",
    "kpi_title": "Household waste recycled",
    "frequency": "monthly",
    "owner_id": "5a1e0000-0000-4000-8000-000000000003",
    "owner_name": "Ola Owner",
    "backup_owner_id": "5a1e0000-0000-4000-8000-000000000004",
    "backup_owner_name": "Bo Backup",
    "service_id": "3c2d0000-0000-4000-8000-000000000002",
    "service_name": "Waste",
    "directorate_id": "2b1c0000-0000-4000-8000-000000000001",
    "directorate_name": "Environment",
    "submission_id": "9d4e0000-0000-4000-8000-000000000005",
    "submission_state": "submitted",
    "submitted_at": "2026-10-09T15:12:00Z",
    "due_on": "2026-10-14",
    "status": "complete",
    "timeliness": "on_time",
}


class Task(BaseModel):
    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    frequency: Frequency
    owner_id: uuid.UUID | None
    owner_name: str | None
    backup_owner_id: uuid.UUID | None
    backup_owner_name: str | None
    service_id: uuid.UUID
    service_name: str
    directorate_id: uuid.UUID
    directorate_name: str
    submission_id: uuid.UUID | None = Field(description="Null until a value is entered")
    submission_state: str | None = Field(description="draft, submitted, queried, resubmitted, validated or published")
    submitted_at: datetime | None = Field(description="When it was last submitted")
    due_on: date = Field(description="The collection due date (the period's `due_on`)")
    status: TaskStatus = Field(
        description="`complete` (submitted, resubmitted, validated or published), `queried` (not complete "
        "until resubmitted), `due`, `overdue` or `not_open`"
    )
    timeliness: Timeliness | None = Field(
        description="For a complete value: `on_time` if last submitted on or before the due date, else `late`"
    )

    @classmethod
    def of(cls, row: collection_service.TaskRow) -> Task:
        return cls(
            kpi_id=row.kpi_id,
            kpi_code=row.kpi_code,
            kpi_title=row.kpi_title,
            frequency=Frequency(row.frequency),
            owner_id=row.owner.id if row.owner else None,
            owner_name=row.owner.name if row.owner else None,
            backup_owner_id=row.backup_owner.id if row.backup_owner else None,
            backup_owner_name=row.backup_owner.name if row.backup_owner else None,
            service_id=row.service.id,
            service_name=row.service.name,
            directorate_id=row.directorate.id,
            directorate_name=row.directorate.name,
            submission_id=row.submission_id,
            submission_state=row.submission_state,
            submitted_at=row.submitted_at,
            due_on=row.due,
            status=row.status,
            timeliness=row.timeliness,
        )


class TaskList(Window):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**PERIOD_EXAMPLE, "as_of": "2026-10-15", "items": [TASK_EXAMPLE]}]}
    )

    as_of: date
    items: list[Task] = Field(description="One row per active KPI of the period's frequency, by KPI code")
    next_cursor: str | None = NEXT_CURSOR


class Tally(BaseModel):
    owed: int = Field(description="Active KPIs of the period's frequency")
    submitted: int = Field(description="Complete: submitted, resubmitted, validated or published")
    on_time: int
    late: int
    queried: int
    due: int = Field(description="Tasks of status `due` (a count, like its neighbours)")
    overdue: int
    not_open: int
    outstanding: int = Field(description="Owed and not complete (due, overdue, queried or not open)")
    completeness_rate: Number | None = Field(description="Submitted as a percentage of owed, to 1 decimal place")
    timeliness_rate: Number | None = Field(description="Submitted on time as a percentage of owed, to 1 decimal place")

    @classmethod
    def counts(cls, tally: CollectionTally) -> dict[str, Any]:
        return {
            "owed": tally.owed,
            "submitted": tally.submitted,
            "on_time": tally.on_time,
            "late": tally.late,
            "queried": tally.queried,
            "due": tally.due,
            "overdue": tally.overdue,
            "not_open": tally.not_open,
            "outstanding": tally.outstanding,
            "completeness_rate": tally.completeness_rate,
            "timeliness_rate": tally.timeliness_rate,
        }


class SummaryGroup(Tally):
    id: uuid.UUID | None = Field(description="The service, person or directorate; null for KPIs with no owner")
    name: str


TALLY_EXAMPLE: dict[str, Any] = {
    "owed": 3,
    "submitted": 2,
    "on_time": 1,
    "late": 1,
    "queried": 0,
    "due": 0,
    "overdue": 1,
    "not_open": 0,
    "outstanding": 1,
    "completeness_rate": 66.7,
    "timeliness_rate": 33.3,
}


class CollectionSummary(Window):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **PERIOD_EXAMPLE,
                    "as_of": "2026-10-20",
                    "group_by": "service",
                    "groups": [{"id": "3c2d0000-0000-4000-8000-000000000002", "name": "Waste", **TALLY_EXAMPLE}],
                    "total": TALLY_EXAMPLE,
                }
            ]
        }
    )

    as_of: date
    group_by: Literal["service", "person", "directorate"]
    groups: list[SummaryGroup] = Field(description="By name; KPIs with no owner last")
    total: Tally

    @classmethod
    def of_summary(cls, summary: collection_service.Summary) -> CollectionSummary:
        return cls.of(
            summary.window,
            as_of=summary.as_of,
            group_by=summary.group_by,
            groups=[SummaryGroup(id=g.id, name=g.name, **Tally.counts(g.tally)) for g in summary.groups],
            total=Tally(**Tally.counts(summary.total)),
        )
