"""Workbooks built by hand (SpreadsheetML, ECMA-376 Part 1), so a test can make any part odd or hostile."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
# ISO/IEC 29500 Strict names the same things differently.
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELATIONSHIPS = "http://purl.oclc.org/ooxml/officeDocument/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>kpi_code</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>period</t></is></c><c r="C1" t="inlineStr"><is><t>value</t></is></c></row>'
)


def workbook(
    sheet_data: Iterable[bytes],
    shared_strings: Iterable[bytes] = (b"",),
    *,
    strict: bool = False,
    sheet_prolog: bytes = b"",
) -> bytes:
    """A workbook whose first sheet holds ``sheet_data`` (its rows) and whose shared strings part holds
    ``shared_strings`` (its ``<si>`` elements); both are written in chunks, so they may unpack to far
    more than the file's size. ``sheet_prolog`` goes before the sheet's root element."""
    main, relationships = (STRICT_MAIN, STRICT_RELATIONSHIPS) if strict else (MAIN, RELATIONSHIPS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{relationships}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        # Sheets are listed out of their relationships' order: the first in <sheets> is the one read.
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{relationships}"><sheets>'
            '<sheet name="Values" sheetId="1" r:id="rId3"/><sheet name="Guidance" sheetId="2" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{relationships}/worksheet" Target="worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId2" Type="{relationships}/sharedStrings" Target="/xl/sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{relationships}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet2.xml",
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>guidance</t></is>'
            "</c></row></sheetData></worksheet>",
        )
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{main}">'.encode())
            for chunk in shared_strings:
                part.write(chunk)
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(sheet_prolog + f'<worksheet xmlns="{main}"><sheetData>'.encode())
            for chunk in sheet_data:
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def saved_workbook(rows: list[list[Any]]) -> bytes:
    """A workbook as Excel would save it (openpyxl): one sheet of these rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
