"""Scheduled jobs: a snapshot of each month and each quarter once it has ended and its values are in.

Every kind registered with ``scheduled`` frequencies (the ``"snapshot"`` kind: freeze a period) is
queued for each council, once per period of those frequencies that ``domain.report_schedule`` says is
due (``PMF_JOB_SNAPSHOT_WAIT_WORKING_DAYS`` working days after it ends, 10 by default: seed 001's
collection due date). Exactly once: the job carries a schedule key unique per council, so checks
that overlap (two instances, a restart) make one job. The schedule acts as the council's
performance team, named as the schedule in the audit trail.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor, Grant
from pmf_api.config import Settings
from pmf_api.domain.report_schedule import due_snapshots
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.repository import OrganisationRepository
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.platform.db.session import unit_of_work
from pmf_api.reporting.jobs.queue import JobQueue
from pmf_api.reporting.jobs.registry import scheduled_kinds
from pmf_api.reporting.jobs.repository import ReportJobRepository
from pmf_api.reporting.jobs.service import request_job

logger = logging.getLogger("pmf_api.jobs")

SCHEDULER_SUBJECT = "pmf-api:schedule"


def scheduler(organisation_id: uuid.UUID) -> Actor:
    """Whom the schedule acts as in a council: its performance team."""
    return Actor(
        organisation_id=organisation_id,
        subject=SCHEDULER_SUBJECT,
        name="Scheduled snapshots",
        grants=(Grant(Role.PERFORMANCE),),
    )


def schedule_key(kind: str, period: object) -> str:
    return f"{kind}:{period}"


async def enqueue_due(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, queue: JobQueue, as_of: date
) -> int:
    """Queue every scheduled job due on ``as_of`` that has not been queued before; how many were queued."""
    kinds = scheduled_kinds()
    if not kinds:
        return 0
    async with unit_of_work(sessionmaker, writes=False) as session:
        organisations = await OrganisationRepository(session).all_ids()
    made = 0
    for organisation_id in organisations:
        actor = scheduler(organisation_id)
        try:
            async with unit_of_work(sessionmaker) as session:
                start_month = (await get_organisation(session, actor)).financial_year_start_month
                for kind in kinds:
                    periods = due_snapshots(
                        as_of,
                        start_month=start_month,
                        wait_working_days=settings.job_snapshot_wait_working_days,
                        frequencies=kind.scheduled,
                    )
                    for period in periods:
                        key = schedule_key(kind.name, period)
                        if await ReportJobRepository(session).scheduled(organisation_id, key) is not None:
                            continue
                        _, created = await request_job(
                            session, actor, kind.name, {"period": str(period)}, queue=queue, schedule_key=key
                        )
                        made += created
        except IntegrityError:  # another instance queued it between our look and our write
            logger.info("Scheduled jobs of organisation %s were queued by another instance", organisation_id)
        except Exception:  # one council's problem must not stop the others' snapshots
            logger.exception("Scheduling the jobs of organisation %s failed; the next check retries", organisation_id)
    return made
