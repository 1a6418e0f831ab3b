"""A client generated from the committed spec works: openapi-typescript types, and a short portal
program over openapi-fetch that pages KPIs, reads the scorecard, saves with If-Match and narrows a
problem, type-checks under ``tsc --strict`` (tests/client/client.ts).

Needs Node.js and the packages pinned in tests/client/package-lock.json (``npm ci --prefix
tests/client``; .ci/run installs them); without them the test is skipped and says so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "tests" / "client"
SPEC = ROOT / "openapi" / "openapi.json"
MODULES = CLIENT / "node_modules"
GENERATOR = MODULES / "openapi-typescript" / "bin" / "cli.js"
TSC = MODULES / "typescript" / "bin" / "tsc"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the TypeScript client check needs node and npm")
    if not (GENERATOR.exists() and TSC.exists() and (MODULES / "openapi-fetch").exists()):
        pytest.skip("The TypeScript client's packages are not installed: run `npm ci --prefix tests/client`")
    return node


def _run(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"


def test_generated_typescript_client_type_checks_strictly(tmp_path: Path) -> None:
    node = _node()
    for name in ("client.ts", "tsconfig.json"):
        shutil.copy(CLIENT / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(MODULES, target_is_directory=True)
    # A default is what the server assumes when a request leaves a field out; openapi-typescript's
    # default would make every such field required in request bodies (`submit` on a save).
    _run(node, GENERATOR, SPEC, "--default-non-nullable", "false", "--output", tmp_path / "api.d.ts", cwd=tmp_path)
    generated = (tmp_path / "api.d.ts").read_text()
    assert '"application/problem+json": components["schemas"]["Problem"]' in generated
    assert "listKpis: {" in generated and "saveSubmission: {" in generated
    _run(node, TSC, "--project", tmp_path / "tsconfig.json", "--strict", "--noEmit", cwd=tmp_path)
