"""The two apps ``bench_api.py`` serves, as uvicorn ``--factory`` targets (``--app-dir bench``).

* ``bare_app``: FastAPI with one route, ``GET /hello`` -> ``{"hello": "world"}``: the ceiling.
* ``pmf_app``: the PMF API exactly as deployed, ``create_app(Settings())`` from ``PMF_*``.

Both are started by the same uvicorn command line, so only the application differs.
"""

from __future__ import annotations

from fastapi import FastAPI


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def pmf_app() -> FastAPI:
    from pmf_api.config import Settings
    from pmf_api.main import create_app

    return create_app(Settings())
