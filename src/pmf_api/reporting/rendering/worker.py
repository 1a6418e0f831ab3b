"""Work done in a process of its own: ``python -m pmf_api.reporting.rendering.worker pdf|charts``.

Reads its input from standard input and writes its result to standard output:

- ``pdf``: the report's typst data (JSON) in, the PDF out. Typst keeps what it laid out for the life of
  the process, so a PDF compiled here gives its memory back when the process ends.
- ``charts``: a JSON list of charts' data (``charts.chart_data``) in, a JSON list of SVGs out.

A plain subprocess, not ``multiprocessing``: it needs nothing of the caller's ``__main__`` (a script or a
job runner without an ``if __name__ == "__main__"`` guard would be run again by a spawned child), and
is never a fork of a threaded server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def run(command: str, payload: bytes, *, timeout: float = 600) -> bytes:
    """The worker's output for ``payload``; a worker that fails raises ``RuntimeError`` with its error."""
    completed = subprocess.run(
        [sys.executable, "-m", __name__, command],
        input=payload,
        capture_output=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"report {command} worker failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    return completed.stdout


def main(command: str) -> None:
    payload = sys.stdin.buffer.read()
    if command == "pdf":
        from pmf_api.reporting.rendering.pdf import compile_pdf

        sys.stdout.buffer.write(compile_pdf(payload.decode("utf-8")))
    elif command == "charts":
        from pmf_api.reporting.rendering.charts import draw_many

        items: list[dict[str, Any]] = json.loads(payload)
        sys.stdout.buffer.write(json.dumps(draw_many(items)).encode("utf-8"))
    else:
        raise SystemExit(f"unknown command {command!r}")
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main(sys.argv[1])
