"""Queries of as-reported snapshots."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.reporting.snapshots.models import ReportSnapshot


class SnapshotRepository(OwnedRepository[ReportSnapshot]):
    model = ReportSnapshot
    what = "snapshot"
    sortable = {
        "period_end": ReportSnapshot.period_end,
        "frozen_at": ReportSnapshot.frozen_at,
        "updated_at": ReportSnapshot.updated_at,
    }
    default_sort = "-period_end"

    async def of_period(self, organisation_id: uuid.UUID, period: str) -> uuid.UUID | None:
        """The id of the council's snapshot of ``period``, if it has one."""
        found: uuid.UUID | None = await self.session.scalar(
            select(ReportSnapshot.id).where(
                ReportSnapshot.organisation_id == organisation_id, ReportSnapshot.period == period
            )
        )
        return found
