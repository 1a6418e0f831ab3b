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


POINTER = (
    "Where: `#/rows/{i}/{column}` (the column, or JSON field, at fault), `#/rows/{i}` (the row as a whole) or "
    "`#` (the batch); `i` counts from 0 in the order sent (the JSON `rows` array, or the file's non-blank data "
    "rows), which is also the row's place in this answer's `rows`"
)


class RowError(BaseModel):
    pointer: str = Field(description=POINTER, examples=["#/rows/1/value"])
    detail: str


class RowWarning(BaseModel):
    """Something worth a look that did not stop the row: a sense-check flag of its values (the same
    flags a single save stores, by their `code`), or how a period given as a date was read."""

    pointer: str = Field(description=POINTER, examples=["#/rows/1/value"])
    detail: str
    code: str = Field(
        description="A sense-check flag's code (e.g. percentage_out_of_range, denominator_not_positive, "
        "unusual_jump), `period_read_from_date`, or on the batch `unknown_column`"
    )


class RowResult(BaseModel):
    row: int = Field(description="CSV/XLSX: the spreadsheet row (the header is row 1); JSON: the index in `rows`")
    kpi_code: str | None
    period: str | None
    outcome: Literal["created", "updated", "unchanged", "skipped", "rejected", "not_written"] = Field(
        description="`skipped`: the row names a KPI and period but carries nothing to save (a template line left "
        "empty); `not_written`: the row was fine but an atomic push was refused, so nothing was written"
    )
    submission_id: uuid.UUID | None = Field(
        description="The submission written or matched (null when none was created: a dry run, an atomic refusal)"
    )
    errors: list[RowError]
    warnings: list[RowWarning] = Field(
        description="The sense-check flags of the row's values (they never stop a row), and notes on how it was read"
    )


class BulkSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    not_written: int


BULK_RESULT_EXAMPLE: JsonDict = {
    "dry_run": False,
    "atomic": False,
    "summary": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 1, "not_written": 0},
    "warnings": [],
    "rows": [
        {
            "row": 2,
            "kpi_code": "WAS-01",
            "period": "2025/26 P6",
            "outcome": "created",
            "submission_id": "3d1f7a52-0000-4000-8000-000000000077",
            "errors": [],
            "warnings": [
                {
                    "pointer": "#/rows/0/value",
                    "detail": "The change from last period (48.2 to 54.9) is larger than usual (typically 1.10).",
                    "code": "unusual_jump",
                }
            ],
        },
        {
            "row": 3,
            "kpi_code": "HOU-03",
            "period": "2025/26 P6",
            "outcome": "rejected",
            "submission_id": None,
            "errors": [
                {
                    "pointer": "#/rows/1/value",
                    "detail": "Use a point as the decimal separator and no thousands separator: not 95,5",
                }
            ],
            "warnings": [],
        },
    ],
}


class BulkResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [BULK_RESULT_EXAMPLE]})

    dry_run: bool
    atomic: bool
    summary: BulkSummary
    warnings: list[RowWarning] = Field(
        description="About the batch as a whole, at `#`: columns of the file that are not read (`unknown_column`)"
    )
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
