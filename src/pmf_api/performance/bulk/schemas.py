"""Shapes of a bulk push and its answer. The service reads rows itself (so a bad cell rejects its row,
not the request); these models document the JSON form and the result."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.platform.schemas import Number, PeriodText

ROW_EXAMPLE: JsonDict = {
    "kpi_code": "WAS-01",
    "period": "2025/26 P6",
    "numerator": 1180,
    "denominator": 2150,
    "commentary": "Garden waste tonnage up after the wet summer",
    "owner_forecast": 54,
}


class BulkRow(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ROW_EXAMPLE]})

    kpi_code: str | None = Field(default=None, description="The KPI's code (or give `kpi_id`)")
    kpi_id: uuid.UUID | None = Field(default=None, description="The KPI's id, instead of its code")
    period: PeriodText = Field(description="2025/26 P6 (monthly), 2025/26 Q2 (quarterly) or 2025/26 (annual)")
    value: Number | None = Field(default=None, description="The value; for a ratio KPI send numerator and denominator")
    numerator: Number | None = None
    denominator: Number | None = None
    commentary: str | None = Field(default=None, description="What explains the value (seed 001, E.1)")
    owner_forecast: Number | None = Field(default=None, description="The owner's year-end forecast")


class BulkRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rows": [ROW_EXAMPLE, {"kpi_code": "HOU-03", "period": "2025/26 P6", "value": 41}],
                    "submit": False,
                }
            ]
        },
    )

    rows: list[BulkRow]
    submit: bool = Field(default=False, description="Also submit each saved row to the performance team")


class RowError(BaseModel):
    field: str | None = Field(description="The column (or JSON field) at fault; null when the row as a whole is")
    message: str


class RowResult(BaseModel):
    row: int = Field(description="CSV/XLSX: the spreadsheet row (the header is row 1); JSON: the index in `rows`")
    kpi_code: str | None
    period: str | None
    outcome: Literal["created", "updated", "unchanged", "skipped", "rejected"] = Field(
        description="`skipped`: the row names a KPI and period but carries nothing to save (a template line left empty)"
    )
    submission_id: uuid.UUID | None = Field(description="The submission written or matched (null on a dry run create)")
    errors: list[RowError]


class BulkSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int


BULK_RESULT_EXAMPLE: JsonDict = {
    "dry_run": False,
    "atomic": False,
    "summary": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 1},
    "rows": [
        {
            "row": 2,
            "kpi_code": "WAS-01",
            "period": "2025/26 P6",
            "outcome": "created",
            "submission_id": "3d1f7a52-0000-4000-8000-000000000077",
            "errors": [],
        },
        {
            "row": 3,
            "kpi_code": "HOU-03",
            "period": "2025/26 P6",
            "outcome": "rejected",
            "submission_id": None,
            "errors": [
                {
                    "field": "value",
                    "message": "Use a point as the decimal separator and no thousands separator: not 95,5",
                }
            ],
        },
    ],
}


class BulkResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [BULK_RESULT_EXAMPLE]})

    dry_run: bool
    atomic: bool
    summary: BulkSummary
    rows: list[RowResult]


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its definitions inlined, for a hand-written OpenAPI request body."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.rsplit("/", 1)[1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
