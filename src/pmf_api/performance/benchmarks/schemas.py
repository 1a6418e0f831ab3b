"""Request and response shapes for benchmarking: comparator groups, metric mappings, the values
import and our positions."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from pmf_api.platform.http.paging import ListParams, PageParams
from pmf_api.platform.schemas import ArchivableOutput, AreaCode, InputModel, Name, Number, PeriodText, UpdateModel

MetricId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
AreaCodes = Annotated[
    list[AreaCode], Field(min_length=1, max_length=500, description="ONS area codes of the councils, each once")
]


class GroupKind(StrEnum):
    NEAREST_NEIGHBOURS = "nearest_neighbours"  # CIPFA's 15 nearest neighbours
    GEOGRAPHICAL = "geographical"
    ALL_DISTRICTS = "all_districts"
    CUSTOM = "custom"


_GROUP: JsonDict = {
    "name": "CIPFA nearest neighbours",
    "kind": "nearest_neighbours",
    "area_codes": ["E07000012", "E07000099", "E07000242"],
    "description": "CIPFA's 15 nearest neighbours of the council",
}


class ComparatorGroupCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_GROUP]})

    name: Name = Field(description="Unique in the organisation")
    kind: GroupKind
    area_codes: AreaCodes
    description: Description | None = None


class ComparatorGroupUpdate(UpdateModel):
    nullable = frozenset({"description"})

    name: Name | None = None
    kind: GroupKind | None = None
    area_codes: AreaCodes | None = None
    description: Description | None = None


class ComparatorGroup(ArchivableOutput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3d5c1b7a-0000-4000-8000-000000000001",
                    **_GROUP,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "version": 1,
                    "archived_at": None,
                }
            ]
        }
    )

    name: str
    kind: GroupKind
    area_codes: list[str]
    description: str | None


class ComparatorGroupList(ListParams):
    sort: Literal["name", "-name", "updated_at", "-updated_at"] = "name"
    kind: GroupKind | None = None


_MAPPING: JsonDict = {
    "metric_id": "2150",
    "source": "LG Inform",
    "kpi_id": "3d5c1b7a-0000-4000-8000-0000000000a1",
    "measure_id": None,
}


class MetricMappingCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_MAPPING]})

    metric_id: MetricId = Field(description="The external metric's id (an LG Inform metric id); unique here")
    source: Source = Field(default="LG Inform", description="Who publishes the metric")
    kpi_id: uuid.UUID | None = Field(default=None, description="Our KPI that is this metric (or measure_id)")
    measure_id: uuid.UUID | None = Field(default=None, description="Our contextual measure that is this metric")


class MetricMappingUpdate(UpdateModel):
    nullable = frozenset({"kpi_id", "measure_id"})

    metric_id: MetricId | None = None
    source: Source | None = None
    kpi_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None


class MetricMapping(ArchivableOutput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3d5c1b7a-0000-4000-8000-000000000002",
                    **_MAPPING,
                    "created_at": "2026-04-01T09:00:00Z",
                    "updated_at": "2026-04-01T09:00:00Z",
                    "version": 1,
                    "archived_at": None,
                }
            ]
        }
    )

    metric_id: str
    source: str
    kpi_id: uuid.UUID | None
    measure_id: uuid.UUID | None


class MetricMappingList(ListParams):
    sort: Literal["metric_id", "-metric_id", "updated_at", "-updated_at"] = "metric_id"
    kpi_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None


# --- Positions -------------------------------------------------------------------------------


class ComparatorValue(BaseModel):
    area_code: str
    value: Number | None = Field(description="Null: not published for the period")
    ours: bool


class BenchmarkPosition(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group_id": "3d5c1b7a-0000-4000-8000-000000000001",
                    "group_name": "CIPFA nearest neighbours",
                    "group_kind": "nearest_neighbours",
                    "metric_id": "2150",
                    "kpi_id": "3d5c1b7a-0000-4000-8000-0000000000a1",
                    "measure_id": None,
                    "period": "2024/25",
                    "period_end": "2025-03-31",
                    "our_value": 58.2,
                    "rank": 2,
                    "compared": 16,
                    "quartile": 1,
                    "median": 51.35,
                    "best_quartile": 55.1,
                    "distance_to_best_quartile": 0,
                    "missing": 0,
                    "in_words": "2nd of 16 nearest neighbours, top quartile",
                }
            ]
        }
    )

    group_id: uuid.UUID
    group_name: str
    group_kind: GroupKind
    metric_id: str
    kpi_id: uuid.UUID | None
    measure_id: uuid.UUID | None
    period: str
    period_end: date
    our_value: Number = Field(description="The value published for our area code")
    rank: int = Field(description="1 is the best; equal values share the best rank of their tie")
    compared: int = Field(description="How many councils had a value, ours included")
    quartile: int = Field(description="1 is the best quartile", ge=1, le=4)
    median: Number
    best_quartile: Number = Field(
        description="The best quartile's threshold (Excel QUARTILE.INC: the upper quartile point when higher is "
        "better, the lower one when lower is better)"
    )
    distance_to_best_quartile: Number = Field(description="How far to move, the better way, to reach it; 0 there")
    missing: int = Field(description="Councils of the group with no value for the period")
    in_words: str


class KpiBenchmarkList(PageParams):
    group_id: uuid.UUID | None = Field(default=None, description="One comparator group (by default every group)")
    period: PeriodText | None = Field(default=None, description="One period (by default every period)")


class KpiBenchmark(BenchmarkPosition):
    comparators: list[ComparatorValue] = Field(description="Ours first, then the group's councils in its order")


class BenchmarkPositionList(PageParams):
    group_id: uuid.UUID | None = None
    kpi_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None
    metric_id: MetricId | None = None
    period: PeriodText | None = None


# --- A KPI's headline, on its status --------------------------------------------------------


class BenchmarkHeadline(BaseModel):
    """The KPI's headline position among its comparators (seed 003_2a403038ecab8362.txt): its latest
    benchmarked period, among its nearest neighbours when it has them (every position:
    ``GET /kpis/{id}/benchmarks``)."""

    group_id: uuid.UUID
    group_name: str
    group_kind: str
    metric_id: str
    period: str = Field(description="The benchmarked period (as published, e.g. 2024/25)")
    our_value: Number
    rank: int = Field(description="1 is the best; ties share the best rank")
    compared: int = Field(description="Councils with a value, ours included")
    quartile: int = Field(description="1 is the best quartile")
    median: Number
    best_quartile: Number = Field(description="The best quartile's threshold (Excel QUARTILE.INC)")
    distance_to_best_quartile: Number = Field(description="How far to move, the better way, to reach it")
    in_words: str = Field(examples=["2nd of 16 nearest neighbours, top quartile"])


# --- The values import -------------------------------------------------------------------------


class BenchmarkImportRowError(BaseModel):
    pointer: str = Field(
        description="`#/rows/{i}/{column}` (`i` from 0 in the order sent)", examples=["#/rows/1/area_code"]
    )
    detail: str


class BenchmarkImportRow(BaseModel):
    row: int = Field(description="CSV/XLSX: the spreadsheet row (the header is row 1); JSON: the index in `rows`")
    metric_id: str | None
    area_code: str | None
    period: str | None
    outcome: Literal["created", "updated", "unchanged", "skipped", "rejected", "not_written"]
    value_id: uuid.UUID | None
    errors: list[BenchmarkImportRowError]


class BenchmarkImportSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    not_written: int


class BenchmarkImportResult(BaseModel):
    dry_run: bool
    atomic: bool
    summary: BenchmarkImportSummary
    rows: list[BenchmarkImportRow]


class BenchmarkImportRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric_id: str = Field(description="A metric id mapped to one of our KPIs or measures", examples=["2150"])
    area_code: str = Field(description="Ours, or one in our comparator groups", examples=["E07000012"])
    period: PeriodText = Field(examples=["2024/25"])
    value: Number


class BenchmarkImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[BenchmarkImportRowIn]
