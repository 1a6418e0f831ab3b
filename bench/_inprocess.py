"""What the in-process benchmarks share (``bench_scorecard.py``, ``bench_quarter.py``).

* ``percentile``: nearest-rank percentile of a list of timings;
* ``run_on_throwaway_database``: create a PostgreSQL database ``pmf_bench_<random>`` on 127.0.0.1,
  migrate it, run the benchmark on its URL, and drop it at the end, also on an error, Ctrl-C or SIGTERM
  (the database helpers are ``bench_api.py``'s);
* ``InProcessApp``: the app exactly as ``create_app`` builds it, on that database, called through httpx's
  ASGI transport (no network, no uvicorn), with a count of the SQL statements it runs and bearer tokens
  minted for it.
"""

from __future__ import annotations

import math
import secrets
import signal
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import PG_SERVER, create_database, drop_database


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def run_on_throwaway_database(announce: str, work: Callable[[str], int]) -> int:
    """Create, migrate, ``work(url)``, drop. ``announce`` is printed first, ``{db}`` replaced by the
    database's name. Returns ``work``'s exit code, or 130 when interrupted (Ctrl-C or SIGTERM)."""

    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    from pmf_api.platform.db.migrations import upgrade

    db = f"pmf_bench_{secrets.token_hex(4)}"
    url = f"{PG_SERVER}/{db}"
    created = False
    try:
        print(announce.format(db=db), flush=True)
        create_database(db)
        created = True
        upgrade(url)
        return work(url)
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if created:
            try:
                drop_database(db)
            except Exception as exc:  # report, never hide: a leaked database needs dropping by hand
                print(
                    f"could not drop database {db}: {exc!r}; drop it with: dropdb -h 127.0.0.1 -U postgres {db}",
                    file=sys.stderr,
                )


class InProcessApp:
    """``async with InProcessApp(url) as api``: ``api.app``, ``api.client`` (an ``httpx.AsyncClient``
    on the ASGI transport), ``api.statements["count"]`` (SQL statements run since it was last reset) and
    ``api.headers(...)`` (a bearer token for one person of one organisation). The engine is disposed
    at the end."""

    def __init__(self, url: str, secret: str | None = None) -> None:
        from pmf_api.config import Settings

        self.settings = Settings(
            database_url=url,
            jwt_secret=secret or secrets.token_urlsafe(48),
            environment="production",
            log_level="WARNING",
        )
        self.statements = {"count": 0}
        self.app: Any = None
        self.client: Any = None

    async def __aenter__(self) -> InProcessApp:
        import httpx
        from sqlalchemy import event

        from pmf_api.main import attach_engine, create_app, tune_garbage_collector

        self.app = create_app(self.settings)
        attach_engine(self.app, self.settings)
        tune_garbage_collector()  # as the server does when it starts (the ASGI transport runs no lifespan)

        def count(*_: object) -> None:
            self.statements["count"] += 1

        event.listen(self.app.state.engine.sync_engine, "before_cursor_execute", count)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://bench")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            await self.client.aclose()
        finally:
            await self.app.state.engine.dispose()

    def headers(self, organisation_id: uuid.UUID, person_id: uuid.UUID, role: Any = None) -> dict[str, str]:
        """A bearer token for ``person_id`` with one role (the performance team unless given)."""
        from pmf_api.access.actor import Grant
        from pmf_api.access.tokens import mint_token
        from pmf_api.domain.workflow import Role

        token = mint_token(
            self.settings,
            organisation_id=organisation_id,
            subject="bench",
            name="Benchmark performance team",
            grants=[Grant(role=role or Role.PERFORMANCE)],
            person_id=person_id,
        )
        return {"Authorization": f"Bearer {token}"}
