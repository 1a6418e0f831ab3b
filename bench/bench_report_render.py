"""Rendering a quarterly report of 300 KPIs with 36 months of history (issue 13's aims: HTML p95 < 2 s,
PDF p95 < 10 s, peak memory < 400 MB).

Each measure runs in its own process (so its peak memory, ``ru_maxrss``, is its own; "child MB" is the
largest of the worker processes it started: the chart drawers and the typst compile of a PDF), on
synthetic documents from ``tests/reporting_documents.py``; no database, no server.

- ``html cold``: the first HTML of a snapshot in a fresh process: every chart drawn (in a pool of
  processes when many are missing) and the page rendered.
- ``html``: HTML of a snapshot whose charts are kept, p50/p95/max over ``--repeats`` documents.
- ``pdf cold`` / ``pdf``: the same for the tagged PDF (typst), charts kept for ``pdf``. Each PDF is
  compiled in a worker process of its own, so typst's memoised layout of one repeat cannot flatter the
  next.
- ``xlsx``, ``csv``, ``json``: the other formats, for scale.

    .venv/bin/python bench/bench_report_render.py                 # 300 KPIs x 36 months, 5 repeats
    .venv/bin/python bench/bench_report_render.py --kpis 100 --repeats 10
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIMS = {"html": 2.0, "pdf": 10.0}
MEMORY_AIM_MB = 400


def _child(mode: str, kpis: int, months: int, repeats: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from tests.reporting_documents import report_document

    from pmf_api.reporting.rendering import ChartSource, render

    fmt = mode.split()[0]
    cold = mode.endswith("cold")
    document = report_document(kpis, months=months)
    documents = [document] * (1 if cold else repeats)
    charts = ChartSource(max_charts=kpis + 10)
    drawing = 0.0
    if not cold and fmt in ("html", "pdf"):
        started = time.perf_counter()
        charts.charts(document.all_kpis())  # kept before timing: "charts kept"
        drawing = time.perf_counter() - started
    times = []
    size = 0
    for document in documents:
        started = time.perf_counter()
        size = len(render(document, fmt, charts).content)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    return {
        "mode": mode,
        "times": times,
        "bytes": size,
        "drawn": charts.drawn,
        "drawing_s": drawing,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kpis", type=int, default=300)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--modes", default="html cold,html,pdf cold,pdf,xlsx,csv,json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(_child(arguments.child, arguments.kpis, arguments.months, arguments.repeats)))
        return 0
    print(f"Report rendering: {arguments.kpis} KPIs x {arguments.months} months, {arguments.repeats} repeats per mode")
    print(
        f"{'mode':<10} {'n':>3} {'p50 s':>8} {'p95 s':>8} {'max s':>8} {'size':>10} {'drawn':>6} "
        f"{'peak MB':>8} {'child MB':>8}"
    )
    met = True
    for mode in arguments.modes.split(","):
        completed = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--kpis", str(arguments.kpis), "--months",
             str(arguments.months), "--repeats", str(arguments.repeats)],
            capture_output=True, text=True, check=True, cwd=ROOT, timeout=1800,
        )  # fmt: skip
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        times = result["times"]
        p95 = _p95(times)
        print(
            f"{mode:<10} {len(times):>3} {statistics.median(times):>8.2f} {p95:>8.2f} {max(times):>8.2f} "
            f"{result['bytes'] / 1e6:>8.1f}MB {result['drawn']:>6} {result['peak_mb']:>8.0f} "
            f"{result['children_peak_mb']:>8.0f}"
        )
        if result["drawing_s"]:
            print(f"{'':<10} charts drawn before timing: {result['drawing_s']:.1f} s for {result['drawn']} charts")
        fmt = mode.split()[0]
        if fmt in AIMS and not mode.endswith("cold") and p95 >= AIMS[fmt]:
            met = False
        if max(result["peak_mb"], result["children_peak_mb"]) >= MEMORY_AIM_MB:
            met = False
    print(
        f"Aims: HTML p95 < {AIMS['html']} s and PDF p95 < {AIMS['pdf']} s with charts kept, "
        f"peak memory < {MEMORY_AIM_MB} MB: {'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
