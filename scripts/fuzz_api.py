"""Fuzz the live API with schemathesis (``--checks all``) on SQLite and on PostgreSQL.

For each database: a fresh database with the demo council, ``pmf-api serve`` on a free port of
127.0.0.1, and ``st run <its /openapi.json> --checks all`` with a performance-team token. Fails
(exit 1) when any response is a server error (5xx, schemathesis's ``not_a_server_error``) or the
server logged an unhandled error; every other check's findings (the spec and the server
disagreeing) are listed, and do not fail the run.

    .venv/bin/python scripts/fuzz_api.py                      # both databases, 15 examples an operation
    .venv/bin/python scripts/fuzz_api.py --backend sqlite --examples 50 --seed 7

PostgreSQL is the server at ``PMF_TEST_POSTGRES_URL`` (as the tests: 127.0.0.1:5432, user
postgres); a database is created for the run and dropped after. Without a server the PostgreSQL
half is skipped, unless ``PMF_TEST_REQUIRE_POSTGRES=1`` (CI). Reports go to ``--report-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get("PMF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
SECRET = "fuzz-" + uuid.uuid4().hex + uuid.uuid4().hex


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--examples", type=int, default=15, help="test cases per operation and phase (default 15)")
    parser.add_argument("--seed", type=int, default=None, help="fixed in CI (1); random otherwise, and printed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report-dir", type=Path, default=Path("schemathesis-report"))
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else (1 if os.environ.get("CI") else random.randrange(1 << 31))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    server_errors = 0
    for backend in backends:
        with database(backend) as url:
            if url is None:
                continue
            server_errors += fuzz(backend, url, args.examples, seed, args.workers, args.report_dir)
    print(f"\nschemathesis seed {seed}: {server_errors} server error(s)")
    return 1 if server_errors else 0


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pmf-fuzz-") as folder:
            yield f"sqlite+aiosqlite:///{folder}/pmf.db"
        return
    name = f"pmf_fuzz_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is down or refuses us
        if os.environ.get("PMF_TEST_REQUIRE_POSTGRES") == "1":
            raise
        print(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({exc}): skipped")
        yield None
        return
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def fuzz(backend: str, url: str, examples: int, seed: int, workers: int, report_dir: Path) -> int:
    env = {
        **os.environ,
        "PMF_DATABASE_URL": url,
        "PMF_ENVIRONMENT": "test",
        "PMF_JWT_SECRET": SECRET,
        "PMF_LOG_JSON": "true",
        "PMF_LOG_LEVEL": "WARNING",
        # One client sends thousands of requests a minute, many with refused credentials on purpose
        # (the ignored_auth check): rate limits would turn the rest of the run into 429s.
        "PMF_RATE_LIMIT_ENABLED": "false",
    }
    subprocess.run([BIN / "pmf-api", "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run([BIN / "pmf-api", "token"], env=env, check=True, capture_output=True, text=True)
    port = _free_port()
    report = (report_dir / backend).absolute()
    report.mkdir(parents=True, exist_ok=True)
    log_path = report / "server.log"
    with log_path.open("w") as log, (report / "schemathesis.txt").open("w") as output:
        server = subprocess.Popen(
            [BIN / "pmf-api", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            _wait_ready(port, server)
            print(f"== schemathesis on {backend} (127.0.0.1:{port}, {examples} examples, seed {seed})", flush=True)
            subprocess.run(
                [
                    BIN / "st", "run", f"http://127.0.0.1:{port}/openapi.json",
                    "--checks", "all",
                    "--header", f"Authorization: Bearer {token.stdout.strip()}",
                    "--max-examples", str(examples),
                    "--seed", str(seed),
                    "--workers", str(workers),
                    "--no-color",
                    "--report", "ndjson,junit",
                    "--report-dir", str(report),
                ],
                cwd=report,  # where schemathesis keeps its cache of failing cases, not the work tree
                check=False,  # judged below: only server errors fail the run
                stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _judge(backend, report, log_path)


def _judge(backend: str, report: Path, log_path: Path) -> int:
    """Server errors (counted) and every other finding (listed), from the run's NDJSON events."""
    (events,) = sorted(report.glob("ndjson-*.ndjson"))[-1:]
    findings: dict[tuple[str, str, str], set[str]] = collections.defaultdict(set)
    server_errors: set[str] = set()
    for line in events.open():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is None:
            continue
        recorder = finished.get("recorder") or {}
        for case_id, interaction in (recorder.get("interactions") or {}).items():
            status = (interaction.get("response") or {}).get("status_code") or 0
            if status >= 500:
                server_errors.add(f"{recorder.get('label')} -> {status} (case {case_id})")
        for checks in (recorder.get("checks") or {}).values():
            for check in checks:
                if check["status"] != "failure":
                    continue
                failure = check.get("failure_info", {}).get("failure", {})
                if check["name"] == "not_a_server_error":
                    server_errors.add(f"{failure.get('operation', recorder.get('label'))}: {failure.get('title')}")
                findings[(failure.get("code", ""), failure.get("title", check["name"]), check["name"])].add(
                    failure.get("operation") or recorder.get("label") or "?"
                )
    logged = [line for line in log_path.read_text().splitlines() if '"unhandled error"' in line or "Traceback" in line]
    print(f"-- {backend}: findings other than server errors (the spec and the server disagree):")
    for (code, title, name), operations in sorted(findings.items()):
        if name != "not_a_server_error":
            print(f"   {code} {title} ({name}): {len(operations)} operation(s), e.g. {sorted(operations)[0]}")
    for error in sorted(server_errors):
        print(f"   SERVER ERROR {error}")
    for line in logged[:20]:
        print(f"   SERVER LOG {line[:300]}")
    return len(server_errors) + len(logged)


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("pmf-api serve stopped before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("pmf-api serve was not ready within 60 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    sys.exit(main())
