"""Running jobs: claim one with a lease, run its kind's handler as its requester, keep the outcome.

A worker claims a queued job by writing its own token and a lease expiry on it (PostgreSQL picks
``FOR UPDATE SKIP LOCKED``, so workers take different jobs; SQLite has one writer at a time). While
the handler runs, the lease is renewed (by each progress report and by a heartbeat); a worker that
dies stops renewing it, and once it expires the job is claimed again, up to ``PMF_JOB_MAX_ATTEMPTS``
runs, then failed. A handler's exception fails the job with a message safe to show (its detail when
it is one of the service's own errors, else a reference to the log), never leaving it running.

The service's own workers (``run_in_service``, the inprocess backend) loop over ``drain``; with the
pgqueuer backend ``pmf-api worker`` hands each queued id to ``run_job``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.config import Settings
from pmf_api.platform.db.session import unit_of_work
from pmf_api.platform.errors import PMFError
from pmf_api.reporting.jobs import schedule
from pmf_api.reporting.jobs.models import JobState, ReportJob
from pmf_api.reporting.jobs.queue import InProcessQueue, JobQueue
from pmf_api.reporting.jobs.registry import JobContext, JobResult, get_kind
from pmf_api.reporting.jobs.service import requester_of

logger = logging.getLogger("pmf_api.jobs")

# Modules that register the service's own kinds of job (the lead adds the report and snapshot kinds here)
KIND_MODULES: list[str] = ["pmf_api.reporting.kinds"]  # the service's own: report and snapshot


def load_kinds(settings: Settings) -> None:
    """Import every module that registers kinds: the service's own and PMF_JOB_MODULES."""
    for name in [*KIND_MODULES, *settings.job_modules]:
        importlib.import_module(name)


@dataclass(frozen=True)
class Claim:
    job_id: uuid.UUID
    token: str


def _now() -> datetime:
    return datetime.now(UTC)


def _claimable(now: datetime) -> object:
    return or_(
        ReportJob.state == JobState.QUEUED,
        and_(ReportJob.state == JobState.RUNNING, ReportJob.lease_until < now),
    )


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    job_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Claim | None:
    """Lease the oldest queued job (or ``job_id``), or a running one whose worker stopped; None when there is none."""
    now = now or _now()
    token = uuid.uuid4().hex
    async with unit_of_work(sessionmaker) as session:
        # A job whose workers died too often is failed rather than tried for ever
        await session.execute(
            update(ReportJob)
            .where(
                ReportJob.state == JobState.RUNNING,
                ReportJob.lease_until < now,
                ReportJob.attempts >= settings.job_max_attempts,
            )
            .values(
                state=JobState.FAILED.value,
                error=f"The job stopped without finishing {settings.job_max_attempts} times; ask for it again",
                finished_at=now,
                lease_token=None,
                lease_until=None,
                version=ReportJob.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        candidate = select(ReportJob.id).where(_claimable(now))  # type: ignore[arg-type]
        if job_id is not None:
            candidate = candidate.where(ReportJob.id == job_id)
        candidate = candidate.order_by(ReportJob.requested_at, ReportJob.id).limit(1).with_for_update(skip_locked=True)
        found = await session.scalar(candidate)
        if found is None:
            return None
        result = await session.execute(
            update(ReportJob)
            .where(ReportJob.id == found, _claimable(now))  # type: ignore[arg-type]
            .values(
                state=JobState.RUNNING.value,
                lease_token=token,
                lease_until=now + timedelta(seconds=settings.job_lease_seconds),
                started_at=now,
                attempts=ReportJob.attempts + 1,
                error=None,
                version=ReportJob.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
    return Claim(found, token)


async def _settle(sessionmaker: async_sessionmaker[AsyncSession], claimed: Claim, **values: object) -> bool:
    """Write on the job while this worker still holds it; False when its lease was lost."""
    async with unit_of_work(sessionmaker) as session:
        result = await session.execute(
            update(ReportJob)
            .where(ReportJob.id == claimed.job_id, ReportJob.lease_token == claimed.token)
            .values(version=ReportJob.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def safe_message(exc: BaseException, job_id: uuid.UUID) -> str:
    """What the job's ``error`` says: the service's own errors speak to the user; anything else is logged and
    named only by the job's id, so no internal detail leaks."""
    if isinstance(exc, PMFError):
        return exc.detail
    return f"The job failed unexpectedly; the service's log has the details (job {job_id})"


async def execute(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    claimed: Claim,
    on_progress: Callable[[int, str | None], None] | None = None,
) -> str:
    """Run a claimed job to its end; its final state. ``on_progress`` hears each progress report too (a shell's bar)."""
    async with unit_of_work(sessionmaker, writes=False) as session:
        job = await session.get(ReportJob, claimed.job_id)
        assert job is not None
        kind_name, parameters, actor = job.kind, dict(job.parameters), requester_of(job)
    kind = get_kind(kind_name)
    lease = timedelta(seconds=settings.job_lease_seconds)
    if kind is None:
        logger.error("Job %s is of kind %r, which this worker does not know", claimed.job_id, kind_name)
        await _settle(
            sessionmaker,
            claimed,
            state=JobState.FAILED.value,
            error=f"This service does not know jobs of kind {kind_name!r}",
            finished_at=_now(),
            lease_token=None,
            lease_until=None,
        )
        return JobState.FAILED

    async def progress(percent: int, message: str | None) -> None:
        if on_progress is not None:
            on_progress(percent, message)
        await _settle(
            sessionmaker,
            claimed,
            progress=percent,
            progress_message=message[:300] if message else None,
            lease_until=_now() + lease,
        )

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(max(1.0, settings.job_lease_seconds / 3))
            with contextlib.suppress(Exception):
                await _settle(sessionmaker, claimed, lease_until=_now() + lease)

    context = JobContext(
        job_id=claimed.job_id,
        kind=kind_name,
        parameters=kind.parameters_model.model_validate(parameters),
        actor=actor,
        sessionmaker=sessionmaker,
        report_progress=progress,
    )
    beating = asyncio.create_task(heartbeat(), name=f"pmf-job-heartbeat-{claimed.job_id}")
    try:
        result: JobResult | None = await kind.handler(context)
    except asyncio.CancelledError:
        # The worker is stopping: the job waits for the next one (this run still counts as an attempt)
        await asyncio.shield(
            _settle(sessionmaker, claimed, state=JobState.QUEUED.value, lease_token=None, lease_until=None)
        )
        raise
    except Exception as exc:
        logger.exception("Job %s (%s) failed", claimed.job_id, kind_name)
        await _settle(
            sessionmaker,
            claimed,
            state=JobState.FAILED.value,
            error=safe_message(exc, claimed.job_id),
            finished_at=_now(),
            lease_token=None,
            lease_until=None,
        )
        return JobState.FAILED
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    values: dict[str, object] = {
        "state": JobState.SUCCEEDED.value,
        "progress": 100,
        "finished_at": _now(),
        "lease_token": None,
        "lease_until": None,
    }
    if result is not None:
        values |= {
            "content": result.content,
            "media_type": result.media_type,
            "file_name": result.filename,
            "file_size": len(result.content),
            "file_sha256": hashlib.sha256(result.content).hexdigest(),
        }
    if not await _settle(sessionmaker, claimed, **values):
        logger.warning(
            "Job %s finished after its lease passed to another worker; its result is dropped", claimed.job_id
        )
    return JobState.SUCCEEDED


async def run_job(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, job_id: uuid.UUID) -> str | None:
    """Run one job by its id (a queue's worker); None when it is not there to run (done, or another worker has it)."""
    claimed = await claim(sessionmaker, settings, job_id=job_id)
    if claimed is None:
        return None
    return await execute(sessionmaker, settings, claimed)


async def drain(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, limit: int | None = None) -> int:
    """Run queued jobs one after another until none is left (or ``limit`` have run); how many ran."""
    ran = 0
    while limit is None or ran < limit:
        claimed = await claim(sessionmaker, settings)
        if claimed is None:
            break
        await execute(sessionmaker, settings, claimed)
        ran += 1
    return ran


async def _work(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: InProcessQueue, name: str
) -> None:
    while True:
        try:
            await drain(sessionmaker, settings)
        except Exception:
            logger.exception("Worker %s failed looking for jobs; it tries again", name)
        queue.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(queue.wake.wait(), settings.job_poll_seconds)


async def _schedule_loop(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: JobQueue) -> None:
    while True:
        try:
            made = await schedule.enqueue_due(sessionmaker, settings, queue, date.today())
            if made:
                logger.info("Scheduled %d job(s)", made)
        except Exception:
            logger.exception("Scheduling jobs failed; the next check tries again")
        await asyncio.sleep(settings.job_schedule_interval_seconds)


@contextlib.asynccontextmanager
async def run_in_service(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: JobQueue
) -> AsyncIterator[list[asyncio.Task[None]]]:
    """The service's lifespan: its workers (inprocess backend: PMF_JOB_WORKERS of them, which also run the
    jobs a restart left queued or running) and the schedule's periodic check, while the block runs."""
    load_kinds(settings)
    tasks: list[asyncio.Task[None]] = []
    if isinstance(queue, InProcessQueue):
        for number in range(settings.job_workers_in_service):
            name = f"pmf-jobs-{number + 1}"
            tasks.append(asyncio.create_task(_work(sessionmaker, settings, queue, name), name=name))
        if settings.job_schedule_enabled:
            tasks.append(asyncio.create_task(_schedule_loop(sessionmaker, settings, queue), name="pmf-job-schedule"))
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
