"""The ``pmf-api`` command as a person runs it, in a folder of its own (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PMF_API = Path(sys.executable).with_name("pmf-api")


def _run(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("PMF_")}
    return subprocess.run(
        [str(PMF_API), *args], cwd=folder, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_token_outside_the_project_folder_says_so_in_a_line_and_creates_no_database(tmp_path: Path) -> None:
    done = _run(tmp_path, "token")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "pmf.db" in message and "pmf-api up" in message
    assert not (tmp_path / "pmf.db").exists()
    assert list(tmp_path.iterdir()) == []  # nor a secret for a database that is not there


def test_token_with_a_database_but_no_demo_council_says_so_in_a_line(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    for args in (("token",), ("token", "--organisation", "ELSEWHERE")):
        done = _run(tmp_path, *args)
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "No organisation" in done.stderr
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "pmf.db").touch()  # what the command used to leave behind: no tables at all
    done = _run(tmp_path / "empty", "token")
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "pmf-api up" in done.stderr
