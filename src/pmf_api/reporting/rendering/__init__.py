"""A report document rendered to a file: HTML, tagged PDF, XLSX, CSV or JSON.

``render(document, fmt, charts)`` is pure (no database, no clock, no network): a job, a route or the
CLI builds the ``ReportDocument`` from a snapshot and calls it; the same document gives the same bytes
in every format. Charts are drawn once per KPI and kept by ``charts`` (a ``ChartSource``; the process's
own when none is given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering.charts import ChartSource, chart_key, default_source, draw_chart

Format = Literal["html", "pdf", "xlsx", "csv", "json"]
FORMATS: tuple[str, ...] = get_args(Format)

MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}

__all__ = ["FORMATS", "MEDIA_TYPES", "ChartSource", "Format", "RenderedFile", "chart_key", "draw_chart", "render"]


@dataclass(frozen=True)
class RenderedFile:
    content: bytes
    media_type: str
    filename: str


def filename(document: ReportDocument, fmt: str) -> str:
    """``corporate-performance-report-q2-2026-27.pdf``: the title in ASCII letters and digits."""
    stem = re.sub(r"[^a-z0-9]+", "-", document.title.lower()).strip("-")[:100] or "report"
    return f"{stem}.{fmt}"


def render(document: ReportDocument, fmt: Format, charts: ChartSource | None = None) -> RenderedFile:
    """The report ``document`` as a file of format ``fmt``."""
    if fmt == "html":
        from pmf_api.reporting.rendering.html import report_html

        content = report_html(document, charts or default_source())
    elif fmt == "pdf":
        from pmf_api.reporting.rendering.pdf import report_pdf

        content = report_pdf(document, charts or default_source())
    elif fmt == "xlsx":
        from pmf_api.reporting.rendering.spreadsheets import report_xlsx

        content = report_xlsx(document)
    elif fmt == "csv":
        from pmf_api.reporting.rendering.spreadsheets import report_csv

        content = report_csv(document)
    elif fmt == "json":
        content = document.model_dump_json(indent=2).encode("utf-8")
    else:
        raise ValueError(f"unknown report format {fmt!r}")
    return RenderedFile(content=content, media_type=MEDIA_TYPES[fmt], filename=filename(document, fmt))
