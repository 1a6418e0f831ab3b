"""Checking a bulk push's rows, without writing: which KPI each names, whether the actor may
enter its values, a period of its frequency that has ended, and well-formed figures, by the same
rules as entering one value (``pmf_api.performance.submissions``). One bad cell rejects its row,
not the file."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pmf_api.domain import Frequency, Period
from pmf_api.performance import mapping
from pmf_api.performance.bulk.cells import parse_number, read_period, text_of
from pmf_api.performance.bulk.parsing import NUMBER_COLUMNS, UploadRow
from pmf_api.performance.bulk.results import BulkWarning, RowResult
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.service import SubmissionContext, SubmissionValues
from pmf_api.platform.errors import FieldProblem, PMFError, excerpt

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.kpis.models import Kpi

MAX_COMMENTARY = 20_000
MAX_PERIOD_TEXT = 40  # "2026/27 P12" is 11: anything longer is no period, and is not quoted back whole


@dataclass
class Candidate:
    """A row that names a KPI it may enter, a valid period and well-formed values."""

    result: RowResult
    kpi: Kpi
    period: Period
    values: SubmissionValues


PeriodCache = dict[tuple[str, Any], tuple[Period, str | None]]


def check_rows(
    rows: Sequence[UploadRow],
    kpis: Sequence[Kpi],
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
) -> tuple[list[RowResult], list[Candidate]]:
    """Each row's result, and the rows to write. KPIs are read organisation-wide, so a row naming a
    KPI the actor may not enter names it, and says why: outside the scope of their role, or not theirs."""
    kpis_named = _KpisNamed(kpis)
    seen: dict[tuple[uuid.UUID, str], int] = {}
    results: list[RowResult] = []
    candidates: list[Candidate] = []
    periods: PeriodCache = {}  # (frequency, cell) -> period and how it was read, once per file
    definitions = mapping.Definitions()
    for upload_row in rows:
        result, candidate = _check_row(upload_row, kpis_named, contexts, organisation, as_of, periods, definitions)
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


class _KpisNamed:
    """KPIs by id, and by code in any case (``was-01`` is ``WAS-01``, unless two codes differ only by case)."""

    def __init__(self, kpis: Sequence[Kpi]) -> None:
        self.by_code = {kpi.code: kpi for kpi in kpis}
        self.by_id = {str(kpi.id): kpi for kpi in kpis}
        self.by_folded: dict[str, list[Kpi]] = {}
        for kpi in kpis:
            self.by_folded.setdefault(kpi.code.casefold(), []).append(kpi)

    def find(self, code: str, id_text: str) -> Kpi | str:
        """The KPI, or why there is none."""
        if code:
            found = self.by_code.get(code)
            if found is not None:
                return found
            alike = self.by_folded.get(code.casefold(), [])
            if len(alike) == 1:
                return alike[0]
            if alike:
                codes = " and ".join(sorted(kpi.code for kpi in alike))
                return f"{excerpt(code)} could be {codes}: give the code exactly"
            return f"No KPI {excerpt(code)} in your organisation"
        if id_text:
            return self.by_id.get(id_text.lower()) or f"No KPI {excerpt(id_text)} in your organisation"
        return "Give the KPI's code (kpi_code) or id"


def _check_row(
    upload_row: UploadRow,
    kpis_named: _KpisNamed,
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
    periods: PeriodCache,
    definitions: mapping.Definitions,
) -> tuple[RowResult, Candidate | None]:
    cells = upload_row.cells
    code_text = text_of(cells.get("kpi_code"))
    id_text = text_of(cells.get("kpi_id"))
    period_cell = cells.get("period")
    period_text = text_of(period_cell)
    result = RowResult(upload_row.row, excerpt(code_text), excerpt(period_text), errors=list(upload_row.problems))
    if not cells and result.errors:  # not a row at all (a JSON row that is no object): nothing more to say
        return result, None
    kpi_field = "kpi_code" if code_text else "kpi_id"
    found = kpis_named.find(code_text, id_text)
    kpi: Kpi | None = None
    if isinstance(found, str):
        result.errors.append(FieldProblem(kpi_field, found))
    elif found.archived_at is not None:
        result.errors.append(FieldProblem(kpi_field, f"{found.code} is archived: it takes no new values"))
    elif found.formula is not None:
        result.errors.append(
            FieldProblem(kpi_field, f"{found.code} is calculated: its values are computed from its inputs")
        )
    else:
        result.kpi_code = found.code
        refusal = submission_service.entry_refusal(contexts[found.id])
        if refusal is None:
            kpi = found
        elif not contexts[found.id].roles:  # no role of theirs reaches the KPI's service
            because = f"{refusal[:1].lower()}{refusal[1:]}"
            result.errors.append(
                FieldProblem(kpi_field, f"{found.code} is outside the scope of your role (its service): {because}")
            )
        else:
            result.errors.append(FieldProblem(kpi_field, refusal))
    period: Period | None = None
    if not period_text:
        result.errors.append(FieldProblem("period", "Give the period, e.g. 2026/27 P3"))
    elif len(period_text) > MAX_PERIOD_TEXT:
        result.errors.append(FieldProblem("period", f"{excerpt(period_text)} is not a period, e.g. 2026/27 P3"))
    elif kpi is not None:
        key = (kpi.frequency, period_cell if isinstance(period_cell, str) else (type(period_cell), period_text))
        known = periods.get(key)
        if known is None:
            try:
                text, note = read_period(period_cell, Frequency(kpi.frequency), organisation.financial_year_start_month)
                parsed = submission_service.parse_period(text, kpi, organisation, as_of)
                known = periods[key] = (parsed, note)
            except ValueError as exc:
                result.errors.append(FieldProblem("period", str(exc)))
            except PMFError as exc:
                result.errors.extend(exc.problems or [FieldProblem("period", exc.detail)])
        if known is not None:
            period = known[0]
            result.period = str(period)
            if known[1] is not None:
                result.warnings.append(BulkWarning("period", known[1], "period_read_from_date"))
    numbers: dict[str, Decimal | None] = {}
    for column in NUMBER_COLUMNS:
        try:
            numbers[column] = parse_number(cells.get(column))
        except ValueError as exc:
            result.errors.append(FieldProblem(column, str(exc)))
    commentary = text_of(cells.get("commentary")) or None
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


def nothing_to_save(values: SubmissionValues) -> bool:
    return all(v is None for v in (values.value, values.numerator, values.denominator, values.owner_forecast)) and not (
        values.commentary
    )
