"""The report jobs the service runs (issue 13, item 6): ``report`` renders a snapshot's report to a
file; ``snapshot`` freezes a period, on request or by the month-end and quarter-end schedule.

Rendering runs outside the request: a job (``reporting.jobs``) builds the document from the snapshot
in a read-only transaction, renders it off the event loop (``asyncio.to_thread``; the PDF and a batch
of charts in their own short-lived processes) and keeps the file. The same snapshot, kind, filter and
format give the same file, so a repeated request gets the job made before (``dedupe``).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.platform.errors import Conflict, InvalidInput, PMFError, invalid
from pmf_api.reporting.document import ReportDocument, ReportKind
from pmf_api.reporting.jobs.registry import JobContext, JobResult, register_kind
from pmf_api.reporting.jobs.schedule import SCHEDULER_SUBJECT
from pmf_api.reporting.rendering import render
from pmf_api.reporting.snapshots import service as snapshots

REPORT = "report"
SNAPSHOT = "snapshot"


class ReportParameters(BaseModel):
    """Which report to render: a snapshot (by id, or by its period), the report's kind, a filter, a format."""

    model_config = ConfigDict(extra="forbid")

    snapshot_id: uuid.UUID | None = Field(None, description="The snapshot to report (or give `period`)")
    period: str | None = Field(None, description="The frozen period to report, e.g. '2025/26 Q2'", max_length=20)
    format: Literal["html", "pdf", "xlsx", "csv", "json"] = "html"
    report: ReportKind | None = Field(
        None, description="quarterly_report or board_pack (default: by the snapshot's period)"
    )
    directorate_id: uuid.UUID | None = Field(None, description="A directorate's clinic pack")
    directorate: str | None = Field(
        None, description="A directorate's code, name or id (the shell's --directorate)", max_length=200
    )
    portfolio_id: uuid.UUID | None = Field(None, description="A portfolio holder's pack")

    @model_validator(mode="after")
    def _one_snapshot(self) -> Self:
        if (self.snapshot_id is None) == (self.period is None):
            raise ValueError("give the snapshot, as snapshot_id or as its period, once")
        if self.directorate is not None and self.directorate_id is not None:
            raise ValueError("give the directorate once: directorate_id, or directorate (its code, name or id)")
        return self


class PeriodParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(description="The period to freeze, e.g. '2025/26 Q2' or '2025/26 P7'", max_length=20)


def _directorate(content: dict[str, Any], wanted: str) -> uuid.UUID:
    text = wanted.strip().casefold()
    for each in content.get("directorates", []):
        if text in {str(each.get("id")).casefold(), str(each.get("code", "")).casefold(), str(each["name"]).casefold()}:
            return uuid.UUID(str(each["id"]))
    raise invalid("parameters.directorate", f"The snapshot has no directorate {wanted!r}: give its code, name or id")


async def check_report(session: AsyncSession, actor: Actor, parameters: ReportParameters) -> ReportParameters:
    """At the request: the snapshot (404 if the council has none such), the report's kind against its
    period, the directorate or portfolio against the snapshot; the parameters in canonical form (the
    snapshot by id, the directorate by id), so the same report asked for two ways is one job."""
    if parameters.snapshot_id is not None:
        snapshot_id = parameters.snapshot_id
    else:
        assert parameters.period is not None
        try:
            snapshot_id = await snapshots.of_period(session, actor, parameters.period)
        except InvalidInput:
            raise invalid("parameters.period", f"{parameters.period!r} is not a period, e.g. 2025/26 Q2") from None
    entity = await snapshots.get_snapshot(session, actor, snapshot_id)
    content = entity.content
    report: ReportKind = parameters.report or ("quarterly_report" if entity.frequency == "quarterly" else "board_pack")
    if report == "quarterly_report" and entity.frequency != "quarterly":
        message = f"The quarterly report is built from a quarter's snapshot; {entity.period} is a month"
        raise invalid("parameters.report", message)
    directorate_id = parameters.directorate_id
    if parameters.directorate is not None:
        directorate_id = _directorate(content, parameters.directorate)
    for field, wanted, known in (
        ("directorate_id", directorate_id, content.get("directorates", [])),
        ("portfolio_id", parameters.portfolio_id, content.get("portfolios", [])),
    ):
        if wanted is not None and all(each["id"] != str(wanted) for each in known):
            raise invalid(f"parameters.{field}", f"The snapshot of {entity.period} has no {field[:-3]} {wanted}")
    return ReportParameters(
        snapshot_id=snapshot_id,
        format=parameters.format,
        report=report,
        directorate_id=directorate_id,
        portfolio_id=parameters.portfolio_id,
    )


async def report_document(ctx: JobContext) -> ReportDocument:
    """The document the job renders, built in one read-only transaction as the requester, from the
    parameters ``check_report`` made canonical when the job was asked for (the snapshot by id)."""
    parameters: ReportParameters = ctx.parameters
    assert parameters.snapshot_id is not None, "report jobs are checked when asked for"
    request = snapshots.ReportRequest(parameters.report, parameters.directorate_id, parameters.portfolio_id)
    async with ctx.unit_of_work(writes=False) as session:
        return await snapshots.report(session, ctx.actor, parameters.snapshot_id, request)


async def render_report(ctx: JobContext) -> JobResult:
    await ctx.progress(5, "building the report from its snapshot")
    document = await report_document(ctx)
    fmt = ctx.parameters.format
    await ctx.progress(20, f"rendering {len(document.all_kpis())} KPIs as {fmt.upper()}")
    rendered = await asyncio.to_thread(render, document, fmt)
    await ctx.progress(95, "keeping the file")
    return JobResult(rendered.content, rendered.media_type, rendered.filename)


async def freeze_period(ctx: JobContext) -> None:
    """Freeze the period as the requester (the schedule acts as the performance team). For the schedule a
    period frozen already (by a person, or by a freeze that committed first) is done; a person is told."""
    await ctx.progress(5, f"freezing {ctx.parameters.period}")
    try:
        async with ctx.unit_of_work() as session:
            await snapshots.freeze(session, ctx.actor, ctx.parameters.period, as_of=datetime.now(UTC).date())
    except (Conflict, IntegrityError):  # frozen already, or by a freeze that committed first
        if ctx.actor.subject != SCHEDULER_SUBJECT:
            raise Conflict(detail=f"{ctx.parameters.period} has been frozen already (see GET /snapshots)") from None
    return None


def _may_freeze(actor: Actor) -> bool:
    try:
        require_write(actor, Resource.report)
    except PMFError:
        return False
    return True


register_kind(
    REPORT,
    render_report,
    parameters_model=ReportParameters,
    check=check_report,
    description="Render a snapshot's quarterly report or board pack as HTML, PDF, XLSX, CSV or JSON",
)
register_kind(
    SNAPSHOT,
    freeze_period,
    parameters_model=PeriodParameters,
    dedupe=False,
    may_request=_may_freeze,
    scheduled=("monthly", "quarterly"),
    description="Freeze a period as reported (the schedule does so at each month's and quarter's end)",
)
