"""A worker process: ``python -m pmf_api.reporting.rendering.worker pdf|charts`` (see ``processes.py``).

Reads its input from standard input and writes its result to standard output:

- ``pdf``: the report's typst data (JSON) in, the PDF out.
- ``charts``: a JSON list of charts' data (``charts.chart_data``) in, a JSON list of SVGs out.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pmf_api.reporting.rendering.charts import draw_many
from pmf_api.reporting.rendering.pdf import compile_pdf


def main(command: str) -> None:
    payload = sys.stdin.buffer.read()
    if command == "pdf":
        sys.stdout.buffer.write(compile_pdf(payload.decode("utf-8")))
    elif command == "charts":
        items: list[dict[str, Any]] = json.loads(payload)
        sys.stdout.buffer.write(json.dumps(draw_many(items)).encode("utf-8"))
    else:
        raise SystemExit(f"unknown command {command!r}")
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main(sys.argv[1])
