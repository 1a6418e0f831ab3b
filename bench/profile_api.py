"""Profile the API under the benchmark's load with py-spy and print where the server's time goes.

Sets up the same throw-away database and server as ``bench_api.py`` (its functions are reused),
drives one scenario with the Python load generator while ``py-spy record`` samples the server,
then prints the functions with the most samples, inclusive (on the stack) and exclusive (on top).

Run: ``.venv/bin/python bench/profile_api.py [--scenario single|list] [--seconds 8] [--top 40]``
(needs ``py-spy`` on PATH or in the virtualenv, and permission to ptrace the server).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_api as bench


def summarise(raw: Path, top: int) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")" for f in stack.split(";")
        ]
        for frame in set(frames):
            inclusive[frame] += count
        exclusive[frames[-1]] += count
    print(f"\n{total} samples")
    for title, counter in (("inclusive", inclusive), ("exclusive", exclusive)):
        print(f"\n--- top {top} {title} ---")
        for frame, count in counter.most_common(top):
            print(f"{count / total:6.1%}  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["single", "list"], default="single")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--raw", type=Path, help="also keep py-spy's collapsed stacks here")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")

    from pmf_api.access.actor import Grant
    from pmf_api.access.tokens import mint_token
    from pmf_api.config import Settings
    from pmf_api.domain.workflow import Role
    from pmf_api.platform.db.migrations import upgrade

    db = f"pmf_bench_{secrets.token_hex(4)}"
    url = f"{bench.PG_SERVER}/{db}"
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
    api = None
    created = False
    tmp = Path(tempfile.mkdtemp(prefix="pmf_profile_"))
    try:
        bench.create_database(db)
        created = True
        upgrade(url)
        seed = asyncio.run(bench._seed(url))
        settings = Settings(database_url=url, jwt_secret=secret, environment="production")
        token = mint_token(
            settings,
            organisation_id=seed["organisation_id"],
            subject="bench",
            name="Benchmark",
            grants=[Grant(role=Role.PERFORMANCE)],
        )
        port = bench.free_port()
        api = subprocess.Popen(bench.uvicorn_command("_bare_app:pmf_app", port), cwd=bench.ROOT, env=env)
        bench.wait_ready(api, f"http://127.0.0.1:{port}/healthz")
        if args.scenario == "single":
            paths = [f"/api/v1/kpis/{i}" for i in seed["kpi_ids"]]
        else:
            paths = [f"/api/v1/kpis?service_id={seed['service_id']}&frequency=monthly&limit={bench.LIST_LIMIT}"]
        driver = bench.Driver(args.connections, use_wrk=False)
        headers = {"Authorization": f"Bearer {token}"}
        driver._once(port, paths, headers, 2.0)  # warm up
        raw = args.raw or tmp / "stacks.txt"
        spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(api.pid), "--format", "raw", "--rate", "250", "--output", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        result = driver._once(port, paths, headers, args.seconds)
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)
        print(json.dumps({k: v for k, v in result.items() if k != "statuses"}))
        summarise(raw, args.top)
        return 0
    finally:
        bench.stop(api)
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            bench.drop_database(db)


if __name__ == "__main__":
    sys.exit(main())
