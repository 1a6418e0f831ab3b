"""A KPI's benchmark position in the reports (seed 003_2a403038ecab8362.txt): in words beside its
direction in the HTML, and as columns of the CSV and the XLSX KPI sheet; a status without one (a
snapshot frozen before benchmarking) leaves them empty."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering import ChartSource, render
from pmf_api.reporting.report_items import benchmark_fields

HEADLINE = {
    "in_words": "2nd of 16 nearest neighbours, top quartile",
    "period": "2024/25",
    "rank": 2,
    "compared": 16,
    "quartile": 1,
    "median": 51.35,
    "best_quartile": 55.125,
    "distance_to_best_quartile": 0,
}


def test_the_headline_in_the_kpis_units_and_places() -> None:
    fields = benchmark_fields(HEADLINE, "percentage", 1)
    assert fields["benchmark"] == "2nd of 16 nearest neighbours, top quartile"
    assert (fields["benchmark_median"], fields["benchmark_best_quartile"]) == ("51.4%", "55.1%")
    assert fields["benchmark_distance_to_best_quartile"] == "0.0%"
    assert benchmark_fields(None, "percentage", 1) == {}


def benchmarked(document: ReportDocument) -> ReportDocument:
    copy = document.model_copy(deep=True)
    kpi = copy.all_kpis()[0]
    for name, value in benchmark_fields(HEADLINE, kpi.unit, 1).items():
        setattr(kpi, name, value)
    return copy


def test_csv_xlsx_and_html_carry_the_position(quarterly: ReportDocument, charts: ChartSource) -> None:
    document = benchmarked(quarterly)
    code = document.all_kpis()[0].code
    rows = list(csv.DictReader(io.StringIO(render(document, "csv", charts).content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["code"] == code)
    assert (row["benchmark"], row["benchmark_period"], row["benchmark_rank"], row["benchmark_quartile"]) == (
        "2nd of 16 nearest neighbours, top quartile",
        "2024/25",
        "2",
        "1",
    )
    others = [r for r in rows if r["code"] != code]
    assert others and all(r["benchmark"] == "" for r in others)

    workbook = load_workbook(io.BytesIO(render(document, "xlsx", charts).content))
    sheet = workbook["KPIs"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert "benchmark_distance_to_best_quartile" in header
    found = [r for r in sheet.iter_rows(min_row=2, values_only=True) if code in r]
    assert found[0][header.index("benchmark")] == "2nd of 16 nearest neighbours, top quartile"

    html = render(document, "html", charts).content.decode()
    assert "Benchmark 2024/25: 2nd of 16 nearest neighbours, top quartile" in html
