"""The bounded CSV and XLSX readers of uploads (pmf_api.platform.uploads), on the odd files real tools write."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from pmf_api.platform.errors import InvalidInput, PayloadTooLarge
from pmf_api.platform.uploads import TableLimits, csv_rows
from pmf_api.platform.workbooks import xlsx_rows
from tests.workbooks import HEADER_ROW, workbook

LIMITS = TableLimits(cells=1_000, cell_chars=100, unzipped_bytes=1_000_000)


def test_what_excel_writes_is_read_as_openpyxl_read_it() -> None:
    strings = [
        b"<si><t>WS01</t></si>",
        # Rich text: runs of formatted text make one value.
        b'<si><r><rPr><b/><sz val="11"/></rPr><t>Garden </t></r><r><t xml:space="preserve">waste up</t></r></si>',
        # A phonetic reading (East Asian text) is not part of the value.
        b'<si><t>abc</t><rPh sb="0" eb="1"><t>X</t></rPh><phoneticPr fontId="1"/></si>',
    ]
    rows = [
        HEADER_ROW.encode(),
        b'<row r="2" spans="1:6"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s" s="3"><v>1</v></c>'
        b'<c r="C2"><v>0.30000000000000004</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" s="4"/></row>',
        # Formulas give the value Excel last computed; an error is its text.
        b'<row r="4"><c r="A4"><f>1+1</f><v>2</v></c><c r="B4" t="str"><f>A1</f><v>kpi_code</v></c>'
        b'<c r="C4" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D4"><f>1+1</f></c><c r="E4" t="s"><v>2</v></c></row>',
        # Rows and cells without references follow the one before.
        b'<row><c t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c><c><v>7</v></c></row>',
        b'<row r="9"><c r="XFD9"><v>1E3</v></c></row>',
    ]
    read = list(xlsx_rows(workbook(rows, strings), LIMITS))
    assert read == [
        (1, {0: "kpi_code", 1: "period", 2: "value"}),
        (2, {0: "WS01", 1: "Garden waste up", 2: 0.30000000000000004, 4: True}),
        (4, {0: 2, 1: "kpi_code", 2: "#DIV/0!", 4: "abc"}),
        (5, {0: "inline", 1: 7}),
        (9, {16_383: 1000.0}),
    ]


def test_strict_ooxml_and_openpyxl_workbooks() -> None:
    strict = workbook([HEADER_ROW.encode()], strict=True)
    assert list(xlsx_rows(strict, LIMITS)) == [(1, {0: "kpi_code", 1: "period", 2: "value"})]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kpi_code", None, 4.5, -3])
    buffer = io.BytesIO()
    book.save(buffer)
    assert list(xlsx_rows(buffer.getvalue(), LIMITS)) == [(1, {0: "kpi_code", 2: 4.5, 3: -3})]


@pytest.mark.parametrize(
    ("sheet", "prolog", "message"),
    [
        ([b'<row r="3"/><row r="2"/>'], b"", "out of order at row 2"),
        ([HEADER_ROW.encode()], b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>', "document type"),
        ([b'<row r="1"><c r="A1" t="s"><v>5</v></c></row>'], b"", "not an XLSX"),  # no such shared string
        ([b'<row r="1"><c r="1A"><v>5</v></c></row>'], b"", "not an XLSX"),
        ([b"<row><c>"], b"", "not an XLSX"),
    ],
)
def test_broken_workbooks_are_refused(sheet: list[bytes], prolog: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        list(xlsx_rows(workbook(sheet, sheet_prolog=prolog), LIMITS))


def test_an_archive_of_too_many_parts_is_refused_before_it_is_opened() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(1_001):
            archive.writestr(f"part{n}", b"")
    with pytest.raises(InvalidInput, match="1001 parts"):
        list(xlsx_rows(buffer.getvalue(), LIMITS))
    for not_a_zip in (b"", b"kpi_code,period\n", b"PK\x05\x06" + b"\0" * 18):
        with pytest.raises(InvalidInput, match="not an XLSX"):
            list(xlsx_rows(not_a_zip, LIMITS))


def test_xlsx_limits() -> None:
    long_string = workbook([HEADER_ROW.encode()], [b"<si><t>" + b"y" * 101 + b"</t></si>"])
    with pytest.raises(InvalidInput, match=r"shared string .* more than 100 characters"):
        list(xlsx_rows(long_string, LIMITS))
    many_strings = workbook([HEADER_ROW.encode()], [b"<si><t>y</t></si>" * 1_001])
    with pytest.raises(PayloadTooLarge, match="1000 cells"):
        list(xlsx_rows(many_strings, LIMITS))
    rows = workbook(
        [HEADER_ROW.encode(), *(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>'.encode() for n in range(2, 999))]
    )
    assert len(list(xlsx_rows(rows, LIMITS))) == 998  # 1,000 cells: the header's 3 and 997 more
    too_many = workbook(
        [HEADER_ROW.encode(), *(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>'.encode() for n in range(2, 1000))]
    )
    with pytest.raises(PayloadTooLarge, match="1000 cells"):
        list(xlsx_rows(too_many, LIMITS))
    with pytest.raises(PayloadTooLarge, match="unpacks to more than 1000000 bytes"):
        list(xlsx_rows(workbook([HEADER_ROW.encode(), b" " * 1_000_000]), LIMITS))


def test_xlsx_rows_are_read_as_they_are_asked_for() -> None:
    """A caller that stops early (too many rows) stops the reading: the rest is never parsed."""
    rows = [HEADER_ROW.encode(), b'<row r="2"><c r="A2"><v>1</v></c></row>']
    book = workbook([*rows, b" " * 100_000, b"<x/>" * 20_000])  # the elements are past the first chunk read
    rows = xlsx_rows(book, LIMITS)
    assert next(rows)[0] == 1
    rows.close()
    with pytest.raises(PayloadTooLarge, match="more XML than 1000 cells need"):
        list(xlsx_rows(book, LIMITS))


def test_csv() -> None:
    text = '\ufeffkpi_code,period,commentary\nWS01,2025/26 P1,"Up, thanks to\nthe new round"\n\n\r\nWS02,2025/26 P1,\n'
    assert list(csv_rows(text.encode(), LIMITS)) == [
        (1, ["kpi_code", "period", "commentary"]),
        (2, ["WS01", "2025/26 P1", "Up, thanks to\nthe new round"]),
        (3, []),
        (4, []),
        (5, ["WS02", "2025/26 P1", ""]),
    ]
    # Lines ended by a carriage return alone (classic Mac) are lines too.
    assert list(csv_rows(b'a,b\r"c\r\n",d\r', LIMITS)) == [(1, ["a", "b"]), (2, ["c\r\n", "d"])]


def test_tab_separated() -> None:
    text = 'kpi_code\tperiod\tcommentary\nWS01\t2025/26 P1\t"Up, thanks to\tthe new round"\n'
    assert list(csv_rows(text.encode(), LIMITS, "\t")) == [
        (1, ["kpi_code", "period", "commentary"]),
        (2, ["WS01", "2025/26 P1", "Up, thanks to\tthe new round"]),
    ]
    # Tabs bound the cells as commas do in a CSV: a line of a thousand tabs is refused before it is split.
    with pytest.raises(PayloadTooLarge, match="1000 cells"):
        list(csv_rows(b"a" + b"\ta" * 1_000, LIMITS, "\t"))


def test_csv_limits() -> None:
    with pytest.raises(PayloadTooLarge, match="1000 cells"):
        list(csv_rows(b"a" + b",a" * 1_000, LIMITS))  # refused before the csv module splits the line
    with pytest.raises(PayloadTooLarge, match="1000 cells"):
        list(csv_rows(b"a,b\n" * 501, LIMITS))
    assert len(list(csv_rows(b"a,b\n" * 500, LIMITS))) == 500
    with pytest.raises(InvalidInput, match=r"row 2, column 2 holds more than 100 characters .*: y{40}\.\.\. \(101"):
        list(csv_rows(b"a,b\nx," + b"y" * 101, LIMITS))
    with pytest.raises(InvalidInput, match="row 1 holds more than 100 characters"):
        list(csv_rows(b"x" * 200_000, LIMITS))  # past the csv module's own limit
    with pytest.raises(InvalidInput, match="not UTF-8"):
        list(csv_rows("caf\u00e9".encode("latin-1"), LIMITS))
