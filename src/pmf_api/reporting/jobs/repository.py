"""Queries of report jobs."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pmf_api.platform.db.repository import OwnedRepository, Reader
from pmf_api.reporting.jobs.models import JobState, ReportJob

LIST_LIMIT = 500


class ReportJobRepository(OwnedRepository[ReportJob]):
    model = ReportJob
    what = "report job"
    sortable = {"requested_at": ReportJob.requested_at}
    default_sort = "requested_at"

    async def recent(self, reader: Reader, requested_by: str | None) -> list[ReportJob]:
        """The council's latest jobs, newest first (only ``requested_by``'s when given)."""
        statement = select(ReportJob).where(ReportJob.organisation_id == reader.organisation_id)
        if requested_by is not None:
            statement = statement.where(ReportJob.requested_by == requested_by)
        statement = statement.order_by(ReportJob.requested_at.desc(), ReportJob.id).limit(LIST_LIMIT)
        return list(await self.session.scalars(statement))

    async def same_request(self, reader: Reader, kind: str, dedupe_key: str) -> ReportJob | None:
        """A job of the same request that is waiting, running or done (a failed or cancelled one is not reused)."""
        statement = (
            select(ReportJob)
            .where(
                ReportJob.organisation_id == reader.organisation_id,
                ReportJob.dedupe_key == dedupe_key,
                ReportJob.kind == kind,
                ReportJob.state.in_([JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED]),
            )
            .order_by(ReportJob.requested_at.desc())
            .limit(1)
        )
        found: ReportJob | None = await self.session.scalar(statement)
        return found

    async def scheduled(self, organisation_id: uuid.UUID, schedule_key: str) -> ReportJob | None:
        found: ReportJob | None = await self.session.scalar(
            select(ReportJob).where(
                ReportJob.organisation_id == organisation_id, ReportJob.schedule_key == schedule_key
            )
        )
        return found

    async def content(self, job_id: uuid.UUID) -> bytes | None:
        found: bytes | None = await self.session.scalar(select(ReportJob.content).where(ReportJob.id == job_id))
        return found
