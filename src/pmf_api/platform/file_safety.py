"""Cells that stay data: every CSV and XLSX file the service writes goes through here.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and one that
begins with a tab or a carriage return may be read as one (OWASP, "CSV Injection"). A KPI title or a
person's name is typed by people, so a file we hand out could otherwise carry a live formula
(``=HYPERLINK(...)`` sending the sheet's data elsewhere, or worse) to whoever opens it.

- In CSV such a text is written with a leading apostrophe, as OWASP recommends; ``restore`` takes it
  off again when a file we wrote comes back (the templates are filled in and uploaded).
- In XLSX every text is written as a string cell, never a formula or an error value, and such a text
  also gets Excel's quote prefix (the apostrophe Excel shows when one types ``'=1``): the value is
  kept as it was and stays text even when someone edits the cell.

Numbers are written as numbers: ``-5`` is a value, not a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Characters a workbook cannot hold (XML 1.0 forbids them); openpyxl refuses them outright.
_NOT_IN_A_WORKBOOK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_a_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs: a text that would start a formula gets an apostrophe."""
    if isinstance(value, str) and starts_a_formula(value):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The inverse of ``neutralise``, for a cell read back from a file: ``'=1`` is ``=1`` again."""
    if isinstance(value, str) and value.startswith(QUOTE) and starts_a_formula(value[1:]):
        return value[1:]
    return value


def csv_file(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> bytes:
    """UTF-8 CSV, every cell neutralised; ``None`` is an empty cell. With a byte order mark (the
    default) Excel opens the file as UTF-8, so names with accents survive."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def append_row(sheet: Worksheet, values: Sequence[Any]) -> list[Cell]:
    """Append ``values`` to ``sheet`` as its next row: texts as string cells (never a formula or an
    error value), quote-prefixed when they would start a formula. Returns the row's cells."""
    sheet.append([_storable(value) for value in values])
    row = sheet._current_row  # where append() put them
    cells = [sheet.cell(row=row, column=column) for column in range(1, len(values) + 1)]
    for cell, value in zip(cells, values, strict=True):
        if isinstance(value, str):
            _as_text(cell, value)
    return cells


def set_value(cell: Cell, value: Any) -> None:
    """Put ``value`` in an XLSX ``cell``, a text always as a string (see ``append_row``)."""
    cell.value = _storable(value)
    if isinstance(value, str):
        _as_text(cell, value)


def _storable(value: Any) -> Any:
    return _NOT_IN_A_WORKBOOK.sub("\ufffd", value) if isinstance(value, str) else value


def _as_text(cell: Cell, value: str) -> None:
    cell.data_type = "s"  # openpyxl makes "=..." a formula and "#N/A" an error value
    if starts_a_formula(value):
        cell.quotePrefix = True
