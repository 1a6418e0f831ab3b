"""Reading uploaded tables (CSV and XLSX) with the work bounded by what they hold, not their size.

A file's size on the wire says little about the work it makes: 150 KB of XLSX can unpack to a million
rows, or to one string of 100 MB; 20 MB of CSV can be 20 million blank lines or one row of 10 million
cells. So the readers here count what they produce and stop as soon as a limit is passed:

- cells (CSV fields, XLSX ``<c>`` elements), blank ones included, and the XML elements around them;
- the characters of each cell (``cell_chars``), checked while a cell is read, not after;
- the bytes an XLSX archive unpacks to (``unzipped_bytes``), over every part read, refused from the
  sizes the archive declares before a part is opened (``zipfile`` never inflates a part beyond its
  declared size: a part that claims less than it holds fails its checksum).

Both readers yield ``(row number, cells)`` with row numbers as the file has them (1 for the first),
so a caller counts blank and missing rows too, and can stop early: nothing is read ahead. CSV cells
are a list; XLSX cells a dict by column (from 0), since a row may hold one cell at column XFD.

The XLSX reader is ``workbooks.xlsx_rows``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pmf_api.platform.errors import PayloadTooLarge, PMFError, excerpt, invalid

# Texts up to this many characters are split into lines by io.StringIO (quickest, but it holds a copy
# at 4 bytes a character); longer ones one line at a time.
SMALL_TEXT = 4 * 1_048_576


@dataclass(frozen=True)
class TableLimits:
    cells: int
    cell_chars: int
    unzipped_bytes: int


Rows = Iterator[tuple[int, list[str]]]
SparseRows = Iterator[tuple[int, dict[int, Any]]]


def too_many_cells(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        detail=f"More than {limit} cells: send at most {limit} cells per request (split the file)",
    )


def cell_too_long(where: str, limit: int, start: str = "") -> PMFError:
    message = f"{where} holds more than {limit} characters (Excel's own limit for a cell)"
    return invalid("", f"{message}: {excerpt(start)}" if start else message)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def csv_rows(payload: bytes, limits: TableLimits, delimiter: str = ",") -> Rows:
    """The records of a UTF-8 CSV (with or without a byte order mark), numbered from 1; with
    ``delimiter="\t"``, of a tab-separated file."""
    try:
        # utf-8-sig drops the byte order mark Excel writes at the start of "CSV UTF-8" files
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("", 'The CSV is not UTF-8 text: save it as "CSV UTF-8"') from None
    # A field follows a delimiter or starts a line: when even that bound is within the limit (an
    # ordinary file), the lines go straight to the csv module; otherwise they are counted first.
    budget: _CsvBudget | None = None
    if text.count(delimiter) + text.count("\n") + text.count("\r") < limits.cells and len(text) <= SMALL_TEXT:
        lines: Iterator[str] = io.StringIO(text, newline="")
    else:
        budget = _CsvBudget(limits.cells, delimiter)
        lines = budget.lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            number += 1
            if budget is not None:
                budget.spend(len(record))
            if record and max(map(len, record)) > limits.cell_chars:
                column = next(i for i, cell in enumerate(record) if len(cell) > limits.cell_chars)
                where = f"The cell at row {number}, column {column + 1}"
                raise cell_too_long(where, limits.cell_chars, record[column])
            yield number, record
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise cell_too_long(f"A cell at row {number + 1}", limits.cell_chars) from None
        raise invalid("", f"The CSV cannot be read: {exc}") from None


class _CsvBudget:
    """Keeps the cells of a CSV within the limit *before* the csv module builds them.

    A record's fields are at most the delimiters (commas) plus one of each line it spans, so the lines of a record
    are only handed to the csv module while that bound stays within the cells left: one line of ten
    million commas is refused, not split into ten million strings first."""

    def __init__(self, cells: int, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self.limit = cells
        self.left = cells
        self.pending = 0  # the bound on the fields of the record being read

    def lines(self, text: str) -> Iterator[str]:
        for line in _lines(text):
            self.pending += line.count(self.delimiter) + 1
            if self.pending > self.left:
                raise too_many_cells(self.limit)
            yield line

    def spend(self, cells: int) -> None:
        self.left -= cells
        self.pending = 0
        if self.left < 0:
            raise too_many_cells(self.limit)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|[\r\n]|$)")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, as a file opened with ``newline=""`` gives them (what
    the csv module needs), one at a time: io.StringIO would first copy the text at 4 bytes a character."""
    if text.count("\r") != text.count("\r\n"):  # a carriage return alone ends a line too (old Macs)
        for match in _LINE.finditer(text):
            if line := match.group():
                yield line
        return
    start, size, find = 0, len(text), text.find
    while start < size:
        end = find("\n", start) + 1
        if not end:
            yield text[start:]
            return
        yield text[start:end]
        start = end
