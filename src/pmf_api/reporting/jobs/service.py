"""Use cases of report jobs: ask for one, see how it is getting on, fetch its file, list them.

Asking is a write (audited): the job records who asked and the grants they held, and the worker runs
it as them, so a report shows only what its requester may read. Reading a job is for whoever asked
and for the performance team; another council's job does not exist (404).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.access.policy import require_read
from pmf_api.domain.workflow import Role
from pmf_api.platform import audit
from pmf_api.platform.db.base import utcnow
from pmf_api.platform.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied, invalid
from pmf_api.reporting.jobs.models import JobState, ReportJob
from pmf_api.reporting.jobs.queue import JobQueue
from pmf_api.reporting.jobs.registry import JobKind, get_kind, kinds
from pmf_api.reporting.jobs.repository import ReportJobRepository

JOB_READERS = frozenset({Role.PERFORMANCE})


def kind_of(name: str) -> JobKind:
    kind = get_kind(name)
    if kind is None:
        known = ", ".join(sorted(k.name for k in kinds())) or "none"
        raise invalid("kind", f"No kind of job is called {name!r} (known: {known})")
    return kind


def checked_parameters(kind: JobKind, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as the kind's model reads them (its canonical JSON form); 422 at
    ``#/parameters/...`` for each one it refuses."""
    try:
        model = kind.parameters_model.model_validate(dict(parameters))
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(["parameters", *(str(part) for part in error["loc"])]), error["msg"])
            for error in exc.errors()
        ]
        raise InvalidInput(detail="; ".join(p.message for p in problems), problems=problems) from None
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped


def dedupe_key(kind: str, parameters: Mapping[str, Any], requester: str) -> str:
    """The same request from the same person: a job runs as whoever asked, and only they (and the
    performance team) read it, so one person's job is never handed to another."""
    request = {"kind": kind, "parameters": parameters, "requester": requester}
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def grants_of(actor: Actor) -> list[dict[str, Any]]:
    return [
        {"role": g.role.value, "scope": g.scope.value, "scope_id": str(g.scope_id) if g.scope_id else None}
        for g in actor.grants
    ]


def requester_of(job: ReportJob) -> Actor:
    """The person who asked, with the grants they held then: whom the worker acts as."""
    return Actor(
        organisation_id=job.organisation_id,
        subject=job.requested_by,
        name=job.requested_by_name,
        grants=tuple(
            Grant(Role(g["role"]), ScopeType(g["scope"]), uuid.UUID(g["scope_id"]) if g.get("scope_id") else None)
            for g in job.requester_grants
        ),
        person_id=job.requested_by_person_id,
    )


async def request_job(
    session: AsyncSession,
    actor: Actor,
    kind_name: str,
    parameters: Mapping[str, Any],
    *,
    queue: JobQueue,
    schedule_key: str | None = None,
) -> tuple[ReportJob, bool]:
    """Queue a job of ``kind_name``; (the job, True) when made, or (the earlier job, False) when the kind
    dedupes and the same request from this council is waiting, running or done."""
    require_read(actor)
    kind = kind_of(kind_name)
    if kind.may_request is not None and not kind.may_request(actor):
        raise PermissionDenied(detail=f"You may not ask for a {kind.name} job")
    checked = checked_parameters(kind, parameters)
    if kind.check is not None:
        resolved = await kind.check(session, actor, kind.parameters_model.model_validate(checked))
        checked = resolved.model_dump(mode="json")
    key = dedupe_key(kind.name, checked, actor.subject) if kind.dedupe else None
    repository = ReportJobRepository(session)
    if key is not None:
        earlier = await repository.same_request(actor, kind.name, key)
        if earlier is not None:
            return earlier, False
    job = ReportJob(
        organisation_id=actor.organisation_id,
        kind=kind.name,
        parameters=checked,
        dedupe_key=key,
        schedule_key=schedule_key,
        state=JobState.QUEUED.value,
        progress=0,
        requested_by=actor.subject,
        requested_by_name=actor.name,
        requested_by_person_id=actor.person_id,
        requester_grants=grants_of(actor),
        attempts=0,
        content=None,  # loaded, so the audit's snapshot of the new row reads no deferred column
    )
    await audit.create(session, actor, job)
    await queue.enqueued(session, job)
    return job, True


def may_read(actor: Actor, job: ReportJob) -> bool:
    return actor.subject == job.requested_by or actor.holds(JOB_READERS)


async def get_job(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> ReportJob:
    require_read(actor)
    job = await ReportJobRepository(session).get(actor, job_id)
    if not may_read(actor, job):
        raise PermissionDenied(detail="Only whoever asked for a job and the performance team may see it")
    return job


async def list_jobs(session: AsyncSession, actor: Actor) -> list[ReportJob]:
    """The council's latest jobs for the performance team; one's own for anyone else. Newest first."""
    require_read(actor)
    requested_by = None if actor.holds(JOB_READERS) else actor.subject
    return await ReportJobRepository(session).recent(actor, requested_by)


async def cancel_job(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> ReportJob:
    """Cancel a job that has not started (whoever asked, or the performance team); audited. A running job
    cannot be stopped part way, and a finished one is what it is: 409."""
    job = await get_job(session, actor, job_id)
    if job.state != JobState.QUEUED:
        raise Conflict(detail=f"The job is {job.state}: only a job still queued can be cancelled")
    await session.refresh(job, ["state", "version", "content"], with_for_update=True)  # locked; audit reads all
    if job.state != JobState.QUEUED:  # a worker took it meanwhile
        raise Conflict(detail=f"The job is {job.state}: only a job still queued can be cancelled")
    await audit.update(
        session,
        actor,
        job,
        {"state": JobState.CANCELLED.value, "finished_at": utcnow()},
        expected_version=None,
        action="cancel",
    )
    await session.flush()
    return job


async def job_file(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> tuple[ReportJob, bytes]:
    """The job's file; 409 until the job has succeeded (or when it failed), 404 when it made none."""
    job = await get_job(session, actor, job_id)
    match job.state:
        case JobState.QUEUED | JobState.RUNNING:
            raise Conflict(detail=f"The job is {job.state} ({job.progress}% done): ask again when it has succeeded")
        case JobState.FAILED:
            raise Conflict(detail=f"The job failed: {job.error}")
        case JobState.CANCELLED:
            raise Conflict(detail="The job was cancelled: it made no file")
    content = await ReportJobRepository(session).content(job.id)
    if content is None:
        raise NotFound(detail="The job succeeded without making a file")
    return job, content
