"""The submission template as a workbook or CSV: the KPIs a service owes, one row each, to fill in.

Like the spreadsheet the performance team sends out each month (seed 001_ec6bae7b38cacc6f.txt,
E.1): KPI, period and owner filled in; value (or numerator and denominator), commentary and
forecast left for the owner. The file comes back unchanged through the bulk push: extra columns
are ignored, empty lines are skipped. Every cell is written through ``platform.file_safety``: a KPI
title or an owner's name never becomes a live formula.
"""

from __future__ import annotations

import io
from typing import Any

from pmf_api.domain import Aggregation
from pmf_api.performance.bulk.service import Template, TemplateLine
from pmf_api.platform import file_safety

COLUMNS = (
    "kpi_code",
    "kpi_title",
    "unit",
    "period",
    "owner",
    "enter",
    "value",
    "numerator",
    "denominator",
    "commentary",
    "owner_forecast",
)
WIDTHS = {
    "kpi_code": 14,
    "kpi_title": 48,
    "unit": 12,
    "period": 13,
    "owner": 22,
    "enter": 34,
    "value": 12,
    "numerator": 12,
    "denominator": 12,
    "commentary": 60,
    "owner_forecast": 15,
}
GUIDANCE = (
    ("kpi_code", "The KPI's code. Keep it as it is: it says which KPI the row is for."),
    ("kpi_title, unit, owner, enter", "For your information only; ignored when the file is uploaded."),
    ("period", "The period the value is for: 2026/27 P6 is September (P1 is April), Q2 is July-September."),
    ("value", "The value for the period, with a point as the decimal separator (95.5). Leave empty for a ratio KPI."),
    (
        "numerator, denominator",
        "For KPIs measured as a ratio (the `enter` column says so): both parts; the value is worked out from them.",
    ),
    ("commentary", "What explains the value: why it moved, what is being done (required by the framework)."),
    ("owner_forecast", "Your forecast of the year-end value."),
    ("Empty rows", "A row left without values is skipped: fill in the KPIs you have values for."),
    (
        "Uploading",
        "POST the file to /api/v1/submissions/bulk (add ?dry_run=true to check it first); "
        "each row is reported as created, updated, unchanged, skipped or rejected with the reason.",
    ),
)


def _is_ratio(line: TemplateLine) -> bool:
    return Aggregation(line.kpi.aggregation) is Aggregation.RATIO


def _enter(line: TemplateLine) -> str:
    if not _is_ratio(line):
        return "value"
    labels = " / ".join(x for x in (line.kpi.numerator_label, line.kpi.denominator_label) if x)
    return "numerator and denominator" + (f" ({labels})" if labels else "")


def _cells(line: TemplateLine) -> list[Any]:
    kpi = line.kpi
    return [
        kpi.code,
        kpi.title,
        kpi.unit,
        str(line.period),
        line.owner or "",
        _enter(line),
        None,
        None,
        None,
        None,
        None,
    ]


def as_csv(template: Template) -> bytes:
    return file_safety.csv_file([COLUMNS, *(_cells(line) for line in template.lines)])


def as_xlsx(template: Template) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Values"
    for cell in file_safety.append_row(sheet, COLUMNS):
        cell.font = Font(bold=True)
    not_applicable = PatternFill("solid", start_color="DDDDDD", end_color="DDDDDD")
    value_column = COLUMNS.index("value")
    for line in template.lines:
        cells = file_safety.append_row(sheet, _cells(line))
        # Grey out the cells that do not apply to the KPI's aggregation (no validation rules: plain cells).
        skip = (value_column,) if _is_ratio(line) else (value_column + 1, value_column + 2)
        for column in skip:
            cells[column].fill = not_applicable
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[name]
    for row_cells in sheet.iter_rows(
        min_row=2, min_col=COLUMNS.index("period") + 1, max_col=COLUMNS.index("period") + 1
    ):
        for cell in row_cells:
            cell.number_format = "@"  # text: Excel must not turn 2026/27 into a date
    sheet.freeze_panes = "A2"

    guidance = workbook.create_sheet("Guidance")
    file_safety.append_row(guidance, [f"Submission template: {template.service.name}, {template.period}"])
    guidance["A1"].font = Font(bold=True, size=13)
    file_safety.append_row(guidance, [])
    for cell in file_safety.append_row(guidance, ["Column", "What to enter"]):
        cell.font = Font(bold=True)
    for name, text in GUIDANCE:
        file_safety.append_row(guidance, [name, text])
    guidance.column_dimensions["A"].width = 30
    guidance.column_dimensions["B"].width = 110
    for row_cells in guidance.iter_rows(min_row=4):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_json(template: Template) -> dict[str, Any]:
    rows = []
    for line in template.lines:
        row: dict[str, Any] = {"kpi_code": line.kpi.code, "period": str(line.period)}
        row |= {"numerator": None, "denominator": None} if _is_ratio(line) else {"value": None}
        rows.append(row | {"commentary": None, "owner_forecast": None})
    return {"rows": rows, "submit": False}
