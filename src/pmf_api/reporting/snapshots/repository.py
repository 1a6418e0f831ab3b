"""Queries of as-reported snapshots."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

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

    async def previous_frozen_at(self, organisation_id: uuid.UUID, frequency: str, period: str) -> datetime | None:
        """When the council's latest snapshot of ``frequency`` other than ``period`` froze: what a new
        report's restatements are counted from."""
        found: datetime | None = await self.session.scalar(
            select(ReportSnapshot.frozen_at)
            .where(
                ReportSnapshot.organisation_id == organisation_id,
                ReportSnapshot.frequency == frequency,
                ReportSnapshot.period != period,
            )
            .order_by(ReportSnapshot.frozen_at.desc())
            .limit(1)
        )
        return found

    async def earlier(self, organisation_id: uuid.UUID, before: date) -> list[tuple[datetime, list[dict[str, Any]]]]:
        """Each snapshot frozen by ``before`` with its KPI entries, the latest frozen first."""
        rows = await self.session.execute(
            select(ReportSnapshot.frozen_at, ReportSnapshot.content)
            .where(ReportSnapshot.organisation_id == organisation_id, ReportSnapshot.period_end <= before)
            .order_by(ReportSnapshot.frozen_at.desc())
        )
        return [(frozen_at, list(content.get("kpis", []))) for frozen_at, content in rows]
