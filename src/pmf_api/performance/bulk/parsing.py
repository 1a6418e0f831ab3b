"""Readers for a bulk push: a JSON body, a CSV file or an XLSX workbook, all into the same rows.

Readers only find rows and cells; whether a cell holds a usable value is decided per row by the
service, so one bad cell rejects its row, not the file. A file is refused as a whole (422) only
when it cannot be read at all or lacks a required column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pmf_api.platform.errors import FieldProblem, InvalidInput, MalformedRequest, PayloadTooLarge, invalid
from pmf_api.platform.schemas import NUL, NUL_MESSAGE, has_nul

Format = Literal["json", "csv", "xlsx"]

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
JSON_TYPES = frozenset({"application/json"})
XLSX_TYPES = frozenset(
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"}
)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KPI_COLUMNS = ("kpi_code", "kpi_id")
VALUE_COLUMNS = ("value", "numerator", "denominator")
NUMBER_COLUMNS = (*VALUE_COLUMNS, "owner_forecast")
COLUMNS = (*KPI_COLUMNS, "period", *VALUE_COLUMNS, "commentary", "owner_forecast")
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


def format_of(content_type: str | None, filename: str | None = None) -> Format:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    suffix = (filename or "").rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if suffix in {"csv", "json", "xlsx"}:
        return suffix  # type: ignore[return-value]
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        return "json"
    if media_type in CSV_TYPES:
        return "csv"
    if media_type in XLSX_TYPES:
        return "xlsx"
    raise invalid(
        "content-type",
        f"Send the rows as application/json, text/csv or an XLSX workbook ({XLSX_MEDIA_TYPE}), "
        f"or as a multipart `file` field; not {media_type or 'no content type'}",
    )


def read_upload(kind: Format, payload: bytes, max_rows: int) -> Upload:
    if kind == "json":
        return read_json(payload, max_rows)
    if kind == "csv":
        return Upload("csv", _table_rows(_csv_records(payload), max_rows), payload)
    return Upload("xlsx", _table_rows(_xlsx_records(payload), max_rows), payload)


def _too_many(max_rows: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        detail=f"More than {max_rows} rows: send at most {max_rows} rows per request (split the file)",
        problems=[FieldProblem("rows", f"At most {max_rows} rows per request")],
    )


def read_json(payload: bytes, max_rows: int) -> Upload:
    try:
        document = json.loads(payload, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(detail=f"The body is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise invalid("rows", 'Send an object with a `rows` array: {"rows": [{"kpi_code": ..., "period": ...}]}')
    unknown = sorted(set(document) - JSON_TOP_LEVEL)
    if unknown:
        raise InvalidInput(detail="Unknown field", problems=[FieldProblem(name, "Unknown field") for name in unknown])
    submit = document.get("submit", False)
    if not isinstance(submit, bool):
        raise invalid("submit", "`submit` is true or false")
    items: list[Any] = document["rows"]
    if len(items) > max_rows:
        raise _too_many(max_rows)
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            rows.append(UploadRow(index, {}, (FieldProblem("", "A row is an object of column names and values"),)))
            continue
        problems = tuple(FieldProblem(_without_nul(str(name)), "Unknown field") for name in item if name not in COLUMNS)
        rows.append(_row(index, {k: v for k, v in item.items() if k in COLUMNS}, problems))
    return Upload("json", rows, payload, submit)


def _csv_records(payload: bytes) -> Iterator[Sequence[Any]]:
    try:
        # utf-8-sig drops the byte order mark Excel writes at the start of "CSV UTF-8" files
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("", 'The CSV is not UTF-8 text: save it as "CSV UTF-8"') from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise invalid("", f"The CSV cannot be read: {exc}") from None


def _xlsx_records(payload: bytes) -> Iterator[Sequence[Any]]:
    # openpyxl is only needed for uploads and templates; importing it lazily keeps start-up light.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML, key and value errors for files that are not workbooks
        raise invalid("", "The file is not an XLSX spreadsheet (save it as an Excel Workbook, .xlsx)") from None
    try:
        if not workbook.worksheets:
            raise invalid("", "The workbook has no sheet")
        # The first sheet holds the values; the template's "Guidance" sheet comes second.
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _row(number: int, cells: dict[str, Any], problems: tuple[FieldProblem, ...] = ()) -> UploadRow:
    """A row as read; a cell holding U+0000 rejects it (it cannot be stored), and is reported
    without that character, so the answer (kept for idempotent retries) can be stored too."""
    refused = tuple(FieldProblem(name, NUL_MESSAGE) for name, value in cells.items() if has_nul(value))
    if refused:
        cells = {name: _without_nul(value) if isinstance(value, str) else value for name, value in cells.items()}
    return UploadRow(number, cells, problems + refused)


def _without_nul(text: str) -> str:
    return text.replace(NUL, "")


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _column_name(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_")


def require_columns(header: Sequence[str]) -> None:
    """The columns every file needs: the KPI, the period and somewhere to put the value."""
    present = set(header)
    if len(header) == 1 and ";" in header[0]:
        raise invalid("", "Separate the columns with commas, not semicolons")
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
            problems=[FieldProblem(name, f"Missing column: {name}") for name in missing],
        )


def _table_rows(records: Iterator[Sequence[Any]], max_rows: int) -> list[UploadRow]:
    header: list[str] | None = None
    rows: list[UploadRow] = []
    for number, record in enumerate(records, start=1):
        if header is None:
            if _is_blank(record):
                raise invalid("", "The first row must be the header row (kpi_code, period, value, ...)")
            header = [_column_name(cell) for cell in record]
            require_columns(header)
            continue
        if _is_blank(record):
            continue
        if len(rows) == max_rows:
            raise _too_many(max_rows)
        cells = {name: record[i] for i, name in enumerate(header) if name in COLUMNS and i < len(record)}
        rows.append(_row(number, cells))
    if header is None:
        raise invalid("", "The file is empty: it needs a header row and a row per value")
    return rows
