"""XLSX (a sheet per table) and CSV (the KPI table) of a report; every cell through ``platform.file_safety``.

The CSV is one file: every KPI of the report with all its columns, and a ``section`` column saying
which list a row comes from (``performance`` for the report's KPIs under their priority and outcome;
a board pack adds ``needing_intervention``, ``missing_values`` and ``queried_values``). One flat table
with a stable header is what people load into a spreadsheet, a pivot table or a BI tool; the report's
other tables (actions, risks, scrutiny, finance...) are each a sheet of the XLSX.

Both files are the same bytes for the same document: the workbook's created and modified times are the
snapshot's ``frozen_at`` and so are its ZIP entries' dates.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from pmf_api.platform import file_safety
from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering.tables import KPI_COLUMNS, kpi_row, kpi_sections, report_tables


def report_csv(document: ReportDocument) -> bytes:
    rows: list[list[object]] = [["section", *KPI_COLUMNS]]
    for section, kpis in kpi_sections(document):
        rows += [[section, *kpi_row(kpi)] for kpi in kpis]
    return file_safety.csv_file(rows)


def report_xlsx(document: ReportDocument) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    frozen = document.frozen_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = frozen
    workbook.properties.modified = frozen
    workbook.properties.creator = "PMF API"
    workbook.properties.title = document.title[:255]
    bold = Font(bold=True)
    for table in report_tables(document):
        sheet = workbook.create_sheet(table.name)
        for cell in file_safety.append_row(sheet, list(table.columns)):
            cell.font = bold
        for row in table.rows:
            file_safety.append_row(sheet, row)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            widest = max([len(column)] + [len(str(row[index - 1] or "")) for row in table.rows[:200]])
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(60, widest + 2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()  # save_workbook would stamp "modified" with the clock
    return _dated(buffer.getvalue(), frozen.timetuple()[:6])


def _dated(payload: bytes, when: tuple[int, ...]) -> bytes:
    """The ZIP ``payload`` again with every entry dated ``when`` (the entries carry the clock's time)."""
    stamp = (max(1980, when[0]), *when[1:6])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(payload)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)  # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
