"""Readers for a bulk push: a JSON body, a CSV file (or tab-separated text: by its content type, a
``.tsv`` name, or tabs and no commas in the header line) or an XLSX workbook, all into the same rows.
A header's columns that are not read (nor the template's own) are named in the batch's warnings.

Readers only find rows and cells; whether a cell holds a usable value is decided per row by the
service, so one bad cell rejects its row, not the file. A file is refused as a whole (422) only
when it cannot be read at all, lacks a required column or holds a cell longer than any spreadsheet
allows; and (413) when it holds more rows or cells, or unpacks to more bytes, than one push may.
CSV and XLSX are read by ``platform.uploads`` and ``platform.workbooks``, which bound the work by what a file holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pmf_api.config import Settings
from pmf_api.performance.bulk.results import BulkWarning
from pmf_api.platform import file_safety, uploads, workbooks
from pmf_api.platform.errors import (
    FieldProblem,
    InvalidInput,
    Location,
    MalformedRequest,
    PayloadTooLarge,
    excerpt,
    invalid,
)
from pmf_api.platform.schemas import NUL, NUL_MESSAGE, has_nul
from pmf_api.platform.uploads import TableLimits

Format = Literal["json", "csv", "tsv", "xlsx"]

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
TSV_TYPES = frozenset({"text/tab-separated-values"})
JSON_TYPES = frozenset({"application/json"})
XLSX_TYPES = frozenset(
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"}
)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KPI_COLUMNS = ("kpi_code", "kpi_id")
VALUE_COLUMNS = ("value", "numerator", "denominator")
NUMBER_COLUMNS = (*VALUE_COLUMNS, "owner_forecast")
COLUMNS = (*KPI_COLUMNS, "period", *VALUE_COLUMNS, "commentary", "owner_forecast")
# The template's columns for people (``template.COLUMNS``): known, and not read.
INFORMATION_COLUMNS = frozenset({"kpi_title", "unit", "owner", "enter"})
READ = ", ".join(COLUMNS)
JSON_TOP_LEVEL = frozenset({"rows", "submit"})


@dataclass(frozen=True)
class UploadRow:
    """One row as read: ``row`` is the JSON index (from 0) or the spreadsheet row (header = 1)."""

    row: int
    cells: dict[str, Any]
    problems: tuple[FieldProblem, ...] = ()


@dataclass(frozen=True)
class Upload:
    format: Format
    rows: list[UploadRow]
    payload: bytes = field(repr=False)
    submit: bool | None = None
    warnings: list[BulkWarning] = field(default_factory=list)  # about the batch: columns not read


def format_of(content_type: str | None, filename: str | None = None) -> Format:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    suffix = (filename or "").rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if suffix in {"csv", "tsv", "json", "xlsx"}:
        return suffix  # type: ignore[return-value]
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        return "json"
    if media_type in CSV_TYPES:
        return "csv"
    if media_type in TSV_TYPES:
        return "tsv"
    if media_type in XLSX_TYPES:
        return "xlsx"
    raise invalid(
        "Content-Type",
        "Send the rows as application/json, text/csv, text/tab-separated-values or an XLSX workbook "
        f"({XLSX_MEDIA_TYPE}), or as a multipart `file` field; not {media_type or 'no content type'}",
        Location.HEADER,
    )


@dataclass(frozen=True)
class UploadLimits:
    """How much one push may hold: rows (blank ones too), and what ``platform.uploads`` bounds."""

    rows: int
    table: TableLimits

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        table = TableLimits(settings.bulk_max_cells, settings.bulk_max_cell_chars, settings.bulk_max_unzipped_bytes)
        return cls(settings.bulk_max_rows, table)


def read_upload(kind: Format, payload: bytes, limits: UploadLimits) -> Upload:
    """The rows of a pushed file. CPU-bound (up to the limits): run it off the event loop."""
    if kind == "json":
        return read_json(payload, limits)
    warnings: list[BulkWarning] = []
    if kind in ("csv", "tsv"):
        delimiter = "\t" if kind == "tsv" or _tab_separated(payload) else ","
        records = uploads.csv_rows(payload, limits.table, delimiter)
        nul, quoted = b"\x00" in payload, b"'" in payload
        rows = _table_rows(records, limits.rows, warnings, nul=nul, quoted=quoted)
        return Upload(kind, rows, payload, None, warnings)
    rows = _table_rows(workbooks.xlsx_rows(payload, limits.table), limits.rows, warnings)
    return Upload("xlsx", rows, payload, None, warnings)


def _tab_separated(payload: bytes) -> bool:
    """Whether a text sent as CSV is tab-separated (as Excel's "Text (Tab delimited)" and copying cells
    write it): its header line holds tabs and no commas."""
    header = payload[:65_536].split(b"\n", 1)[0]
    return b"\t" in header and b"," not in header


def too_many(max_rows: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        detail=f"More than {max_rows} rows: send at most {max_rows} rows per request (split the file)",
        problems=[FieldProblem("rows", f"At most {max_rows} rows per request")],
    )


# A string in a JSON text: what is left without them is the text's structure.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
MAX_NAMED = 10  # unknown fields named in one answer; the rest are counted


def _json_values_within(payload: bytes, limit: int) -> bool:
    """Whether a JSON text holds at most ``limit`` values, known before parsing it (which builds them all).

    Every value but the first of an array or object follows a comma, so commas, brackets and braces
    outside strings bound the values: counted in the raw text first (cheap, but commas in texts count
    too), and only when that passes the limit, without the strings."""
    if payload.count(b",") + payload.count(b"[") + payload.count(b"{") <= limit:
        return True
    structure = _JSON_STRING.sub(b"", payload)
    return structure.count(b",") + structure.count(b"[") + structure.count(b"{") <= limit


def _unknown(names: list[str]) -> list[FieldProblem]:
    problems = [FieldProblem(excerpt(_without_nul(name)), "Unknown field") for name in names[:MAX_NAMED]]
    if len(names) > MAX_NAMED:
        problems.append(FieldProblem("", f"And {len(names) - MAX_NAMED} more unknown fields"))
    return problems


def read_json(payload: bytes, limits: UploadLimits) -> Upload:
    cells_limit, cell_chars = limits.table.cells, limits.table.cell_chars
    nul = b"\\u0000" in payload  # JSON holds U+0000 only escaped (json.loads refuses it raw)
    # A value per cell, an object per row, and the few around them.
    if not _json_values_within(payload, cells_limit + limits.rows + 16):
        raise uploads.too_many_cells(cells_limit)
    try:
        document = json.loads(payload, parse_float=Decimal)
    except RecursionError:  # valid JSON perhaps, but past what is read: like any body not read, 400
        raise MalformedRequest(
            detail='The JSON is nested too deeply to be read: send {"rows": [{"kpi_code": ..., ...}, ...]}'
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(detail=f"The body is not valid JSON: {excerpt(exc, 200)}") from None
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise invalid("rows", 'Send an object with a `rows` array: {"rows": [{"kpi_code": ..., "period": ...}]}')
    unknown = sorted(set(document) - JSON_TOP_LEVEL)
    if unknown:
        raise InvalidInput(detail="Unknown field", problems=_unknown(unknown))
    submit = document.get("submit", False)
    if not isinstance(submit, bool):
        raise invalid("submit", "`submit` is true or false")
    items: list[Any] = document["rows"]
    if len(items) > limits.rows:
        raise too_many(limits.rows)
    rows = []
    cells = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            rows.append(UploadRow(index, {}, (FieldProblem("", "A row is an object of column names and values"),)))
            continue
        cells += len(item)
        if cells > cells_limit:
            raise uploads.too_many_cells(cells_limit)
        kept = {}  # the columns read (other fields are refused by name, their values never looked at)
        for name, value in item.items():
            if name in COLUMNS:
                if value.__class__ is str and len(value) > cell_chars:
                    raise uploads.cell_too_long(f"The value at rows/{index}/{name}", cell_chars, value)
                kept[name] = value
        problems = tuple(_unknown([str(name) for name in item if name not in COLUMNS])) if len(kept) < len(item) else ()
        rows.append(_row(index, kept, problems, nul=nul))
    return Upload("json", rows, payload, submit)


def _row(number: int, cells: dict[str, Any], problems: tuple[FieldProblem, ...] = (), *, nul: bool) -> UploadRow:
    """A row as read; a cell holding U+0000 rejects it (it cannot be stored), and is reported
    without that character, so the answer (kept for idempotent retries) can be stored too.
    ``nul``: whether the file may hold one at all (most do not, and are spared the search)."""
    if nul:
        refused = tuple(FieldProblem(name, NUL_MESSAGE) for name, value in cells.items() if has_nul(value))
        if refused:
            cells = {name: _without_nul(value) if isinstance(value, str) else value for name, value in cells.items()}
            problems += refused
    return UploadRow(number, cells, problems)


def _without_nul(text: str) -> str:
    return text.replace(NUL, "")


def is_blank(cells: Iterable[Any]) -> bool:
    for cell in cells:  # noqa: SIM110 (a loop, not all() over a generator: most rows end at their first cell)
        if cell is not None and not (isinstance(cell, str) and not cell.strip()):
            return False
    return True


def _column_name(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_")


def named_table_rows(
    records: Iterator[tuple[int, Sequence[Any] | dict[int, Any]]],
    max_rows: int,
    *,
    columns: Iterable[str],
    check_header: Callable[[list[str]], None],
    empty_detail: str,
) -> list[UploadRow]:
    """Rows by column name from a table (CSV or a workbook's sheet) whose first non-blank row is its
    header, for the imports beside the bulk push (contextual values, budget monitoring, complaints):
    blank rows are skipped, only ``columns`` are kept, ``check_header`` refuses a header that lacks a
    column, and a table with no header at all is refused with ``empty_detail``."""
    wanted = frozenset(columns)
    header: list[str] | None = None
    rows: list[UploadRow] = []
    for number, record in records:
        if number > max_rows + 1:
            raise too_many(max_rows)
        listed = [record.get(i) for i in range(max(record) + 1)] if isinstance(record, dict) else list(record)
        if is_blank(listed):
            continue
        if header is None:
            header = [_column_name(cell) for cell in listed]
            check_header(header)
            continue
        cells = {name: listed[i] for i, name in enumerate(header) if name in wanted and i < len(listed)}
        rows.append(UploadRow(number, cells))
    if header is None:
        raise InvalidInput(detail=empty_detail, problems=[FieldProblem("", "No header row")])
    return rows


def read_named_rows(
    kind: Format,
    payload: bytes,
    limits: UploadLimits,
    *,
    columns: Sequence[str],
    check_header: Callable[[list[str]], None],
    empty_detail: str,
    example: Sequence[str] = (),
) -> list[UploadRow]:
    """The rows of an import beside the bulk push (contextual values, budget monitoring, complaints,
    benchmark values), by column name, from a JSON ``{"rows": [...]}`` body, CSV or TSV, or XLSX.
    ``example`` names the columns the message about a malformed JSON body shows (the first two by default).
    CPU-bound (up to the limits): run it off the event loop."""
    if kind == "json":
        return _named_json_rows(payload, limits, columns, example or columns[:2])
    if kind in ("csv", "tsv"):
        header = payload[:65_536].split(b"\n", 1)[0]
        tabs = kind == "tsv" or (b"\t" in header and b"," not in header)
        records: Iterator[tuple[int, Sequence[Any] | dict[int, Any]]] = uploads.csv_rows(
            payload, limits.table, "\t" if tabs else ","
        )
    else:
        records = workbooks.xlsx_rows(payload, limits.table)
    return named_table_rows(records, limits.rows, columns=columns, check_header=check_header, empty_detail=empty_detail)


def _named_json_rows(
    payload: bytes, limits: UploadLimits, columns: Sequence[str], example: Sequence[str]
) -> list[UploadRow]:
    if payload.count(b"{") > limits.rows + 1:
        raise too_many(limits.rows)
    try:
        document = json.loads(payload, parse_float=Decimal)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise MalformedRequest(detail=f"The body is not valid JSON: {excerpt(str(exc), 200)}") from None
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list) or set(document) != {"rows"}:
        shown = ", ".join(f'"{name}": ...' for name in example)
        raise InvalidInput(
            detail=f'Send an object with a `rows` array: {{"rows": [{{{shown}}}]}}',
            problems=[FieldProblem("rows", "Send an object with a `rows` array and nothing else")],
        )
    if len(document["rows"]) > limits.rows:  # the count of braces above misses rows that are not objects
        raise too_many(limits.rows)
    rows = []
    for index, item in enumerate(document["rows"]):
        if not isinstance(item, dict):
            rows.append(UploadRow(index, {}, (FieldProblem("", "A row is an object of column names and values"),)))
            continue
        unknown = tuple(FieldProblem(excerpt(str(name), 40), "Unknown field") for name in item if name not in columns)
        rows.append(UploadRow(index, {k: v for k, v in item.items() if k in columns}, unknown))
    return rows


def unknown_columns(header: Sequence[str]) -> list[str]:
    return [name for name in header if name and name not in COLUMNS and name not in INFORMATION_COLUMNS]


def require_columns(header: Sequence[str]) -> None:
    """The columns every file needs: the KPI, the period and somewhere to put the value. Refused
    without them, naming the columns the header has that are not read (a misspelt one, say)."""
    present = set(header)
    if len(header) == 1 and ";" in header[0]:
        raise invalid("", "Separate the columns with commas (or tabs), not semicolons")
    missing = []
    if not present & set(KPI_COLUMNS):
        missing.append("kpi_code")
    if "period" not in present:
        missing.append("period")
    if "value" not in present and not {"numerator", "denominator"} <= present:
        missing.append("value" if not present & {"numerator", "denominator"} else "numerator and denominator")
    if missing:
        raise InvalidInput(
            detail=f"The header row has no {', '.join(missing)} column: it needs kpi_code (or kpi_id), period, "
            "and value (or numerator and denominator)",
            problems=[
                *(FieldProblem("", f"Missing column: {name}") for name in missing),
                *(
                    FieldProblem("", f"Unknown column: {excerpt(_without_nul(name), 40)} (the columns read: {READ})")
                    for name in unknown_columns(header)[:MAX_NAMED]
                ),
            ],
        )


def _unknown_column_warning(header: Sequence[str], name: str) -> BulkWarning:
    letter = _column_letter(header.index(name))
    detail = (
        f"Column {letter} ({excerpt(_without_nul(name), 40)}) is not one this API reads: its cells were ignored "
        f"(the columns read: {READ})"
    )
    return BulkWarning("#", detail, "unknown_column")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _table_rows(
    records: Iterator[tuple[int, Sequence[Any] | dict[int, Any]]],
    max_rows: int,
    warnings: list[BulkWarning],
    *,
    nul: bool = True,
    quoted: bool = True,
) -> list[UploadRow]:
    """Rows by column name, from the records of a table whose first row is the header. What the file
    may hold: ``nul``, U+0000 (see ``_row``); ``quoted``, cells as ``platform.file_safety`` writes
    them (``'=...``), to read back as they were. Columns the header names that are not read (nor
    the template's own) are added to ``warnings``."""
    header: list[str] | None = None
    wanted: list[tuple[int, str]] = []  # (column, name) of the columns read
    rows: list[UploadRow] = []
    for number, record in records:
        # Every row counts, blank or missing ones too (the header is row 1): leaving rows out of a
        # file does not make it cheaper to read than its last row number says.
        if number > max_rows + 1:
            raise too_many(max_rows)
        sparse = isinstance(record, dict)
        if is_blank(record.values() if isinstance(record, dict) else record):
            if header is None:
                raise invalid("", "The first row must be the header row (kpi_code, period, value, ...)")
            continue
        if header is None:
            if number != 1:
                raise invalid("", "The first row must be the header row (kpi_code, period, value, ...)")
            listed = [record.get(i) for i in range(max(record) + 1)] if isinstance(record, dict) else record
            header = [_column_name(cell) for cell in listed]
            require_columns(header)
            wanted = [(i, name) for i, name in enumerate(header) if name in COLUMNS]
            unknown = unknown_columns(header)
            warnings.extend(_unknown_column_warning(header, name) for name in unknown[:MAX_NAMED])
            if len(unknown) > MAX_NAMED:
                more = f"And {len(unknown) - MAX_NAMED} more columns this API does not read"
                warnings.append(BulkWarning("#", more, "unknown_column"))
            continue
        if sparse:
            cells = {name: record[i] for i, name in wanted if i in record}
        else:
            cells = {name: record[i] for i, name in wanted if i < len(record)}
        if quoted:
            for name, cell in cells.items():
                if isinstance(cell, str) and cell.startswith(file_safety.QUOTE):
                    cells[name] = file_safety.restore(cell)  # as the template wrote it
        rows.append(_row(number, cells, nul=nul))
    if header is None:
        raise invalid("", "The file is empty: it needs a header row and a row per value")
    return rows
