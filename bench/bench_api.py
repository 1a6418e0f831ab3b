"""Benchmark: the PMF API on PostgreSQL against a bare FastAPI "hello" app, side by side in one run.

What it does, all against 127.0.0.1 and stopping by itself:

1. creates a throw-away PostgreSQL database ``pmf_bench_<random>`` (dropped at the end, also on
   error or Ctrl-C), migrates it and inserts one council: 3 directorates, 10 services, a person
   and 300 KPIs (60 of them in the first service, so a filtered page of 50 is full);
2. starts the PMF API and a bare FastAPI app (one route, ``GET /hello``) with the *same* uvicorn
   command line (1 worker, no access log, uvloop/httptools when installed), each on a free port;
3. drives each scenario with the same closed-loop load (``--connections`` keep-alive connections
   for ``--seconds``, after a ``--warmup``): the bare app, ``GET /api/v1/kpis/{id}`` cycling over
   the 300 ids, ``GET /api/v1/kpis?service_id=...&limit=50``, then the bare app again (the machine
   is noisy: the ratios use the mean of the two bare runs, and the spread between them is shown);
4. prints requests, req/s, p50/p95/p99 and non-2xx per scenario, each as a ratio to the bare app,
   and whether the aims are met: single-KPI read >= 25% of the bare app's req/s, list p95 < 50 ms.

Load generator: ``wrk`` when it is on PATH (C, cheap), else a small asyncio generator over raw
sockets with keep-alive HTTP/1.1, in its own process. The machine's cores are shared by the
generator, the server and PostgreSQL, so read the figures as ratios, not absolutes.

Run: ``.venv/bin/python bench/bench_api.py [--seconds 10] [--connections 32]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
KPI_COUNT = 300
SERVICES = 10
FIRST_SERVICE_KPIS = 60
LIST_LIMIT = 50
AIM_SINGLE_RATIO = 0.25
AIM_LIST_P95_MS = 50.0


# --------------------------------------------------------------------------------------------
# Load generator (runs in its own process: ``bench_api.py --loadgen '<json>'``)
# --------------------------------------------------------------------------------------------


def _percentile(sorted_values: list[int], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index] / 1e6  # ns -> ms


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; returns (status, keep_alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    keep_alive = b"\r\nconnection: close" not in lower
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        length = int(lower[at + 17 : end])
        if length:
            await reader.readexactly(length)
    elif b"\r\ntransfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:  # no length: body runs to the end of the connection
        await reader.read()
        keep_alive = False
    return status, keep_alive


async def _loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    extra = "".join(f"{k}: {v}\r\n" for k, v in spec.get("headers", {}).items())
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n{extra}\r\n".encode()
        for path in spec["paths"]
    ]
    connections, seconds = spec["connections"], spec["seconds"]
    latencies: list[int] = []
    statuses: dict[int, int] = {}
    errors = {"count": 0}
    counter = {"next": 0}
    clock = time.perf_counter_ns
    start = clock()
    deadline = start + int(seconds * 1e9)

    async def worker() -> None:
        reader = writer = None
        while clock() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                    sock = writer.get_extra_info("socket")
                    if sock is not None:
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                request = requests[counter["next"] % len(requests)]
                counter["next"] += 1
                sent = clock()
                writer.write(request)
                assert reader is not None
                status, keep_alive = await _read_response(reader)
                done = clock()
                if done > deadline:
                    break
                latencies.append(done - sent)
                statuses[status] = statuses.get(status, 0) + 1
                if not keep_alive:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors["count"] += 1
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(0.01)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = (clock() - start) / 1e9
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": min(elapsed, seconds),
        "statuses": {str(k): v for k, v in statuses.items()},
        "socket_errors": errors["count"],
        "p50": _percentile(latencies, 50),
        "p95": _percentile(latencies, 95),
        "p99": _percentile(latencies, 99),
    }


def loadgen_main(raw: str) -> None:
    spec = json.loads(raw)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_loadgen(spec))
    print(json.dumps(result))


WRK_SCRIPT = """
local paths = {PATHS}
local i = 0
wrk.headers["Accept"] = "application/json"
{HEADERS}
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    '\\nBENCH_JSON {"requests": %d, "seconds": %f, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for these ASCII values


# --------------------------------------------------------------------------------------------
# Driving a scenario
# --------------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    non2xx: int
    socket_errors: int
    server_cpu: float  # fraction of one core used by the server process during the run
    machine_busy: float  # fraction of all cores busy during the run
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _machine_times() -> tuple[int, int]:
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values) - idle, sum(values)
    except (OSError, ValueError, IndexError):
        return 0, 0


class Driver:
    def __init__(self, connections: int, use_wrk: bool) -> None:
        self.connections = connections
        self.wrk = shutil.which("wrk") if use_wrk else None
        self.tmp = Path(tempfile.mkdtemp(prefix="pmf_bench_"))

    @property
    def name(self) -> str:
        return "wrk" if self.wrk else "asyncio raw-socket generator (wrk not found)"

    def _once(self, port: int, paths: list[str], headers: dict[str, str], seconds: float) -> dict[str, Any]:
        if self.wrk:
            lua = self.tmp / "bench.lua"
            lua.write_text(
                WRK_SCRIPT.replace("{PATHS}", "{" + ", ".join(_lua_string(p) for p in paths) + "}").replace(
                    "{HEADERS}",
                    "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
                )
            )
            out = subprocess.run(
                [
                    self.wrk,
                    "-t1",
                    f"-c{self.connections}",
                    f"-d{max(1, round(seconds))}s",
                    "--timeout",
                    "10s",
                    "-s",
                    str(lua),
                    f"http://127.0.0.1:{port}/",
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
                check=True,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
            data = json.loads(line.removeprefix("BENCH_JSON "))
            data["statuses"] = {}
            return data
        spec = {
            "host": "127.0.0.1",
            "port": port,
            "paths": paths,
            "headers": headers,
            "connections": self.connections,
            "seconds": seconds,
        }
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--loadgen", json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
        data = json.loads(out.strip().splitlines()[-1])
        data["non2xx"] = sum(v for k, v in data["statuses"].items() if not k.startswith("2"))
        return data

    def run(
        self,
        name: str,
        server_pid: int,
        port: int,
        paths: list[str],
        headers: dict[str, str],
        seconds: float,
        warmup: float,
    ) -> Result:
        if warmup > 0:
            self._once(port, paths, headers, warmup)
        cpu0, (busy0, total0) = _proc_cpu_seconds(server_pid), _machine_times()
        t0 = time.perf_counter()
        data = self._once(port, paths, headers, seconds)
        wall = time.perf_counter() - t0
        cpu1, (busy1, total1) = _proc_cpu_seconds(server_pid), _machine_times()
        return Result(
            name=name,
            requests=data["requests"],
            seconds=data["seconds"],
            p50=data["p50"],
            p95=data["p95"],
            p99=data["p99"],
            non2xx=data["non2xx"],
            socket_errors=data["socket_errors"],
            server_cpu=(cpu1 - cpu0) / wall if wall else float("nan"),
            machine_busy=(busy1 - busy0) / (total1 - total0) if total1 > total0 else float("nan"),
            statuses=data.get("statuses", {}),
        )


# --------------------------------------------------------------------------------------------
# Database, data and servers
# --------------------------------------------------------------------------------------------


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def create_database(name: str) -> None:
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))


def drop_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _seed(url: str) -> dict[str, Any]:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from pmf_api.access.actor import Actor, Grant
    from pmf_api.access.api_keys import service as api_keys
    from pmf_api.domain.workflow import Role
    from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Service
    from pmf_api.framework.organisations.repository import directory
    from pmf_api.performance.kpis.models import Kpi

    engine = create_async_engine(url)
    try:
        org = Organisation(id=uuid.uuid4(), code="BENCH", name="Benchmark Borough Council", settings={})
        directorates = [
            Directorate(id=uuid.uuid4(), organisation_id=org.id, code=f"D{i}", name=f"Directorate {i}")
            for i in range(1, 4)
        ]
        services = [
            Service(
                id=uuid.uuid4(),
                organisation_id=org.id,
                code=f"S{i:02d}",
                name=f"Service {i}",
                directorate_id=directorates[i % 3].id,
            )
            for i in range(1, SERVICES + 1)
        ]
        person = Person(
            id=uuid.uuid4(),
            organisation_id=org.id,
            name="Pat Owner",
            email="pat@example.org",
            service_id=services[0].id,
        )

        def service_of(n: int) -> Service:
            if n < FIRST_SERVICE_KPIS:
                return services[0]
            return services[1 + (n - FIRST_SERVICE_KPIS) % (SERVICES - 1)]

        kpis = [
            Kpi(
                id=uuid.uuid4(),
                organisation_id=org.id,
                code=f"PI-{n:03d}",
                title=f"Benchmark indicator {n}: share of cases resolved within target time",
                unit="percentage",
                polarity="higher_is_better",
                frequency="monthly",
                aggregation="ratio",
                decimal_places=1,
                service_id=service_of(n).id,
                owner_id=person.id,
            )
            for n in range(KPI_COUNT)
        ]
        ids = {
            "organisation_id": org.id,
            "person_id": person.id,
            "service_id": services[0].id,
            "kpi_ids": [k.id for k in kpis],
        }
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            session.add(org)
            await session.flush()
            session.add_all(directorates)
            await session.flush()
            session.add_all(services)
            await session.flush()
            session.add(person)
            await session.flush()
            session.add_all(kpis)
            await session.commit()
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            team = Actor(org.id, "bench", "Benchmark performance team", (Grant(Role.PERFORMANCE),))
            ids["api_key"] = (
                await api_keys.create_key(session, team, directory, name="Benchmark", role=Role.VIEWER)
            ).secret
            await session.commit()
        return ids
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(factory: str, port: int) -> list[str]:
    """The one command line both apps are served with; only the factory differs."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    for option, module in (("--loop", "uvloop"), ("--http", "httptools")):
        try:
            __import__(module)
            command += [option, module]
        except ImportError:
            pass
    return command


def wait_ready(proc: subprocess.Popen[bytes], url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def fetch(port: int, path: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def report(results: list[Result], bare_rps: float, driver: Driver, args: argparse.Namespace) -> bool:
    print()
    print(
        f"load: {args.connections} connections, {args.seconds:g}s per scenario after {args.warmup:g}s warm-up; "
        f"generator: {driver.name}; {os.cpu_count()} CPUs shared by generator, server and PostgreSQL"
    )
    width = max(34, *(len(r.name) + 1 for r in results))
    header = (
        f"{'scenario':<{width}}{'requests':>9}{'req/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'non-2xx':>8}{'x bare':>8}{'srv CPU':>9}{'box CPU':>8}{'CPU ms/req':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<{width}}{r.requests:>9}{r.rps:>9.0f}{r.p50:>8.2f}{r.p95:>8.2f}{r.p99:>8.2f}"
            f"{r.non2xx + r.socket_errors:>8}{r.rps / bare_rps if bare_rps else float('nan'):>8.2f}"
            f"{r.server_cpu:>9.0%}{r.machine_busy:>8.0%}{r.server_cpu / r.rps * 1000 if r.rps else float('nan'):>11.3f}"
        )
    bares = [r for r in results if r.name.startswith("bare")]
    if len(bares) == 2 and bare_rps:
        spread = abs(bares[0].rps - bares[1].rps) / bare_rps
        print(
            f"(x bare = req/s / mean of the two bare runs, {bare_rps:.0f} req/s; the two bare runs differ by "
            f"{spread:.0%}{' -- noisy, rerun or lengthen --seconds' if spread > 0.10 else ''})"
        )
    print("(srv CPU = server process, % of one core; box CPU = all cores busy, incl. generator and PostgreSQL)")
    print("(CPU ms/req = server CPU time per request: the figure least disturbed by other load on the machine)")

    ok = True
    bad = [r for r in results if r.non2xx or r.socket_errors or r.requests == 0]
    if bad:
        ok = False
        print()
        print("!" * 78)
        for r in bad:
            print(
                f"!!! INVALID: {r.name}: {r.non2xx} non-2xx responses, {r.socket_errors} socket errors, "
                f"{r.requests} requests {r.statuses or ''}"
            )
        print("!!! A benchmark with errors measures the error path: these figures are NOT valid.")
        print("!" * 78)
    single = next(r for r in results if r.name.startswith("GET /api/v1/kpis/{id}"))
    listing = next(r for r in results if r.name.startswith("GET /api/v1/kpis?"))
    ratio = single.rps / bare_rps if bare_rps else 0.0
    print()
    print(
        f"aim: single-KPI read >= {AIM_SINGLE_RATIO:.0%} of bare req/s: {ratio:.1%} -> "
        f"{'MET' if ratio >= AIM_SINGLE_RATIO else 'NOT MET'}"
    )
    print(
        f"aim: list of {LIST_LIMIT} p95 < {AIM_LIST_P95_MS:g} ms: {listing.p95:.1f} ms -> "
        f"{'MET' if listing.p95 < AIM_LIST_P95_MS else 'NOT MET'}"
    )
    return ok


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (default 32)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before each scenario (default 2)")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python generator even if wrk is installed")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=SRC_DIR",
        help="also serve the API from another copy of src/ (e.g. a snapshot before a change) and run its two "
        "scenarios in the same run, for side-by-side comparison; repeatable",
    )
    parser.add_argument(
        "--full-route",
        action="store_true",
        help="also serve this API with PMF_HOT_READS=false (every read through FastAPI's routing, dependencies "
        "and the ORM) and run its two scenarios in the same run",
    )
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="also serve this API with PMF_RATE_LIMIT_ENABLED=false and run its two scenarios in the same run "
        "(what counting requests costs)",
    )
    parser.add_argument("--keep-servers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loadgen:
        loadgen_main(args.loadgen)
        return 0
    if args.seconds <= 0 or args.seconds > 600 or args.connections < 1 or args.connections > 1000:
        parser.error("--seconds must be in (0, 600] and --connections in [1, 1000]")

    # SIGTERM unwinds like Ctrl-C, so the finally block below still drops the database.
    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (nohup, &)

    from pmf_api.access.actor import Grant
    from pmf_api.access.tokens import mint_token
    from pmf_api.config import Settings
    from pmf_api.domain.workflow import Role
    from pmf_api.platform.db.migrations import upgrade

    db = f"pmf_bench_{secrets.token_hex(4)}"
    url = f"{PG_SERVER}/{db}"
    secret = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "PMF_DATABASE_URL": url,
        "PMF_JWT_SECRET": secret,
        "PMF_ENVIRONMENT": "production",
        "PMF_LOG_LEVEL": "WARNING",
        # One client hammering with one credential is the point here: limits are counted (their cost is
        # in the figures) but set far above any load this machine can make.
        "PMF_RATE_LIMIT_PER_ADDRESS": os.environ.get("PMF_RATE_LIMIT_PER_ADDRESS", "1000000000/minute"),
        "PMF_RATE_LIMIT_PER_CREDENTIAL": os.environ.get("PMF_RATE_LIMIT_PER_CREDENTIAL", "1000000000/minute"),
    }
    variants: list[tuple[str, Path | None, dict[str, str]]] = []
    for raw in args.variant:
        name, _, src = raw.partition("=")
        if not name or not src or not (Path(src) / "pmf_api").is_dir():
            parser.error(f"--variant {raw}: expected NAME=SRC_DIR where SRC_DIR holds a pmf_api package")
        variants.append((name, Path(src).resolve(), {}))
    if args.full_route:
        variants.append(("full route", None, {"PMF_HOT_READS": "false"}))
    if args.no_rate_limits:
        variants.append(("no rate limits", None, {"PMF_RATE_LIMIT_ENABLED": "false"}))
    api = bare = None
    others: list[subprocess.Popen[bytes]] = []
    driver = Driver(args.connections, use_wrk=not args.no_wrk)
    created = False
    try:
        print(f"database {db}: creating, migrating, seeding {KPI_COUNT} KPIs ...", flush=True)
        create_database(db)
        created = True
        upgrade(url)
        seed = asyncio.run(_seed(url))
        settings = Settings(database_url=url, jwt_secret=secret, environment="production")
        token = mint_token(
            settings,
            organisation_id=seed["organisation_id"],
            subject="bench",
            name="Benchmark performance team",
            grants=[Grant(role=Role.PERFORMANCE)],
            person_id=seed["person_id"],
        )

        api_port, bare_port = free_port(), free_port()
        api_cmd, bare_cmd = (
            uvicorn_command("_bare_app:pmf_app", api_port),
            uvicorn_command("_bare_app:bare_app", bare_port),
        )
        print("server: " + " ".join(api_cmd[1:]), flush=True)
        api = subprocess.Popen(api_cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        bare = subprocess.Popen(bare_cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        wait_ready(api, f"http://127.0.0.1:{api_port}/healthz")
        wait_ready(bare, f"http://127.0.0.1:{bare_port}/hello")
        variant_servers = []
        for name, src, extra_env in variants:
            port = free_port()
            variant_env = {**env, **extra_env}
            if src is not None:
                variant_env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
            proc = subprocess.Popen(
                uvicorn_command("_bare_app:pmf_app", port), cwd=ROOT, env=variant_env, stdin=subprocess.DEVNULL
            )
            others.append(proc)
            wait_ready(proc, f"http://127.0.0.1:{port}/healthz")
            variant_servers.append((name, proc, port))

        kpi_paths = [f"/api/v1/kpis/{i}" for i in seed["kpi_ids"]]
        list_path = f"/api/v1/kpis?service_id={seed['service_id']}&frequency=monthly&limit={LIST_LIMIT}"
        # Check the scenarios return what they claim before timing them.
        status, body = fetch(api_port, kpi_paths[0], token)
        if status != 200 or not isinstance(body, dict) or body.get("id") != str(seed["kpi_ids"][0]):
            raise RuntimeError(f"GET {kpi_paths[0]} gave {status}: {body}")
        status, body = fetch(api_port, list_path, token)
        if status != 200 or not isinstance(body, dict) or len(body.get("items", [])) != LIST_LIMIT:
            raise RuntimeError(
                f"GET {list_path} gave {status} with {len(body.get('items', [])) if isinstance(body, dict) else body}"
            )

        auth = {"Authorization": f"Bearer {token}"}
        api_key = {"X-API-Key": seed["api_key"]}
        plan = [("bare GET /hello", bare, bare_port, ["/hello"], {})]
        for prefix, proc, port in [("", api, api_port), *((f"[{n}] ", p, port) for n, p, port in variant_servers)]:
            plan += [
                (f"{prefix}GET /api/v1/kpis/{{id}} (300 ids)", proc, port, kpi_paths, auth),
                (f"{prefix}GET /api/v1/kpis?service_id&limit={LIST_LIMIT}", proc, port, [list_path], auth),
                # Machine clients (Power BI, scripts) send an API key, checked against the database each time
                (f"{prefix}API key: GET /api/v1/kpis/{{id}} (300 ids)", proc, port, kpi_paths, api_key),
            ]
        plan.append(("bare GET /hello (again)", bare, bare_port, ["/hello"], {}))
        results = []
        for name, proc, port, paths, headers in plan:
            print(f"running {name} ...", flush=True)
            results.append(driver.run(name, proc.pid, port, paths, headers, args.seconds, args.warmup))
        bare_runs = [r.rps for r in results if r.name.startswith("bare")]
        ok = report(results, sum(bare_runs) / len(bare_runs), driver, args)
        if args.keep_servers:
            print(f"servers kept for profiling: api :{api_port} bare :{bare_port}; token:\n{token}\nCtrl-C to stop")
            while True:
                time.sleep(3600)
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let cleanup finish on a second Ctrl-C
        stop(api)
        stop(bare)
        for proc in others:
            stop(proc)
        shutil.rmtree(driver.tmp, ignore_errors=True)
        if created:
            try:
                drop_database(db)
            except Exception as exc:  # report, never hide: a leaked database needs dropping by hand
                print(
                    f"could not drop database {db}: {exc!r}; drop it with: dropdb -h 127.0.0.1 -U postgres {db}",
                    file=sys.stderr,
                )


if __name__ == "__main__":
    sys.exit(main())
