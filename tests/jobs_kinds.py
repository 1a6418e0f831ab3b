"""Kinds of job the job system's tests register (the real ones, report and snapshot, are registered by
their features). Importable by a worker process too: PMF_JOB_MODULES='["tests.jobs_kinds"]'."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.domain.workflow import Role
from pmf_api.platform.errors import Conflict
from pmf_api.reporting.jobs.registry import JobContext, JobResult, register_kind
from pmf_api.reporting.jobs.repository import ReportJobRepository


class EchoParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}/\d{2} (Q[1-4]|P([1-9]|1[0-2]))$")
    format: Literal["html", "pdf", "xlsx", "csv", "json"] = "json"
    report: str = "quarterly_report"
    directorate: str | None = None


SEEN_PROGRESS: list[int] = []


async def echo(context: JobContext) -> JobResult:
    """Says what it was asked and as whom; reports progress and reads it back from another transaction."""
    await context.progress(50, "Half way")
    async with context.unit_of_work(writes=False) as session:
        job = await ReportJobRepository(session).get(context.actor, context.job_id)
        SEEN_PROGRESS.append(job.progress)
    body = {
        "parameters": context.parameters.model_dump(),
        "subject": context.actor.subject,
        "roles": sorted(r.value for r in context.actor.roles),
        "organisation_id": str(context.organisation_id),
    }
    return JobResult(
        json.dumps(body, sort_keys=True).encode(),
        "application/json",
        f"report {context.parameters.period.replace('/', '-')}.json",
    )


class NoParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = ""


async def boom(context: JobContext) -> JobResult:
    raise RuntimeError("secret internal detail: password=hunter2")


async def refused(context: JobContext) -> JobResult:
    raise Conflict(detail="2025/26 Q2 has no snapshot: freeze the quarter first")


async def nothing(context: JobContext) -> None:
    await context.progress(10)
    return None


class PeriodParameters(BaseModel):
    period: str


SCHEDULED_RUNS: list[str] = []


async def snapshot(context: JobContext) -> None:
    SCHEDULED_RUNS.append(context.parameters.period)
    return None


register_kind("test_echo", echo, parameters_model=EchoParameters)
register_kind("test_once", echo, parameters_model=EchoParameters, dedupe=False)
register_kind("test_boom", boom, parameters_model=NoParameters)
register_kind("test_refused", refused, parameters_model=NoParameters)
register_kind("test_nothing", nothing, parameters_model=NoParameters, dedupe=False)
register_kind(
    "test_team_only", nothing, parameters_model=NoParameters, may_request=lambda actor: actor.holds({Role.PERFORMANCE})
)
register_kind("test_snapshot", snapshot, parameters_model=PeriodParameters, scheduled=("monthly", "quarterly"))
