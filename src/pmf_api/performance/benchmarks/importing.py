"""Importing benchmark values in bulk, as LG Inform exports them: a metric id, an area code, a
period and a value per row, from a JSON body, a CSV (or tab-separated) file or an XLSX workbook,
with a dry run and an atomic mode like the other imports (``contextual_values.importing``).

Each row is reported as created, updated (a revised figure replaces the period's value, audited),
unchanged or rejected. A metric that none of our KPIs or measures is mapped to is a rejected row.
An area code that is neither ours nor in one of our comparator groups refuses the whole import
(422, naming the row and column): it is the sign of a file for another set of councils, or of a
group not yet set up, and half such a file is no benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain import DomainError, Period
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.benchmarks import service
from pmf_api.performance.benchmarks.models import BenchmarkValue
from pmf_api.performance.benchmarks.repository import BenchmarkValueRepository, MetricMappingRepository
from pmf_api.performance.bulk.cells import parse_number, text_of
from pmf_api.performance.bulk.parsing import Format, UploadLimits, UploadRow, read_named_rows
from pmf_api.performance.bulk.results import OUTCOMES, RowOutcome, pointer
from pmf_api.platform import audit
from pmf_api.platform.errors import FieldProblem, InvalidInput, excerpt

COLUMNS = ("metric_id", "area_code", "period", "value")
MAX_METRIC_ID = 100


# --- Reading --------------------------------------------------------------------------------


def read_rows(kind: Format, payload: bytes, limits: UploadLimits) -> list[UploadRow]:
    """The rows of an import. CPU-bound (up to the limits): run it off the event loop."""
    return read_named_rows(
        kind,
        payload,
        limits,
        columns=COLUMNS,
        check_header=_require_columns,
        empty_detail="The file is empty: it needs a header row and a row per value",
    )


def _require_columns(header: list[str]) -> None:
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            detail=f"The header row has no {', '.join(missing)} column: it needs {', '.join(COLUMNS)}",
            problems=[FieldProblem("", f"Missing column: {name}") for name in missing],
        )


# --- Checking and writing -------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    metric_id: str | None
    area_code: str | None
    period: str | None
    outcome: RowOutcome = "rejected"
    value_id: str | None = None
    errors: list[FieldProblem] = field(default_factory=list)
    unknown_area: bool = False


async def import_values(
    session: AsyncSession, actor: Actor, rows: list[UploadRow], *, dry_run: bool, atomic: bool
) -> tuple[dict[str, Any], str | None]:
    """Check and write every row: the answer's body, and why it was refused whole (None when it was not)."""
    require_write(actor, Resource.benchmark)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    _, known = await service.known_area_codes(session, actor)
    mapped = {
        m.metric_id for m in await MetricMappingRepository(session).all_in_organisation(actor) if m.archived_at is None
    }
    repository = BenchmarkValueRepository(session)
    results: list[RowResult] = []
    seen: dict[tuple[str, str, str], int] = {}
    everything = await session.begin_nested()
    try:
        for upload in rows:
            cells = upload.cells
            metric_id = text_of(cells.get("metric_id")) or None
            area_code = (text_of(cells.get("area_code")) or "").upper() or None
            result = RowResult(
                upload.row, metric_id, area_code, text_of(cells.get("period")) or None, errors=list(upload.problems)
            )
            results.append(result)
            errors = result.errors
            if metric_id is None:
                errors.append(FieldProblem("metric_id", "Give the metric id"))
            elif len(metric_id) > MAX_METRIC_ID:
                errors.append(FieldProblem("metric_id", f"At most {MAX_METRIC_ID} characters"))
            elif metric_id not in mapped:
                errors.append(
                    FieldProblem(
                        "metric_id",
                        f"Metric {excerpt(metric_id, 40)} is mapped to none of our KPIs or measures: map it first",
                    )
                )
            if area_code is None:
                errors.append(FieldProblem("area_code", "Give the council's ONS area code, e.g. E07000011"))
            elif area_code not in known:
                result.unknown_area = True
                errors.append(
                    FieldProblem(
                        "area_code",
                        f"Area code {excerpt(area_code, 20)} is neither ours nor in any of our comparator groups",
                    )
                )
            value: Decimal | None = None
            try:
                value = parse_number(cells.get("value"))
                if value is None:
                    errors.append(FieldProblem("value", "Give the value"))
            except ValueError as exc:
                errors.append(FieldProblem("value", str(exc)))
            period: Period | None = None
            if result.period is None:
                errors.append(FieldProblem("period", "Give the period, e.g. 2024/25"))
            else:
                try:
                    period = Period.parse(result.period)
                except DomainError as exc:
                    errors.append(FieldProblem("period", exc.message))
            if errors or metric_id is None or area_code is None or period is None or value is None:
                continue
            key = (metric_id, area_code, str(period))
            if key in seen:
                errors.append(FieldProblem("period", f"{metric_id} {area_code} {period} is also in row {seen[key]}"))
                continue
            seen[key] = upload.row
            existing = await repository.for_key(actor, metric_id, area_code, str(period))
            if existing is None:
                entity = BenchmarkValue(
                    organisation_id=actor.organisation_id,
                    metric_id=metric_id,
                    area_code=area_code,
                    period=str(period),
                    period_end=period.end_date(start_month),
                    value=value,
                )
                await audit.create(session, actor, entity)
                await session.flush()
                result.outcome, result.value_id = "created", str(entity.id)
                continue
            result.value_id = str(existing.id)
            if existing.value == value:
                result.outcome = "unchanged"
                continue
            await audit.update(session, actor, existing, {"value": value}, None, note="Replaced by an import")
            await session.flush()
            result.outcome = "updated"
        unknown = [r for r in results if r.unknown_area]
        refusal: str | None = None
        if unknown:
            first = unknown[0]
            refusal = (
                f"Row {first.row}, column area_code: {first.area_code} is neither our area code nor in any of our "
                f"comparator groups ({len(unknown)} row{'s' if len(unknown) > 1 else ''} like it), so nothing was "
                "written: add the council to a group, or import the file meant for ours"
            )
        elif atomic and any(r.outcome == "rejected" for r in results):
            rejected = sum(1 for r in results if r.outcome == "rejected")
            refusal = f"{rejected} of {len(results)} rows were rejected, so in atomic mode nothing was written"
        if refusal is not None or dry_run:
            await everything.rollback()
            for result in results:
                if result.outcome == "created":
                    result.value_id = None
                if refusal is not None and result.outcome in ("created", "updated"):
                    result.outcome = "not_written"
        else:
            await everything.commit()
    except BaseException:
        if everything.is_active:
            await everything.rollback()
        raise
    return _body(results, dry_run=dry_run, atomic=atomic), refusal


def _body(results: Sequence[RowResult], *, dry_run: bool, atomic: bool) -> dict[str, Any]:
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
                "metric_id": r.metric_id,
                "area_code": r.area_code,
                "period": r.period,
                "outcome": r.outcome,
                "value_id": r.value_id,
                "errors": [{"pointer": pointer(i, p.field), "detail": p.message} for p in r.errors],
            }
            for i, r in enumerate(results)
        ],
    }
