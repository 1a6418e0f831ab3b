"""Importing budget monitoring from the finance system, like KPI values: a JSON body, a CSV (or
tab-separated) file or an XLSX workbook, each row reported as created, updated, unchanged or
rejected, with a dry run that writes nothing (seed 003_2a403038ecab8362.txt: budget holders
"monitor their budgets closely providing forecasts", reported in the joint report).

Files are read by the bulk push's bounded reader (``bulk.router.read_pushed`` with this module's
``read_rows``), within its limits, with its number rule (``bulk.cells.parse_number``) and its
answer's pointers (``bulk.results.pointer``), as contextual values are. A rejected row writes
nothing; the others are written unless ``atomic`` (then nothing is written when any row is
rejected) or a dry run. A month that has monitoring for the service already is replaced, audited
as an update; the same service and month twice in one file rejects the second row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain import Frequency, Period
from pmf_api.domain.finance import budget_problems, complaint_problems
from pmf_api.framework.organisations.repository import ServiceRepository
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.bulk.cells import parse_number, text_of
from pmf_api.performance.bulk.parsing import Format, UploadLimits, UploadRow, read_named_rows
from pmf_api.performance.bulk.results import OUTCOMES, RowOutcome, pointer
from pmf_api.performance.finance import service
from pmf_api.performance.finance.repository import BudgetMonitoringRepository, ComplaintCountRepository
from pmf_api.platform import audit
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.errors import (
    FieldProblem,
    InvalidInput,
    PMFError,
    excerpt,
    field_problems,
)

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Service

AMOUNTS = ("budget", "actual_to_date", "forecast_outturn")
COUNTS = ("received", "upheld", "responded_in_time")


@dataclass(frozen=True)
class Layout:
    """An import's columns: the service's code (or id) and these, some optional."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("service_code", "service_id", *self.required, *self.optional)


BUDGET_LAYOUT = Layout(("period", *AMOUNTS), ("note",))
COMPLAINTS_LAYOUT = Layout(("period", "received", "upheld"), ("responded_in_time",))
MAX_NOTE = 20_000


# --- Reading --------------------------------------------------------------------------------


def read_rows(kind: Format, payload: bytes, limits: UploadLimits) -> list[UploadRow]:
    """The rows of a budget monitoring import. CPU-bound (up to the limits): run it off the event loop."""
    return _read(BUDGET_LAYOUT, kind, payload, limits)


def read_complaint_rows(kind: Format, payload: bytes, limits: UploadLimits) -> list[UploadRow]:
    """The rows of a complaints import. CPU-bound (up to the limits): run it off the event loop."""
    return _read(COMPLAINTS_LAYOUT, kind, payload, limits)


def _read(layout: Layout, kind: Format, payload: bytes, limits: UploadLimits) -> list[UploadRow]:
    def require_columns(header: list[str]) -> None:
        missing = [name for name in layout.required if name not in header]
        if "service_code" not in header and "service_id" not in header:
            missing.insert(0, "service_code")
        if missing:
            raise InvalidInput(
                detail=f"The header row has no {', '.join(missing)} column: it needs service_code (or "
                f"service_id), {', '.join(layout.required)} (and may have {', '.join(layout.optional)})",
                problems=[FieldProblem("", f"Missing column: {name}") for name in missing],
            )

    return read_named_rows(
        kind,
        payload,
        limits,
        columns=layout.columns,
        check_header=require_columns,
        empty_detail="The file is empty: it needs a header row and a row per service and month",
        example=("service_code", "period"),
    )


# --- Checking and writing -------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    service: str | None
    period: str | None
    outcome: RowOutcome = "rejected"
    record_id: str | None = None
    errors: list[FieldProblem] = field(default_factory=list)


def _service_of(
    cells: dict[str, Any], by_code: dict[str, Service], by_id: dict[uuid.UUID, Service], errors: list[FieldProblem]
) -> Service | None:
    code, given_id = text_of(cells.get("service_code")), text_of(cells.get("service_id"))
    if code:
        found = by_code.get(code.lower())
        if found is None:
            errors.append(FieldProblem("service_code", f"No service with code {excerpt(code, 40)}"))
        return found
    if given_id:
        try:
            found = by_id.get(uuid.UUID(given_id))
        except ValueError:
            found = None
        if found is None:
            errors.append(
                FieldProblem("service_id", f"No service with id {excerpt(given_id, 40)} in this organisation")
            )
        return found
    errors.append(FieldProblem("service_code", "Give the service's code (or its id in service_id)"))
    return None


def _budget_values(cells: dict[str, Any], errors: list[FieldProblem]) -> dict[str, Any]:
    amounts: dict[str, Decimal] = {}
    for name in AMOUNTS:
        try:
            amount = parse_number(cells.get(name))
        except ValueError as exc:
            errors.append(FieldProblem(name, str(exc)))
            continue
        if amount is None:
            errors.append(FieldProblem(name, f"Give the {name.replace('_', ' ')}"))
        else:
            amounts[name] = amount
    if len(amounts) == len(AMOUNTS):
        errors.extend(field_problems(budget_problems(**amounts)))
    note = text_of(cells.get("note")) or None
    if note is not None and len(note) > MAX_NOTE:
        errors.append(FieldProblem("note", f"At most {MAX_NOTE} characters"))
    return {**amounts, "note": note}


def _count(cells: dict[str, Any], name: str, errors: list[FieldProblem], *, required: bool) -> int | None:
    try:
        number = parse_number(cells.get(name))
    except ValueError as exc:
        errors.append(FieldProblem(name, str(exc)))
        return None
    if number is None:
        if required:
            errors.append(FieldProblem(name, f"Give the number {name.replace('_', ' ')}"))
        return None
    if number != number.to_integral_value() or number < 0:
        errors.append(FieldProblem(name, f"{number} is not a count: give a whole number, 0 or more"))
        return None
    return int(number)


def _complaint_values(cells: dict[str, Any], errors: list[FieldProblem]) -> dict[str, Any]:
    received = _count(cells, "received", errors, required=True)
    upheld = _count(cells, "upheld", errors, required=True)
    in_time = _count(cells, "responded_in_time", errors, required=False)
    if received is not None and upheld is not None:
        errors.extend(field_problems(complaint_problems(received, upheld, in_time)))
    return {"received": received, "upheld": upheld, "responded_in_time": in_time}


async def import_budget_monitoring(
    session: AsyncSession, actor: Actor, rows: list[UploadRow], *, dry_run: bool, atomic: bool, as_of: date
) -> tuple[dict[str, Any], bool]:
    """Check and write every row of budget monitoring; the answer's body, and whether it was refused
    (atomic, a row rejected)."""
    return await _import(
        session,
        actor,
        rows,
        Frequency.MONTHLY,
        _budget_values,
        BudgetMonitoringRepository(session),
        service.new_budget_monitoring,
        "budget_monitoring_id",
        dry_run=dry_run,
        atomic=atomic,
        as_of=as_of,
    )


async def import_complaints(
    session: AsyncSession, actor: Actor, rows: list[UploadRow], *, dry_run: bool, atomic: bool, as_of: date
) -> tuple[dict[str, Any], bool]:
    """Check and write every row of complaints counts, as budget monitoring's."""
    return await _import(
        session,
        actor,
        rows,
        Frequency.QUARTERLY,
        _complaint_values,
        ComplaintCountRepository(session),
        service.new_complaint_count,
        "complaint_count_id",
        dry_run=dry_run,
        atomic=atomic,
        as_of=as_of,
    )


async def _import(
    session: AsyncSession,
    actor: Actor,
    rows: list[UploadRow],
    frequency: Frequency,
    values_of: Callable[[dict[str, Any], list[FieldProblem]], dict[str, Any]],
    repository: BudgetMonitoringRepository | ComplaintCountRepository,
    create: Callable[[Actor, uuid.UUID, Period, Mapping[str, Any], int], Any],
    id_name: str,
    *,
    dry_run: bool,
    atomic: bool,
    as_of: date,
) -> tuple[dict[str, Any], bool]:
    require_write(actor, Resource.finance)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    every_service = await ServiceRepository(session).every(
        actor, ListQuery(include_archived=True, limit=service.MAX_SERVICES)
    )
    by_code = {s.code.lower(): s for s in every_service}
    by_id = {s.id: s for s in every_service}
    results: list[RowResult] = []
    seen: dict[tuple[uuid.UUID, str], int] = {}
    everything = await session.begin_nested()
    try:
        for upload in rows:
            cells = upload.cells
            named = text_of(cells.get("service_code")) or text_of(cells.get("service_id")) or None
            result = RowResult(upload.row, named, text_of(cells.get("period")) or None, errors=list(upload.problems))
            results.append(result)
            errors = result.errors
            found = _service_of(cells, by_code, by_id, errors)
            if found is not None and found.archived_at is not None:
                column = "service_code" if text_of(cells.get("service_code")) else "service_id"
                errors.append(FieldProblem(column, f"{found.code} is archived: restore it first"))
            data = values_of(cells, errors)
            period: Period | None = None
            if result.period is None:
                example = "2026/27 P6" if frequency is Frequency.MONTHLY else "2026/27 Q2"
                errors.append(FieldProblem("period", f"Give the period, e.g. {example}"))
            else:
                try:
                    period = service.checked_period(result.period, frequency, as_of=as_of, start_month=start_month)
                except PMFError as exc:
                    errors.extend(exc.problems)
            if errors or found is None or period is None:
                continue
            key = (found.id, str(period))
            if key in seen:
                errors.append(FieldProblem("period", f"{found.code} {period} is also in row {seen[key]}"))
                continue
            seen[key] = upload.row
            existing = await repository.for_period(actor, found.id, str(period))
            if existing is None:
                entity = create(actor, found.id, period, data, start_month)
                await audit.create(session, actor, entity)
                await session.flush()
                result.outcome, result.record_id = "created", str(entity.id)
                continue
            result.record_id = str(existing.id)
            changes = {k: v for k, v in data.items() if getattr(existing, k) != v}
            if not changes:
                result.outcome = "unchanged"
                continue
            await audit.update(session, actor, existing, changes, None, note="Replaced by an import")
            await session.flush()
            result.outcome = "updated"
        refused = atomic and any(r.outcome == "rejected" for r in results)
        if refused or dry_run:
            await everything.rollback()
            for result in results:
                if result.outcome == "created":
                    result.record_id = None
                if refused and result.outcome in ("created", "updated"):
                    result.outcome = "not_written"
        else:
            await everything.commit()
    except BaseException:
        if everything.is_active:
            await everything.rollback()
        raise
    return _body(results, dry_run=dry_run, atomic=atomic, id_name=id_name), refused


def _body(results: Sequence[RowResult], *, dry_run: bool, atomic: bool, id_name: str) -> dict[str, Any]:
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
                "service": r.service,
                "period": r.period,
                "outcome": r.outcome,
                id_name: r.record_id,
                "errors": [{"pointer": pointer(i, p.field), "detail": p.message} for p in r.errors],
            }
            for i, r in enumerate(results)
        ],
    }
