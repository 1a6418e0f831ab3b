"""``pmf-api worker``: a process that runs report jobs, separate from the service.

With ``PMF_JOB_BACKEND=pgqueuer`` it consumes PgQueuer's queue in PostgreSQL (start as many as the
load needs; each job runs once, claimed with a lease); with the default ``inprocess`` backend it
polls the job table (for a deployment that runs the service with ``PMF_JOB_WORKERS=0``). Either way
it also runs the schedule's periodic check (month-end and quarter-end snapshots) unless
``PMF_JOB_SCHEDULE`` is off, and it re-announces jobs a crash left behind. ``--burst`` runs what is
queued and exits (a cron job, or a test).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.config import Settings
from pmf_api.platform.db.session import create_engine, create_sessionmaker, unit_of_work
from pmf_api.reporting.jobs import runner, schedule
from pmf_api.reporting.jobs.models import JobState, ReportJob
from pmf_api.reporting.jobs.queue import ENTRYPOINT, InProcessQueue, JobQueue, enqueue_ids, pgqueuer_queries, queue_for

logger = logging.getLogger("pmf_api.jobs")


async def sweep(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Announce again, on PgQueuer's queue, jobs that wait (queued) or whose worker died (lease expired):
    the job's id is its dedupe key there, so one already waiting is not added twice. How many were swept."""
    now = datetime.now(UTC)
    async with unit_of_work(sessionmaker) as session:
        ids = list(
            await session.scalars(
                select(ReportJob.id)
                .where(
                    or_(
                        ReportJob.state == JobState.QUEUED,
                        and_(ReportJob.state == JobState.RUNNING, ReportJob.lease_until < now),
                    )
                )
                .order_by(ReportJob.requested_at)
                .limit(1000)
            )
        )
        if ids:
            await enqueue_ids(session, list(ids))
    return len(ids)


async def _housekeeping(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: JobQueue, *, sweeping: bool
) -> None:
    """Every so often: re-announce what a crash left (pgqueuer), and queue the scheduled jobs that are due."""
    last_schedule: datetime | None = None
    while True:
        try:
            if sweeping:
                await sweep(sessionmaker, settings)
            now = datetime.now(UTC)
            interval = timedelta(seconds=settings.job_schedule_interval_seconds)
            if settings.job_schedule_enabled and (last_schedule is None or now - last_schedule >= interval):
                last_schedule = now
                await schedule.enqueue_due(sessionmaker, settings, queue, date.today())
        except Exception:
            logger.exception("The worker's housekeeping failed; it tries again")
        await asyncio.sleep(max(settings.job_lease_seconds / 2, settings.job_poll_seconds))


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _consume(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: JobQueue, *, burst: bool
) -> int:
    import asyncpg
    from pgqueuer.core.qm import QueueManager
    from pgqueuer.domain.models import Job
    from pgqueuer.domain.types import QueueExecutionMode

    ran = 0
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        manager = QueueManager(pgqueuer_queries(connection))

        @manager.entrypoint(ENTRYPOINT)
        async def run(job: Job) -> None:
            nonlocal ran
            if job.payload is None:
                return
            state = await runner.run_job(sessionmaker, settings, uuid.UUID(job.payload.decode()))
            ran += state is not None

        await sweep(sessionmaker, settings)
        housekeeping = None
        if not burst:
            housekeeping = asyncio.create_task(_housekeeping(sessionmaker, settings, queue, sweeping=True))
        try:
            await manager.run(
                dequeue_timeout=timedelta(seconds=settings.job_poll_seconds),
                batch_size=1,
                mode=QueueExecutionMode.drain if burst else QueueExecutionMode.continuous,
            )
        finally:
            if housekeeping is not None:
                housekeeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await housekeeping
    finally:
        await connection.close()
    return ran


async def _poll(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: JobQueue, *, burst: bool
) -> int:
    if burst:
        return await runner.drain(sessionmaker, settings)
    housekeeping = asyncio.create_task(_housekeeping(sessionmaker, settings, queue, sweeping=False))
    ran = 0
    try:
        while True:
            ran += await runner.drain(sessionmaker, settings)
            await asyncio.sleep(settings.job_poll_seconds)
    finally:
        housekeeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await housekeeping


async def run_worker(settings: Settings, *, burst: bool = False) -> int:
    """Run jobs until stopped (or, with ``burst``, until none is queued); how many ran."""
    runner.load_kinds(settings)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    queue = queue_for(settings)
    try:
        if isinstance(queue, InProcessQueue):
            return await _poll(sessionmaker, settings, queue, burst=burst)
        return await _consume(sessionmaker, settings, queue, burst=burst)
    finally:
        await engine.dispose()
