"""Liveness and readiness probes (no authentication: load balancers and orchestrators call them)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmf_api.platform.db.migrations import current_revision, head_revision
from pmf_api.platform.db.session import describe, root_cause
from pmf_api.platform.observability import note_failure

router = APIRouter(tags=["Health"])
NOT_READY = {"Retry-After": "1"}


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None
    database_revision: str | None = None
    expected_revision: str | None = None


@router.get("/healthz", summary="Is the process alive", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Can the service take traffic: database reachable and migrated to head",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "Database unreachable or not migrated; `Retry-After` says when to ask again",
        }
    },
)
async def readyz(request: Request) -> Health | JSONResponse:
    expected = head_revision()
    try:
        async with request.app.state.engine.connect() as connection:
            revision = await connection.run_sync(current_revision)
    except Exception as exc:  # any failure to reach the database means not ready
        note_failure(f"not ready: database unreachable ({describe(exc)})")
        body = Health(
            status="unavailable",
            detail=f"database unreachable: {type(root_cause(exc)).__name__}",
            expected_revision=expected,
        )
        return JSONResponse(body.model_dump(), status_code=503, headers=NOT_READY)
    if revision != expected:
        body = Health(
            status="unavailable",
            detail="database is not migrated to the latest revision; run `pmf-api migrate`",
            database_revision=revision,
            expected_revision=expected,
        )
        return JSONResponse(body.model_dump(), status_code=503, headers=NOT_READY)
    return Health(status="ok", database_revision=revision, expected_revision=expected)
