"""A report's PDF is tagged (PDF/UA-style): a structure tree with headings, tables and figures whose
text alternatives are the charts' ``chart_alt``, its language and title, bookmarks, page numbers and the
council's name on every page; what people typed (typst's own markup among it) is printed as typed."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pypdf import PdfReader

from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering import ChartSource, render
from tests.report_checks import structure
from tests.reporting_documents import HOSTILE


@pytest.fixture(scope="module")
def pdf(quarterly: ReportDocument, charts: ChartSource) -> bytes:
    return render(quarterly, "pdf", charts).content


def test_the_pdf_is_tagged(pdf: bytes, quarterly: ReportDocument) -> None:
    document = pikepdf.open(io.BytesIO(pdf))
    root = document.Root
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == "en-GB"
    assert bool(root.MarkInfo.Marked)
    assert len(document.pages) > 1
    assert str(document.docinfo.get("/Title")) == quarterly.title
    assert bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", True))
    elements = structure(document)
    kinds = [str(element.S) for element in elements]
    for kind in ("/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/Figure"):
        assert kind in kinds, kind
    assert kinds.count("/H1") == 1
    figures = [element for element in elements if str(element.S) == "/Figure"]
    assert len(figures) == len(quarterly.all_kpis())
    assert all("/Alt" in figure and str(figure.Alt) for figure in figures)
    alts = {str(figure.Alt) for figure in figures}
    assert alts == {kpi.chart_alt for kpi in quarterly.all_kpis()}


def test_the_pdf_has_bookmarks_page_numbers_and_the_council(pdf: bytes, quarterly: ReportDocument) -> None:
    document = pikepdf.open(io.BytesIO(pdf))
    with document.open_outline() as outline:
        pending, titles = list(outline.root), []
        while pending:
            item = pending.pop(0)
            titles.append(item.title)
            pending.extend(item.children)
    assert titles[0] == quarterly.title
    assert "Summary" in titles
    assert quarterly.priorities[0].title in titles
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    first = reader.pages[0].extract_text()
    assert quarterly.council in first and quarterly.title in first
    assert "Q2 2026/27" in first and "Pat Performance" in first and "Whole council" in first
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert quarterly.council in text


def test_typst_markup_in_what_people_typed_is_printed_as_typed(hostile: ReportDocument, charts: ChartSource) -> None:
    pdf = render(hostile, "pdf", charts).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert " ".join(HOSTILE.split()) in flat
    assert "#set page(fill: red)" in flat and "$x^2$" in flat and "*bold*" in flat
