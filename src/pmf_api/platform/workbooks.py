"""Reading an uploaded XLSX workbook with the work bounded by what it holds, not its size
(``uploads`` explains the limits; CSV is read there).

What a bulk push needs of SpreadsheetML (ECMA-376 Part 1, 18.3 and 18.4): the first worksheet's
values (a formula's last computed value, as Excel saved it), shared strings and inline strings. It
does not convert numbers formatted as dates (a date arrives as its serial number). openpyxl's reader,
used before, pads every row to the sheet's declared width, keeps the whole shared strings part and
cannot stop inside a cell; the part of the format read here is small. Documents with a DTD are
refused, so no entity is ever expanded.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from pmf_api.platform.errors import PayloadTooLarge, PMFError, invalid
from pmf_api.platform.uploads import SparseRows, TableLimits, cell_too_long, too_many_cells

NOT_A_WORKBOOK = "The file is not an XLSX spreadsheet (save it as an Excel Workbook, .xlsx)"
MAX_PARTS = 1_000  # an Excel workbook has a dozen; each costs memory before anything is read
CHUNK_BYTES = 65_536
# XML elements allowed per cell, over every part read: a value is 2 or 3, rich text a few more.
ELEMENTS_PER_CELL = 8
SPARE_ELEMENTS = 1_000  # the workbook, its relationships and a sheet's own settings
MAX_COLUMNS = 16_384  # XFD, Excel's last column
_COLUMN_REFERENCE = re.compile(r"[A-Z]{1,3}")


def xlsx_rows(payload: bytes, limits: TableLimits) -> SparseRows:
    """The rows of the workbook's first worksheet: numbered as in the sheet, cells by column from 0."""
    archive = _open(payload)
    budget = _Budget(limits)
    try:
        with archive:
            workbook = _office_document(archive, budget)
            sheet, strings = _first_worksheet(archive, workbook, budget)
            shared = _shared_strings(archive, strings, budget) if strings else []
            yield from _worksheet_rows(archive, sheet, shared, budget)
    except PMFError:
        raise
    except Exception:  # zip, XML, key, index and value errors: whatever it is, it is not a workbook
        raise invalid("", NOT_A_WORKBOOK) from None


def _open(payload: bytes) -> zipfile.ZipFile:
    # The archive's last record says how many parts it holds: zipfile reads them all when it opens.
    end = payload.rfind(b"PK\x05\x06", max(0, len(payload) - 65_557))
    if end < 0 or len(payload) < end + 22:
        raise invalid("", NOT_A_WORKBOOK)
    parts = int.from_bytes(payload[end + 10 : end + 12], "little")
    if parts > MAX_PARTS:
        raise invalid("", f"{NOT_A_WORKBOOK}: it holds {parts} parts")
    try:
        return zipfile.ZipFile(io.BytesIO(payload))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise invalid("", NOT_A_WORKBOOK) from None


class _Budget:
    """What the workbook may still cost: unpacked bytes, XML elements, cells."""

    def __init__(self, limits: TableLimits) -> None:
        self.limits = limits
        self.unzipped = limits.unzipped_bytes
        self.elements = limits.cells * ELEMENTS_PER_CELL + SPARE_ELEMENTS
        self.cells = limits.cells

    def element(self) -> None:
        self.elements -= 1
        if self.elements < 0:
            raise PayloadTooLarge(
                detail=f"The workbook holds more XML than {self.limits.cells} cells need: send at most "
                f"{self.limits.cells} cells per request (split the file)"
            )

    def cell(self) -> None:
        self.cells -= 1
        if self.cells < 0:
            raise too_many_cells(self.limits.cells)

    def part(self, archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
        """The part's bytes in chunks, refused from its declared size before it is opened."""
        info = archive.getinfo(name)
        self.unzipped -= info.file_size
        if self.unzipped < 0:
            raise PayloadTooLarge(
                detail=f"The workbook unpacks to more than {self.limits.unzipped_bytes} bytes ({name} alone "
                f"is {info.file_size} bytes): send fewer rows per request, or the rows as CSV"
            )
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk


def _parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None] | None = None,
) -> expat.XMLParserType:
    # Without namespace processing: names as written ("c", or "x:c" under a prefix), which is all a
    # reader of values needs, Transitional and Strict OOXML alike, and quicker.
    parser = expat.ParserCreate()
    parser.buffer_text = True  # text in pieces of up to 8 KB, so a long one is caught early
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _refuse_dtd(*_: object) -> None:
    raise invalid("", f"{NOT_A_WORKBOOK}: its XML declares a document type")


class _LocalNames(dict[str, str]):
    """``x:c`` -> ``c``, worked out once per name."""

    def __missing__(self, name: str) -> str:
        local = self[name] = name.rpartition(":")[2]
        return local


def _parse(parser: expat.XMLParserType, chunks: Iterator[bytes]) -> Iterator[None]:
    """Feed ``chunks`` to ``parser``, pausing after each (so rows can be handed on as they complete)."""
    for chunk in chunks:
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)


def _relationships(archive: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """The relationships of ``part``: id -> (type, the target part's name)."""
    folder, name = posixpath.split(part)
    found: dict[str, tuple[str, str]] = {}
    local = _LocalNames()

    def start(element: str, attributes: dict[str, str]) -> None:
        budget.element()
        if local[element] == "Relationship" and attributes.get("TargetMode") != "External":
            target = attributes.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[attributes.get("Id", "")] = (attributes.get("Type", ""), posixpath.normpath(resolved))

    for _ in _parse(_parser(start, _ignore), budget.part(archive, posixpath.join(folder, "_rels", name + ".rels"))):
        pass
    return found


def _ignore(_: str) -> None:
    pass


def _office_document(archive: zipfile.ZipFile, budget: _Budget) -> str:
    for kind, target in _relationships(archive, "", budget).values():
        if kind.endswith("/officeDocument"):
            return target
    raise invalid("", NOT_A_WORKBOOK)


def _first_worksheet(archive: zipfile.ZipFile, workbook: str, budget: _Budget) -> tuple[str, str | None]:
    """The first worksheet (the template's values; its guidance sheet comes second) and the shared strings."""
    sheet_ids: list[str] = []
    local = _LocalNames()

    def start(element: str, attributes: dict[str, str]) -> None:
        budget.element()
        if local[element] == "sheet":
            # r:id, whatever the relationships namespace's prefix
            sheet_ids.extend(value for key, value in attributes.items() if key.endswith(":id"))

    for _ in _parse(_parser(start, _ignore), budget.part(archive, workbook)):
        pass
    relationships = _relationships(archive, workbook, budget)
    sheets = [
        relationships[i][1] for i in sheet_ids if i in relationships and relationships[i][0].endswith("/worksheet")
    ]
    if not sheets:
        raise invalid("", "The workbook has no sheet")
    strings = next((target for kind, target in relationships.values() if kind.endswith("/sharedStrings")), None)
    return sheets[0], strings


def _shared_strings(archive: zipfile.ZipFile, part: str, budget: _Budget) -> list[str]:
    strings: list[str] = []
    limit = budget.limits.cell_chars
    local = _LocalNames()
    pieces: list[str] | None = None  # the texts of the string being read
    length = 0
    in_text = False
    phonetic = 0  # inside <rPh>: a reading aid, not part of the value

    def start(element: str, _attributes: dict[str, str]) -> None:
        nonlocal pieces, length, in_text, phonetic
        budget.element()
        name = local[element]
        if name == "t":
            in_text = pieces is not None and not phonetic
        elif name == "si":
            if len(strings) >= budget.limits.cells:  # a workbook needs no more strings than cells
                raise too_many_cells(budget.limits.cells)
            pieces, length = [], 0
        elif name == "rPh":
            phonetic += 1

    def end(element: str) -> None:
        nonlocal pieces, in_text, phonetic
        name = local[element]
        if name == "t":
            in_text = False
        elif name == "si" and pieces is not None:
            strings.append("".join(pieces))
            pieces = None
        elif name == "rPh":
            phonetic -= 1

    def text(data: str) -> None:
        nonlocal length
        if in_text and pieces is not None:
            length += len(data)
            if length > limit:
                raise cell_too_long("A shared string of the workbook", limit, "".join(pieces) + data)
            pieces.append(data)

    for _ in _parse(_parser(start, end, text), budget.part(archive, part)):
        pass
    return strings


def _worksheet_rows(archive: zipfile.ZipFile, part: str, shared: list[str], budget: _Budget) -> SparseRows:
    """The sheet's rows, handed on as each chunk of the part is parsed. The handlers run per element
    (a few hundred thousand for an ordinary push), so they keep their state in local variables."""
    limit = budget.limits.cell_chars
    local = _LocalNames()
    columns: dict[str, int] = {}  # "AB" -> 27, worked out once per column
    ready: list[tuple[int, dict[int, Any]]] = []
    row_number = 0
    row: dict[int, Any] | None = None  # the cells of the row being read
    column = -1
    reference: str | None = None  # the cell being read, as the sheet names it
    kind = "n"  # its type: number, shared string, inline string, boolean...
    pieces: list[str] = []  # its text so far
    length = 0
    has_text = in_value = in_inline = done = False
    phonetic = 0

    def start(element: str, attributes: dict[str, str]) -> None:
        nonlocal row_number, row, column, reference, kind, pieces, length, has_text, in_value, in_inline, phonetic
        budget.elements -= 1
        if budget.elements < 0:
            budget.element()  # raises
        name = local[element]
        if name == "c":
            budget.cells -= 1
            if budget.cells < 0:
                budget.cell()  # raises
            reference = attributes.get("r")
            if reference is None:
                column += 1
            else:
                letters = reference.rstrip("0123456789")
                column = columns[letters] if letters in columns else columns.setdefault(letters, _column(letters))
            kind = attributes.get("t", "n")
            pieces, length, has_text = [], 0, False
        elif name == "v" or (name == "t" and in_inline and not phonetic):
            in_value = has_text = True
        elif name == "row":
            number = attributes.get("r")
            found = int(number) if number is not None else row_number + 1
            if found <= row_number:
                raise invalid("", f"{NOT_A_WORKBOOK}: its rows are out of order at row {found}")
            row_number, row, column = found, {}, -1
        elif name == "is":
            in_inline = has_text = True
        elif name == "rPh":
            phonetic += 1

    def end(element: str) -> None:
        nonlocal row, in_value, in_inline, phonetic, done
        name = local[element]
        if name == "c":
            if has_text and row is not None:
                value = _value(kind, "".join(pieces), shared)
                if value is not None:
                    row[column] = value
        elif name == "v" or name == "t":
            in_value = False
        elif name == "row" and row is not None:
            ready.append((row_number, row))
            row = None
        elif name == "is":
            in_inline = False
        elif name == "rPh":
            phonetic -= 1
        elif name == "sheetData":
            done = True

    def text(data: str) -> None:
        nonlocal length
        if in_value:
            length += len(data)
            if length > limit:
                where = f"Cell {reference}" if reference else f"Column {column + 1} of row {row_number}"
                raise cell_too_long(where, limit, "".join(pieces) + data)
            pieces.append(data)

    for _ in _parse(_parser(start, end, text), budget.part(archive, part)):
        yield from ready
        ready.clear()
        if done:  # nothing after the rows is needed
            return
    yield from ready


def _column(letters: str) -> int:
    """``AB`` (of a reference such as ``AB12``) -> 27 (columns from 0)."""
    if _COLUMN_REFERENCE.fullmatch(letters) is None:
        raise ValueError(letters)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    if index > MAX_COLUMNS:
        raise ValueError(letters)
    return index - 1


def _value(kind: str, text: str, shared: list[str]) -> Any:
    """A cell's value as openpyxl gives it with ``data_only``: text, number, boolean or None."""
    if kind == "n":
        if not text.strip():
            return None
        try:
            return float(text) if "." in text or "e" in text or "E" in text else int(text)
        except ValueError:
            return text  # not a number after all: the row's checks say so
    if kind == "s":
        return shared[int(text)]
    if kind == "b":
        return text.strip() in ("1", "true")
    return text  # inlineStr, str (a formula's text), e (an error such as #N/A), d (an ISO 8601 date)
