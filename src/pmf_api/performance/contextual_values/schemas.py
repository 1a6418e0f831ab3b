"""Request and response shapes for contextual measures' values."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from pmf_api.domain.direction import Direction
from pmf_api.domain.kpi import Polarity, Unit
from pmf_api.domain.periods import Frequency
from pmf_api.platform.schemas import InputModel, IsoDate, Number, OutputModel, PeriodText, Text

Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

_EXAMPLE: JsonDict = {
    "period": "2024/25",
    "value": 118350,
    "source": "ONS mid-year population estimates",
    "published_on": "2025-07-15",
    "note": "Mid-2024 estimate",
}


class ContextualValueCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    period: PeriodText = Field(description="A period of the measure's frequency that has ended (annual: 2024/25)")
    value: Number
    source: Source = Field(description="Who published it, e.g. ONS mid-year population estimates")
    published_on: IsoDate = Field(description="When it was published: not after today")
    note: Text | None = None


class DirectionOut(BaseModel):
    against_previous: Direction = Field(description="Against the previous period's value, by the preferred direction")
    against_last_year: Direction = Field(
        description="Against the same period last year (for an annual measure, the previous year's value)"
    )


class ContextualValue(OutputModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e5b1c-0000-4000-8000-000000000020",
                    "measure_id": "0b7e5b1c-0000-4000-8000-000000000010",
                    **_EXAMPLE,
                    "direction": {"against_previous": "improving", "against_last_year": "improving"},
                    "created_at": "2025-07-20T09:00:00Z",
                    "updated_at": "2025-07-20T09:00:00Z",
                    "version": 1,
                }
            ]
        },
    )

    measure_id: uuid.UUID
    period: str
    value: Number
    source: str
    published_on: date
    note: str | None
    direction: DirectionOut


_VALUE_OUT: JsonDict = {
    "id": "0b7e5b1c-0000-4000-8000-000000000020",
    "measure_id": "0b7e5b1c-0000-4000-8000-000000000010",
    **_EXAMPLE,
    "direction": {"against_previous": "improving", "against_last_year": "improving"},
    "created_at": "2025-07-20T09:00:00Z",
    "updated_at": "2025-07-20T09:00:00Z",
    "version": 1,
}


class MeasureSummary(BaseModel):
    """A contextual measure with its latest value: no target and no RAG, a direction of travel."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e5b1c-0000-4000-8000-000000000010",
                    "code": "CM-01",
                    "title": "Resident population",
                    "unit": "number",
                    "preferred_direction": "higher_is_better",
                    "frequency": "annual",
                    "source": "ONS mid-year population estimates",
                    "latest": _VALUE_OUT,
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    title: str
    unit: Unit
    preferred_direction: Polarity
    frequency: Frequency
    source: str | None
    latest: ContextualValue | None = Field(description="The value of its latest period, if it has one")


class ImportRowError(BaseModel):
    pointer: str = Field(
        description="`#/rows/{i}/{column}` (`i` from 0 in the order sent)", examples=["#/rows/1/value"]
    )
    detail: str


class ImportRow(BaseModel):
    row: int = Field(description="CSV/XLSX: the spreadsheet row (the header is row 1); JSON: the index in `rows`")
    measure_code: str | None
    period: str | None
    outcome: Literal["created", "updated", "unchanged", "skipped", "rejected", "not_written"] = Field(
        description="`updated`: the period had a value, replaced by this one (audited); `not_written`: an atomic "
        "import refused because another row was rejected"
    )
    value_id: uuid.UUID | None
    errors: list[ImportRowError]


class ImportSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    not_written: int


class ContextualImportResult(BaseModel):
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
                            "measure_code": "CM-01",
                            "period": "2024/25",
                            "outcome": "created",
                            "value_id": "0b7e5b1c-0000-4000-8000-000000000020",
                            "errors": [],
                        },
                        {
                            "row": 3,
                            "measure_code": "CM-09",
                            "period": "2024/25",
                            "outcome": "rejected",
                            "value_id": None,
                            "errors": [
                                {"pointer": "#/rows/1/measure_code", "detail": "No contextual measure with code CM-09"}
                            ],
                        },
                    ],
                }
            ]
        }
    )

    dry_run: bool
    atomic: bool
    summary: ImportSummary
    rows: list[ImportRow]


class ImportRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure_code: str = Field(description="The measure's code, in any case")
    period: PeriodText = Field(description="A period of the measure's frequency that has ended", examples=["2024/25"])
    value: Number
    source: str = Field(max_length=300)
    published_on: IsoDate = Field(description="Not after today", examples=["2025-07-15"])
    note: str | None = None


class ContextualImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[ImportRowIn]
