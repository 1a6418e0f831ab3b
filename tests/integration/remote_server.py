"""A real server for the command-line client's tests: `pmf-api serve` (uvicorn) on 127.0.0.1 at a
free port, over a temporary SQLite database holding the demo council, with API keys made through
HTTP as a council would make them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
SECRET = "remote-client-tests-secret-0123456789abcdef"


@dataclass(frozen=True)
class RemoteServer:
    url: str
    token: str  # the demo's performance team
    writer_key: str  # an API key that may push values (performance)
    reader_key: str  # a read-only key (viewer)
    env: dict[str, str]  # the environment the commands run in (no PMF_URL or PMF_API_KEY)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(*arguments: str, env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pmf-api"), *arguments], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, input=stdin
    )


@contextmanager
def remote_server(folder: Path) -> Iterator[RemoteServer]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PMF_")}
    env = {
        **base,
        "PMF_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'pmf.db'}",
        "PMF_ENVIRONMENT": "test",
        "PMF_JWT_SECRET": SECRET,
        "PMF_LOG_LEVEL": "WARNING",
        "PMF_RATE_LIMIT_ENABLED": "false",
    }
    demo = run("demo", env=env, cwd=folder)
    assert demo.returncode == 0, demo.stderr
    token = run("token", env=env, cwd=folder).stdout.strip()
    port = free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "pmf-api"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "the server was not ready within 60 s"
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        keys = {}
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for role in ("performance", "viewer"):
                made = client.post("/api/v1/api-keys", json={"name": f"Script {role}", "role": role})
                assert made.status_code == 201, made.text
                keys[role] = made.json()["key"]
        client_env = {k: v for k, v in base.items()}
        yield RemoteServer(url, token, keys["performance"], keys["viewer"], client_env)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
