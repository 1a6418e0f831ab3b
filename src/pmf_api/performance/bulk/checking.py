"""Checking a bulk push's rows, without writing: which KPI each names, whether the actor may
enter its values, a period of its frequency that has ended, and well-formed figures, by the same
rules as entering one value (``pmf_api.performance.submissions``). One bad cell rejects its row,
not the file."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pmf_api.domain import Period
from pmf_api.performance import mapping
from pmf_api.performance.bulk.parsing import NUMBER_COLUMNS, UploadRow
from pmf_api.performance.bulk.results import RowResult
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.service import SubmissionContext, SubmissionValues
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.errors import FieldProblem, PMFError, excerpt

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.kpis.models import Kpi

MAX_DIGITS = 24  # ExactDecimal is NUMERIC(24, 6)
MAX_COMMENTARY = 20_000
MAX_PERIOD_TEXT = 40  # "2026/27 P12" is 11: anything longer is no period, and is not quoted back whole


@dataclass
class Candidate:
    """A row that names a KPI it may enter, a valid period and well-formed values."""

    result: RowResult
    kpi: Kpi
    period: Period
    values: SubmissionValues


def check_rows(
    rows: Sequence[UploadRow],
    kpis: Sequence[Kpi],
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
) -> tuple[list[RowResult], list[Candidate]]:
    by_code = {kpi.code: kpi for kpi in kpis}
    by_id = {str(kpi.id): kpi for kpi in kpis}
    seen: dict[tuple[uuid.UUID, str], int] = {}
    results: list[RowResult] = []
    candidates: list[Candidate] = []
    periods: dict[tuple[str, str], Period] = {}  # (frequency, text) -> period, once per file
    definitions = mapping.Definitions()
    for upload_row in rows:
        result, candidate = _check_row(upload_row, by_code, by_id, contexts, organisation, as_of, periods, definitions)
        results.append(result)
        if candidate is None:
            continue
        key = (candidate.kpi.id, result.period or "")
        if key in seen:
            result.errors.append(
                FieldProblem("period", f"{result.kpi_code} for {result.period} is already in row {seen[key]}")
            )
            continue
        seen[key] = upload_row.row
        if nothing_to_save(candidate.values):
            result.outcome = "skipped"  # a template line left empty: nothing to enter
            continue
        candidates.append(candidate)
    for result in results:
        if result.errors:
            result.outcome = "rejected"
    return results, candidates


def _check_row(
    upload_row: UploadRow,
    by_code: dict[str, Kpi],
    by_id: dict[str, Kpi],
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
    periods: dict[tuple[str, str], Period],
    definitions: mapping.Definitions,
) -> tuple[RowResult, Candidate | None]:
    cells = upload_row.cells
    code_text = _text(cells.get("kpi_code"))
    id_text = _text(cells.get("kpi_id"))
    period_text = _text(cells.get("period"))
    result = RowResult(upload_row.row, excerpt(code_text), excerpt(period_text), errors=list(upload_row.problems))
    kpi_field = "kpi_code" if code_text else "kpi_id"
    kpi = by_code.get(code_text) if code_text else by_id.get(id_text.lower()) if id_text else None
    if kpi is None:
        named = code_text or id_text
        message = f"No KPI {excerpt(named)} in your organisation" if named else "Give the KPI's code (kpi_code) or id"
        result.errors.append(FieldProblem(kpi_field, message))
    elif kpi.archived_at is not None:
        result.errors.append(FieldProblem(kpi_field, f"{kpi.code} is archived: it takes no new values"))
        kpi = None
    else:
        result.kpi_code = kpi.code
        refusal = submission_service.entry_refusal(contexts[kpi.id])
        if refusal is not None:
            result.errors.append(FieldProblem(kpi_field, refusal))
            kpi = None
    period: Period | None = None
    if not period_text:
        result.errors.append(FieldProblem("period", "Give the period, e.g. 2026/27 P3"))
    elif len(period_text) > MAX_PERIOD_TEXT:
        result.errors.append(FieldProblem("period", f"{excerpt(period_text)} is not a period, e.g. 2026/27 P3"))
    elif kpi is not None:
        period = periods.get((kpi.frequency, period_text))
        if period is None:
            try:
                period = periods[kpi.frequency, period_text] = submission_service.parse_period(
                    period_text, kpi, organisation, as_of
                )
            except PMFError as exc:
                result.errors.extend(exc.problems or [FieldProblem("period", exc.detail)])
        if period is not None:
            result.period = str(period)
    numbers: dict[str, Decimal | None] = {}
    for column in NUMBER_COLUMNS:
        try:
            numbers[column] = parse_number(cells.get(column))
        except ValueError as exc:
            result.errors.append(FieldProblem(column, str(exc)))
    commentary = _text(cells.get("commentary")) or None
    if commentary is not None and len(commentary) > MAX_COMMENTARY:
        result.errors.append(FieldProblem("commentary", f"At most {MAX_COMMENTARY} characters"))
    values = SubmissionValues(
        value=numbers.get("value"),
        numerator=numbers.get("numerator"),
        denominator=numbers.get("denominator"),
        commentary=commentary,
        owner_forecast=numbers.get("owner_forecast"),
    )
    if kpi is not None and not nothing_to_save(values):
        result.errors.extend(submission_service.value_problems(kpi, values, definitions.of(kpi)))
    if result.errors or kpi is None or period is None:
        return result, None
    return result, Candidate(result, kpi, period, values)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def parse_number(cell: Any) -> Decimal | None:
    """A cell as an exact decimal: a point separates decimals, and there is no thousands separator."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError("Give a number, not true or false")
    if isinstance(cell, float):
        # A spreadsheet stores binary floats (0.1 + 0.2 is 0.30000000000000004): keep what was typed.
        number = round(Decimal(repr(cell)), DECIMAL_SCALE)
    elif isinstance(cell, int | Decimal):
        number = Decimal(cell)
    elif isinstance(cell, str):
        text = cell.strip()
        if "," in text:
            raise ValueError(f"Use a point as the decimal separator and no thousands separator: not {excerpt(text)}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{excerpt(text)} is not a number") from None
    else:
        raise ValueError("Give a number")
    if not number.is_finite():
        raise ValueError("Give a finite number")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_SCALE:
        raise ValueError(f"At most {DECIMAL_SCALE} decimal places")
    if abs(number) >= Decimal(10) ** (MAX_DIGITS - DECIMAL_SCALE):
        raise ValueError("The number is too large")
    return number


def nothing_to_save(values: SubmissionValues) -> bool:
    return all(v is None for v in (values.value, values.numerator, values.denominator, values.owner_forecast)) and not (
        values.commentary
    )
