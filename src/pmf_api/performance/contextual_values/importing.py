"""Importing contextual measures' values in bulk, like KPI values: a JSON body, a CSV (or
tab-separated) file or an XLSX workbook, each row reported as created, updated, unchanged or
rejected, with a dry run that writes nothing (seed 001_ec6bae7b38cacc6f.txt: contextual measures are
refreshed each year from published sources).

Files are read by the bulk push's bounded readers (``platform.uploads``, ``platform.workbooks``),
its limits (``bulk.parsing.UploadLimits``), its number rule (``bulk.cells.parse_number``) and its
answer's pointers (``bulk.results.pointer``). A rejected row writes nothing; the others are written
unless ``atomic`` (then nothing is written when any row is rejected) or a dry run. A period that has
a value already is replaced (a revised figure: ONS revises its estimates), audited as an update; the
same measure and period twice in one file rejects the second row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.bulk.cells import parse_number, text_of
from pmf_api.performance.bulk.parsing import Format, UploadLimits, UploadRow, read_named_rows
from pmf_api.performance.bulk.results import OUTCOMES, RowOutcome, pointer
from pmf_api.performance.contextual_values import service
from pmf_api.performance.contextual_values.repository import ContextualValueRepository
from pmf_api.performance.kpis.repository import ContextualMeasureRepository
from pmf_api.platform import audit
from pmf_api.platform.errors import FieldProblem, InvalidInput, PMFError, excerpt

if TYPE_CHECKING:
    from pmf_api.performance.contextual_values.models import ContextualValue
    from pmf_api.performance.kpis.models import ContextualMeasure

COLUMNS = ("measure_code", "period", "value", "source", "published_on", "note")
REQUIRED = ("measure_code", "period", "value", "source", "published_on")
MAX_SOURCE = 300
MAX_NOTE = 20_000


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
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            detail=f"The header row has no {', '.join(missing)} column: it needs {', '.join(REQUIRED)} "
            "(and may have note)",
            problems=[FieldProblem("", f"Missing column: {name}") for name in missing],
        )


# --- Checking and writing -------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    measure_code: str | None
    period: str | None
    outcome: RowOutcome = "rejected"
    value_id: str | None = None
    errors: list[FieldProblem] = field(default_factory=list)


def _text(cells: dict[str, Any], name: str, limit: int, errors: list[FieldProblem], *, required: bool) -> str | None:
    text = text_of(cells.get(name))
    if not text:
        if required:
            errors.append(FieldProblem(name, f"Give the {name.replace('_', ' ')}"))
        return None
    if len(text) > limit:
        errors.append(FieldProblem(name, f"At most {limit} characters"))
        return None
    return text


def _date(cell: Any, errors: list[FieldProblem]) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = text_of(cell)
    if not text:
        errors.append(FieldProblem("published_on", "Give the publication date"))
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        try:
            return datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            errors.append(FieldProblem("published_on", f"'{excerpt(text, 40)}' is not a date: write 2026-06-26"))
            return None


async def import_values(
    session: AsyncSession, actor: Actor, rows: list[UploadRow], *, dry_run: bool, atomic: bool, as_of: date
) -> tuple[dict[str, Any], bool]:
    """Check and write every row; the answer's body, and whether it was refused (atomic, a row rejected)."""
    require_write(actor, Resource.contextual_measure)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    measures = {m.code.lower(): m for m in await ContextualMeasureRepository(session).all_in_organisation(actor)}
    repository = ContextualValueRepository(session)
    results: list[RowResult] = []
    seen: dict[tuple[str, str], int] = {}
    written: list[tuple[ContextualMeasure, ContextualValue]] = []
    everything = await session.begin_nested()
    try:
        for upload in rows:
            cells = upload.cells
            code = text_of(cells.get("measure_code")) or None
            result = RowResult(upload.row, code, text_of(cells.get("period")) or None, errors=list(upload.problems))
            results.append(result)
            errors = result.errors
            measure = measures.get(code.lower()) if code else None
            if code is None:
                errors.append(FieldProblem("measure_code", "Give the measure's code"))
            elif measure is None:
                errors.append(FieldProblem("measure_code", f"No contextual measure with code {excerpt(code, 40)}"))
            elif measure.archived_at is not None:
                errors.append(FieldProblem("measure_code", f"{measure.code} is archived: restore it first"))
            value: Decimal | None = None
            try:
                value = parse_number(cells.get("value"))
                if value is None:
                    errors.append(FieldProblem("value", "Give the value"))
            except ValueError as exc:
                errors.append(FieldProblem("value", str(exc)))
            source = _text(cells, "source", MAX_SOURCE, errors, required=True)
            note = _text(cells, "note", MAX_NOTE, errors, required=False)
            published_on = _date(cells.get("published_on"), errors)
            if result.period is None:
                errors.append(FieldProblem("period", "Give the period, e.g. 2025/26"))
            if errors or measure is None or published_on is None or result.period is None:
                continue
            try:
                period = service.checked_period(result.period, measure, published_on, as_of, start_month)
            except PMFError as exc:
                errors.extend(exc.problems)
                continue
            key = (str(measure.id), str(period))
            if key in seen:
                errors.append(FieldProblem("period", f"{measure.code} {period} is also in row {seen[key]}"))
                continue
            seen[key] = upload.row
            data = {"value": value, "source": source, "published_on": published_on, "note": note}
            existing = await repository.for_period(actor, measure.id, str(period))
            if existing is None:
                entity = service.new_value(actor, measure, period, data, start_month)
                await audit.create(session, actor, entity)
                await session.flush()
                written.append((measure, entity))
                result.outcome, result.value_id = "created", str(entity.id)
                continue
            result.value_id = str(existing.id)
            changes = {k: v for k, v in data.items() if getattr(existing, k) != v}
            if not changes:
                result.outcome = "unchanged"
                continue
            await audit.update(session, actor, existing, changes, None, note="Replaced by an import")
            await session.flush()
            written.append((measure, existing))
            result.outcome = "updated"
        # Each value written is announced with its direction, judged once every row is in.
        by_measure = {m.id: m for m, _ in written}
        history = {m: await repository.of_measures(actor, [m]) for m in by_measure}
        for measure, entity in written:
            await service.announce(session, measure, service.view_of(entity, measure, history[measure.id]))
        refused = atomic and any(r.outcome == "rejected" for r in results)
        if refused or dry_run:
            await everything.rollback()
            for result in results:
                if result.outcome == "created":
                    result.value_id = None
                if refused and result.outcome in ("created", "updated"):
                    result.outcome = "not_written"
        else:
            await everything.commit()
    except BaseException:
        if everything.is_active:
            await everything.rollback()
        raise
    return _body(results, dry_run=dry_run, atomic=atomic), refused


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
                "measure_code": r.measure_code,
                "period": r.period,
                "outcome": r.outcome,
                "value_id": r.value_id,
                "errors": [{"pointer": pointer(i, p.field), "detail": p.message} for p in r.errors],
            }
            for i, r in enumerate(results)
        ],
    }
