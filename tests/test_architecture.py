"""Rules of the code's layout that import-linter cannot check (it checks the layers and imports)."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "pmf_api"
PROBLEMS = SOURCE / "platform" / "http" / "problems.py"
# Data tables, not logic: the demo council's records and its three years of history
DATA_TABLES = {SOURCE / "demo" / "council.py", SOURCE / "demo" / "history.py", SOURCE / "demo" / "delivery_data.py"}
MAX_LINES = 430


def _modules() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def test_only_problems_py_writes_problem_json() -> None:
    """Errors become HTTP in one place: no other module names the problem media type or types."""
    writers = [
        path.relative_to(SOURCE)
        for path in _modules()
        if path != PROBLEMS
        and re.search(r"PROBLEM_MEDIA_TYPE|PROBLEM_BASE|\"application/problem\+json\"", path.read_text())
    ]
    assert writers == []


def test_no_module_outgrows_a_screenful_of_jobs() -> None:
    """A module past about 400 lines is doing several jobs: split it by job (data tables excepted)."""
    long = {
        str(path.relative_to(SOURCE)): lines
        for path in _modules()
        if path not in DATA_TABLES and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_services_and_the_domain_never_read_the_clock_for_today() -> None:
    """What "today" is comes from the request (``platform.http.deps.AsOf``) or the caller (``as_of``)."""
    readers = [
        path.relative_to(SOURCE)
        for path in _modules()
        if (path.name == "service.py" or "domain" in path.parts)
        and ".date()" in path.read_text()
        and re.search(r"datetime\.now\([^)]*\)\.date\(\)|date\.today\(\)", path.read_text())
    ]
    assert readers == []
