"""A client generated from the committed spec works.

openapi-typescript generates types from ``openapi/openapi.json``; ``tests/client/client.ts`` (an
openapi-fetch program that pages KPIs, reads the scorecard, saves with If-Match and narrows a
problem) and ``main.ts`` (a run of it) type-check under ``tsc --strict``, then run against a live
server on the demo council.

Needs Node.js and the packages pinned in tests/client/package-lock.json (``npm ci --prefix
tests/client``; .ci/run installs them); without them the tests are skipped and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "tests" / "client"
SPEC = ROOT / "openapi" / "openapi.json"
MODULES = CLIENT / "node_modules"
GENERATOR = MODULES / "openapi-typescript" / "bin" / "cli.js"
TSC = MODULES / "typescript" / "bin" / "tsc"
BIN = Path(sys.executable).parent
SECRET = "typescript-client-check-secret-0123456789"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """node, and a folder with the client's sources and types generated from the committed spec."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the TypeScript client check needs node and npm")
    if not (GENERATOR.exists() and TSC.exists() and (MODULES / "openapi-fetch").exists()):
        pytest.skip("The TypeScript client's packages are not installed: run `npm ci --prefix tests/client`")
    folder = tmp_path_factory.mktemp("client")
    for name in ("client.ts", "main.ts", "tsconfig.json", "package.json"):
        shutil.copy(CLIENT / name, folder / name)
    (folder / "node_modules").symlink_to(MODULES, target_is_directory=True)
    # A default is what the server assumes when a request leaves a field out; openapi-typescript's
    # default would make every such field required in request bodies (`submit` on a save).
    _run(node, GENERATOR, SPEC, "--default-non-nullable", "false", "--output", folder / "api.d.ts", cwd=folder)
    return node, folder


def test_generated_types_name_every_operation_and_problem(project: tuple[str, Path]) -> None:
    generated = (project[1] / "api.d.ts").read_text()
    assert '"application/problem+json": components["schemas"]["Problem"]' in generated
    assert "listKpis: {" in generated and "saveSubmission: {" in generated and "getScorecard: {" in generated


@pytest.fixture(scope="module")
def compiled(project: tuple[str, Path]) -> Path:
    """``tsc --strict`` over the program: its errors, or the JavaScript it compiles to (one run of tsc)."""
    node, folder = project
    out = folder / "out"
    _run(node, TSC, "--project", folder / "tsconfig.json", "--strict", "--noEmit", "false", "--outDir", out, cwd=folder)
    shutil.copy(folder / "package.json", out / "package.json")  # ES modules
    return out


def test_client_program_type_checks_strictly(compiled: Path) -> None:
    assert (compiled / "main.js").exists() and (compiled / "client.js").exists()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo council served on 127.0.0.1 from a SQLite file: its URL and a performance-team token."""
    folder = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "PMF_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'pmf.db'}",
        "PMF_ENVIRONMENT": "test",
        "PMF_JWT_SECRET": SECRET,
        "PMF_LOG_LEVEL": "WARNING",
        "PMF_RATE_LIMIT_ENABLED": "false",
    }
    _run(BIN / "pmf-api", "demo", cwd=folder, env=env)
    token = _run(BIN / "pmf-api", "token", cwd=folder, env=env).strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [BIN / "pmf-api", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "the demo server was not ready within 60 s"
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as ready:
                    if ready.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_client_program_runs_against_the_demo(
    project: tuple[str, Path], compiled: Path, demo_server: tuple[str, str]
) -> None:
    url, token = demo_server
    env = {**os.environ, "PMF_API_URL": url, "PMF_TOKEN": token}
    seen = json.loads(_run(project[0], compiled / "main.js", cwd=project[1], env=env))
    assert seen["kpis"] == seen["codes"] > 10  # every page read once: more KPIs than one page of 10
    assert seen["scorecard"] > 0
    assert seen["created"] is True  # 201 for a new value
    assert seen["changed"] == {"created": False, "value": 43}  # 200 for a change sent with its ETag
    assert seen["stale"] == {"type": "https://pmf-api.org/problems/precondition-failed", "status": 412}
