"""A council's open data as CSV, its CSV on the Web metadata, and its page for people (HTML with a
chart per KPI). The JSON is the schemas' own."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from pmf_api.platform.file_safety import csv_file
from pmf_api.publishing.open_data.service import LICENCE_NAME, LICENCE_URL, OpenDataset, OpenKpi, OpenRow, attribution
from pmf_api.reporting.rendering.charts import default_source, draw_many, with_prefix

# (column name, title, CSVW datatype, required); the CSV's header is the names, in this order.
COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    ("council_code", "Council code", "string", True),
    ("kpi_code", "KPI code", "string", True),
    ("kpi_title", "KPI title", "string", True),
    ("unit", "Unit", "string", True),
    ("period", "Period", "string", True),
    ("financial_year", "Financial year", "string", True),
    ("period_end", "Period end", "date", True),
    ("value", "Value", "decimal", False),
    ("numerator", "Numerator", "decimal", False),
    ("denominator", "Denominator", "decimal", False),
    ("revision", "Revision", "integer", True),
    ("published_at", "Published at", "dateTime", True),
    ("commentary", "Commentary", "string", False),
    ("target", "Target", "decimal", False),
    ("judged_value", "Value judged against the target", "decimal", False),
    ("rag", "Status (green, amber or red)", "string", False),
)


def _number(value: Decimal | None) -> Decimal | None:
    # A number, so file_safety writes it as one (-5 stays -5, never '-5), in plain notation (never
    # 5E+1), as CSVW's decimal datatype and spreadsheets read it: the columns keep 6 places at most.
    return None if value is None else Decimal(format(value, "f"))


def _csv_row(council_code: str, row: OpenRow) -> list[Any]:
    return [
        council_code,
        row.kpi_code,
        row.kpi_title,
        row.unit,
        row.period,
        row.financial_year,
        row.period_end.isoformat(),
        _number(row.value),
        _number(row.numerator),
        _number(row.denominator),
        row.revision,
        row.published_at.isoformat(),
        row.commentary,
        _number(row.target),
        _number(row.judged_value),
        row.rag,
    ]


def values_csv(dataset: OpenDataset) -> bytes:
    """The council's published values as UTF-8 CSV (no byte order mark: CSV on the Web reads the
    header as is); every cell through file_safety, so no text runs as a formula (a negative number
    is written as a number, never a text)."""
    header = [name for name, *_ in COLUMNS]
    rows = [_csv_row(dataset.council.code, row) for row in dataset.values]
    return csv_file([header, *rows], bom=False)


def csvw_metadata(dataset: OpenDataset, csv_url: str) -> dict[str, Any]:
    """The CSV on the Web (W3C) table description of ``values.csv``: what each column holds and its
    datatype, the licence and the publisher; the fourth star of the five-star scheme."""
    council = dataset.council
    last = dataset.last_published_at
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": csv_url,
        "dc:title": f"{council.name}: published performance indicator values",
        "dc:description": "Each public KPI's published value for each period: never a value still being "
        "checked. A value revised after publication appears at its latest published revision.",
        "dc:publisher": council.name,
        "dc:license": {"@id": LICENCE_URL},
        "dc:rights": attribution(council.name),
        **({"dc:modified": {"@value": last.isoformat(), "@type": "xsd:dateTime"}} if last else {}),
        "dialect": {"encoding": "utf-8", "header": True, "delimiter": ","},
        "tableSchema": {
            "columns": [
                {"name": name, "titles": title, "datatype": datatype, "required": required}
                for name, title, datatype, required in COLUMNS
            ],
            "primaryKey": ["kpi_code", "period"],
        },
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _period_target(row: OpenRow) -> Decimal | None:
    # A target judged on the year to date is not the period's own: the chart leaves it out.
    return None if row.judged_value is not None and row.judged_value != row.value else row.target


def _chart(kpi: OpenKpi, rows: list[OpenRow], alt: str) -> str | None:
    """The KPI's trend chart as an inline SVG, drawn as the reports draw theirs (and kept with them)."""
    points = [[row.period, _float(row.value), _float(_period_target(row))] for row in rows]
    if not any(point[1] is not None for point in points):
        return None
    data = {
        "v": "open-data-1",
        "code": kpi.code,
        "title": kpi.title,
        "unit": kpi.unit,
        "alt": alt,
        "history": points,
        "mean": None,
        "lpl": None,
        "upl": None,
    }
    key = "open-data:" + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    source = default_source()
    svg = source.load(key)
    if svg is None:
        svg = draw_many([data])[0]
        source.store(key, svg)
    return svg


def _shown(value: Decimal | None, kpi: OpenKpi) -> str:
    if value is None:
        return "no value"
    text = f"{value:,.{kpi.decimal_places}f}"
    return f"{text}%" if kpi.unit == "percentage" else text


def _target(row: OpenRow, kpi: OpenKpi) -> str:
    """The target as judged: a KPI that adds up over the year is judged on its year to date."""
    if row.target is None:
        return "No target"
    if row.judged_value is not None and row.judged_value != row.value:
        return f"{_shown(row.target, kpi)} (year to date {_shown(row.judged_value, kpi)})"
    return _shown(row.target, kpi)


def _alt(kpi: OpenKpi, rows: list[OpenRow]) -> str:
    """The chart in words: the span, the first and latest values, the lowest and highest."""
    valued = [row for row in rows if row.value is not None]
    if not valued:
        return f"No value of {kpi.title} has been published."
    first, latest = valued[0], valued[-1]
    low = min(valued, key=lambda row: row.value or 0)
    high = max(valued, key=lambda row: row.value or 0)
    return (
        f"{kpi.title}, {len(valued)} published values from {first.period} to {latest.period}: "
        f"{_shown(first.value, kpi)} in {first.period}, {_shown(latest.value, kpi)} in {latest.period}; "
        f"lowest {_shown(low.value, kpi)} ({low.period}), highest {_shown(high.value, kpi)} ({high.period})."
    )


@dataclass(frozen=True)
class _PageKpi:
    kpi: OpenKpi
    anchor: str
    rows: list[OpenRow]
    shown: list[str]
    targets: list[str]
    chart: str | None
    alt: str


_POLARITY = {
    "higher_is_better": "Higher is better.",
    "lower_is_better": "Lower is better.",
    "within_band": "Best within a range.",
}


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("pmf_api.publishing.open_data", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["polarity_words"] = _POLARITY
    return environment


_ENVIRONMENT = _environment()


def page_html(dataset: OpenDataset, links: dict[str, str]) -> bytes:
    """The council's open-data page: WCAG 2.2 AA (headings, a table per KPI, each chart with a text
    alternative); each value's status is in words, so nothing is said by colour alone."""
    kpis = []
    for index, kpi in enumerate(dataset.kpis):
        rows = dataset.values_of(kpi.code)
        alt = _alt(kpi, rows)
        chart = _chart(kpi, rows, alt)
        kpis.append(
            _PageKpi(
                kpi=kpi,
                anchor=f"kpi-{index + 1}",
                rows=rows,
                shown=[_shown(row.value, kpi) for row in rows],
                targets=[_target(row, kpi) for row in rows],
                chart=None if chart is None else with_prefix(chart, f"k{index + 1}-"),
                alt=alt,
            )
        )
    html = _ENVIRONMENT.get_template("page.html.j2").render(
        council=dataset.council,
        kpis=kpis,
        last_published_at=dataset.last_published_at,
        links=links,
        licence_name=LICENCE_NAME,
        licence_url=LICENCE_URL,
        attribution=attribution(dataset.council.name),
    )
    return html.encode("utf-8")
