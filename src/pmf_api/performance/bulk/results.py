"""What a bulk push answers: each row's outcome (created, updated, unchanged, skipped or rejected,
with the column at fault) and a summary of them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pmf_api.platform.errors import FieldProblem

RowOutcome = Literal["created", "updated", "unchanged", "skipped", "rejected"]
OUTCOMES: tuple[RowOutcome, ...] = ("created", "updated", "unchanged", "skipped", "rejected")


@dataclass
class RowResult:
    row: int
    kpi_code: str | None
    period: str | None
    outcome: RowOutcome = "rejected"
    submission_id: uuid.UUID | None = None
    errors: list[FieldProblem] = field(default_factory=list)


@dataclass(frozen=True)
class BulkReport:
    """What to answer: ``body`` is the JSON result; ``refused`` when atomic and a row was rejected."""

    body: dict[str, Any]
    refused: bool
    replayed: bool = False


def report_body(results: Sequence[RowResult], *, dry_run: bool, atomic: bool) -> dict[str, Any]:
    """The JSON answer: a summary by outcome, and each row's outcome and errors."""
    summary = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        summary[result.outcome] += 1
    return {
        "dry_run": dry_run,
        "atomic": atomic,
        "summary": summary,
        "rows": [
            {
                "row": r.row,
                "kpi_code": r.kpi_code,
                "period": r.period,
                "outcome": r.outcome,
                "submission_id": str(r.submission_id) if r.submission_id else None,
                "errors": [{"field": p.field or None, "message": p.message} for p in r.errors],
            }
            for r in results
        ],
    }
