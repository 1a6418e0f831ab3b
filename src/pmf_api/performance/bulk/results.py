"""What a bulk push answers: each row's outcome (created, updated, unchanged, skipped, rejected, or
not_written when an atomic push was refused), its errors and the sense-check flags its values raise
(as warnings), the batch's own warnings (columns not read), and a summary of the outcomes.

Every error and warning points at what it is about as ``#/rows/{i}/{column}`` (``#/rows/{i}`` for
the row as a whole; ``#`` for the batch): ``i`` is the row's place in the answer's ``rows``, which is
the order sent (the JSON ``rows`` array, or the file's non-blank data rows; ``row`` gives the
spreadsheet row number)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pmf_api.platform.errors import FieldProblem

RowOutcome = Literal["created", "updated", "unchanged", "skipped", "rejected", "not_written"]
OUTCOMES: tuple[RowOutcome, ...] = ("created", "updated", "unchanged", "skipped", "rejected", "not_written")
WRITTEN: frozenset[str] = frozenset({"created", "updated"})


@dataclass(frozen=True)
class BulkWarning:
    """Something worth a look that stopped nothing: a sense-check flag or a period read from a date
    (``field``: the row's column, or "" for the row), or a column not read (the batch's: ``field`` "#")."""

    field: str
    message: str
    code: str


@dataclass
class RowResult:
    row: int
    kpi_code: str | None
    period: str | None
    outcome: RowOutcome = "rejected"
    submission_id: uuid.UUID | None = None
    errors: list[FieldProblem] = field(default_factory=list)
    warnings: list[BulkWarning] = field(default_factory=list)
    flags: Sequence[Mapping[str, Any]] = ()  # the sense-checks' flags of the values written or matched

    def all_warnings(self) -> list[BulkWarning]:
        return [*self.warnings, *(BulkWarning(f.get("field") or "", f["message"], f["code"]) for f in self.flags)]


@dataclass(frozen=True)
class BulkReport:
    """What to answer: ``body`` is the JSON result; ``refused`` when atomic and a row was rejected."""

    body: dict[str, Any]
    refused: bool
    replayed: bool = False


def pointer(index: int, column: str) -> str:
    """``#/rows/{index}/{column}``, or ``#/rows/{index}`` for the row as a whole (RFC 6901 escaped)."""
    if not column:
        return f"#/rows/{index}"
    return f"#/rows/{index}/{column.replace('~', '~0').replace('/', '~1')}"


def refuse_all(results: Iterable[RowResult]) -> None:
    """An atomic push refused: nothing was written, so no row says it was (a row that would have
    changed a submission still names it; one that would have created one names nothing)."""
    for result in results:
        if result.outcome == "created":
            result.submission_id = None
        if result.outcome in WRITTEN:
            result.outcome = "not_written"


def report_body(
    results: Sequence[RowResult], *, dry_run: bool, atomic: bool, warnings: Sequence[BulkWarning] = ()
) -> dict[str, Any]:
    """The JSON answer: a summary by outcome, the batch's warnings, and each row's outcome, errors and warnings."""
    summary = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        summary[result.outcome] += 1
    return {
        "dry_run": dry_run,
        "atomic": atomic,
        "summary": summary,
        "warnings": [{"pointer": w.field or "#", "detail": w.message, "code": w.code} for w in warnings],
        "rows": [
            {
                "row": r.row,
                "kpi_code": r.kpi_code,
                "period": r.period,
                "outcome": r.outcome,
                "submission_id": str(r.submission_id) if r.submission_id else None,
                "errors": [{"pointer": pointer(i, p.field), "detail": p.message} for p in r.errors],
                "warnings": [
                    {"pointer": pointer(i, w.field), "detail": w.message, "code": w.code} for w in r.all_warnings()
                ],
            }
            for i, r in enumerate(results)
        ],
    }
