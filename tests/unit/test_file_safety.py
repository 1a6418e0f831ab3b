"""The cells of every file we write stay data (OWASP "CSV injection"): pmf_api.platform.file_safety."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from pmf_api.platform import file_safety

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-PI1", "'-PI1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Household waste recycled", "Household waste recycled"),
        ("a=b", "a=b"),  # only the first character makes a formula
        ("'quoted", "'quoted"),
        ("", ""),
        (None, None),
        (-5, -5),  # numbers are numbers, never formulas
        (Decimal("-0.5"), Decimal("-0.5")),
    ],
)
def test_neutralise(value: Any, written: Any) -> None:
    assert file_safety.neutralise(value) == written
    assert file_safety.restore(written) == value


def test_restore_leaves_other_quotes_alone() -> None:
    assert file_safety.restore("'quoted") == "'quoted"
    assert file_safety.restore("''=1") == "''=1"
    assert file_safety.restore(7) == 7


@given(st.text())
def test_no_written_text_starts_a_formula_and_reading_it_back_gives_the_text(text: str) -> None:
    written = file_safety.neutralise(text)
    assert not written.startswith(TRIGGERS)
    assert file_safety.restore(written) == text


def test_csv_file() -> None:
    content = file_safety.csv_file([["code", "title", "value"], ["-PI1", "=1+1", Decimal("-5")], ["X", None, 3]])
    assert content.startswith(b"\xef\xbb\xbf")  # Excel then reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["code", "title", "value"], ["'-PI1", "'=1+1", "-5"], ["X", "", "3"]]
    assert not file_safety.csv_file([["a"]], bom=False).startswith(b"\xef")


def test_xlsx_rows_hold_strings_never_formulas() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    values = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "#N/A", "plain", "bell\x07and\x00nul", 4, None]
    file_safety.append_row(sheet, values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml
    cells = next(load_workbook(buffer)["Sheet"].iter_rows())
    # (A carriage return in text is read back as a line feed by openpyxl's own XML parser, as written
    # with lxml, which the report tests' pikepdf installs: either way it is text, not a formula.)
    values_read = [c.value for c in cells[:8]]
    assert values_read[5] in ("\n=1", "\r=1")
    assert values_read[:5] + values_read[6:] == ["=1+1", "+1", "-1", "@A1", "\t=1", "#N/A", "plain"]
    assert [c.data_type for c in cells[:9]] == ["s"] * 9
    assert [bool(c.quotePrefix) for c in cells[:8]] == [True] * 6 + [False, False]
    assert cells[8].value == "bell\ufffdand\ufffdnul"  # a character a workbook cannot hold is replaced, not a crash
    assert (cells[9].value, cells[9].data_type) == (4, "n")
    assert len(cells) == 10  # an empty cell is not written
