"""Routes of report jobs: ask for one (202), follow it, fetch its file."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.paging import PageOf, PageParams, page_response
from pmf_api.platform.http.problems import responses
from pmf_api.reporting.jobs import schemas
from pmf_api.reporting.jobs import service as job_service
from pmf_api.reporting.jobs.models import JobState, ReportJob
from pmf_api.reporting.jobs.queue import InProcessQueue, JobQueue

router = APIRouter(tags=["Reports"])

PATH = "/api/v1/report-jobs"


def _queue(request: Request) -> JobQueue:
    queue: JobQueue | None = getattr(request.app.state, "job_queue", None)
    return queue if queue is not None else InProcessQueue()


def job_out(job: ReportJob) -> schemas.ReportJob:
    has_file = job.state == JobState.SUCCEEDED and job.file_name is not None
    return schemas.ReportJob(
        id=job.id,
        created_at=job.created_at,
        updated_at=job.updated_at,
        version=job.version,
        kind=job.kind,
        parameters=job.parameters,
        state=JobState(job.state),
        progress=job.progress,
        progress_message=job.progress_message,
        requested_by=job.requested_by,
        requested_at=job.requested_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        attempts=job.attempts,
        scheduled=job.schedule_key is not None,
        file=schemas.JobFile(
            name=job.file_name or "",
            media_type=job.media_type or "application/octet-stream",
            size=job.file_size or 0,
            sha256=job.file_sha256 or "",
        )
        if has_file
        else None,
        links=schemas.JobLinks(self=f"{PATH}/{job.id}", file=f"{PATH}/{job.id}/file" if has_file else None),
    )


@router.post(
    "/report-jobs",
    summary="Ask for a report (or another registered job) to be made",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=schemas.ReportJob,
    responses={
        **responses(400, 401, 403, 413),
        200: {
            "description": "The same request was made before: the job, waiting, running or done",
            "model": schemas.ReportJob,
        },
    },
    description=(
        "Queues a job of a registered kind (`report`: render a snapshot's report to a format; `snapshot`: freeze "
        "a period) and answers 202 at once with the job and its `Location`; follow it with `GET "
        "/report-jobs/{id}` until `state` is `succeeded`, then fetch `links.file`. Parameters are checked by the "
        "kind (422 at `#/parameters/...`; an unknown kind at `#/kind`). The same request of a kind that "
        "dedupes (a snapshot's report: the same snapshot gives the same file) answers 200 with the earlier job. "
        "The job runs as you, with the access you have now."
    ),
)
async def create_report_job(
    body: schemas.ReportJobCreate, request: Request, session: SessionDep, actor: CurrentActor
) -> JSONResponse:
    job, created = await job_service.request_job(session, actor, body.kind, body.parameters, queue=_queue(request))
    await session.flush()
    out = job_out(job)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        headers={"Location": out.links.self},
    )


@router.get(
    "/report-jobs",
    summary="Report jobs, newest first (the performance team: the council's; anyone else: their own)",
    response_model=PageOf[schemas.ReportJob],
    responses=responses(401, 403),
)
async def list_report_jobs(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[PageParams, Query()],
) -> PageOf[schemas.ReportJob]:
    jobs = await job_service.list_jobs(session, actor)
    page = page_of_list(
        jobs,
        lambda j: f"{9_999_999_999 - int(j.requested_at.timestamp()):010d} {j.id}",
        order="-requested_at",
        cursor=params.cursor,
        limit=params.limit,
    )
    return page_response(request, response, page, job_out)


@router.get(
    "/report-jobs/{id}",
    summary="A report job: its state, progress, error and links",
    response_model=schemas.ReportJob,
    responses=responses(401, 403, 404),
)
async def get_report_job(id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> schemas.ReportJob:
    return job_out(await job_service.get_job(session, actor, id))


@router.post(
    "/report-jobs/{id}/cancel",
    summary="Cancel a report job that has not started",
    response_model=schemas.ReportJob,
    responses=responses(401, 403, 404, 409),
    description="For whoever asked for it and the performance team; a job running or finished is 409. Audited.",
)
async def cancel_report_job(id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> schemas.ReportJob:
    return job_out(await job_service.cancel_job(session, actor, id))


@router.get(
    "/report-jobs/{id}/file",
    summary="The file a report job made",
    response_class=Response,
    responses={
        **responses(401, 403, 404, 409),
        200: {
            "description": "The file, with Content-Disposition naming it",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {
                    "schema": {
                        "type": "object",
                        "example": {"organisation": "Northdale District Council", "period": "2025/26 Q2"},
                    }
                },
                "text/html": {"schema": {"type": "string"}, "example": '<!DOCTYPE html><html lang="en-GB">...'},
                "text/csv": {"schema": {"type": "string"}, "example": "kpi_code,period,value,target,rag\n"},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        },
    },
    description="409 while the job is queued or running (or when it failed); 404 for a job that made no file.",
)
async def get_report_job_file(id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    job, content = await job_service.job_file(session, actor, id)
    name = job.file_name or "report"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return Response(
        content,
        media_type=job.media_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-SHA256": job.file_sha256 or "",
        },
    )
