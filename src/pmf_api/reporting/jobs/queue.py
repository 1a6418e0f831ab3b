"""Where a new job is announced so a worker runs it: the service itself, or a PostgreSQL queue.

``inprocess`` (the default, and the embedded SQLite database's only choice): the service's own
workers poll the job table (and are woken by a new job). ``pgqueuer``: the job's id is put on a
PgQueuer queue in the same transaction as the job's row, and ``pmf-api worker`` processes, as many
as the deployment needs, consume it (no new infrastructure: the queue is tables in PostgreSQL).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.config import Settings

if TYPE_CHECKING:
    from pmf_api.reporting.jobs.models import ReportJob

ENTRYPOINT = "pmf_report_job"
# PgQueuer's tables, types and function live in a schema of their own, installed by our migration
PGQUEUER_SCHEMA = "pgqueuer"


def pgqueuer_queries(connection: Any) -> Any:
    """PgQueuer's queries over an asyncpg connection, on the tables in ``PGQUEUER_SCHEMA``."""
    from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
    from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment, QueryQueueBuilder, QuerySchedulerBuilder
    from pgqueuer.domain.settings import DBSettings
    from pgqueuer.queries import Queries

    settings = DBSettings(db_schema=PGQUEUER_SCHEMA)
    return Queries(
        AsyncpgDriver(connection),
        qbe=QueryBuilderEnvironment(settings=settings),
        qbq=QueryQueueBuilder(settings=settings),
        qbs=QuerySchedulerBuilder(settings=settings),
    )


class JobQueue(Protocol):
    name: str

    async def enqueued(self, session: AsyncSession, job: ReportJob) -> None:
        """The job's row was added in ``session``'s transaction (flushed): announce it to the workers."""


class InProcessQueue:
    """The service's own workers find queued jobs in the table; this only wakes them sooner."""

    name = "inprocess"

    def __init__(self) -> None:
        self.wake = asyncio.Event()

    async def enqueued(self, session: AsyncSession, job: ReportJob) -> None:
        self.wake.set()


class PgQueuerQueue:
    """Puts the job's id on PgQueuer's queue through the session's own connection, so the queue entry
    commits (or rolls back) with the job's row: a worker never sees a job that was not made."""

    name = "pgqueuer"

    async def enqueued(self, session: AsyncSession, job: ReportJob) -> None:
        await enqueue_ids(session, [job.id])


async def enqueue_ids(session: AsyncSession, ids: list[object]) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    queries = pgqueuer_queries(raw.driver_connection)
    # The job's id is the dedupe key: a sweep that announces a job again while it waits adds nothing
    await queries.enqueue(
        [ENTRYPOINT] * len(ids),
        [str(i).encode() for i in ids],
        [0] * len(ids),
        dedupe_key=[str(i) for i in ids],
        on_conflict="skip",
    )


def queue_for(settings: Settings) -> JobQueue:
    if settings.job_backend == "pgqueuer":
        return PgQueuerQueue()
    return InProcessQueue()
