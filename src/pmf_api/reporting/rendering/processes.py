"""Work done in a process of its own (``worker.py``), started as a plain subprocess.

Typst keeps what it laid out for the life of the process, so a PDF compiled in a worker gives its memory
back when the worker ends; many charts are drawn by several workers at once (matplotlib holds the GIL).
A plain ``python -m`` subprocess rather than ``multiprocessing``: it needs nothing of the caller's
``__main__`` (a script or a job runner without an ``if __name__ == "__main__"`` guard would be run again
by a spawned child), and is never a fork of a threaded server.
"""

from __future__ import annotations

import os
import subprocess
import sys

WORKER = "pmf_api.reporting.rendering.worker"


def run(command: str, payload: bytes, *, timeout: float = 600) -> bytes:
    """The worker's output for ``payload``; a worker that fails raises ``RuntimeError`` with its error."""
    completed = subprocess.run(
        [sys.executable, "-m", WORKER, command],
        input=payload,
        capture_output=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"report {command} worker failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    return completed.stdout
