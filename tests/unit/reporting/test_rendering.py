"""A report document rendered to every format: the same document gives the same bytes, what people typed
is shown as typed (never run as HTML, typst or a spreadsheet formula), and the tables carry every KPI."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from pmf_api.platform.file_safety import FORMULA_TRIGGERS, restore
from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering import FORMATS, ChartSource, chart_key, draw_chart, render
from pmf_api.reporting.rendering.tables import KPI_COLUMNS
from tests.reporting_documents import HOSTILE, report_document


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_both_kinds(
    fmt: str, quarterly: ReportDocument, board_pack: ReportDocument, charts: ChartSource
) -> None:
    for document in (quarterly, board_pack):
        rendered = render(document, fmt, charts)  # type: ignore[arg-type]
        assert rendered.content
        assert rendered.filename.endswith(f".{fmt}")
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z]+", rendered.filename)
    assert render(quarterly, fmt, charts).filename == f"corporate-performance-report-q2-2026-27.{fmt}"  # type: ignore[arg-type]


def test_media_types(quarterly: ReportDocument, charts: ChartSource) -> None:
    assert render(quarterly, "html", charts).media_type == "text/html; charset=utf-8"
    assert render(quarterly, "pdf", charts).media_type == "application/pdf"
    assert render(quarterly, "csv", charts).media_type == "text/csv; charset=utf-8"
    assert render(quarterly, "json", charts).media_type == "application/json"
    assert render(quarterly, "xlsx", charts).media_type.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_document_gives_the_same_bytes(fmt: str, charts: ChartSource) -> None:
    """Rendered twice from documents built apart, with charts drawn apart: byte for byte the same."""
    first = render(report_document(6), fmt, ChartSource(workers=1))  # type: ignore[arg-type]
    second = render(report_document(6), fmt, ChartSource(workers=1))  # type: ignore[arg-type]
    assert first.content == second.content


def test_json_is_the_document(quarterly: ReportDocument, charts: ChartSource) -> None:
    content = render(quarterly, "json", charts).content
    assert ReportDocument.model_validate_json(content) == quarterly
    assert json.loads(content)["council"] == "Borsetshire County Council"


class _Text(HTMLParser):
    """A page's elements and its text, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_shows_what_people_typed_literally(hostile: ReportDocument, charts: ChartSource) -> None:
    page = render(hostile, "html", charts).content.decode()
    parser = _Text()
    parser.feed(page)
    assert "script" not in parser.tags  # no script at all, least of all the one in a KPI's title
    text = "".join(parser.text)
    assert HOSTILE in text.replace("\n", " ")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<script>" not in page


def test_html_is_one_self_contained_accessible_page(quarterly: ReportDocument, charts: ChartSource) -> None:
    page = render(quarterly, "html", charts).content.decode()
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in page
    assert page.count("<h1") == 1
    assert 'href="#main"' in page and '<main id="main"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external asset
    assert "<link" not in page
    # a chart for each KPI with a history, each an image with a title and a description, ids apart
    assert page.count('role="img"') == len(quarterly.all_kpis())
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for kpi in quarterly.all_kpis():
        assert kpi.rag_text in page  # RAG in words beside its colour
    # headings in order: none skips a level
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))
    # every table has a caption and column headers with a scope
    assert page.count("<table>") == page.count("<caption") > 0
    assert "<th>" not in page


def test_a_board_pack_lists_what_needs_attention(board_pack: ReportDocument, charts: ChartSource) -> None:
    page = render(board_pack, "html", charts).content.decode()
    for heading in ("Needing intervention", "Missing values", "Queried values"):
        assert f">{heading}</h2>" in page
    assert board_pack.needing_intervention and board_pack.missing_values and board_pack.queried_values
    rows = _csv_rows(render(board_pack, "csv", charts).content)
    sections = {row["section"] for row in rows}
    assert sections == {"performance", "needing_intervention", "missing_values", "queried_values"}


def test_a_report_of_nothing_renders(charts: ChartSource) -> None:
    empty = report_document(0)
    for fmt in FORMATS:
        assert render(empty, fmt, charts).content  # type: ignore[arg-type]


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_is_the_kpi_table_with_a_section(quarterly: ReportDocument, charts: ChartSource) -> None:
    rows = _csv_rows(render(quarterly, "csv", charts).content)
    assert list(rows[0]) == ["section", *KPI_COLUMNS]
    assert len(rows) == len(quarterly.all_kpis())
    kpi = quarterly.all_kpis()[0]
    row = rows[0]
    assert row["section"] == "performance"
    assert (row["code"], row["title"], row["value"], row["target"]) == (kpi.code, kpi.title, kpi.value, kpi.target)
    assert (row["rag"], row["rag_text"], row["commentary"]) == (kpi.rag, kpi.rag_text, kpi.commentary)
    assert row["priority"] == kpi.priority and row["outcome"] == kpi.outcome


def test_csv_cells_never_start_a_formula(hostile: ReportDocument, charts: ChartSource) -> None:
    rows = _csv_rows(render(hostile, "csv", charts).content)
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]
    kpi = hostile.all_kpis()[0]
    assert restore(rows[0]["title"]) == kpi.title  # =HYPERLINK(...) came back as typed
    assert restore(rows[0]["commentary"]) == kpi.commentary
    assert rows[0]["owner"] == f"'{kpi.owner}"


def test_xlsx_has_a_sheet_per_table_and_no_live_formula(hostile: ReportDocument, charts: ChartSource) -> None:
    content = render(hostile, "xlsx", charts).content
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[:5] == [
        "Report",
        "Summary",
        "Counts by priority",
        "Counts by directorate",
        "Action counts",
    ]
    for name in ("KPIs", "Actions", "Milestones", "Contextual measures", "Interventions", "Risks", "Scrutiny"):
        assert name in workbook.sheetnames
    for name in ("Restatements", "Finance", "Unvalidated at close"):
        assert name in workbook.sheetnames
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = b"".join(archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets
    # round trip of a KPI row
    kpis = workbook["KPIs"]
    header = [cell.value for cell in kpis[1]]
    assert header == list(KPI_COLUMNS)
    first = dict(zip(header, [cell.value for cell in kpis[2]], strict=True))
    kpi = hostile.all_kpis()[0]
    assert (first["code"], first["title"], first["owner"], first["commentary"]) == (
        kpi.code,
        kpi.title,
        kpi.owner,
        kpi.commentary,
    )
    assert kpis.max_row == len(hostile.all_kpis()) + 1


def test_xlsx_is_dated_by_its_snapshot(quarterly: ReportDocument, charts: ChartSource) -> None:
    workbook = load_workbook(io.BytesIO(render(quarterly, "xlsx", charts).content))
    frozen = quarterly.frozen_at.replace(tzinfo=None)
    assert workbook.properties.created == frozen
    assert workbook.properties.modified == frozen


def test_charts_are_drawn_once_and_kept(quarterly: ReportDocument) -> None:
    source = ChartSource(workers=1)
    render(quarterly, "html", source)
    drawn = source.drawn
    assert drawn == len({chart_key(kpi) for kpi in quarterly.all_kpis()})
    render(quarterly, "html", source)
    render(quarterly, "pdf", source)
    assert source.drawn == drawn
    small = ChartSource(workers=1, max_charts=2)
    small.charts(quarterly.all_kpis())
    assert len(small._kept) == 2  # bounded


def test_a_chart_is_an_accessible_deterministic_svg(quarterly: ReportDocument) -> None:
    kpi = quarterly.all_kpis()[0]
    svg = draw_chart(kpi)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "<desc" in svg
    assert kpi.chart_alt.split(":")[0] in svg
    assert svg == draw_chart(kpi)
    changed = kpi.model_copy(update={"process_mean": (kpi.process_mean or 0) + 1})
    assert chart_key(changed) != chart_key(kpi)


def test_a_chart_shows_dollars_and_markup_in_labels_as_text(quarterly: ReportDocument) -> None:
    kpi = quarterly.all_kpis()[0]
    history = [
        point.model_copy(update={"period": f"$\\frac{{{index}}}{{$ <b>"}) for index, point in enumerate(kpi.history)
    ]
    odd = kpi.model_copy(update={"unit": "$ per $x^{", "history": history})
    svg = draw_chart(odd)
    assert "$ per $x^{" in svg and "$\\frac{0}{$ &lt;b&gt;" in svg
    assert "<b>" not in svg


def test_a_chart_leaves_out_what_is_not_a_number(quarterly: ReportDocument) -> None:
    kpi = quarterly.all_kpis()[1]
    history = [point.model_copy(update={"value": float("inf")}) for point in kpi.history[:3]] + kpi.history[3:]
    odd = kpi.model_copy(update={"history": history, "upper_process_limit": float("nan")})
    assert draw_chart(odd).startswith("<svg")
    nothing = kpi.model_copy(update={"history": [point.model_copy(update={"value": None}) for point in kpi.history]})
    assert ChartSource(workers=1).charts([nothing]) == {}


def test_many_missing_charts_are_drawn_in_a_pool() -> None:
    document = report_document(8)
    pooled = ChartSource(workers=2, pool_from=4).charts(document.all_kpis())
    serial = ChartSource(workers=1).charts(document.all_kpis())
    assert pooled == serial


def test_an_unknown_format_is_refused(quarterly: ReportDocument) -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        render(quarterly, "docx")  # type: ignore[arg-type]
