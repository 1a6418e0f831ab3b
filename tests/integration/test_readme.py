"""The README's curl walk-through and monthly-cycle examples, run as written against a fresh demo:
``pmf-api up`` on a free port with a SQLite file of its own, in a subprocess (as a person starts it)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
# Every curl call reports its status on stderr (the README's commands pipe stdout on).
PRELUDE = """set -euo pipefail
curl() { command curl -w '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' "$@"; }
"""
# The walk-through shows what a mistake answers: the one call meant to fail.
EXPECTED_FAILURES = [("422", "POST", "/api/v1/targets")]


def shell_blocks(section: str) -> list[str]:
    """The ```sh blocks of the README section headed ``## {section}`` (up to the next ``## ``)."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```sh\n(.*?)```", text[start : end if end != -1 else None], re.DOTALL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, dict[str, str]]]:
    """A folder holding the demo's pmf.db (and ``.venv``, as the README's commands expect), the port
    its server listens on, and the environment to run commands in."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / ".venv").symlink_to(Path(sys.prefix))
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("PMF_")}
    env.update(PMF_LOG_LEVEL="WARNING", PMF_LOG_JSON="false", PORT=str(port))
    server = subprocess.Popen(
        [str(folder / ".venv" / "bin" / "pmf-api"), "up", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                pytest.fail(f"pmf-api up stopped: {server.stdout.read() if server.stdout else ''}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("pmf-api up did not answer within 180 seconds")
            time.sleep(0.5)
        yield folder, port, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_readme_examples_work_as_written(demo: tuple[Path, int, dict[str, str]]) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed: the README's examples are curl commands")
    folder, port, env = demo
    walk_through = shell_blocks("A walk-through with curl")
    monthly_cycle = shell_blocks("The monthly cycle")
    assert walk_through and monthly_cycle
    script = PRELUDE + "\n".join(walk_through + monthly_cycle)
    done = subprocess.run(
        ["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    calls = [line.split(" ", 3)[1:] for line in done.stderr.splitlines() if line.startswith("HTTP ")]
    assert len(calls) >= 10, done.stderr
    assert all(url.startswith(f"http://127.0.0.1:{port}/") for _, _, url in calls), calls
    failed = [(status, method, re.sub(r"^http://[^/]+", "", url)) for status, method, url in calls]
    failed = [call for call in failed if not call[0].startswith("2")]
    assert failed == EXPECTED_FAILURES, f"{failed}\n{done.stdout[-3000:]}"
