"""Trend charts: a KPI's history against its target, with its process mean and limits, as SVG.

Drawing costs ~30 ms a chart, so 300 KPIs take ~9 s: a chart is drawn once and kept, keyed by a hash of
what it shows (``chart_key``), and the HTML and the PDF of a snapshot reuse it. ``ChartSource`` keeps a
bounded number in memory; a caller may hand in a subclass whose ``load``/``store`` reach a lasting store
(a snapshot's charts). When many are missing they are drawn in a pool of processes.

The SVG is deterministic (the same KPI gives the same bytes: ``svg.hashsalt`` fixed, no date) and
accessible: ``role="img"`` labelled by a ``<title>`` (the chart's name) and described by a ``<desc>``
(the KPI's ``chart_alt``, its text alternative in words).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from xml.sax.saxutils import escape

from pmf_api.reporting.document import ReportKpi
from pmf_api.reporting.rendering import processes

# Colours with at least 3:1 contrast on white (WCAG 1.4.11, non-text contrast).
_VALUE = "#1d4f91"
_TARGET = "#b3261e"
_MEAN = "#4d4d4d"
_LIMITS = "#6b6b6b"
_BAND = "#e6e6e6"
CHART_VERSION = "4"  # change when the drawing changes, so kept charts are drawn again


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def chart_data(kpi: ReportKpi) -> dict[str, Any]:
    """What a KPI's chart shows: the same data gives the same chart."""
    return {
        "v": CHART_VERSION,
        "code": kpi.code,
        "title": kpi.title,
        "unit": kpi.unit,
        "alt": kpi.chart_alt,
        "history": [[point.period, _finite(point.value), _finite(point.target)] for point in kpi.history],
        "mean": _finite(kpi.process_mean),
        "lpl": _finite(kpi.lower_process_limit),
        "upl": _finite(kpi.upper_process_limit),
    }


def chart_key(kpi: ReportKpi) -> str:
    """A hash of what the KPI's chart shows."""
    encoded = json.dumps(chart_data(kpi), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def has_chart(kpi: ReportKpi) -> bool:
    return any(_finite(point.value) is not None for point in kpi.history)


def draw_chart(kpi: ReportKpi) -> str:
    """The KPI's trend chart as an SVG document (a string), accessible and deterministic."""
    return _draw(chart_data(kpi))


def _draw(data: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    history: list[list[Any]] = data["history"]
    labels = [str(point[0]) for point in history]
    positions = list(range(len(history)))
    values = [float("nan") if point[1] is None else point[1] for point in history]
    targets = [float("nan") if point[2] is None else point[2] for point in history]

    with matplotlib.rc_context(
        {
            "svg.hashsalt": "pmf-report-chart",
            "svg.fonttype": "none",  # text stays text: smaller, selectable, read by screen readers
            "text.parse_math": False,  # a unit or a period label with "$" is text, never mathtext
            "font.family": "DejaVu Sans",
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        figure = Figure(figsize=(6.4, 2.4), dpi=100)
        axes = figure.add_subplot()
        lower, upper = data["lpl"], data["upl"]
        if lower is not None and upper is not None:
            axes.axhspan(lower, upper, color=_BAND, zorder=0)
        for limit, label in ((lower, "Process limits"), (upper, "Process limits" if lower is None else None)):
            if limit is not None:
                axes.axhline(limit, color=_LIMITS, linestyle=":", linewidth=1, label=label)
        if data["mean"] is not None:
            axes.axhline(data["mean"], color=_MEAN, linestyle="-.", linewidth=1, label="Mean")
        if any(target == target for target in targets):  # not all NaN
            axes.step(positions, targets, where="mid", color=_TARGET, linestyle="--", linewidth=1.2, label="Target")
        axes.plot(positions, values, color=_VALUE, marker="o", markersize=2.5, linewidth=1.5, label="Value")
        step = max(1, -(-len(labels) // 6))  # at most six labels
        axes.set_xticks(positions[::step], labels[::step])
        axes.tick_params(axis="x", labelrotation=0, labelsize=7)
        unit = str(data["unit"] or "")
        if unit:
            axes.set_ylabel(unit)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)
        figure.subplots_adjust(left=0.09, right=0.76, top=0.95, bottom=0.12)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _accessible(buffer.getvalue(), f"{data['code']}: {data['title']}, trend", str(data["alt"]))


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def _accessible(svg: str, title: str, description: str) -> str:
    """The chart as an ``<svg>`` element (no XML prolog) with a role, a title and a description."""
    start = svg.index("<svg")
    svg = svg[start:]
    opening = _SVG_OPEN.match(svg)
    assert opening is not None
    head = opening.group(0)[:-1]
    head += ' role="img" aria-labelledby="chart-title chart-desc" focusable="false">'
    accessible = f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>'
    return head + accessible + svg[opening.end() :]


_ID = re.compile(r'(\bid="|url\(#|href="#|aria-labelledby="chart-title chart-)')


def with_prefix(svg: str, prefix: str) -> str:
    """The SVG with every id given ``prefix``, so several charts can share one HTML page without clashing."""

    def rename(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("aria-labelledby"):
            return f'aria-labelledby="{prefix}chart-title {prefix}chart-'
        return text + prefix

    return _ID.sub(rename, svg)


def draw_many(items: Sequence[dict[str, Any]]) -> list[str]:
    return [_draw(item) for item in items]


class ChartSource:
    """Draws KPIs' charts and keeps them: an in-process, bounded cache keyed by ``chart_key``.

    Override ``load`` and ``store`` to keep charts beyond the process (e.g. with a snapshot)."""

    def __init__(self, *, max_charts: int = 1000, workers: int | None = None, pool_from: int = 24) -> None:
        self._kept: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.max_charts = max_charts
        self.workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self.pool_from = pool_from
        self.drawn = 0  # how many this source has drawn (for tests and benchmarks)

    def load(self, key: str) -> str | None:
        with self._lock:
            svg = self._kept.get(key)
            if svg is not None:
                self._kept.move_to_end(key)
            return svg

    def store(self, key: str, svg: str) -> None:
        with self._lock:
            self._kept[key] = svg
            self._kept.move_to_end(key)
            while len(self._kept) > self.max_charts:
                self._kept.popitem(last=False)

    def draw_chart(self, kpi: ReportKpi) -> str:
        """The KPI's chart, drawn now or kept from before."""
        return self.charts([kpi])[chart_key(kpi)]

    def charts(self, kpis: Iterable[ReportKpi]) -> dict[str, str]:
        """Every chart of ``kpis`` (those with a history), by ``chart_key``; missing ones are drawn,
        in a pool of processes when there are many."""
        found: dict[str, str] = {}
        missing: dict[str, dict[str, Any]] = {}
        for kpi in kpis:
            if not has_chart(kpi):
                continue
            key = chart_key(kpi)
            if key in found or key in missing:
                continue
            svg = self.load(key)
            if svg is None:
                missing[key] = chart_data(kpi)
            else:
                found[key] = svg
        if missing:
            keys = list(missing)
            drawn = self._draw_all([missing[key] for key in keys])
            self.drawn += len(drawn)
            for key, svg in zip(keys, drawn, strict=True):
                self.store(key, svg)
                found[key] = svg
        return found

    def _draw_all(self, items: list[dict[str, Any]]) -> list[str]:
        if len(items) < self.pool_from or self.workers < 2:
            return draw_many(items)
        chunks = [items[start :: self.workers] for start in range(self.workers)]
        # a worker process per chunk (matplotlib holds the GIL); threads only wait for them
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            outputs = list(pool.map(lambda chunk: processes.run("charts", json.dumps(chunk).encode()), chunks))
        results: list[list[str]] = [json.loads(output) for output in outputs]
        drawn: list[str] = [""] * len(items)
        for start, result in enumerate(results):
            drawn[start :: self.workers] = result
        return drawn


_default: ChartSource | None = None


def default_source() -> ChartSource:
    """The process's own chart source, so charts drawn for one render are kept for the next."""
    global _default
    if _default is None:
        _default = ChartSource()
    return _default
